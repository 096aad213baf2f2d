"""The Decision 766 service-quality index: its indicators, their formulas, and how they are counted.

Decision 766/QĐ-TTg of 23/6/2022 scores an agency out of 100 points in five groups: transparency 18, progress
20, online service 22 (shown here as its two parts, as the national portal shows them: online dossiers 12 and
online payment 10), digitization 22 and satisfaction 18. Each indicator's points and the rate that earns them
in full are in one table, ``DECISION_766``; nothing else in the portal holds a point or a threshold.

Every indicator is a rate ``numerator / denominator`` over one kind of row (dossiers, feedback, portal
status updates, procedures, an agency's offer of a procedure). Both sides are ``Q`` conditions, so the same
definition is counted with SQL aggregates (``Count(filter=...)``, one query per kind of row for every agency
at once) and lists the rows behind a figure when a leader drills down (``Indicator.rows``). No loop over
dossiers runs in Python.

Points: a rate at or above the indicator's threshold earns its full points, below it the points scale
linearly: ``points × rate / threshold``. The total is on the Decision's 100-point scale. An indicator the
portal cannot compute scores 0 and says why (``chưa đo được``): either the portal does not hold the data
(``Indicator.not_held``), or the period gave it nothing to count (its denominator is 0). It stays in the
100: the share of what could be measured is a second figure, ``measured_score`` (100 × points earned /
points of the indicators measured), labelled as such wherever it is shown. A period in which nothing was
done (only the catalog's standing indicators have data) has no score.

One fact, one indicator. A signed electronic result is counted by D1 alone (digitization), for every
channel: the online-service indicator O1 counts the filing channel only, and D2 counts digitized
components only, though the national portal's own formulas also ask for the result there. A document reused
from the citizen's data store is D3's fact; D4 counts results delivered into the owner's store. The
satisfaction formulas (S2, S3) take late feedback and late dossiers off as the Decision writes them.

Counts add up, so an agency's figures with its sub-agencies are the sums of its subtree's own (the roll-up
runs over agencies, not dossiers).
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
from django.db.models import BooleanField, Case, Count, Exists, F, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django_cte import CTE, with_cte

from accounts.models import Business, CitizenProfile
from cases.models import Dossier, DossierDocument, DossierEvent, FilingChannel
from digitization.models import DigitizedDocument
from integrations.models import Consumer, Delivery, Payment
from procedures.models import (
    Agency,
    Fee,
    LegalDocument,
    Procedure,
    ProcedureVersion,
    ProcessingTime,
    RequiredDocument,
)

from .feedback_workflow import FeedbackState
from .models import Feedback, Level, Rating

TWO = Decimal("0.01")
P50, P80 = Decimal("0.5"), Decimal("0.8")

# The version of the rules below, stored with every snapshot: a snapshot computed under other rules is
# computed again (``snapshots``), never shown as if it were this index.
RULES_VERSION = "766-2026.12"


# --- the Decision's points and thresholds: the one table ----------------------------------------------------
# The groups and their points are the Decision's appendix; the split of each group among its indicators and the
# thresholds are those the national portal scores with (its published description of the 766 formulas):
# full points from 80% unless said, 50% for the online-dossier rate, Resolution 76/NQ-CP's stage target for
# satisfaction with the handling of dossiers. An indicator of the Decision the portal cannot compute keeps
# its row and its points, and scores 0 (``Indicator.not_held``).
@dataclasses.dataclass(frozen=True)
class Rule:
    """An indicator's points and the rate that earns them in full. ``stages`` ties the threshold to the
    targets of Resolution 76/NQ-CP by period: ``(last year of the stage, rate)``, in order."""

    points: int
    full_from: Decimal = P80
    stages: tuple[tuple[int, Decimal], ...] = ()

    def threshold(self, year: int) -> Decimal:
        for last_year, rate in self.stages:
            if year <= last_year:
                return rate
        return self.stages[-1][1] if self.stages else self.full_from


DECISION_766: dict[str, Rule] = {
    # Công khai, minh bạch: 18 (+ one figure followed without points).
    "T1": Rule(2),   # procedures published with every part
    "T2": Rule(6),   # dossiers synced to the national portal
    "T3": Rule(0),   # status updates on the portal within a day: followed, not a Decision indicator
    "T4": Rule(6),   # procedures published on time
    "T5": Rule(4),   # procedures made public on time in the national database
    # Tiến độ, kết quả giải quyết: 20.
    "P1": Rule(20),  # dossiers resolved early or on time
    # Cung cấp dịch vụ trực tuyến, online dossiers: 12 (+ one figure followed without points).
    "O1": Rule(12, P50),  # dossiers filed online: full points from 50%
    "O2": Rule(0),   # procedures offered online with an online dossier in the period: no points of its own
    # Cung cấp dịch vụ trực tuyến, online payment: 10.
    "M1": Rule(6),   # dossiers whose fees were paid online
    "M2": Rule(2),   # procedures with an online payment in the period
    "M3": Rule(2),   # procedures with fees whose fees went through the portal in the period
    # Số hóa hồ sơ: 22.
    "D1": Rule(6),   # dossiers with a signed electronic result
    "D2": Rule(4),   # dossiers digitized
    "D3": Rule(2),   # dossiers reusing digitized data
    "D4": Rule(4),   # results linked to the owner's data store
    "D5": Rule(2),   # electronic certified copies from originals
    "D6": Rule(2),   # dossiers using the national population database
    "D7": Rule(2),   # procedures connected to the national population database
    # Mức độ hài lòng: 18.
    "S1": Rule(6),   # feedback handled on time
    "S2": Rule(6),   # satisfaction with the handling of feedback
    # Satisfaction with the handling of dossiers: full points at Resolution 76/NQ-CP's target for the stage
    # (at least 90% by 2025, 95% by 2030).
    "S3": Rule(6, Decimal("0.9"), stages=((2025, Decimal("0.9")), (2030, Decimal("0.95")))),
}

GROUPS = (
    ("transparency", _("Transparency"), 18),
    ("progress", _("Progress"), 20),
    ("online", _("Online service"), 12),
    ("payment", _("Online payment"), 10),
    ("digitization", _("Digitization"), 22),
    ("satisfaction", _("Satisfaction"), 18),
)
GROUP_MAX = {code: points for code, _name, points in GROUPS}
TOTAL = 100


# --- the province's own targets (not the Decision's: drawn on the leaders' dashboard) --------------------
@dataclasses.dataclass(frozen=True)
class Target:
    """A target the province set itself on an indicator's rate (percent); the dashboard draws it as a line
    and lists the agencies below it."""

    code: str
    rate: Decimal
    label: Promise


PROVINCE_TARGETS = (
    Target("P1", Decimal("96"), _("Dossiers resolved on time")),
    Target("S3", Decimal("92"), _("Satisfaction with the handling of dossiers")),
    # The share of dossiers filed online (fully online where the procedure is offered so).
    Target("O1", Decimal("80"), _("Dossiers filed online")),
)


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


# Dossiers. A dossier ends when it is resolved (approved or denied), or closed otherwise after reception
# (refused, withdrawn, suspended: ``finished_at``).
def received(w):
    return _in("received_at", w)


def resolved(w):
    return _in("resolved_at", w)


def handled(w):
    """Received in the period, or received before it and not ended before it began (resolved in it or after
    it, still open, or closed otherwise in it or after it): the dossiers the Decision's progress indicator
    judges ("tiếp nhận, xử lý trong kỳ"). Each dossier is judged in every period it was handled in."""
    before = Q(received_at__lt=w.start)
    not_closed_before = Q(resolved_at__isnull=True) & (Q(finished_at__isnull=True) | Q(finished_at__gte=w.start))
    return received(w) | (before & Q(resolved_at__gte=w.start)) | (before & not_closed_before)


def _open_at(w):
    """Not ended at the moment of judging."""
    return Q(resolved_at__gt=w.now) | (
        Q(resolved_at__isnull=True) & (Q(finished_at__isnull=True) | Q(finished_at__gt=w.now))
    )


def _ended_late(w):
    """Ended by the moment of judging, after its appointment date (which already moved by the time waiting on
    the applicant)."""
    return Q(resolved_at__lte=w.now, resolved_at__gt=F("due_at")) | Q(
        resolved_at__isnull=True, finished_at__lte=w.now, finished_at__gt=F("due_at")
    )


def _due(w):
    """Open at the moment of judging and past its appointment date: running, or waiting on the applicant
    only since after the date (the clock stops while the applicant is asked for something; a dossier already
    late when it stopped stays late)."""
    running = Q(paused_at__isnull=True) | Q(paused_at__gte=w.now) | Q(paused_at__gt=F("due_at"))
    return _open_at(w) & Q(due_at__lt=w.now) & running


# Why a dossier counts as late: each reason is a flag of the row (``ix_late_<key>``), computed once in SQL and
# read both by the count and by the drill-down, so the list of late dossiers and its reasons are the count's.
LATE_REASONS: tuple[tuple[str, Promise, Callable[[Window], Q]], ...] = (
    ("due", _("past its appointment date, not resolved"), _due),
    ("resolved", _("resolved or closed after its appointment date"), _ended_late),
    ("extended", _("extended: an apology letter was issued"), lambda w: Q(extended_at__lt=w.now)),
    # supplement_count counts only the requests made after reception: a second one is refused by the
    # workflow today, but one recorded before that rule (or imported) still counts.
    ("supplement", _("asked for a supplement a second time"), lambda w: Q(supplement_count__gt=1)),
)


def _late_flags(w) -> dict:
    # Case, not a bare Q: each flag is true or false, never NULL, so "not late" is exact.
    return {
        f"ix_late_{key}": Case(When(condition(w), then=Value(True)), default=Value(False), output_field=BooleanField())
        for key, _label, condition in LATE_REASONS
    }


def late(w):
    """Late for the Decision: past the date and not resolved, resolved after it, extended with an apology, or
    asked for a supplement more than once."""
    out = Q()
    for key, _label, _condition in LATE_REASONS:
        out |= Q(**{f"ix_late_{key}": True})
    return out


APPROVED = Q(outcome="approved")
ONLINE = Q(channel=FilingChannel.ONLINE)


def _dossier_annotations(w) -> dict:
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
        # A fee to pay: the request_payment event (its fees, each positive) asked in the period; it is paid at
        # the counter (confirm_payment by a clerk) or online (the gateway's confirm_payment, paid_online).
        "ix_fee_asked": Exists(DossierEvent.objects.filter(dossier=OuterRef("pk"), action="request_payment",
                                                            at__gte=w.start, at__lt=w.end)),
        "ix_person": Exists(CitizenProfile.objects.filter(id_number=OuterRef("applicant_id_number"))),
        "ix_business": Exists(Business.objects.filter(tax_code=OuterRef("applicant_id_number"))),
        "ix_rated_badly": Exists(Rating.objects.filter(dossier=OuterRef("pk"), level=Level.DISSATISFIED)),
        "ix_complained": Exists(Feedback.objects.filter(dossier=OuterRef("pk"), kind=Feedback.Kind.FEEDBACK)),
        **_late_flags(w),
    }


ONLINE_OFFERED = Q(version__online_level__in=[ProcedureVersion.OnlineLevel.FULL, ProcedureVersion.OnlineLevel.PARTIAL])
IN_STORE = Q(ix_person=True) | Q(ix_business=True)
DISLIKED = Q(ix_rated_badly=True) | Q(ix_complained=True)
# The national population database: a VNeID-verified applicant, or the database recorded on the dossier
# (TaiKhoanDuocXacThucVoiVNeID, DSKetNoiCSDL; the portal records no other national database).
POPULATION = Q(applicant_verified=True) | ~Q(national_databases=[])


# Feedback. Handled on time: accepted or rejected within its accept-by date, and answered within its
# answer-by date (moved by the time waiting on the sender). Due in the period: finished in it, or still open
# with a deadline in it that has passed.
def fb_finished(w):
    return _in("finished_at", w)


def fb_overdue(w):
    return (Q(state=FeedbackState.SUBMITTED) & _in("accept_due_at", w) & Q(accept_due_at__lt=w.now)) | (
        Q(state=FeedbackState.ACCEPTED) & _in("answer_due_at", w) & Q(answer_due_at__lt=w.now)
    )


def _fb_steps_late():
    return (
        Q(accepted_at__gt=F("accept_due_at"))
        | Q(state=FeedbackState.REJECTED, finished_at__gt=F("accept_due_at"))
        | Q(state=FeedbackState.ANSWERED, finished_at__gt=F("answer_due_at"))
    )


def fb_late(w):
    return _fb_steps_late() | fb_overdue(w)


def fb_late_now(w):
    """Late at the moment of judging, whatever period its deadline fell in (S2 judges the feedback accepted in
    the period, some due after it)."""
    return _fb_steps_late() | Q(state=FeedbackState.ACCEPTED, answer_due_at__lt=w.now)


# Procedures an agency offers: one row per agency and procedure in force (the implementing agencies of its
# current version), so "the agency's procedures" count once per agency and add up over the tree.
Offer = ProcedureVersion.agencies.through


def _offers():
    return Offer.objects.filter(procedureversion__procedure__is_active=True,
                                procedureversion__procedure__current_version=F("procedureversion"))


def _offer_annotations(w) -> dict:
    of_offer = {"dossier__procedure": OuterRef("procedureversion__procedure"), "dossier__agency": OuterRef("agency")}
    return {
        "ix_level": F("procedureversion__online_level"),
        "ix_fee": Exists(Fee.objects.filter(version=OuterRef("procedureversion"), amount__gt=0)),
        "ix_online_dossier": Exists(Dossier.objects.filter(
            procedure=OuterRef("procedureversion__procedure"), agency=OuterRef("agency"), channel=FilingChannel.ONLINE,
            received_at__gte=w.start, received_at__lt=w.end)),
        "ix_fee_asked": Exists(DossierEvent.objects.filter(action="request_payment", at__gte=w.start, at__lt=w.end,
                                                           **of_offer)),
        "ix_paid_online": Exists(Payment.objects.filter(status=Payment.Status.PAID, paid_at__gte=w.start,
                                                        paid_at__lt=w.end, **of_offer)),
    }


OFFERED_ONLINE = Q(ix_level__in=[ProcedureVersion.OnlineLevel.FULL, ProcedureVersion.OnlineLevel.PARTIAL])


# --- indicators ------------------------------------------------------------------------------------------
def _no_flags(w) -> dict:
    return {}


@dataclasses.dataclass(frozen=True)
class Source:
    """A kind of row counted: how its rows group by agency, field and procedure, the flags looked up for
    each row (``annotations``: ``EXISTS`` probes of other tables and expressions, for the period), the plain
    columns its indicators read (``columns``: its own fields, the indicators reach the others through them),
    and the rows any of its indicators may count in a period (``period``: plain columns only, implied by
    every denominator)."""

    name: str
    queryset: Callable[[], QuerySet]
    keys: dict[str, str]
    agency_path: str
    period: Callable[[Window], Q]
    columns: tuple[str, ...]
    annotations: Callable[[Window], dict] = _no_flags


DOSSIERS = Source(
    "dossiers", lambda: Dossier.objects.all(),
    {"agency": "agency_id", "field": "version__field_id", "procedure": "procedure_id"},
    "agency__path",
    handled,
    ("received_at", "resolved_at", "finished_at", "due_at", "state", "paused_at", "extended_at", "supplement_count",
     "outcome", "channel", "paid_online", "applicant_verified", "national_databases", "version"),
    _dossier_annotations,
)
FEEDBACK = Source(
    "feedback", lambda: Feedback.objects.all(),
    {"agency": "agency_id", "field": "procedure__current_version__field_id", "procedure": "procedure_id"},
    "agency__path",
    lambda w: fb_finished(w) | fb_overdue(w) | _in("answer_rated_at", w) | _in("accepted_at", w),
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
    lambda w: {
        "ix_documents": Exists(RequiredDocument.objects.filter(version=OuterRef("current_version"))),
        "ix_legal": Exists(LegalDocument.objects.filter(version=OuterRef("current_version"))),
        "ix_time": Exists(ProcessingTime.objects.filter(version=OuterRef("current_version"))),
    },
)
OFFERS = Source(
    "offers", _offers,
    {"agency": "agency_id", "field": "procedureversion__field_id", "procedure": "procedureversion__procedure_id"},
    "agency__path",
    lambda w: Q(),
    ("agency", "procedureversion"),
    _offer_annotations,
)


@dataclasses.dataclass(frozen=True)
class Indicator:
    code: str
    group: str
    name: Promise
    source: Source
    formula: Promise
    denominator: Callable[[Window], Q]
    numerator: Callable[[Window], Q]
    # Counted apart and subtracted from the numerator (the dossier-satisfaction formula subtracts two rates).
    penalty: Callable[[Window], Q] | None = None
    # A standing indicator's denominator is the catalog, not the period's work: alone it gives no score.
    standing: bool = False
    # Why the portal cannot compute it (it does not hold the data): it scores 0, shown as not measured.
    not_held: Promise | None = None

    @property
    def rule(self) -> Rule:
        return DECISION_766[self.code]

    def rows(self, w: Window, *, missing: bool = False) -> QuerySet:
        """The rows behind the figure: the denominator, or only those that did not count (``missing``)."""
        if self.not_held is not None:
            raise ValueError(f"{self.code} is not measured")
        qs = self.source.queryset().alias(**self.source.annotations(w)).filter(self.denominator(w))
        if missing:
            lost = ~self.numerator(w)
            if self.penalty is not None:
                lost |= self.penalty(w)
            qs = qs.filter(lost)
        return qs


def _t1_num(w):
    return Q(ix_documents=True, ix_legal=True, ix_time=True)


def _nothing(w):
    return Q(pk__in=[])


INDICATORS: tuple[Indicator, ...] = (
    # Transparency (công khai, minh bạch): 18 points.
    Indicator(
        "T1", "transparency", _("Procedures published in full"), PROCEDURES,
        _("procedures in force with their documents, legal basis and processing time published "
          "/ procedures in force"),
        lambda w: Q(pk__isnull=False), _t1_num, standing=True,
    ),
    Indicator(
        "T2", "transparency", _("Dossiers synced to the national portal"), DOSSIERS,
        _("dossiers received whose every status reached the national portal / dossiers received"),
        received, lambda w: Q(ix_portal_sent=True, ix_portal_owed=False),
    ),
    Indicator(
        "T3", "transparency", _("Status updates on the portal within a day"), DELIVERIES,
        _("status updates delivered to the national portal within 24 hours of the action / status updates of "
          "actions in the period (followed by the province; not one of the Decision's indicators, no points)"),
        lambda w: _in("created_at", w),
        lambda w: Q(status=Delivery.Status.DELIVERED, delivered_at__lte=F("created_at") + dt.timedelta(days=1)),
    ),
    Indicator(
        "T4", "transparency", _("Procedures published on time"), PROCEDURES,
        _("procedures whose publishing decision was issued on time before their legal basis took effect "
          "/ procedures published in the period"),
        _nothing, _nothing,
        not_held=_("the catalog keeps neither the date of each publishing decision nor the date its legal basis "
                   "takes effect"),
    ),
    Indicator(
        "T5", "transparency", _("Procedures made public on time in the national database"), PROCEDURES,
        _("procedures made public in the National Database of Administrative Procedures within 5 working days "
          "of their publishing decision / procedures to make public in the period"),
        _nothing, _nothing,
        not_held=_("the portal does not see when the national database made each procedure public"),
    ),
    # Progress (tiến độ, kết quả giải quyết): 20 points.
    Indicator(
        "P1", "progress", _("Dossiers resolved early or on time"), DOSSIERS,
        _("dossiers resolved by their appointment date, or still within it, at the end of the period (the time "
          "waiting on the applicant moves the date; extended with an apology, or asked for a supplement a "
          "second time, counts as late) / dossiers received or being handled in the period"),
        handled, lambda w: ~late(w),
    ),
    # Online service (cung cấp dịch vụ trực tuyến), online dossiers: 12 points.
    Indicator(
        "O1", "online", _("Dossiers filed online"), DOSSIERS,
        _("dossiers filed online / dossiers received of procedures offered online (full points from 50%). The "
          "electronic result is not asked for here: D1 counts it, for every channel"),
        lambda w: received(w) & ONLINE_OFFERED, lambda w: ONLINE,
    ),
    Indicator(
        "O2", "online", _("Online procedures with an online dossier"), OFFERS,
        _("procedures the agency offers online with at least one dossier filed online and received in the period "
          "/ procedures the agency offers online (followed, no points of its own)"),
        lambda w: OFFERED_ONLINE, lambda w: Q(ix_online_dossier=True), standing=True,
    ),
    # Online payment (thanh toán trực tuyến): 10 points.
    Indicator(
        "M1", "payment", _("Fees paid online"), DOSSIERS,
        _("dossiers whose fees were paid online / dossiers asked to pay a fee in the period, paid at the counter, "
          "online or not yet"),
        lambda w: handled(w) & Q(ix_fee_asked=True), lambda w: Q(paid_online=True),
    ),
    Indicator(
        "M2", "payment", _("Procedures with an online payment"), OFFERS,
        _("procedures the agency offers online with a fee, with at least one fee paid online in the period "
          "/ procedures the agency offers online with a fee"),
        lambda w: OFFERED_ONLINE & Q(ix_fee=True), lambda w: Q(ix_paid_online=True), standing=True,
    ),
    Indicator(
        "M3", "payment", _("Procedures with fees payable through the portal"), OFFERS,
        _("procedures the agency offers with a fee, whose fees were asked through the portal (and sent to the "
          "national portal, payable online) in the period / procedures the agency offers with a fee"),
        lambda w: Q(ix_fee=True), lambda w: Q(ix_fee_asked=True), standing=True,
    ),
    # Digitization (số hóa hồ sơ): 22 points.
    Indicator(
        "D1", "digitization", _("Electronic results"), DOSSIERS,
        _("dossiers approved with a signed electronic result / dossiers approved, every channel. The one "
          "indicator that counts an electronic result: the Decision's own for it, and the only one whose "
          "denominator holds counter dossiers too"),
        lambda w: resolved(w) & APPROVED, lambda w: Q(ix_result=True),
    ),
    Indicator(
        "D2", "digitization", _("Dossiers digitized"), DOSSIERS,
        _("dossiers received whose every file is digitized (or reused from the data store) / dossiers received "
          "with files (the electronic result is D1's)"),
        lambda w: received(w) & Q(ix_files=True), lambda w: Q(ix_undigitized=False),
    ),
    Indicator(
        "D3", "digitization", _("Documents reused from the data store"), DOSSIERS,
        _("dossiers received that reused a digitized document from the data store / dossiers received"),
        received, lambda w: Q(ix_reused=True),
    ),
    Indicator(
        "D4", "digitization", _("Results in the applicant's own data store"), DOSSIERS,
        _("electronic results whose owner has an account, so they show in their data store "
          "/ dossiers approved with an electronic result"),
        lambda w: resolved(w) & APPROVED & Q(ix_result=True), lambda w: IN_STORE,
    ),
    Indicator(
        "D5", "digitization", _("Electronic certified copies"), DOSSIERS,
        _("electronic certified copies issued from originals / certification requests"),
        _nothing, _nothing,
        not_held=_("the portal does not issue electronic certified copies from originals"),
    ),
    Indicator(
        "D6", "digitization", _("Dossiers using the national population database"), DOSSIERS,
        _("dossiers received whose applicant was verified with VNeID or whose data came from the national "
          "population database / dossiers received"),
        received, lambda w: POPULATION,
    ),
    Indicator(
        "D7", "digitization", _("Procedures connected to the national population database"), OFFERS,
        _("procedures for citizens with dossiers that used the national population database / procedures whose "
          "applicants are citizens"),
        _nothing, _nothing,
        not_held=_("the catalog does not record which procedures are for citizens (it keeps who may apply as "
                   "free text)"),
    ),
    # Satisfaction (mức độ hài lòng): 18 points.
    Indicator(
        "S1", "satisfaction", _("Feedback handled on time"), FEEDBACK,
        _("feedback accepted within 2 working days and answered within 15 / feedback answered or rejected, "
          "or overdue, in the period"),
        lambda w: fb_finished(w) | fb_overdue(w), lambda w: ~fb_late(w),
    ),
    Indicator(
        "S2", "satisfaction", _("Satisfied with the handling of their feedback"), FEEDBACK,
        _("(feedback accepted in the period − those rated not satisfied or handled late) / feedback accepted "
          "in the period"),
        lambda w: _in("accepted_at", w),
        lambda w: ~Q(answer_level=Level.DISSATISFIED) & ~fb_late_now(w),
    ),
    Indicator(
        "S3", "satisfaction", _("Satisfied with the handling of their dossier"), DOSSIERS,
        _("100% − (% late + % rated not satisfied or complained about), over the dossiers received or being "
          "handled in the period; full points at Resolution 76/NQ-CP's target for the period"),
        handled, lambda w: ~late(w), penalty=lambda w: DISLIKED,
    ),
)
# S3's numerator counts the dossiers not late and its penalty the disliked ones (late or not), so
# (numerator − penalty) / denominator = 100% − % late − % disliked, the two percentages added as the
# formula says: a dossier both late and disliked is taken off once for each.

BY_CODE = {i.code: i for i in INDICATORS}
SOURCES = (DOSSIERS, FEEDBACK, DELIVERIES, PROCEDURES, OFFERS)
DIMENSIONS = ("agency", "field", "procedure")
EMPTY = _("nothing to count in this period")
LATE_CODES = ("P1",)  # the indicator whose missing rows are the late dossiers: the drill-down says why each

assert set(BY_CODE) == set(DECISION_766), "every indicator has its row in DECISION_766, and only they"
assert sum(r.points for r in DECISION_766.values()) == TOTAL == sum(GROUP_MAX.values())
assert all(sum(DECISION_766[i.code].points for i in INDICATORS if i.group == g) == m for g, m in GROUP_MAX.items())


# --- counting --------------------------------------------------------------------------------------------
Counts = dict[str, list[int]]  # indicator code -> [numerator, denominator, penalty]


def count(w: Window, *, by: str = "agency", within: Agency | None = None,
          only: tuple[str, ...] | None = None) -> dict[object, Counts]:
    """Numerators and denominators of every measured indicator (or ``only`` those) for ``w``, grouped by
    ``by`` (agency id, field id or procedure id), over the rows of ``within``'s subtree if given. One
    aggregate query per kind of row counted.

    A kind of row with flags (dossiers, procedures, offers) is counted in two stages. A materialized CTE takes
    the period's rows (``Source.period``) with the columns the indicators read and each row's flags, every
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


