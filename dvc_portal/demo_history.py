"""A year of demo history, so the Decision 766 dashboard shows trends: dossiers of the eleven months before
this one and of this month so far, made through the real services with the clock moved.

Every dossier is filed online or taken at the counter, received, forwarded, taken through its workflow,
approved, denied or refused, paid for, returned and rated through ``cases.services``,
``integrations.payments`` and ``satisfaction.ratings`` (so it lives in the project, above every app) while ``django.utils.timezone.now`` (and the model
fields whose default is that function: event times, payments, notifications) gives the simulated moment
of each action. So the event log, the outbox rows, the deadlines (working time, holidays, time waiting on
the citizen) and the payments are what they would have been then. Quality varies by agency and by month
(the first agency improves over the year, the second gets worse), so the trend and the ranking move.

What needs a worker is queued like the rest of the demo and done by the worker ``make run`` starts, after
the load (a couple of minutes for the whole year): the national portal's copies (they reach it then, not
within a day of each action, so the indicator T3 is 0 for these months), the electronic results, the few
uploaded files. To keep that backlog short, counter dossiers are taken without scans and most online ones
are of procedures that ask for no file; no document is reused from a data store (the stores are filled by
that worker, after the load). The same seed and present give the same history.

This month, a story stops at the present: what is planned after now is not done, so a few dossiers of the
last days are still open. Idempotent: nothing is made when history dossiers exist (``form_data`` key
``demo_history``).
"""

import contextlib
import datetime as dt
import random
import secrets
from dataclasses import dataclass, field
from decimal import Decimal
from unittest import mock

from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from accounts.models import StaffMembership, User
from accounts.services import citizen_register
from cases import services
from cases.actions import perform
from cases.demo import PAYLOADS, demo_pdf
from cases.models import Dossier, ResultDelivery
from integrations import payment_gateway, payments
from integrations.models import Payment
from integrations.notifications import preference_update
from procedures.catalog_convert import demo_answers
from procedures.models import Agency, Procedure, StaffRole, TimeUnit
from procedures.working_calendar import WorkingCalendar
from satisfaction.index_service import index_refresh
from satisfaction.models import FollowUp, IndexSnapshot
from satisfaction.ratings import follow_up_close, rating_submit

MARK = "demo_history"
MONTHS = 12  # the current month and the eleven before it: the dashboard's trend
MAX_DAYS = Decimal(10)  # procedures with a longer processing time would run past their month

# Applicants with an account (online dossiers), made once with a random password: they are not demo
# accounts anyone logs in with, and they get notifications in the portal only (no e-mail, SMS or Zalo).
# Few, as each costs a password hash (a third of a second with the production hasher).
CITIZENS = [
    ("lichsu01", "Trần Văn Hùng", "048087010101", dt.date(1987, 3, 4)),
    ("lichsu02", "Nguyễn Thị Thu", "048192010202", dt.date(1992, 7, 19)),
    ("lichsu03", "Lê Quang Vinh", "048078010303", dt.date(1978, 11, 2)),
]
# Walk-in applicants at the counter (no account, no phone: nobody to text months later).
WALK_INS = [
    "Nguyễn Văn Bảy", "Trần Thị Cúc", "Lê Văn Dũng", "Phạm Thị Duyên", "Hoàng Minh Đức", "Huỳnh Thị Gấm",
    "Võ Văn Hải", "Đặng Thị Hằng", "Bùi Quốc Khánh", "Đỗ Thị Lan", "Ngô Văn Lực", "Dương Thị Mỹ",
    "Lý Văn Nhân", "Mai Thị Phượng", "Trịnh Văn Quý", "Châu Thị Sen",
]
STREETS = ["Lê Duẩn", "Trần Phú", "Hùng Vương", "Nguyễn Văn Linh", "Phan Châu Trinh", "Ông Ích Khiêm"]

