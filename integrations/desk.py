"""Reads of the sync desk (bàn đồng bộ, ``/dong-bo/``): who may use it and over which agencies, and the
exchange with the National Public Service Portal in each direction, each read in a fixed number of queries.

Directions: ``vao`` the dossiers the portal forwarded (``InboundDossier``), ``ra`` the dossiers' status
updates sent to it (``Delivery`` to the portal, one row per dossier), ``danh-muc`` the catalog's
synchronisation runs (``CatalogSync``).
"""

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from itertools import islice

from django.db.models import Case, CharField, Count, Exists, IntegerField, Max, Min, OuterRef, Q, QuerySet, Value, When
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import StaffMembership
from procedures.models import Agency, StaffRole

from .models import Attempt, CatalogSync, Consumer, Delivery, InboundDossier

DIRECTIONS = ("vao", "ra", "danh-muc")
DESK_ROLES = (StaffRole.RECEPTION_CLERK, StaffRole.ADMINISTRATOR)

# The states a row can be filtered by, in each direction, with the badge's words.
STATES = {
    "vao": {
        InboundDossier.Status.FAILING: _("Failing"),
        InboundDossier.Status.REFUSED: _("Refused"),
        InboundDossier.Status.STORED: _("Stored"),
    },
    "ra": {
        "dead": _("Given up"),
        "failing": _("Failing"),
        "pending": _("Waiting"),
        "delivered": _("Fully synced"),
    },
    "danh-muc": {
        CatalogSync.Status.FAILED: _("Failed"),
        CatalogSync.Status.OK: _("Imported"),
    },
}
# Status out: a dossier's badge is its worst delivery's state.
SEVERITY = {3: "dead", 2: "failing", 1: "pending", 0: "delivered"}


# --- who sees what ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Scope:
    """The rows a desk user sees.

    ``everything``: a superuser, not narrowed to an agency. Otherwise ``paths`` are the topmost agencies
    (materialized paths) of the user's clerk and administrator memberships, or the one agency chosen in the
    filter: a dossier is theirs when its receiving agency or the agency holding it is in one of those
    subtrees. ``admin_codes`` are the codes of every agency in the subtrees where the user is an
    administrator: they also see the inbound records that became no dossier and name one of those agencies
    (``MaDonViTiepNhan``), and, unless narrowed, the ones naming no agency the catalog knows.
    ``member_ids`` are the agencies the user is a member of in any role: the staff dossier page opens the
    dossiers those agencies received or handle (``cases.selectors.visible_dossiers``).
    """

    everything: bool
    is_admin: bool
    paths: tuple[str, ...]
    admin_codes: tuple[str, ...]
    member_ids: frozenset[int]
    agencies: tuple[Agency, ...]  # every agency in the user's subtrees, in tree order: the filter's choices
    roots: tuple[Agency, ...]  # the topmost ones
    narrowed: bool = False

    def narrow(self, agency: Agency) -> "Scope":
        """The same user's scope over ``agency``'s subtree only (it must be in ``agencies``)."""
        below = {a.code for a in self.agencies if a.path.startswith(agency.path)}
        return replace(self, everything=False, paths=(agency.path,), narrowed=True,
                       admin_codes=tuple(code for code in self.admin_codes if code in below))

    @property
    def agency_ids(self) -> list[int]:
        """The agencies of ``paths``' subtrees: filtering dossiers by their ids reads the dossiers' indexes."""
        return [a.pk for a in self.agencies if any(a.path.startswith(p) for p in self.paths)]

    def agency(self, code: str) -> Agency | None:
        return next((a for a in self.agencies if a.code == code), None)


def _topmost(agencies: Iterable[Agency]) -> list[Agency]:
    agencies = sorted({a.pk: a for a in agencies}.values(), key=lambda a: a.path)
    return [a for a in agencies if not any(a.path.startswith(b.path) and a.pk != b.pk for b in agencies)]


def _subtrees(paths: Iterable[str]) -> Q:
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(path__startswith=path)
    return q


def desk_scope(user) -> Scope | None:
    """The user's scope, or None when the desk is not for them (not a superuser, and no reception clerk or
    administrator membership). Two queries."""
    if not getattr(user, "is_authenticated", False):
        return None
    memberships = list(StaffMembership.objects.filter(user=user).select_related("agency"))
    desk = [m.agency for m in memberships if m.role in DESK_ROLES]
    if not desk and not user.is_superuser:
        return None
    member_ids = frozenset(m.agency_id for m in memberships)
    if user.is_superuser:
        agencies = list(Agency.objects.order_by("path"))
        roots = [a for a in agencies if a.depth == 1]
        return Scope(everything=True, is_admin=True, paths=tuple(a.path for a in roots),
                     admin_codes=tuple(a.code for a in agencies), member_ids=member_ids,
                     agencies=tuple(agencies), roots=tuple(roots))
    roots = _topmost(desk)
    admin_roots = _topmost(m.agency for m in memberships if m.role == StaffRole.ADMINISTRATOR)
    agencies = list(Agency.objects.filter(_subtrees(a.path for a in roots)).order_by("path"))
    admin_codes = tuple(a.code for a in agencies if any(a.path.startswith(r.path) for r in admin_roots))
    return Scope(everything=False, is_admin=bool(admin_roots), paths=tuple(a.path for a in roots),
                 admin_codes=admin_codes, member_ids=member_ids, agencies=tuple(agencies), roots=tuple(roots))