def _empty_counts() -> Counts:
    return {i.code: [0, 0, 0] for i in INDICATORS}


def _count(w: Window, by: str, within: Agency | None, only: tuple[str, ...] | None) -> dict[object, Counts]:
    out: dict[object, Counts] = defaultdict(_empty_counts)
    for source in SOURCES:
        indicators = [i for i in INDICATORS if i.source is source and i.not_held is None
                      and (only is None or i.code in only)]
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
        flags = source.annotations(w)
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
    total: dict[int, Counts] = {pk: _empty_counts() for pk, _path in agencies}
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
                if code in target:
                    target[code][0] += n
                    target[code][1] += d
                    target[code][2] += p
    return total


# --- scoring ---------------------------------------------------------------------------------------------
def _q(x: Decimal) -> Decimal:
    return x.quantize(TWO, rounding=ROUND_HALF_UP)


def indicator_result(indicator: Indicator, n: int, d: int, p: int = 0, *, year: int) -> dict:
    """One indicator's figures and points. ``status``: "measured"; "not_held" (the portal does not hold its
    data) or "empty" (nothing to count in the period), both scoring 0 with their ``reason``."""
    rule = indicator.rule
    threshold = rule.threshold(year)
    out = {
        "code": indicator.code, "name": str(indicator.name), "formula": str(indicator.formula),
        "numerator": max(0, n - p), "denominator": d, "rate": None, "threshold": float(threshold * 100),
        "points": 0.0, "max": rule.points, "status": "measured", "reason": "",
    }
    if indicator.not_held is not None:
        out.update(numerator=0, denominator=0, status="not_held", reason=str(indicator.not_held))
    elif d == 0:
        out.update(status="empty", reason=str(EMPTY))
    else:
        # S3: 100% − (% late + % disliked) = (d − late − disliked) / d = (n − p) / d, never below 0.
        rate = max(Decimal(0), Decimal(n - p) / Decimal(d))
        points = Decimal(rule.points) * min(Decimal(1), rate / threshold)
        out.update(rate=float(_q(rate * 100)), points=float(_q(points)))
    return out


