"""Reads of dossiers, scoped to who asks: a citizen sees their own (and their businesses'), staff their agency's."""

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from procedures.working_calendar import WorkingCalendar

from .models import Dossier
from .workflow import TERMINAL, WAITING_ON_CITIZEN, State


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


def staff_queue(
    user, queue: str = "all", *, search: str = "", now: dt.datetime | None = None, agency_ids: set[int] | None = None
) -> QuerySet[Dossier]:
    """A staff member's work list: new online dossiers, due today, overdue, waiting on the citizen,
    at a step of their role, or all open ones of their agencies; oldest deadline first."""
    now = now or timezone.now()
    agencies = staff_agency_ids(user) if agency_ids is None else agency_ids
    qs = _base().filter(Q(agency_id__in=agencies) | Q(handling_agency_id__in=agencies)).exclude(state=State.DRAFT)
    open_states = [s for s in State.values if s not in TERMINAL and s not in (State.DRAFT, State.RETURNED)]
    if queue == "new":
        qs = qs.filter(state=State.SUBMITTED)
    elif queue == "due_today":
        end = timezone.localtime(now).replace(hour=23, minute=59, second=59)
        qs = qs.filter(state__in=open_states, due_at__gte=now, due_at__lte=end).exclude(state=State.RESOLVED)
    elif queue == "overdue":
        qs = qs.filter(state__in=open_states, due_at__lt=now, paused_at__isnull=True).exclude(state=State.RESOLVED)
    elif queue == "waiting":
        qs = qs.filter(state__in=WAITING_ON_CITIZEN)
    elif queue == "my_step":
        roles = list(user.staff_memberships.values_list("role", flat=True))
        qs = qs.filter(state=State.PROCESSING, current_step__role__in=roles)
    else:
        qs = qs.filter(state__in=open_states)
    if search:
        term = search.strip()
        qs = qs.filter(Q(code__icontains=term) | Q(applicant_name__icontains=term) | Q(applicant_id_number=term))
    return qs.order_by("due_at", "pk")


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
