"""Reads of dossiers, scoped to who asks: a citizen sees their own (and their businesses'), staff their agency's."""

import datetime as dt

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from procedures.working_calendar import WorkingCalendar

from .models import Dossier
from .workflow import OPEN_STATES, WAITING_ON_CITIZEN, State


def _base() -> QuerySet[Dossier]:
    return Dossier.objects.select_related(
        "procedure", "version", "agency", "handling_agency", "current_step", "owner", "business"
    )


def staff_agency_ids(user) -> set[int]:
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(user.staff_memberships.values_list("agency_id", flat=True))


def visible_dossiers(user) -> QuerySet[Dossier]:
    """Every dossier ``user`` may see: their own, their businesses', and (staff) their agencies'.

    Drafts of other people are never visible to staff.
    """
    if not getattr(user, "is_authenticated", False):
        return Dossier.objects.none()
    # Ids, not joins: no DISTINCT over a citizen's (possibly huge) history, and an index per branch.
    businesses = list(user.business_memberships.values_list("business_id", flat=True))
    scope = Q(owner=user)
    if businesses:
        scope |= Q(business_id__in=businesses)
    agencies = staff_agency_ids(user)
    if agencies:
        scope |= (Q(agency_id__in=agencies) | Q(handling_agency_id__in=agencies)) & ~Q(state=State.DRAFT)
    return _base().filter(scope)


def own_dossiers(user) -> QuerySet[Dossier]:
    """The dossiers ``user`` filed as an applicant: their own and their businesses' (not a staff view)."""
    if not getattr(user, "is_authenticated", False):
        return Dossier.objects.none()
    businesses = list(user.business_memberships.values_list("business_id", flat=True))
    scope = Q(owner=user)
    if businesses:
        scope |= Q(business_id__in=businesses)
    return _base().filter(scope)


def dossier_for(user, pk: int) -> Dossier | None:
    """One dossier if ``user`` may see it, else None (the caller answers 404: nothing leaks)."""
    return visible_dossiers(user).filter(pk=pk).first()


QUEUES = ("new", "due_today", "overdue", "waiting", "my_step", "all")


def _queue_filters(user, now: dt.datetime) -> dict[str, Q]:
    """What each work list holds, as filters on the agency's non-draft dossiers."""
    open_states = list(OPEN_STATES)
    is_open = Q(state__in=open_states) & ~Q(state=State.RESOLVED)
    end_of_day = timezone.localtime(now).replace(hour=23, minute=59, second=59)
    roles = list(user.staff_memberships.values_list("role", flat=True))
    return {
        "new": Q(state=State.SUBMITTED),
        "due_today": is_open & Q(due_at__gte=now, due_at__lte=end_of_day),
        "overdue": is_open & Q(due_at__lt=now, paused_at__isnull=True),
        "waiting": Q(state__in=WAITING_ON_CITIZEN),
        "my_step": Q(state=State.PROCESSING, current_step__role__in=roles),
        "all": Q(state__in=open_states),
    }


def _agency_dossiers(user, agency_ids: set[int] | None) -> QuerySet[Dossier]:
    """The dossiers on the work lists of the user's agencies: those they hold now (a transferred dossier
    is the new agency's work; the receiving agency still sees it, through ``visible_dossiers``)."""
    agencies = staff_agency_ids(user) if agency_ids is None else agency_ids
    return Dossier.objects.filter(holder_id__in=agencies).exclude(state=State.DRAFT)


def staff_queue(
    user, queue: str = "all", *, search: str = "", now: dt.datetime | None = None, agency_ids: set[int] | None = None
) -> QuerySet[Dossier]:
    """A staff member's work list: new online dossiers, due today, overdue, waiting on the citizen,
    at a step of their role, or all open ones of their agencies; oldest deadline first."""
    filters = _queue_filters(user, now or timezone.now())
    qs = _agency_dossiers(user, agency_ids).filter(filters.get(queue, filters["all"]))
    qs = qs.select_related("procedure", "version", "agency", "handling_agency", "current_step", "owner", "business")
    if search:
        term = search.strip()
        qs = qs.filter(Q(code__icontains=term) | Q(applicant_name__icontains=term) | Q(applicant_id_number=term))
    return qs.order_by("due_at", "pk")


def staff_queue_counts(
    user, *, now: dt.datetime | None = None, agency_ids: set[int] | None = None
) -> dict[str, int]:
    """How many dossiers each work list holds, in one query."""
    filters = _queue_filters(user, now or timezone.now())
    # Every list holds open dossiers only: counting those reads the partial index, not the agency's history.
    return _agency_dossiers(user, agency_ids).filter(state__in=OPEN_STATES).aggregate(
        **{name: Count("pk", filter=condition) for name, condition in filters.items()}
    )


def working_time_left(
    dossier: Dossier, now: dt.datetime | None = None, *, calendar: WorkingCalendar | None = None
) -> int | None:
    """Working minutes until the appointment date (negative when late); None without a date.

    Pass one ``calendar`` for a whole list, so calendar exceptions are read once."""
    if dossier.due_at is None:
        return None
    now = now or timezone.now()
    calendar = calendar or WorkingCalendar.for_agency(dossier.agency)
    if now <= dossier.due_at:
        return calendar.working_minutes_between(now, dossier.due_at)
    return -calendar.working_minutes_between(dossier.due_at, now)


def public_lookup(code: str) -> Dossier | None:
    """A dossier by its code for the public lookup: the page shows no personal data."""
    fields = ["code", "state", "submitted_at", "received_at", "due_at", "resolved_at", "returned_at",
              "procedure__code", "version__name", "version__number", "agency__name", "agency__code"]
    return (
        Dossier.objects.select_related("procedure", "version", "agency")
        .only(*fields)
        .filter(code=code)
        .exclude(state=State.DRAFT)
        .first()
    )