def score(counts: Counts, *, year: int | None = None) -> dict:
    """Groups, indicators, points and the total on 100 from one agency's (or field's, or procedure's) counts
    in a period of ``year`` (the year decides S3's threshold; default this year).

    ``score`` is the points earned out of the Decision's 100, every indicator included; ``measured_score`` is
    the same points out of those of the indicators measured (``measured_max``), on 100. Points are summed as
    rounded to the hundredth, as shown. Both are None for a period in which nothing was done."""
    year = year or timezone.localdate().year
    groups, earned, measured_max, active = [], Decimal(0), 0, False
    for code, name, group_max in GROUPS:
        items = [
            indicator_result(i, *counts.get(i.code, (0, 0, 0)), year=year) for i in INDICATORS if i.group == code
        ]
        g_points = sum((Decimal(str(r["points"])) for r in items), Decimal(0))
        g_measured = sum(r["max"] for r in items if r["status"] == "measured")
        earned += g_points
        measured_max += g_measured
        active = active or any(r["status"] == "measured" and not BY_CODE[r["code"]].standing for r in items)
        groups.append({
            "code": code, "name": str(name), "max": group_max, "measured_max": g_measured,
            "points": float(_q(g_points)), "indicators": items,
        })
    # A period with nothing done in it (no dossier, feedback or status update counted) has no score.
    total = float(_q(earned)) if active else None
    measured = float(_q(100 * earned / measured_max)) if active and measured_max else None
    # "available": the name the API's split rows have always carried for the points that could be computed.
    return {"rules": RULES_VERSION, "max": TOTAL, "points": float(_q(earned)), "score": total,
            "measured_max": measured_max, "measured_score": measured, "available": measured_max, "groups": groups}


