"""The Decision 766 service-quality index: its indicators, their formulas, and how they are counted.

Every indicator is a rate ``numerator / denominator`` over one kind of row (dossiers, feedback, portal
deliveries, procedures). Both sides are ``Q`` conditions, so the same definition is counted with SQL
aggregates (``Count(filter=...)``, one query per kind of row for every agency at once) and lists the rows
behind a figure when a leader drills down (``Indicator.rows``). No loop over dossiers runs in Python.

Points: a rate at or above the indicator's threshold (80%; 50% for the online-dossier rate) earns the
indicator's full points, below it the points scale linearly: ``points × rate / threshold``. An indicator
with nothing to count (denominator 0) is left out of both the points earned and the points available, so an
agency without online payments is neither rewarded nor punished for it. The score is
``100 × points earned / points available``; a period in which nothing was done (only the catalog's standing
indicator has data) has no score.

Counts add up, so an agency's figures with its sub-agencies are the sums of its subtree's own (the roll-up
runs over agencies, not dossiers).

Decision 766 gives digitization 22 points; 6 of them (results issued before the portal, digitized from the
back catalog) need data this portal does not hold, so they are not computed and not available.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_cte import CTE, with_cte

from accounts.models import Business, CitizenProfile
from cases.models import Dossier, DossierDocument, DossierEvent, FilingChannel
from cases.workflow import State
from digitization.models import DigitizedDocument
from integrations.models import Consumer, Delivery
from procedures.models import Agency, LegalDocument, Procedure, ProcedureVersion, RequiredDocument

from .feedback_workflow import FeedbackState
from .models import Feedback, Level, Rating

FULL = Decimal("0.8")
TWO = Decimal("0.01")


# --- periods ---------------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Period:
    """A month (2026-11), a quarter (2026-Q4) or a year (2026), in the province's time zone."""

    code: str
    start: dt.datetime
    end: dt.datetime  # exclusive

    @property
    def kind(self) -> str:
        return "year" if len(self.code) == 4 else "quarter" if "Q" in self.code else "month"

    @property
    def label(self) -> str:
        if self.kind == "year":
            return str(_("Year %(y)s") % {"y": self.code})
        if self.kind == "quarter":
            return str(_("Quarter %(q)s/%(y)s") % {"q": self.code[-1], "y": self.code[:4]})
        return str(_("Month %(m)s/%(y)s") % {"m": int(self.code[5:]), "y": self.code[:4]})

    def months(self) -> list[Period]:
        """The months of this period, in order."""
        out, month = [], period_parse(f"{self.start.astimezone(_tz()):%Y-%m}")
        while month.start < self.end:
            out.append(month)
            month = period_parse(f"{month.start + relativedelta(months=1):%Y-%m}")
        return out


def _tz():
    return timezone.get_default_timezone() if settings.USE_TZ else None


PERIOD_RE = re.compile(r"^(\d{4})(?:-(Q[1-4]|0[1-9]|1[0-2]))?$")


def period_parse(code: str) -> Period:
    """``2026``, ``2026-Q4`` or ``2026-11``; anything else is a ValueError with a message for the user."""
    match = PERIOD_RE.match((code or "").strip().upper())
    if not match or not 2000 <= int(match.group(1)) <= 2100:
        raise ValueError(_("A period is a year (2026), a quarter (2026-Q4) or a month (2026-11)."))
    year, part = int(match.group(1)), match.group(2)
    if part is None:
        first, last = (year, 1), (year, 12)
    elif part.startswith("Q"):
        q = int(part[1])
        first, last = (year, 3 * q - 2), (year, 3 * q)
    else:
        first = last = (year, int(part))
    tz = _tz()
    start = dt.datetime(first[0], first[1], 1, tzinfo=tz)
    end = dt.datetime(last[0], last[1], 1, tzinfo=tz) + relativedelta(months=1)
    return Period(match.group(0), start, end)