def _dossier_scope(scope: Scope, prefix: str) -> Q:
    """The dossiers (at ``prefix``, "" or "dossier__") received or held by an agency of the scope."""
    if scope.everything:
        return Q()
    ids = scope.agency_ids
    return Q(**{f"{prefix}agency_id__in": ids}) | Q(**{f"{prefix}holder_id__in": ids})


def masked(number: str) -> str:
    """An ID number with its middle hidden, as the account page shows it (048•••••••234)."""
    number = number or ""
    if len(number) < 7:
        return number
    return f"{number[:3]}{'•' * (len(number) - 6)}{number[-3:]}"


@dataclass(frozen=True)
class Filters:
    state: str = ""
    search: str = ""
    since: dt.date | None = None
    until: dt.date | None = None  # inclusive


def _between(field: str, filters: Filters) -> Q:
    q = Q()
    if filters.since:
        q &= Q(**{f"{field}__gte": _day_start(filters.since)})
    if filters.until:
        q &= Q(**{f"{field}__lt": _day_start(filters.until + dt.timedelta(days=1))})
    return q


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


# --- inbound: what the portal forwarded ------------------------------------------------------------------
def _inbound(scope: Scope, filters: Filters) -> QuerySet[InboundDossier]:
    # As text (KT alone still compares as JSON).
    qs = InboundDossier.objects.annotate(
        named_agency=Cast(KT("payload__MaDonViTiepNhan"), CharField()),
        applicant_id=Cast(KT("payload__SoGiayToChuHoSo"), CharField()),
    ).filter(_between("last_received_at", filters))
    if scope.everything:
        return qs
    visible = Q(dossier__isnull=False) & _dossier_scope(scope, "dossier__")
    if scope.admin_codes:
        orphans = Q(named_agency__in=scope.admin_codes)
        if not scope.narrowed:
            # No agency named, or one the catalog does not know: no one else would ever see it.
            orphans |= Q(named_agency__isnull=True) | Q(named_agency="") | ~Exists(
                Agency.objects.filter(code=OuterRef("named_agency")))
        visible |= Q(dossier__isnull=True) & orphans
    return qs.filter(visible)


def inbound_counts(scope: Scope, filters: Filters) -> dict[str, int]:
    """The inbound records the user sees by status (the state and search filters aside). One query."""
    return _inbound(scope, replace(filters, state="", search="")).aggregate(
        **{status: Count("pk", filter=Q(status=status)) for status in InboundDossier.Status.values})


def inbound_rows(scope: Scope, filters: Filters) -> QuerySet[InboundDossier]:
    """The inbound records the user sees, failing first, then refused, then stored; newest first within."""
    qs = _inbound(scope, filters).select_related("dossier").defer("payload")
    if filters.state in InboundDossier.Status.values:
        qs = qs.filter(status=filters.state)
    if filters.search:
        qs = qs.filter(Q(national_reference__icontains=filters.search) | Q(dossier__code__icontains=filters.search))
    problem = Case(When(status=InboundDossier.Status.FAILING, then=Value(0)),
                   When(status=InboundDossier.Status.REFUSED, then=Value(1)), default=Value(2),
                   output_field=IntegerField())
    return qs.annotate(problem=problem).order_by("problem", "-last_received_at", "-pk")


def inbound_visible(scope: Scope) -> QuerySet[InboundDossier]:
    """The records the user may act on (every filter aside)."""
    return _inbound(scope, Filters())


def reasons(errors) -> list[str]:
    """The portal's or the province's reasons as lines, whatever their stored shape."""
    if isinstance(errors, dict):
        return [f"{name}: {', '.join(map(str, e)) if isinstance(e, list) else e}" for name, e in errors.items()]
    if isinstance(errors, str):
        return [errors] if errors else []
    out = []
    for error in errors or []:
        if isinstance(error, dict):
            out.append(str(error.get("message") or error.get("MoTa") or error.get("detail") or
                           "; ".join(f"{k}: {v}" for k, v in error.items())))
        else:
            out.append(str(error))
    return out


# --- status out: the dossiers' updates sent to the portal ------------------------------------------------
PENDING = Q(status=Delivery.Status.PENDING, attempts=0)
FAILING = Q(status=Delivery.Status.PENDING, attempts__gt=0)
DEAD = Q(status=Delivery.Status.DEAD)
DELIVERED = Q(status=Delivery.Status.DELIVERED)