def late_annotations() -> dict:
    """What the drill-down selects of a late dossier's flags (``Indicator.rows`` has them as aliases):
    ``why_<key>`` for each of ``LATE_REASONS``."""
    return {f"why_{key}": F(f"ix_late_{key}") for key, _label, _condition in LATE_REASONS}


def late_reasons(row) -> list[str]:
    """Why a dossier of the drill-down (selected with ``late_annotations``) counts as late, in words."""
    return [str(label) for key, label, _condition in LATE_REASONS if getattr(row, f"why_{key}", False)]


def indicator_rate(result: dict | None, code: str) -> float | None:
    """The rate (percent) of indicator ``code`` in a stored result, None when not measured."""
    for group in (result or {}).get("groups", []):
        for i in group.get("indicators", []):
            if i.get("code") == code:
                return i.get("rate")
    return None


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
        # Only snapshots computed under these rules: an older one is missing, so it is computed again.
        stored = IndexSnapshot.objects.filter(agency_id__in=ids, period__in=codes, data__rules=RULES_VERSION)
        return {(s.agency_id, s.period): s for s in stored}

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

    def current(stored):
        # Counted under these rules: every row has every indicator's counts (a split stored before an indicator
        # was added is computed again).
        return stored is not None and all(set(BY_CODE) <= set(row["counts"]) for row in stored.rows)

    stored = read()
    if not current(stored):
        if index_request([period.code], by=by, agency_id=agency.pk) and settings.CELERY_TASK_ALWAYS_EAGER:
            stored = read()
        stored = stored if current(stored) else None
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
        rows.append({"key": row["key"], "code": code, "name": name, **score(row["counts"], year=period.start.year),
                     "counts": row["counts"],
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
            rows.append({"key": row["key"], "late": d - n, "handled": d, "rate": float(_q(Decimal(n) * 100 / d))})
    rows.sort(key=lambda r: (-r["late"], r["rate"], r["key"]))
    rows = rows[:limit]
    named = _names("procedure", [r["key"] for r in rows])
    for r in rows:
        r["code"], r["name"] = named.get(r["key"], ("", ""))
    return rows