RATING_COMMENTS = {
    1: ["Cán bộ hướng dẫn tận tình, trả kết quả sớm.", "Thủ tục nhanh gọn.", ""],
    2: ["", "Đúng hẹn.", ""],
    3: ["Trả kết quả trễ hẹn, không được báo trước.", "Phải đi lại nhiều lần.", "Chờ lâu ở bộ phận một cửa."],
}
FOLLOW_UP_OUTCOMES = [
    "Đã liên hệ công dân qua điện thoại, giải thích nguyên nhân chậm trễ và xin lỗi.",
    "Lãnh đạo đã làm việc với công chức một cửa; công dân đã được hướng dẫn đầy đủ.",
]


# --- the clock -------------------------------------------------------------------------------------------
class Clock:
    """The simulated present: what ``timezone.now`` returns while the history is made."""

    def __init__(self):
        self.moment: dt.datetime | None = None

    def now(self) -> dt.datetime:
        return self.moment


@contextlib.contextmanager
def clock_patched(clock: Clock):
    """Make ``timezone.now`` (hence ``auto_now``/``auto_now_add``, ``localdate``, ``localtime``) and every
    model field declared with ``default=timezone.now`` read ``clock``. Such a default is the function object
    bound at import, which patching the module cannot reach: the field's cached default getter is patched."""
    real = timezone.now
    with contextlib.ExitStack() as stack:
        stack.enter_context(mock.patch("django.utils.timezone.now", clock.now))
        seen = set()
        for model in apps.get_models():
            for f in model._meta.concrete_fields:
                if getattr(f, "default", None) is real and id(f) not in seen:
                    seen.add(id(f))
                    stack.enter_context(mock.patch.object(f, "_get_default", clock.now))
        yield clock


class NotYet(Exception):
    """The story's next moment is after the real present: the dossier stays where it is."""


# --- who and what ------------------------------------------------------------------------------------------
ROLES = {StaffRole.RECEPTION_CLERK: "clerk", StaffRole.SPECIALIST: "specialist", StaffRole.LEADER: "leader"}
TRENDS = ("improving", "worsening", "steady")


@dataclass
class Office:
    agency: Agency
    staff: dict
    online: list
    counter: list
    calendar: WorkingCalendar
    trend: str
    results: int = 0


def _offices() -> list[Office]:
    """Agencies with a reception clerk, a specialist and a leader, and procedures they can resolve within
    their month; the first by code improves over the year, the second gets worse, the others hold."""
    staff: dict[int, dict] = {}
    members = (
        StaffMembership.objects.filter(role__in=list(ROLES), user__is_active=True, agency__is_active=True)
        .select_related("user").order_by("user__username")
    )
    for m in members:
        staff.setdefault(m.agency_id, {}).setdefault(ROLES[m.role], m.user)
    offices = []
    agencies = Agency.objects.filter(pk__in=[pk for pk, s in staff.items() if len(s) == 3]).order_by("code")
    for agency in agencies:
        procedures = [
            p for p in Procedure.objects.filter(is_active=True, current_version__agencies=agency)
            .select_related("current_version")
            .prefetch_related("current_version__steps", "current_version__documents", "current_version__times")
            .order_by("code")
            if _resolvable(p) and 0 < _days(p) <= MAX_DAYS
        ]
        online = [p for p in procedures if p.current_version.online_level in ("full", "partial")]
        if not procedures:
            continue
        offices.append(Office(agency, staff[agency.pk], online, procedures, WorkingCalendar.for_agency(agency),
                              TRENDS[min(len(offices), 2)]))
    return offices


def _days(procedure) -> Decimal:
    """The longest time of a procedure published in working days (0 when it publishes another unit: the
    history keeps to working-day procedures, whose story fits its month)."""
    times = list(procedure.current_version.times.all())
    if not times or any(t.unit != TimeUnit.WORKING_DAYS for t in times):
        return Decimal(0)
    return max(t.amount for t in times)