def _portal(scope: Scope, filters: Filters) -> QuerySet[Delivery]:
    return Delivery.objects.filter(consumer=Consumer.PORTAL, dossier__isnull=False).filter(
        _dossier_scope(scope, "dossier__"), _between("created_at", filters))


def out_counts(scope: Scope, filters: Filters) -> dict[str, int]:
    """The status updates (deliveries to the portal) of the user's dossiers by state: ``pending`` waiting,
    never tried or queued again by hand; ``failing`` waiting after at least one failed attempt (the portal
    answered an error or could not be reached; the next attempt is scheduled); ``delivered``; ``dead``
    given up. One query."""
    return _portal(scope, filters).aggregate(
        pending=Count("pk", filter=PENDING), failing=Count("pk", filter=FAILING),
        delivered=Count("pk", filter=DELIVERED), dead=Count("pk", filter=DEAD))


DOSSIER_FIELDS = ("dossier_id", "dossier__code", "dossier__national_reference", "dossier__procedure__code",
                  "dossier__applicant_name", "dossier__applicant_id_number", "dossier__agency_id",
                  "dossier__handling_agency_id")


def out_rows(scope: Scope, filters: Filters) -> QuerySet:
    """One row (a dict) per dossier with updates to the portal: how many wait, fail, were given up and were
    delivered, the most attempts of one still undelivered, the next attempt, the latest update. Filtered by
    state, a dossier is listed when at least one of its updates is in that state ("delivered": all of them
    are). Given up first, then failing, then waiting, then fully synced; newest update first within."""
    qs = _portal(scope, filters)
    if filters.search:
        qs = qs.filter(Q(dossier__code__icontains=filters.search)
                       | Q(dossier__national_reference__icontains=filters.search))
    qs = qs.values(*DOSSIER_FIELDS).annotate(
        pending=Count("pk", filter=PENDING), failing=Count("pk", filter=FAILING), dead=Count("pk", filter=DEAD),
        delivered=Count("pk", filter=DELIVERED), last_at=Max("created_at"),
        most_attempts=Max("attempts", filter=~DELIVERED), next_at=Min("next_attempt_at", filter=FAILING),
    ).annotate(severity=Case(When(dead__gt=0, then=Value(3)), When(failing__gt=0, then=Value(2)),
                             When(pending__gt=0, then=Value(1)), default=Value(0), output_field=IntegerField()))
    state = {"dead": Q(dead__gt=0), "failing": Q(failing__gt=0), "pending": Q(pending__gt=0),
             "delivered": Q(severity=0)}.get(filters.state)
    if state is not None:
        qs = qs.filter(state)
    return qs.order_by("-severity", "-last_at", "-dossier_id")


def with_answers(rows: list[dict]) -> list[dict]:
    """``rows`` of ``out_rows`` with the portal's latest answer to each dossier (its last attempt: the
    answer, or why it could not be reached) and the badge. One query."""
    from cases.models import Dossier

    ids = [r["dossier_id"] for r in rows]
    last = Dossier.objects.filter(pk__in=ids).annotate(last=_last_attempt()).values("last")
    answers = {a["delivery__dossier_id"]: a for a in Attempt.objects.filter(pk__in=last).values(
        "delivery__dossier_id", "at", "ok", "status_code", "response")} if ids else {}
    for row in rows:
        row["answer"] = answers.get(row["dossier_id"])
        row["state"] = SEVERITY[row["severity"]]
    return rows


def _last_attempt():
    from django.db.models import Subquery

    return Subquery(Attempt.objects.filter(delivery__dossier=OuterRef("pk"), delivery__consumer=Consumer.PORTAL)
                    .order_by("-pk").values("pk")[:1])


def out_rows_answered(rows: QuerySet, chunk: int = 500) -> Iterator[dict]:
    """Every row of ``rows`` with its answer, a query per ``chunk`` rows (for the exports)."""
    iterator = rows.iterator(chunk_size=chunk)
    while batch := list(islice(iterator, chunk)):
        yield from with_answers(batch)


def retryable(scope: Scope, dossier_id: int) -> tuple[bool, list[Delivery]]:
    """Whether the user sees the dossier's updates, and its given-up and failing ones (what "Gửi lại" sends)."""
    portal = _portal(scope, Filters()).filter(dossier_id=dossier_id)
    deliveries = list(portal.filter(DEAD | FAILING).select_related("dossier").order_by("pk"))
    return bool(deliveries) or portal.exists(), deliveries


# --- the catalog ----------------------------------------------------------------------------------------
def catalog_rows(filters: Filters) -> QuerySet[CatalogSync]:
    """The catalog's synchronisation runs, newest first (a run log reads by time)."""
    qs = CatalogSync.objects.filter(_between("started_at", filters))
    if filters.state in CatalogSync.Status.values:
        qs = qs.filter(status=filters.state)
    return qs.order_by("-started_at", "-pk")


def catalog_last() -> CatalogSync | None:
    return CatalogSync.objects.order_by("-started_at", "-pk").first()
