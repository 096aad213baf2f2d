"""Staff accountability (trách nhiệm giải trình): per official and workflow step, over a period, the dossiers
they handled, how many of them late at that step, and the reasons on record for the late ones.

Read from the dossier event log. Each action that hands a dossier on from its step (complete_step, transfer,
approve, deny) records on its event the step, the agency it was at, the step's due time and whether it was
late (``cases.services._record_step``). Events older than that record carry none of it: they count as
handled, at the dossier's present agency, but neither late nor on time ("not measured"), and the rate of
late handling is taken over the measured ones only.

Counting is one SQL aggregate (``values().annotate(Count(..., filter=...))``) whatever the number of events;
the drill-down is one query too. Nothing loops over dossiers or events in Python.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from functools import reduce
from operator import or_

from dateutil.relativedelta import relativedelta
from django.db.models import CharField, Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from cases.models import DossierEvent
from cases.services import STEP_HANDLING_ACTIONS
from core.exports import Column
from procedures.models import Agency, StaffRole

from .index766 import Period, period_current, period_parse

__all__ = [
    "Period", "Scope", "report_scope", "period_parse", "period_current", "period_choices", "official_rows",
    "late_handlings", "LATE_LIST_LIMIT",
]

LATE_LIST_LIMIT = 100  # late handlings listed on the page; the downloads carry them all


# --- who sees what ---------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Scope:
    """The agencies a user may report on: every agency, or the subtrees of the agencies they lead."""

    everything: bool = False
    roots: tuple[Agency, ...] = ()

    def agencies(self) -> QuerySet[Agency]:
        """The agencies in scope, in tree order (a parent before its children)."""
        agencies = Agency.objects.order_by("path")
        if self.everything:
            return agencies
        return agencies.filter(reduce(or_, (Q(path__startswith=root.path) for root in self.roots)))


def report_scope(user) -> Scope | None:
    """Superusers and administrators: every agency; a leader: the agencies they lead and those under them;
    anyone else: None (not for them). One query."""
    if not getattr(user, "is_authenticated", False):
        return None
    if user.is_superuser:
        return Scope(everything=True)
    memberships = list(
        user.staff_memberships.filter(role__in=[StaffRole.LEADER, StaffRole.ADMINISTRATOR]).select_related("agency")
    )
    if any(m.role == StaffRole.ADMINISTRATOR for m in memberships):
        return Scope(everything=True)
    roots = tuple(m.agency for m in memberships)
    return Scope(roots=roots) if roots else None


def subtree_ids(agencies: list[Agency], chosen: Agency) -> list[int]:
    """Ids of ``chosen`` and the agencies under it, among ``agencies`` (already read: no query)."""
    return [a.pk for a in agencies if a.path.startswith(chosen.path)]


# --- periods ---------------------------------------------------------------------------------------------
def period_choices(now: dt.datetime | None = None) -> list[tuple[str, list[tuple[str, str]]]]:
    """The periods offered in the filter, newest first: the last 12 months, 8 quarters and 5 years."""
    local = timezone.localtime(now or timezone.now())
    months = [period_parse(f"{local - relativedelta(months=n):%Y-%m}") for n in range(12)]
    quarter_days = [local - relativedelta(months=3 * n) for n in range(8)]
    quarters = [period_parse(f"{day.year}-Q{(day.month - 1) // 3 + 1}") for day in quarter_days]
    years = [period_parse(str(local.year - n)) for n in range(5)]
    return [
        (str(_("Months")), [(p.code, p.label) for p in months]),
        (str(_("Quarters")), [(p.code, p.label) for p in quarters]),
        (str(_("Years")), [(p.code, p.label) for p in years]),
    ]


# --- the counts ------------------------------------------------------------------------------------------
def _handlings(period: Period, agency_ids: list[int] | None) -> QuerySet[DossierEvent]:
    """Step-handling events by an official in ``period``, each with the agency and step it was at."""
    events = DossierEvent.objects.filter(
        action__in=STEP_HANDLING_ACTIONS, actor__isnull=False, at__gte=period.start, at__lt=period.end
    ).annotate(
        # Recorded on the event since steps are recorded; before that, the agency that has the dossier now.
        at_agency=Coalesce(Cast(KT("data__step_agency"), IntegerField()), F("dossier__holder_id"),
                           output_field=IntegerField()),
        step_role=Coalesce(KT("data__step_role"), Value(""), output_field=CharField()),
        step_name=Coalesce(KT("data__step_name"), Value(""), output_field=CharField()),
    )
    if agency_ids is not None:
        events = events.filter(at_agency__in=agency_ids)
    return events


LATE = Q(data__late=True)
MEASURED = Q(data__has_key="late")


def official_rows(*, period: Period, agency_ids: list[int] | None, agency_names: dict[int, str]) -> list[dict]:
    """One row per official, agency and step (role and name) with: ``handled`` dossiers, ``measured`` (whose
    step deadline was recorded), ``late`` (handled after the step's due time) and ``late_rate`` (late /
    measured, None when nothing was measured). Most late first. ``agency_ids`` None: every agency.
    One query."""
    rows = (
        _handlings(period, agency_ids)
        .values("actor_id", "actor__username", "actor__last_name", "actor__first_name", "at_agency", "step_role",
                "step_name")
        .annotate(
            handled=Count("dossier_id", distinct=True),
            measured=Count("dossier_id", distinct=True, filter=MEASURED),
            late=Count("dossier_id", distinct=True, filter=LATE),
        )
        .order_by("-late", "-handled", "actor__last_name", "actor__first_name", "actor_id", "step_name")
    )
    roles = dict(StaffRole.choices)
    out = []
    for row in rows:  # one per official and step, already counted in SQL
        out.append({
            "official_id": row["actor_id"],
            "official": _name(row["actor__last_name"], row["actor__first_name"], row["actor__username"]),
            "username": row["actor__username"],
            "agency_id": row["at_agency"],
            "agency": agency_names.get(row["at_agency"], ""),
            "role": str(roles.get(row["step_role"], row["step_role"])),
            "step": row["step_name"],
            "handled": row["handled"],
            "measured": row["measured"],
            "late": row["late"],
            "late_rate": row["late"] / row["measured"] if row["measured"] else None,
            "late_percent": 100 * row["late"] / row["measured"] if row["measured"] else None,
        })
    return out


def totals(rows: list[dict]) -> dict:
    """The sums of the rows (a dossier handled by two officials counts for each)."""
    handled = sum(r["handled"] for r in rows)
    measured = sum(r["measured"] for r in rows)
    late = sum(r["late"] for r in rows)
    return {"handled": handled, "measured": measured, "late": late, "unmeasured": handled - measured,
            "late_rate": late / measured if measured else None,
            "late_percent": 100 * late / measured if measured else None}


def late_handlings(*, period: Period, agency_ids: list[int] | None, agency_names: dict[int, str],
                   limit: int | None = None) -> Iterator[dict]:
    """The late handlings, newest first: the dossier, its procedure, the step and official, the step's due
    time, when it was handled, the reason the official gave (opinion, reason for transfer or denial, number
    of the result) and, if the dossier was extended, the reason on its apology letter and the new date.
    One query; rows are read as they are used (``limit`` None: all of them)."""
    extensions = DossierEvent.objects.filter(dossier=OuterRef("dossier_id"), action="extend").order_by("seq")
    events = (
        _handlings(period, agency_ids)
        .filter(LATE)
        .annotate(
            step_due=KT("data__step_due_at"),
            extension_reason=Subquery(extensions.values("reason")[:1]),
            extended_to=Subquery(extensions.annotate(to=KT("data__new_due_at")).values("to")[:1]),
        )
        .values("pk", "dossier_id", "dossier__code", "dossier__version__name", "actor__username", "actor__last_name",
                "actor__first_name", "at", "action", "reason", "at_agency", "step_name", "step_due",
                "extension_reason", "extended_to")
        .order_by("-at", "-pk")
    )
    if limit is not None:
        events = events[:limit]
    for row in events.iterator(chunk_size=500):
        yield {
            "dossier_id": row["dossier_id"],
            "code": row["dossier__code"],
            "procedure": row["dossier__version__name"],
            "step": row["step_name"],
            "official": _name(row["actor__last_name"], row["actor__first_name"], row["actor__username"]),
            "agency": agency_names.get(row["at_agency"], ""),
            "due": _parsed(row["step_due"]),
            "at": row["at"],
            "action": row["action"],
            "reason": row["reason"],
            "extension_reason": row["extension_reason"] or "",
            "extended_to": _parsed(row["extended_to"]),
        }


def _name(last: str, first: str, username: str) -> str:
    """Vietnamese order, family name first, as ``User.get_full_name``; the username if no name is set."""
    return " ".join(part for part in (last, first) if part).strip() or username


def _parsed(value) -> dt.datetime | None:
    return parse_datetime(value) if isinstance(value, str) and value else None


# --- the downloads ---------------------------------------------------------------------------------------
def official_table(rows: list[dict]) -> tuple[list[Column], Iterator[list]]:
    """Headers and rows of the per-official table, for ``core.exports.table_response``."""
    columns = [
        Column(str(_("Official"))), Column(str(_("Username"))), Column(str(_("Agency"))), Column(str(_("Role"))),
        Column(str(_("Step"))), Column(str(_("Dossiers handled")), "integer"),
        Column(str(_("Late at the step")), "integer"), Column(str(_("Not measured")), "integer"),
        Column(str(_("Share late")), "percent"),
    ]
    values = ([r["official"], r["username"], r["agency"], r["role"], r["step"], r["handled"], r["late"],
               r["handled"] - r["measured"], r["late_rate"]] for r in rows)
    return columns, values


def late_table(rows: Iterator[dict]) -> tuple[list[Column], Iterator[list]]:
    """Headers and rows of the late-handling list, for ``core.exports.table_response``."""
    columns = [
        Column(str(_("Dossier code"))), Column(str(_("Procedure")), width=50), Column(str(_("Step"))),
        Column(str(_("Official"))), Column(str(_("Agency"))), Column(str(_("Step due")), "datetime"),
        Column(str(_("Handled at")), "datetime"), Column(str(_("Opinion or reason given")), width=50),
        Column(str(_("Reason for the extension")), width=50), Column(str(_("New appointment date")), "datetime"),
    ]
    values = ([r["code"], r["procedure"], r["step"], r["official"], r["agency"], r["due"], r["at"], r["reason"],
               r["extension_reason"], r["extended_to"]] for r in rows)
    return columns, values