def period_check(period: Period, now: dt.datetime | None = None) -> Period:
    """``period`` if the index can be asked for it: begun, and not before ``INDEX766_FIRST_YEAR``; else a
    ValueError with a message for the user (a request cannot make the workers count the year 2100)."""
    if period.start > (now or timezone.now()):
        raise ValueError(_("This period has not begun yet."))
    if period.start.year < settings.INDEX766_FIRST_YEAR:
        raise ValueError(_("The index is kept from %(year)s on.") % {"year": settings.INDEX766_FIRST_YEAR})
    return period


def period_current(kind: str = "year", now: dt.datetime | None = None) -> Period:
    local = timezone.localtime(now or timezone.now())
    if kind == "month":
        return period_parse(f"{local.year}-{local.month:02d}")
    if kind == "quarter":
        return period_parse(f"{local.year}-Q{(local.month - 1) // 3 + 1}")
    return period_parse(str(local.year))


def month_days(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


# --- what a row must satisfy ----------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Window:
    """A period and the moment of computing: what is overdue is judged at ``now``."""

    start: dt.datetime
    end: dt.datetime
    now: dt.datetime


def _in(field: str, w: Window) -> Q:
    return Q(**{f"{field}__gte": w.start, f"{field}__lt": w.end})


# Dossiers. "Received in the period": the clock started in it. "Decided in the period": resolved in it, or
# due in it and overdue now (not decided, not waiting on the citizen) - a dossier left late counts as late.
CLOCK_RUNNING = (State.RECEIVED, State.PROCESSING)


def received(w):
    return _in("received_at", w)


def resolved(w):
    return _in("resolved_at", w)


def overdue(w):
    return _in("due_at", w) & Q(due_at__lt=w.now, state__in=CLOCK_RUNNING, paused_at__isnull=True)


def decided(w):
    return resolved(w) | overdue(w)


def late(w):
    """Late: resolved after the appointment date (which already moved by the time waiting on the citizen),
    or extended with an apology, or asked for a supplement more than once, or overdue and still open."""
    return (
        Q(resolved_at__gt=F("due_at")) | Q(extended_at__isnull=False) | Q(supplement_count__gt=1) | overdue(w)
    )


APPROVED = Q(outcome="approved")


def _dossier_annotations() -> dict:
    portal = Delivery.objects.filter(dossier=OuterRef("pk"), consumer=Consumer.PORTAL)
    results = DigitizedDocument.objects.filter(
        dossier=OuterRef("pk"), kind=DigitizedDocument.Kind.RESULT, status=DigitizedDocument.Status.DONE
    )
    files = DossierDocument.objects.filter(dossier=OuterRef("pk"))
    return {
        "ix_portal_sent": Exists(portal.filter(status=Delivery.Status.DELIVERED)),
        "ix_portal_owed": Exists(portal.exclude(status=Delivery.Status.DELIVERED)),
        "ix_result": Exists(results),
        "ix_files": Exists(files),
        # A file reused from the data store is already digitized there.
        "ix_undigitized": Exists(files.exclude(source=DossierDocument.Source.REUSE)
                                 .exclude(digitized__status=DigitizedDocument.Status.DONE)),
        "ix_reused": Exists(files.filter(source=DossierDocument.Source.REUSE)),
        "ix_paid": Exists(DossierEvent.objects.filter(dossier=OuterRef("pk"), action="confirm_payment")),
        "ix_person": Exists(CitizenProfile.objects.filter(id_number=OuterRef("applicant_id_number"))),
        "ix_business": Exists(Business.objects.filter(tax_code=OuterRef("applicant_id_number"))),
        "ix_rated_badly": Exists(Rating.objects.filter(dossier=OuterRef("pk"), level=Level.DISSATISFIED)),
        "ix_complained": Exists(Feedback.objects.filter(dossier=OuterRef("pk"), kind=Feedback.Kind.FEEDBACK)),
    }


ONLINE_OFFERED = Q(version__online_level__in=[ProcedureVersion.OnlineLevel.FULL, ProcedureVersion.OnlineLevel.PARTIAL])
IN_STORE = Q(ix_person=True) | Q(ix_business=True)
DISLIKED = Q(ix_rated_badly=True) | Q(ix_complained=True)


# Feedback. Handled on time: accepted or rejected within its accept-by date, and answered within its
# answer-by date (moved by the time waiting on the sender). Due in the period: finished in it, or still open
# with a deadline in it that has passed.
def fb_finished(w):
    return _in("finished_at", w)


def fb_overdue(w):
    return (Q(state=FeedbackState.SUBMITTED) & _in("accept_due_at", w) & Q(accept_due_at__lt=w.now)) | (
        Q(state=FeedbackState.ACCEPTED) & _in("answer_due_at", w) & Q(answer_due_at__lt=w.now)
    )


def fb_late(w):
    return (
        Q(accepted_at__gt=F("accept_due_at"))
        | Q(state=FeedbackState.REJECTED, finished_at__gt=F("accept_due_at"))
        | Q(state=FeedbackState.ANSWERED, finished_at__gt=F("answer_due_at"))
        | fb_overdue(w)
    )


# --- indicators ------------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Source:
    """A kind of row counted: how its rows group by agency, field and procedure, the flags looked up for
    each row (``annotations``: ``EXISTS`` probes of other tables), the plain columns its indicators read
    (``columns``: its own fields, the indicators reach the others through them), and the rows any of its indicators may count in a period (``period``: plain columns only,
    implied by every denominator)."""

    name: str
    queryset: Callable[[], QuerySet]
    keys: dict[str, str]
    agency_path: str
    period: Callable[[Window], Q]
    columns: tuple[str, ...]
    annotations: Callable[[], dict] = dict


DOSSIERS = Source(
    "dossiers", lambda: Dossier.objects.all(),
    {"agency": "agency_id", "field": "version__field_id", "procedure": "procedure_id"},
    "agency__path",
    lambda w: received(w) | decided(w),
    ("received_at", "resolved_at", "due_at", "state", "paused_at", "extended_at", "supplement_count", "outcome",
     "channel", "paid_online", "version"),
    _dossier_annotations,
)
FEEDBACK = Source(
    "feedback", lambda: Feedback.objects.all(),
    {"agency": "agency_id", "field": "procedure__current_version__field_id", "procedure": "procedure_id"},
    "agency__path",
    lambda w: fb_finished(w) | fb_overdue(w) | _in("answer_rated_at", w),
    ("state", "finished_at", "accepted_at", "accept_due_at", "answer_due_at", "answer_rated_at", "answer_level"),
)
DELIVERIES = Source(
    "deliveries", lambda: Delivery.objects.filter(consumer=Consumer.PORTAL, event__isnull=False),
    {"agency": "dossier__agency_id", "field": "dossier__version__field_id", "procedure": "dossier__procedure_id"},
    "dossier__agency__path",
    lambda w: _in("created_at", w),
    ("created_at", "status", "delivered_at"),
)
PROCEDURES = Source(
    "procedures", lambda: Procedure.objects.filter(is_active=True, current_version__isnull=False),
    {"agency": "current_version__agencies", "field": "current_version__field_id", "procedure": "id"},
    "current_version__agencies__path",
    lambda w: Q(),
    ("current_version",),
    lambda: {
        "ix_documents": Exists(RequiredDocument.objects.filter(version=OuterRef("current_version"))),
        "ix_legal": Exists(LegalDocument.objects.filter(version=OuterRef("current_version"))),
    },
)


@dataclasses.dataclass(frozen=True)
class Indicator:
    code: str
    group: str
    name: str
    points: int
    source: Source
    formula: str
    denominator: Callable[[Window], Q]
    numerator: Callable[[Window], Q]
    # Counted apart and subtracted from the numerator (the dossier-satisfaction formula subtracts two rates).
    penalty: Callable[[Window], Q] | None = None
    threshold: Decimal = FULL
    # A standing indicator measures the catalog, not the period's work: alone it gives no score.
    standing: bool = False

    def rows(self, w: Window, *, missing: bool = False) -> QuerySet:
        """The rows behind the figure: the denominator, or only those that did not count (``missing``)."""
        qs = self.source.queryset().alias(**self.source.annotations()).filter(self.denominator(w))
        if missing:
            lost = ~self.numerator(w)
            if self.penalty is not None:
                lost |= self.penalty(w)
            qs = qs.filter(lost)
        return qs


def _t1_num(w):
    return Q(ix_documents=True, ix_legal=True, current_version__processing_days__isnull=False)


INDICATORS: tuple[Indicator, ...] = (
    # Transparency (công khai, minh bạch): 18 points.
    Indicator(
        "T1", "transparency", _("Procedures published in full"), 6, PROCEDURES,
        _("procedures in force with their documents, legal basis and processing time published "
          "/ procedures in force"),
        lambda w: Q(pk__isnull=False), _t1_num, standing=True,
    ),
    Indicator(
        "T2", "transparency", _("Dossiers synced to the national portal"), 6, DOSSIERS,
        _("dossiers received whose every status reached the national portal / dossiers received"),
        received, lambda w: Q(ix_portal_sent=True, ix_portal_owed=False),
    ),
    Indicator(
        "T3", "transparency", _("Status updates on the portal within a day"), 6, DELIVERIES,
        _("status updates delivered to the national portal within 24 hours of the action "
          "/ status updates of actions in the period"),
        lambda w: _in("created_at", w),
        lambda w: Q(status=Delivery.Status.DELIVERED, delivered_at__lte=F("created_at") + dt.timedelta(days=1)),
    ),
    # Progress (tiến độ giải quyết): 20 points.
    Indicator(
        "P1", "progress", _("Dossiers resolved early or on time"), 20, DOSSIERS,
        _("dossiers resolved by their appointment date (time waiting on the citizen excluded; extended, or "
          "asked for a supplement twice, counts as late) / dossiers resolved, or overdue, in the period"),
        decided, lambda w: ~late(w),
    ),
    # Online service (dịch vụ trực tuyến): 12 points.
    Indicator(
        "O1", "online", _("Dossiers filed online"), 6, DOSSIERS,
        _("dossiers filed online / dossiers received of procedures offered online (full points from 50%)"),
        lambda w: received(w) & ONLINE_OFFERED, lambda w: Q(channel=FilingChannel.ONLINE),
        threshold=Decimal("0.5"),
    ),
    Indicator(
        "O2", "online", _("Online dossiers with an electronic result"), 6, DOSSIERS,
        _("online dossiers approved with a signed electronic result / online dossiers approved"),
        lambda w: resolved(w) & APPROVED & Q(channel=FilingChannel.ONLINE), lambda w: Q(ix_result=True),
    ),
    # Online payment (thanh toán trực tuyến): 10 points.
    Indicator(
        "M1", "payment", _("Fees paid online"), 10, DOSSIERS,
        _("dossiers whose fees were paid online / dossiers resolved that paid fees"),
        lambda w: resolved(w) & Q(ix_paid=True), lambda w: Q(paid_online=True),
    ),
    # Digitization (số hóa): 16 of its 22 points.
    Indicator(
        "D1", "digitization", _("Electronic results"), 6, DOSSIERS,
        _("dossiers approved with a signed electronic result / dossiers approved"),
        lambda w: resolved(w) & APPROVED, lambda w: Q(ix_result=True),
    ),
    Indicator(
        "D2", "digitization", _("Dossiers digitized"), 4, DOSSIERS,
        _("dossiers received whose every file is digitized (or reused from the data store) / dossiers received "
          "with files"),
        lambda w: received(w) & Q(ix_files=True), lambda w: Q(ix_undigitized=False),
    ),
    Indicator(
        "D3", "digitization", _("Documents reused from the data store"), 2, DOSSIERS,
        _("dossiers received that reused a document from the data store / dossiers received"),
        received, lambda w: Q(ix_reused=True),
    ),
    Indicator(
        "D4", "digitization", _("Results in the applicant's own data store"), 4, DOSSIERS,
        _("electronic results whose owner has an account, so they show in their data store "
          "/ dossiers approved with an electronic result"),
        lambda w: resolved(w) & APPROVED & Q(ix_result=True), lambda w: IN_STORE,
    ),
    # Satisfaction (mức độ hài lòng): 18 points.
    Indicator(
        "S1", "satisfaction", _("Feedback handled on time"), 6, FEEDBACK,
        _("feedback accepted within 2 working days and answered within 15 / feedback answered or rejected, "
          "or overdue, in the period"),
        lambda w: fb_finished(w) | fb_overdue(w), lambda w: ~fb_late(w),
    ),
    Indicator(
        "S2", "satisfaction", _("Satisfied with the answer to their feedback"), 6, FEEDBACK,
        _("answers rated very satisfied or satisfied / answers rated in the period"),
        lambda w: _in("answer_rated_at", w) & Q(answer_level__isnull=False),
        lambda w: Q(answer_level__in=[Level.VERY_SATISFIED, Level.SATISFIED]),
    ),
    Indicator(
        "S3", "satisfaction", _("Satisfied with the handling of their dossier"), 6, DOSSIERS,
        _("100% − (% late + % rated not satisfied or complained about), over dossiers resolved or overdue "
          "in the period"),
        decided, lambda w: ~late(w), penalty=lambda w: DISLIKED,
    ),
)
# S3's numerator counts the dossiers not late and its penalty the disliked ones (late or not), so
# (numerator − penalty) / denominator = 100% − % late − % disliked, the two percentages added as the
# formula says: a dossier both late and disliked is taken off once for each.

GROUPS = (
    ("transparency", _("Transparency"), 18),
    ("progress", _("Progress"), 20),
    ("online", _("Online service"), 12),
    ("payment", _("Online payment"), 10),
    ("digitization", _("Digitization"), 22),
    ("satisfaction", _("Satisfaction"), 18),
)
BY_CODE = {i.code: i for i in INDICATORS}
SOURCES = (DOSSIERS, FEEDBACK, DELIVERIES, PROCEDURES)
DIMENSIONS = ("agency", "field", "procedure")


# --- counting --------------------------------------------------------------------------------------------
Counts = dict[str, list[int]]  # indicator code -> [numerator, denominator, penalty]


def count(w: Window, *, by: str = "agency", within: Agency | None = None,
          only: tuple[str, ...] | None = None) -> dict[object, Counts]:
    """Numerators and denominators of every indicator (or ``only`` those) for ``w``, grouped by ``by``
    (agency id, field id or procedure id), over the rows of ``within``'s subtree if given. One aggregate
    query per kind of row counted.

    A kind of row with flags (dossiers, procedures) is counted in two stages. A materialized CTE takes the
    period's rows (``Source.period``) with the columns the indicators read and each row's flags, every
    ``EXISTS`` probe run once per row; the aggregate then counts each indicator's ``FILTER`` over those
    columns. Written as one level, PostgreSQL runs each flag's probe again in every ``FILTER`` that mentions
    it: 13.8 million probes instead of 4 million for a year of a million dossiers (``bench/README.md``, "The
    766 index"). A kind without flags (feedback, status updates) is one plain aggregate."""
    if by not in DIMENSIONS:
        raise ValueError(by)
    postgres = connection.vendor == "postgresql"
    with transaction.atomic():
        if postgres:
            # Compiling these wide aggregates to machine code costs PostgreSQL more than it saves (1.2 s per
            # query at a million dossiers, three quarters of the time at twenty thousand).
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        try:
            return _count(w, by, within, only)
        finally:
            if postgres and not connection.needs_rollback:
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL jit TO DEFAULT")  # not for the rest of a caller's transaction


def _count(w: Window, by: str, within: Agency | None, only: tuple[str, ...] | None) -> dict[object, Counts]:
    out: dict[object, Counts] = defaultdict(lambda: {i.code: [0, 0, 0] for i in INDICATORS})
    for source in SOURCES:
        indicators = [i for i in INDICATORS if i.source is source and (only is None or i.code in only)]
        if not indicators:
            continue
        distinct = source is PROCEDURES  # a procedure of several agencies is one row per agency
        aggregates = {}
        for i in indicators:
            den = i.denominator(w)
            aggregates[f"{i.code}_d"] = Count("pk", filter=den, distinct=distinct)
            aggregates[f"{i.code}_n"] = Count("pk", filter=den & i.numerator(w), distinct=distinct)
            if i.penalty is not None:
                aggregates[f"{i.code}_p"] = Count("pk", filter=den & i.penalty(w), distinct=distinct)
        rows = source.queryset().filter(source.period(w))
        if within is not None:
            rows = rows.filter(**{f"{source.agency_path}__startswith": within.path})
        flags = source.annotations()
        if flags:
            # Each row's flags once, in a materialized CTE; the FILTERs read its columns.
            rows = rows.only(*source.columns).annotate(ix_key=F(source.keys[by]), **flags)
            cte = CTE(rows.order_by(), name=f"ix_{source.name}", materialized=True)
            totals = with_cte(cte, select=cte.queryset()).order_by().values("ix_key").annotate(**aggregates)
        else:
            # Plain columns only (feedback, status updates): one aggregate over the table, which PostgreSQL
            # may scan in parallel or from a covering index; copying millions of rows first only costs.
            totals = rows.order_by().values(ix_key=F(source.keys[by])).annotate(**aggregates)
        for row in totals:
            if row["ix_key"] is None:
                continue
            counts = out[row["ix_key"]]
            for i in indicators:
                counts[i.code] = [row[f"{i.code}_n"], row[f"{i.code}_d"], row.get(f"{i.code}_p", 0)]
    return dict(out)


def roll_up(own: dict[int, Counts]) -> dict[int, Counts]:
    """Each agency's counts with its whole subtree's, by materialized path (a loop over agencies)."""
    agencies = list(Agency.objects.values_list("pk", "path"))
    by_path = {path: pk for pk, path in agencies}
    step = Agency.steplen
    total: dict[int, Counts] = {pk: {i.code: [0, 0, 0] for i in INDICATORS} for pk, _path in agencies}
    for pk, path in agencies:
        counts = own.get(pk)
        if not counts:
            continue
        for depth in range(step, len(path) + 1, step):
            ancestor = by_path.get(path[:depth])
            if ancestor is None:
                continue
            target = total[ancestor]
            for code, (n, d, p) in counts.items():
                target[code][0] += n
                target[code][1] += d
                target[code][2] += p
    return total


# --- scoring ---------------------------------------------------------------------------------------------
def _q(x: Decimal) -> Decimal:
    return x.quantize(TWO, rounding=ROUND_HALF_UP)


def indicator_result(indicator: Indicator, n: int, d: int, p: int = 0) -> dict:
    if d == 0:
        rate = points = None
    else:
        # S3: 100% − (% late + % disliked) = (d − late − disliked) / d = (n − p) / d, never below 0.
        rate = max(Decimal(0), Decimal(n - p) / Decimal(d))
        points = Decimal(indicator.points) * min(Decimal(1), rate / indicator.threshold)
    return {
        "code": indicator.code,
        "name": str(indicator.name),
        "formula": str(indicator.formula),
        "numerator": max(0, n - p),
        "denominator": d,
        "rate": None if rate is None else float(_q(rate * 100)),
        "threshold": float(indicator.threshold * 100),
        "points": None if points is None else float(_q(points)),
        "max": indicator.points,
    }


def score(counts: Counts) -> dict:
    """Groups, indicators, points and the total from one agency's (or field's, or procedure's) counts."""
    groups, earned, available, active = [], Decimal(0), Decimal(0), False
    for code, name, group_max in GROUPS:
        items = [
            indicator_result(i, *counts.get(i.code, (0, 0, 0))) for i in INDICATORS if i.group == code
        ]
        g_points = sum((Decimal(str(r["points"])) for r in items if r["points"] is not None), Decimal(0))
        g_available = sum((r["max"] for r in items if r["points"] is not None), 0)
        earned += g_points
        available += g_available
        active = active or any(r["points"] is not None and not BY_CODE[r["code"]].standing for r in items)
        groups.append({
            "code": code, "name": str(name), "max": group_max, "computed_max": sum(r["max"] for r in items),
            "available": g_available, "points": float(_q(g_points)) if g_available else None,
            "indicators": items,
        })
    # A period with nothing done in it (no dossier, feedback or status update counted) has no score.
    total = float(_q(100 * earned / available)) if available and active else None
    return {"groups": groups, "points": float(_q(earned)), "available": int(available), "score": total}


# --- reading -----------------------------------------------------------------------------------------------
def window(period: Period, now: dt.datetime | None = None) -> Window:
    """A past period is judged at its end, the current one now."""
    now = now or timezone.now()
    return Window(period.start, period.end, min(now, period.end))


def snapshots(agencies, periods: list[Period]) -> dict[tuple[int, str], object]:
    """The stored index of ``agencies`` for ``periods`` by ``(agency id, period code)``. Never computed here:
    what is missing is asked of the workers (``index_service.index_request``) and left out, for the page to show
    as being computed. One query when all are there."""
    from .index_service import index_request
    from .models import IndexSnapshot

    ids = [a.pk for a in agencies]
    codes = [p.code for p in periods]

    def read():
        return {(s.agency_id, s.period): s for s in IndexSnapshot.objects.filter(agency_id__in=ids, period__in=codes)}

    found = read()
    missing = sorted({code for a in ids for code in codes if (a, code) not in found})
    if missing and index_request(missing) and settings.CELERY_TASK_ALWAYS_EAGER:
        found = read()  # computed in this process, before returning
    return found


def _split(agency: Agency, period: Period, by: str):
    """The stored split of ``agency``'s subtree by field or procedure; ``None`` while it is being computed
    (asked of the workers the first time)."""
    from .index_service import index_request
    from .models import IndexBreakdown

    def read():
        return IndexBreakdown.objects.filter(agency=agency, period=period.code, by=by).first()

    stored = read()
    if stored is None and index_request([period.code], by=by, agency_id=agency.pk) and settings.CELERY_TASK_ALWAYS_EAGER:
        stored = read()
    return stored


def _names(by: str, keys) -> dict[int, tuple[str, str]]:
    from procedures.models import Field

    if by == "field":
        return {pk: (code, name) for pk, code, name in Field.objects.filter(pk__in=keys).values_list("pk", "code", "name")}
    return {pk: (code, name) for pk, code, name in Procedure.objects.filter(pk__in=keys).values_list(
        "pk", "code", "current_version__name")}


def breakdown(agency: Agency, period: Period, by: str) -> list[dict] | None:
    """The stored index of ``agency``'s subtree split by field or procedure, each row scored, with its code
    and name; ``None`` while it is being computed."""
    stored = _split(agency, period, by)
    if stored is None:
        return None
    named = _names(by, [row["key"] for row in stored.rows])
    rows = []
    for row in stored.rows:
        code, name = named.get(row["key"], ("", ""))
        rows.append({"key": row["key"], "code": code, "name": name, **score(row["counts"]), "counts": row["counts"],
                     "computed_at": stored.computed_at})
    return rows


def worst_procedures(agency: Agency, period: Period, limit: int = 10) -> list[dict] | None:
    """Procedures of ``agency``'s subtree with the most late dossiers in ``period`` (P1's denominator minus
    its numerator), then the lowest on-time rate; ``None`` while the split by procedure is being computed.
    Read from the stored counts: only the ``limit`` shown are named (a province has thousands)."""
    stored = _split(agency, period, "procedure")
    if stored is None:
        return None
    rows = []
    for row in stored.rows:
        n, d, _p = row["counts"]["P1"]
        if d - n > 0:
            rows.append({"key": row["key"], "late": d - n, "decided": d, "rate": float(_q(Decimal(n) * 100 / d))})
    rows.sort(key=lambda r: (-r["late"], r["rate"], r["key"]))
    rows = rows[:limit]
    named = _names("procedure", [r["key"] for r in rows])
    for r in rows:
        r["code"], r["name"] = named.get(r["key"], ("", ""))
    return rows