def _resolvable(procedure) -> bool:
    """A workflow whose steps our three officials can take, ending with the leader's decision."""
    steps = sorted(procedure.current_version.steps.all(), key=lambda s: s.order)
    return bool(steps) and steps[-1].role == StaffRole.LEADER and all(s.role in ROLES for s in steps)


def _mandatory(procedure) -> list:
    return [d for d in procedure.current_version.documents.all() if d.mandatory]


def _citizens(clock: Clock, first: dt.datetime) -> list[User]:
    """The history's applicants with an account, registered before the year began (made once)."""
    existing = {u.username: u for u in User.objects.filter(username__in=[c[0] for c in CITIZENS])}
    users = []
    for username, name, number, born in CITIZENS:
        user = existing.get(username)
        if user is None:
            clock.moment = first - dt.timedelta(days=30)
            user = citizen_register(
                username=username, password=secrets.token_urlsafe(18), email=f"{username}@example.com",
                full_name=name, id_number=number, date_of_birth=born,
                address=f"{10 + len(users) * 7} {STREETS[len(users) % len(STREETS)]}, thành phố Đà Nẵng",
            )
            preference_update(user=user, email=False, sms=False, zalo=False)
        users.append(user)
    return users


# --- plans ---------------------------------------------------------------------------------------------
@dataclass
class Plan:
    office: Office
    procedure: Procedure
    start: dt.datetime
    online: bool
    applicant: object  # a User (online) or (name, ID number) at the counter
    outcome: str = "approve"  # approve, deny, refuse
    late: bool = False
    extend: bool = False
    supplement: bool = False
    payment: str = ""  # "", "online", "counter"
    delivery: str = ResultDelivery.COUNTER
    rating: int | None = None
    fraction: float = 0.6  # where in the time left the decision falls, when on time
    late_minutes: int = 0  # how far past the appointment it falls, when late
    extra: dict = field(default_factory=dict)


def _months(now: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
    """(start, end) of the eleven months before ``now``'s and of ``now``'s month up to ``now``."""
    first = timezone.localtime(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    starts = [first - relativedelta(months=back) for back in range(MONTHS - 1, -1, -1)]
    return [(start, min(start + relativedelta(months=1), now)) for start in starts]


def _quality(trend: str, index: int, rng: random.Random) -> float:
    """0 (poor) to 1 (excellent) for an agency in the ``index``-th month of the year shown."""
    x = index / (MONTHS - 1)
    base = {"improving": 0.25 + 0.7 * x, "worsening": 0.95 - 0.5 * x}.get(trend, 0.75)
    return min(0.98, max(0.1, base + rng.uniform(-0.04, 0.04)))


def _quota(n: int, share: float, rng: random.Random | None = None) -> int:
    """How many of ``n`` have a trait of ``share``: rounded to the nearest for the traits the quality drives
    (a month of ten dossiers follows its agency's trend), at random with ``rng`` for the rare ones (so a
    small month may still have one)."""
    exact = n * share
    if rng is None:
        return int(exact + 0.5)
    return int(exact) + (rng.random() < exact - int(exact))


def _start(office: Office, begin: dt.datetime, end: dt.datetime, online: bool, rng: random.Random):
    """A moment in [begin, end - 2 h): office hours for the counter, 6:00-22:00 any day online."""
    last = end - dt.timedelta(hours=2)
    if last <= begin:
        return None
    for _i in range(20):
        moment = begin + dt.timedelta(seconds=rng.uniform(0, (last - begin).total_seconds()))
        local = timezone.localtime(moment)
        if online:
            if 6 <= local.hour < 22:
                return moment
        elif office.calendar.is_working_day(local.date()):
            snapped = office.calendar.add_working_minutes(moment, 0)
            if snapped < last:
                return snapped
    return None


def _plans(offices: list[Office], citizens: list[User], size: int, now: dt.datetime, rng: random.Random) -> list[Plan]:
    months = _months(now)
    per_office_month = size / (MONTHS * len(offices))
    plans = []
    for office in offices:
        for index, (begin, end) in enumerate(months):
            q = _quality(office.trend, index, rng)
            # Fewer dossiers in the Tết month; the current month only so far; a ward busier than a department.
            volume = per_office_month * rng.uniform(0.8, 1.2) * (0.7 if begin.month == 2 else 1.0)
            volume *= (end - begin) / (months[0][1] - months[0][0]) if index == MONTHS - 1 else 1
            volume *= 1.15 if office.agency.level == Agency.Level.COMMUNE else 0.85
            n = max(1, round(volume))
            online_n = _quota(n, 0.15 + 0.6 * q) if office.online else 0
            channels = [True] * online_n + [False] * (n - online_n)
            rng.shuffle(channels)
            month_plans = []
            for online in channels:
                start = _start(office, begin, end, online, rng)
                if start is None:
                    continue
                month_plans.append(_plan(office, online, start, citizens, rng))
            _traits(month_plans, q, rng)
            plans += month_plans
    plans.sort(key=lambda p: p.start)
    return plans


def _plan(office: Office, online: bool, start, citizens, rng: random.Random) -> Plan:
    if online:
        # Mostly procedures that ask for no file: an upload is OCR work for the worker later.
        no_file = [p for p in office.online if not _mandatory(p)]
        pool = no_file if no_file and rng.random() < 0.85 else office.online
        applicant = rng.choice(citizens)
    else:
        pool = office.counter
        marker = rng.choice("0101")  # 20th century, male or female
        number = f"048{marker}{rng.randint(55, 99):02d}{rng.randint(0, 999999):06d}"
        applicant = (rng.choice(WALK_INS), number)
    # Short procedures are the bulk of a one-stop office's work.
    weights = [1 / float(_days(p) + 1) for p in pool]
    procedure = rng.choices(pool, weights=weights)[0]
    delivery = ResultDelivery.ONLINE if online and rng.random() < 0.6 else ResultDelivery.COUNTER
    return Plan(office, procedure, start, online, applicant, delivery=delivery)


def _traits(plans: list[Plan], q: float, rng: random.Random) -> None:
    """Spread a month's outcomes over its dossiers by quota: late, extended, supplemented, refused, denied,
    paid (online or at the counter), and how the applicants rated it."""
    n = len(plans)
    order = plans[:]
    rng.shuffle(order)

    def take(count, eligible=lambda p: True):
        chosen = []
        for p in order:
            if len(chosen) >= count:
                break
            if eligible(p) and not p.extra.get("taken"):
                chosen.append(p)
        return chosen

    for p in take(_quota(n, 0.03, rng)):
        p.outcome, p.extra["taken"] = "refuse", True
    untouched = [p for p in plans if not p.extra.get("taken")]
    for p in rng.sample(untouched, _quota(len(untouched), 0.05, rng)):
        p.outcome = "deny"
    for p in take(_quota(n, 0.15 * (1 - q) + 0.02), lambda p: _days(p.procedure) >= 2):
        p.extend, p.extra["taken"] = True, True
    for p in take(_quota(n, 0.45 * (1 - q) + 0.02)):
        p.late, p.extra["taken"] = True, True
    for p in rng.sample(plans, _quota(n, 0.06, rng)):
        p.supplement = p.outcome != "refuse"
    approved = [p for p in plans if p.outcome == "approve"]
    paying = _quota(len(approved), 0.3)
    filed_online = [p for p in approved if p.online]
    paid_online = rng.sample(filed_online, min(len(filed_online), _quota(paying, 0.1 + 0.9 * q)))
    rest = [p for p in approved if p not in paid_online]
    for p in paid_online:
        p.payment = "online"
    for p in rng.sample(rest, min(len(rest), paying - len(paid_online))):
        p.payment = "counter"
    for p in plans:
        p.fraction = rng.uniform(0.3, 0.9)
        p.late_minutes = rng.randint(60, 1200)
        late = p.late or p.extend
        unhappy = (0.45 if late else 0.03) + 0.1 * (1 - q)
        roll = rng.random()
        p.rating = 3 if roll < unhappy else 1 if roll < unhappy + (1 - unhappy) * (0.3 + 0.5 * q) else 2
        if rng.random() < 0.2:
            p.rating = None  # not every citizen rates


# --- stories ---------------------------------------------------------------------------------------------
class Story:
    """One dossier's life, each action at its own simulated moment."""

    def __init__(self, plan: Plan, clock: Clock, until: dt.datetime, rng: random.Random, files: dict):
        self.plan, self.clock, self.until, self.rng, self.files = plan, clock, until, rng, files
        self.office = plan.office
        self.cal = plan.office.calendar
        self.t = plan.start
        self.dossier: Dossier | None = None
        self.old_due: dt.datetime | None = None  # the appointment date before an extension

    # time
    def at(self, moment: dt.datetime) -> None:
        moment = max(moment, self.t + dt.timedelta(seconds=30))
        if moment >= self.until:
            raise NotYet
        self.t = self.clock.moment = moment

    def work(self, minutes: float) -> dt.datetime:
        """``minutes`` of working time after the current moment."""
        return self.cal.add_working_minutes(self.t, max(1, int(minutes)))

    def days(self, low: float, high: float) -> dt.datetime:
        """Some calendar days later, in the daytime (the citizen's own time)."""
        local = timezone.localtime(self.t + dt.timedelta(days=self.rng.uniform(low, high)))
        if local.hour >= 21:
            local = (local + dt.timedelta(days=1)).replace(hour=8, minute=self.rng.randint(0, 59))
        elif local.hour < 7:
            local = local.replace(hour=8, minute=self.rng.randint(0, 59))
        return local

    # actions
    def act(self, action: str, actor, payload: dict | None = None) -> None:
        perform(dossier=self.dossier, action=action, actor=actor, **(payload or {}))
        self.dossier.refresh_from_db()

    def staff(self, key: str):
        return self.office.staff[key]

    def run(self) -> Dossier | None:
        with contextlib.suppress(NotYet):  # this month: the rest of the story has not happened yet
            self._run()
        return self.dossier

    def _run(self) -> None:
        plan = self.plan
        self.at(plan.start)
        if plan.online:
            self._file_online()
            self.at(self.work(self.rng.randint(15, 240)))
            if plan.outcome == "refuse":
                self.act("refuse", self.staff("clerk"), PAYLOADS["refuse"])
                return self._rate()
            self.act("receive", self.staff("clerk"))
        else:
            self._intake()
            if plan.outcome == "refuse":
                self.at(self.work(self.rng.randint(5, 30)))
                self.act("refuse", self.staff("clerk"), PAYLOADS["refuse"])
                return None
        self.at(self.work(self.rng.randint(5, 90)))
        self.act("forward", self.staff("clerk"))
        if plan.extend:
            self._extend()
        if plan.supplement:
            self.at(self.work(self.rng.randint(10, 120)))
            self.act("request_supplement", self.staff("specialist"), PAYLOADS["request_supplement"])
            self.at(self.days(1, 6))
            self.act("supplement", self.dossier.owner or self.staff("clerk"))
        target = self._target()
        while self.dossier.next_step() is not None:
            self.at(self._between(target))
            step = self.dossier.current_step
            self.act("complete_step", self.staff(ROLES[step.role]), PAYLOADS["complete_step"])
            if plan.payment and self.dossier.current_step.role == StaffRole.SPECIALIST:
                self._pay()
                target = self._target()
        if plan.payment and not self.dossier.events.filter(action="request_payment").exists():
            self._pay()
            target = self._target()
        self.at(target)
        if plan.outcome == "deny":
            self.act("deny", self.staff("leader"), PAYLOADS["deny"])
        else:
            self.office.results += 1
            number = f"{self.office.results:03d}/{timezone.localtime(self.t):%Y}/KQ"
            self.act("approve", self.staff("leader"), dict(reason=number))
        # An electronic result is sent at once; a paper one waits for the applicant to come for it.
        if self.dossier.delivery == ResultDelivery.ONLINE:
            self.at(self.t + dt.timedelta(minutes=self.rng.randint(1, 20)))
        else:
            self.at(self.work(self.rng.randint(30, 900)))
        self.act("return_result", self.staff("clerk"))
        self._rate()
        return None

    def _file_online(self) -> None:
        plan = self.plan
        self.dossier = services.dossier_draft_create(
            user=plan.applicant, procedure=plan.procedure, agency=self.office.agency, delivery=plan.delivery,
            form_data={**demo_answers(plan.procedure.code), MARK: True},
        )
        for requirement in _mandatory(plan.procedure):
            if requirement.pk not in self.files:
                self.files[requirement.pk] = demo_pdf(requirement.name[:60])
            upload = SimpleUploadedFile(f"giay-to-{requirement.pk}.pdf", self.files[requirement.pk])
            services.dossier_document_add(dossier=self.dossier, actor=plan.applicant, requirement=requirement,
                                          uploaded=upload)
        services.dossier_submit(dossier=self.dossier, actor=plan.applicant)

    def _intake(self) -> None:
        name, number = self.plan.applicant
        self.dossier = services.dossier_intake(
            clerk=self.staff("clerk"), procedure=self.plan.procedure, agency=self.office.agency,
            applicant={"name": name, "id_number": number,
                       "address": f"{self.rng.randint(1, 300)} {self.rng.choice(STREETS)}, thành phố Đà Nẵng"},
            form_data={**demo_answers(self.plan.procedure.code), MARK: True},
        )

    def _extend(self) -> None:
        """An apology with a new date, sent when a little more than one working day is left before the
        appointment (the latest the rule allows; none if that moment has passed)."""
        due, day = self.dossier.due_at, self.cal.minutes_per_day
        spare = self.cal.working_minutes_between(self.t, due) - day - 5
        if spare < 1:
            return
        self.at(self.work(spare - self.rng.randint(0, min(spare - 1, day // 2))))
        new_due = self.cal.add_working_days(due, self.rng.choice([2, 3, 5]))
        self.act("extend", self.staff("specialist"), dict(reason="Cần xác minh thêm thông tin với cơ quan liên quan.", new_due_at=new_due.isoformat()))
        self.old_due = due

    def _target(self) -> dt.datetime:
        """When the leader decides: within the time left (on time), or past the appointment date (late).
        Read after every pause: waiting on the citizen moved the appointment."""
        due = self.dossier.due_at
        if self.plan.late:
            return self.cal.add_working_minutes(due, self.plan.late_minutes)
        if self.old_due is not None and self.old_due > self.t:  # extended: done after the old date, by the new
            return self.cal.add_working_minutes(
                self.old_due, int(self.cal.working_minutes_between(self.old_due, due) * self.plan.fraction))
        left = self.cal.working_minutes_between(self.t, due)
        return self.work(max(3, left * self.plan.fraction))

    def _between(self, target: dt.datetime) -> dt.datetime:
        """The next step's moment: the time to ``target`` shared by the steps still to take."""
        remaining = len([s for s in self.dossier.steps() if s.order > self.dossier.current_step.order]) + 1
        return self.work(self.cal.working_minutes_between(self.t, target) / remaining)

    def _pay(self) -> None:
        amount = self.rng.choice([8000, 10000, 15000, 20000, 50000, 100000])
        self.at(self.work(self.rng.randint(5, 60)))
        self.act("request_payment", self.staff("specialist"),
                 dict(fees=[{"name": "Lệ phí", "amount": amount}]))
        self.at(self.days(0.1, 2))
        if self.plan.payment == "online" and self._pay_online():
            return
        # At the counter, with the receipt: in office hours.
        self.at(self.cal.add_working_minutes(self.t, 0))
        self.act("confirm_payment", self.staff("clerk"),
                 dict(proof=f"BL-{timezone.localtime(self.t):%Y}-{self.dossier.pk:06d}"))

    def _pay_online(self) -> bool:
        """Through the gateway's protocol: the order opened by the real service (the gateway's page is not
        asked for), then its signed "paid" result recorded by the real callback."""
        if not payment_gateway.is_configured():
            return False
        with mock.patch.object(payment_gateway.PaymentGateway, "init", return_value=""):
            payments.payment_start(dossier=self.dossier, user=self.dossier.owner)
        payment = Payment.objects.filter(dossier=self.dossier, status=Payment.Status.STARTED).latest("created_at")
        self.at(self.t + dt.timedelta(minutes=self.rng.randint(1, 5)))
        fields = {
            "merchant_code": settings.PAYMENT_MERCHANT_CODE, "order_id": payment.reference,
            "amount": str(payment.amount), "response_code": payment_gateway.PAID,
            "transaction_no": f"{timezone.localtime(self.t):%y%m%d}{payment.pk:08d}",
            "pay_date": timezone.localtime(self.t).strftime("%Y%m%d%H%M%S"),
        }
        fields["check_code"] = payment_gateway.sign_result(fields, settings.PAYMENT_SECRET)
        payments.payment_callback(fields=fields)
        self.dossier.refresh_from_db()
        return True

    def _rate(self) -> None:
        level = self.plan.rating
        if level is None or self.dossier.owner is None:
            return
        self.at(self.days(0, 4))
        criteria = {"THOI_GIAN": level, "THAI_DO": min(level, 2), "HUONG_DAN": level}
        rating = rating_submit(dossier=self.dossier, user=self.dossier.owner, level=level, criteria=criteria,
                               comment=self.rng.choice(RATING_COMMENTS[level]))
        follow_up = rating.follow_ups.filter(status=FollowUp.Status.OPEN).first()
        if follow_up is not None:
            self.at(self.work(self.rng.randint(60, 1800)))
            follow_up_close(follow_up=follow_up, actor=self.staff("leader"), outcome=self.rng.choice(FOLLOW_UP_OUTCOMES))


# --- the whole year ----------------------------------------------------------------------------------------
@transaction.atomic
def history(*, size: int = 200, now: dt.datetime | None = None, seed: int = 766) -> int:
    """Make about ``size`` history dossiers over the demo agencies that have officials (see the module's
    docstring); returns how many were made, 0 when the history exists already or nobody can make it."""
    if Dossier.objects.filter(**{f"form_data__{MARK}": True}).exists():
        return 0
    offices = _offices()
    if not offices:
        return 0
    now = now or timezone.now()
    rng = random.Random(seed)
    clock = Clock()
    files: dict = {}
    made = 0
    with clock_patched(clock):
        citizens = _citizens(clock, _months(now)[0][0])
        for plan in _plans(offices, citizens, size, now, rng):
            if Story(plan, clock, now, rng, files).run() is not None:
                made += 1
    _refresh_stale_index(now)
    return made


def _refresh_stale_index(now: dt.datetime) -> None:
    """Recompute the stored 766 figures of the history's periods that were computed before it existed (a
    period never computed is computed when first shown)."""
    codes = set()
    for begin, _end in _months(now):
        codes |= {f"{begin:%Y}", f"{begin:%Y-%m}", f"{begin:%Y}-Q{(begin.month - 1) // 3 + 1}"}
    stale = sorted(set(IndexSnapshot.objects.filter(period__in=codes).values_list("period", flat=True)))
    if stale:
        index_refresh(periods=stale, now=now)

