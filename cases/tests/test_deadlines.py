"""The appointment a dossier gets, and how it moves, recomputed by hand in each test.

The office is the demo ward: 07:30–11:30 and 13:30–17:00, 240 + 210 = 450 working minutes a day.
Vietnamese public holidays come from the ``holidays`` package (2025: Tết 27/01–01/02; 30/04, 01/05, and Friday
02/05 off in exchange for Saturday 26/04 worked; 2026: Tết 16–20/02, 31/08 off in exchange for Saturday 22/08
worked, 01–02/09, Tuesday 24/11 Vietnam Cultural Day).
"""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework.test import APIClient

from cases.actions import perform
from cases.models import Dossier
from cases.services import dossier_complete_step, dossier_forward, dossier_intake, dossier_receive
from cases.tests.factories import DossierFactory, office_staff
from procedures.models import CalendarException, FilingChannel, ProcessingTime, TimeUnit
from procedures.services import calendar_exception_set
from procedures.tests.factories import ProcedureFactory
from procedures.working_calendar import WorkingCalendar

VN = ZoneInfo("Asia/Ho_Chi_Minh")
COUNTER, ONLINE = FilingChannel.COUNTER, FilingChannel.ONLINE
pytestmark = pytest.mark.django_db


class Clock:
    def __init__(self, monkeypatch):
        self.now = None
        monkeypatch.setattr(timezone, "now", lambda: self.now)

    def at(self, *args):
        self.now = dt.datetime(*args, tzinfo=VN)
        return self.now


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


def set_times(procedure, *times):
    """Replace the procedure's published times with ``(channel, amount, unit)`` rows."""
    version = procedure.current_version
    version.times.all().delete()
    for order, (channel, amount, unit) in enumerate(times, start=1):
        ProcessingTime.objects.create(version=version, channel=channel, order=order, amount=Decimal(amount), unit=unit)


def intake(office, amount, unit=TimeUnit.WORKING_DAYS):
    """A walk-in dossier (the counter channel) of a procedure taking ``amount`` ``unit`` at the counter."""
    set_times(office["birth"], (COUNTER, amount, unit))
    return dossier_intake(clerk=office["clerk"], procedure=office["birth"], agency=office["ward"],
                          applicant={"name": "Trần Văn Bình", "id_number": "048088001122"})


def local(value):
    return timezone.localtime(value, VN).replace(tzinfo=None)


def _processing(office, dossier):
    perform(dossier=dossier, action="forward", actor=office["clerk"])
    return Dossier.objects.get(pk=dossier.pk)


# --- working days -----------------------------------------------------------------------------------------


def test_received_before_tet_is_due_after_it(office, clock):
    clock.at(2025, 1, 24, 16, 0)  # Friday before Tết Ất Tỵ
    dossier = intake(office, 1)
    # 1 working day = 450 min: 60 on Friday 24/01 (to 17:00); 25–26/01 weekend, 27/01–01/02 Tết, 02/02 Sunday;
    # Monday 03/02: 240 in the morning, 150 from 13:30 → 16:00.
    assert local(dossier.due_at) == dt.datetime(2025, 2, 3, 16, 0)
    assert (dossier.time_amount, dossier.time_unit) == (Decimal(1), "working_days")
    assert dossier.processing_time_text == "1 ngày làm việc"


def test_late_afternoon_receipt_rolls_to_the_next_working_day(office, clock):
    clock.at(2026, 11, 27, 16, 55)  # Friday, five minutes before closing
    dossier = intake(office, 1)
    # 5 minutes on Friday, the remaining 445 on Monday: 07:30 → 11:30 (240), 13:30 + 205 min = 16:55.
    assert local(dossier.due_at) == dt.datetime(2026, 11, 30, 16, 55)


def test_a_received_on_saturday_dossier_starts_on_monday(office, clock):
    clock.at(2026, 11, 28, 9, 0)
    dossier = intake(office, 1)
    # Saturday is not worked: Monday 30/11 07:30 + 450 min = 17:00.
    assert local(dossier.due_at) == dt.datetime(2026, 11, 30, 17, 0)


def test_an_administrators_make_up_saturday_counts(office, clock):
    calendar_exception_set(date=dt.date(2026, 12, 5), kind=CalendarException.Kind.WORKING_DAY, name="Làm bù")
    clock.at(2026, 12, 4, 17, 0)  # Friday at closing time
    dossier = intake(office, 1)
    # Saturday 05/12 is worked by the administrator's entry: 07:30 + 450 min = 17:00 that Saturday.
    assert local(dossier.due_at) == dt.datetime(2026, 12, 5, 17, 0)


def test_the_governments_make_up_saturday_counts(office, clock):
    clock.at(2025, 4, 24, 10, 0)  # Thursday
    dossier = intake(office, 5)
    # Fri 25/04 10:00 = 1, Sat 26/04 (worked instead of Fri 02/05) 10:00 = 2, Mon 28 = 3, Tue 29 = 4;
    # Wed 30/04 and Thu 01/05 holidays, Fri 02/05 the day off moved, Sat 03 / Sun 04 weekend; Mon 05/05 = 5.
    assert local(dossier.due_at) == dt.datetime(2025, 5, 5, 10, 0)


def test_the_make_up_saturday_before_national_day_2026_counts(office, clock):
    clock.at(2026, 8, 20, 10, 0)  # Thursday
    dossier = intake(office, 5)
    # Fri 21/08 = 1, Sat 22/08 (worked instead of Mon 31/08) = 2, Mon 24 = 3, Tue 25 = 4, Wed 26 = 5, at 10:00.
    assert local(dossier.due_at) == dt.datetime(2026, 8, 26, 10, 0)


def test_half_a_working_day_across_the_lunch_break(office, clock):
    clock.at(2026, 12, 7, 10, 30)  # Monday
    dossier = intake(office, "0.5")
    # 0.5 × 450 = 225 min: 60 to 11:30, the lunch break 11:30–13:30 is not worked, 165 from 13:30 → 16:15.
    assert local(dossier.due_at) == dt.datetime(2026, 12, 7, 16, 15)


# --- working hours ----------------------------------------------------------------------------------------


def test_four_working_hours_from_monday_afternoon(office, clock):
    clock.at(2026, 11, 30, 14, 0)  # Monday
    dossier = intake(office, 4, TimeUnit.WORKING_HOURS)
    # 4 h = 240 min: 180 on Monday 14:00–17:00, 60 on Tuesday 07:30–08:30 (not 4/8 of a 7.5-hour day).
    assert local(dossier.due_at) == dt.datetime(2026, 12, 1, 8, 30)
    assert dossier.processing_time_text == "4 giờ làm việc"


def test_two_working_hours_across_the_lunch_break(office, clock):
    clock.at(2026, 12, 7, 10, 45)  # Monday
    dossier = intake(office, 2, TimeUnit.WORKING_HOURS)
    # 120 min: 45 to 11:30, then 75 from 13:30 → 14:45.
    assert local(dossier.due_at) == dt.datetime(2026, 12, 7, 14, 45)


# --- calendar days and months (Civil Code art. 147–148) ----------------------------------------------------


def test_calendar_days_end_at_the_close_of_the_last_day(office, clock):
    clock.at(2026, 12, 1, 10, 0)  # Tuesday
    dossier = intake(office, 15, TimeUnit.CALENDAR_DAYS)
    # The day of receipt is not counted: 01/12 + 15 = Wednesday 16/12, a working day → its close, 17:00.
    assert local(dossier.due_at) == dt.datetime(2026, 12, 16, 17, 0)
    assert dossier.processing_time_text == "15 ngày"


def test_calendar_days_ending_on_a_weekend_end_on_the_next_working_day(office, clock):
    clock.at(2026, 12, 2, 9, 0)  # Wednesday
    dossier = intake(office, 10, TimeUnit.CALENDAR_DAYS)
    # 02/12 + 10 = Saturday 12/12: not worked, nor Sunday 13/12 → Monday 14/12 at 17:00.
    assert local(dossier.due_at) == dt.datetime(2026, 12, 14, 17, 0)


def test_calendar_days_ending_on_a_holiday_end_on_the_next_working_day(office, clock):
    clock.at(2026, 8, 18, 10, 0)  # Tuesday
    dossier = intake(office, 14, TimeUnit.CALENDAR_DAYS)
    # 18/08 + 14 = Tuesday 01/09 (National Day), Wednesday 02/09 too → Thursday 03/09/2026 at 17:00.
    assert local(dossier.due_at) == dt.datetime(2026, 9, 3, 17, 0)


def test_calendar_days_across_tet(office, clock):
    clock.at(2026, 2, 10, 8, 0)  # Tuesday before Tết Bính Ngọ
    dossier = intake(office, 7, TimeUnit.CALENDAR_DAYS)
    # Calendar days count Tết like any day: 10/02 + 7 = Tuesday 17/02, Tết (16–20/02) → the next working day
    # is Monday 23/02 (21–22 weekend) at 17:00.
    assert local(dossier.due_at) == dt.datetime(2026, 2, 23, 17, 0)


def test_a_month_ending_on_a_saturday(office, clock):
    clock.at(2026, 1, 30, 10, 0)  # Friday
    dossier = intake(office, 1, TimeUnit.MONTHS)
    # The corresponding day a month later: 28/02/2026 (February has no 30th → its last day), a Saturday
    # → Monday 02/03/2026 at 17:00.
    assert local(dossier.due_at) == dt.datetime(2026, 3, 2, 17, 0)


# --- per-channel times and fees ---------------------------------------------------------------------------


def test_each_channel_gets_its_own_time(clock):
    """"Trực tiếp 15 Ngày làm việc; Trực tuyến 20 Ngày": a walk-in dossier and an online one of the same
    procedure received at the same moment get different appointments."""
    clock.at(2026, 12, 1, 10, 0)  # Tuesday
    procedure = ProcedureFactory(times=[(COUNTER, 15, TimeUnit.WORKING_DAYS), (ONLINE, 20, TimeUnit.CALENDAR_DAYS)])
    online = DossierFactory(procedure=procedure, state="submitted")
    staff = office_staff(online.agency)
    dossier_receive(dossier=online, actor=staff["clerk"])
    online.refresh_from_db()
    # Online: 01/12 + 20 calendar days = Monday 21/12/2026 → 17:00.
    assert local(online.due_at) == dt.datetime(2026, 12, 21, 17, 0)
    walk_in = dossier_intake(clerk=staff["clerk"], procedure=procedure, agency=online.agency,
                             applicant={"name": "Trần Văn Bình", "id_number": "048088001122"})
    # Counter: 15 working days from Tuesday 01/12 10:00; no holiday in December: 02,03,04 (3), 07–11 (8),
    # 14–18 (13), 21, 22 (15) → Tuesday 22/12 10:00.
    assert local(walk_in.due_at) == dt.datetime(2026, 12, 22, 10, 0)


def test_a_postal_dossier_takes_the_counters_time_when_none_is_published_for_post(clock):
    from procedures.deadlines import channel_times

    clock.at(2026, 12, 1, 10, 0)
    procedure = ProcedureFactory(times=[(COUNTER, 3, TimeUnit.WORKING_DAYS), (ONLINE, 2, TimeUnit.WORKING_DAYS)])
    times = procedure.current_version.times.all()
    assert [t.amount for t in channel_times(times, FilingChannel.POSTAL)] == [Decimal(3)]


def test_of_two_times_for_one_channel_the_later_end_applies(clock):
    clock.at(2026, 12, 7, 8, 0)  # Monday
    procedure = ProcedureFactory(times=[(ONLINE, 5, TimeUnit.WORKING_DAYS), (ONLINE, 10, TimeUnit.CALENDAR_DAYS)])
    dossier = DossierFactory(procedure=procedure, state="submitted")
    dossier_receive(dossier=dossier, actor=office_staff(dossier.agency)["clerk"])
    dossier.refresh_from_db()
    # 5 working days from Mon 07/12 08:00 → Mon 14/12 08:00; 10 calendar days → Thu 17/12 17:00: the later.
    assert local(dossier.due_at) == dt.datetime(2026, 12, 17, 17, 0)
    assert dossier.time_unit == "calendar_days"


def test_fees_follow_the_dossiers_channel(office):
    from procedures.models import Fee

    version = office["birth"].current_version
    version.fees.all().delete()
    Fee.objects.create(version=version, order=1, name="Lệ phí", amount=8000, channel=COUNTER)
    Fee.objects.create(version=version, order=2, name="Lệ phí", amount=4000, channel=ONLINE)
    Fee.objects.create(version=version, order=3, name="Phí sao lục", amount=3000)  # every channel
    online = Dossier(version=version, channel=ONLINE)
    counter = Dossier(version=version, channel=COUNTER)
    # Online: its own 4,000 plus the 3,000 of every channel; at the counter 8,000 plus 3,000.
    assert [f.amount for f in online.fees()] == [4000, 3000]
    assert [f.amount for f in counter.fees()] == [8000, 3000]


# --- waiting on the applicant -----------------------------------------------------------------------------


def test_waiting_on_the_citizen_does_not_run_the_clock(office, clock):
    clock.at(2026, 11, 23, 8, 0)  # Monday
    dossier = _processing(office, intake(office, 3))
    due = dossier.due_at
    clock.at(2026, 11, 24, 8, 0)  # Tuesday (a holiday from 2026: Vietnam Cultural Day) — no working time passes
    perform(dossier=dossier, action="request_supplement", actor=office["clerk"], items=[{"document": "Tờ khai", "guidance": "Ký tên"}])
    clock.at(2026, 11, 26, 8, 0)  # Thursday: Wednesday was worked entirely while waiting (450 min)
    # The citizen brings the missing item to the counter; the clerk records the supplement.
    perform(dossier=Dossier.objects.get(pk=dossier.pk), action="supplement", actor=office["clerk"])
    dossier.refresh_from_db()
    assert dossier.state == "processing"
    assert dossier.paused_minutes == 450 + 30  # Wednesday, and Thursday 07:30 → 08:00
    assert WorkingCalendar().working_minutes_between(due, dossier.due_at) == 480


def test_a_supplement_pause_across_a_weekend(office, clock):
    clock.at(2026, 12, 7, 8, 0)  # Monday
    dossier = _processing(office, intake(office, 5))
    # 5 × 450 = 2250 min from Monday 07/12 08:00 → Monday 14/12 08:00.
    assert local(dossier.due_at) == dt.datetime(2026, 12, 14, 8, 0)
    clock.at(2026, 12, 11, 16, 0)  # Friday
    perform(dossier=dossier, action="request_supplement", actor=office["clerk"], items=[{"document": "Tờ khai", "guidance": "Ký tên"}])
    clock.at(2026, 12, 14, 9, 0)  # Monday
    perform(dossier=Dossier.objects.get(pk=dossier.pk), action="supplement", actor=office["clerk"])
    dossier.refresh_from_db()
    # Waited: Friday 16:00–17:00 (60) + Monday 07:30–09:00 (90) = 150 working minutes; the weekend is not worked.
    assert dossier.paused_minutes == 150
    # The appointment moves by 150 working minutes: Monday 14/12 08:00 + 150 = 10:30.
    assert local(dossier.due_at) == dt.datetime(2026, 12, 14, 10, 30)


def test_a_supplement_pause_on_a_calendar_day_time(office, clock):
    clock.at(2026, 11, 2, 10, 0)  # Monday
    dossier = _processing(office, intake(office, 10, TimeUnit.CALENDAR_DAYS))
    # 02/11 + 10 = Thursday 12/11 → 17:00.
    assert local(dossier.due_at) == dt.datetime(2026, 11, 12, 17, 0)
    clock.at(2026, 11, 4, 9, 0)  # Wednesday
    perform(dossier=dossier, action="request_supplement", actor=office["clerk"], items=[{"document": "Tờ khai", "guidance": "Ký tên"}])
    clock.at(2026, 11, 6, 15, 0)  # Friday: two calendar days later (04/11 → 06/11)
    perform(dossier=Dossier.objects.get(pk=dossier.pk), action="supplement", actor=office["clerk"])
    dossier.refresh_from_db()
    # The period starts two days later: 04/11 + 10 = Saturday 14/11, not worked → Monday 16/11 at 17:00.
    assert dossier.waited_days == 2
    assert local(dossier.due_at) == dt.datetime(2026, 11, 16, 17, 0)


# --- supplement requests: reception guidance is free, after reception once (through the API) -------------


def api_for(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


ITEMS = {"items": [{"document": "Tờ khai", "guidance": "Ký và ghi rõ họ tên"}]}


def test_reception_guidance_is_not_limited_and_runs_no_clock(office):
    dossier = DossierFactory(procedure=office["birth"], agency=office["ward"], owner=office["citizen"], state="submitted")
    clerk, citizen = api_for(office["clerk"]), api_for(office["citizen"])
    for _round in range(2):  # the clerk asks twice before receiving: both allowed
        response = clerk.post(f"/api/v1/dossiers/{dossier.pk}/request-supplement/", ITEMS, format="json")
        assert response.status_code == 200, response.content
        assert citizen.post(f"/api/v1/dossiers/{dossier.pk}/supplement/", {}, format="json").status_code == 200
    dossier.refresh_from_db()
    # No appointment yet, nothing paused, nothing counted against the one request after reception.
    assert (dossier.state, dossier.due_at, dossier.paused_minutes, dossier.supplement_count) == ("submitted", None, 0, 0)

    assert clerk.post(f"/api/v1/dossiers/{dossier.pk}/receive/", {}, format="json").status_code == 200
    assert clerk.post(f"/api/v1/dossiers/{dossier.pk}/forward/", {}, format="json").status_code == 200
    specialist = api_for(office["specialist"])
    # After reception the processing agency asks once...
    assert specialist.post(f"/api/v1/dossiers/{dossier.pk}/request-supplement/", ITEMS, format="json").status_code == 200
    assert citizen.post(f"/api/v1/dossiers/{dossier.pk}/supplement/", {}, format="json").status_code == 200
    # ...and a second request is refused, with the reason.
    response = specialist.post(f"/api/v1/dossiers/{dossier.pk}/request-supplement/", ITEMS, format="json")
    assert response.status_code == 409
    assert "sau khi tiếp nhận" in response.json()["detail"]
    dossier.refresh_from_db()
    assert (dossier.state, dossier.supplement_count) == ("processing", 1)


# --- extensions: once, by the working day before the appointment date, to a working moment ------------------


def test_an_extension_on_the_afternoon_of_the_working_day_before_is_allowed(office, clock):
    clock.at(2026, 12, 7, 8, 0)  # Monday
    dossier = _processing(office, intake(office, 3))
    # 3 × 450 min from Monday 08:00 → Thursday 10/12 08:00.
    assert local(dossier.due_at) == dt.datetime(2026, 12, 10, 8, 0)
    clock.at(2026, 12, 9, 16, 30)  # Wednesday 16:30: the working day before; only 30 + 30 working minutes left
    response = api_for(office["specialist"]).post(f"/api/v1/dossiers/{dossier.pk}/extend/", {
        "reason": "Cần xác minh thêm", "new_due_at": "2026-12-15T10:00:00+07:00"}, format="json")
    assert response.status_code == 200, response.content
    dossier.refresh_from_db()
    assert local(dossier.due_at) == dt.datetime(2026, 12, 15, 10, 0)
    # Once only.
    response = api_for(office["specialist"]).post(f"/api/v1/dossiers/{dossier.pk}/extend/", {
        "reason": "Lần nữa", "new_due_at": "2026-12-17T10:00:00+07:00"}, format="json")
    assert response.status_code == 409


def test_an_extension_on_the_appointment_day_is_refused(office, clock):
    clock.at(2026, 12, 7, 8, 0)  # Monday
    dossier = _processing(office, intake(office, 3))  # due Thursday 10/12 08:00
    clock.at(2026, 12, 10, 7, 30)  # Thursday: the appointment day itself
    response = api_for(office["specialist"]).post(f"/api/v1/dossiers/{dossier.pk}/extend/", {
        "reason": "Chậm", "new_due_at": "2026-12-15T10:00:00+07:00"}, format="json")
    assert response.status_code == 400
    # The last day to send it was Wednesday 09/12.
    assert "09/12/2026" in str(response.json())
    dossier.refresh_from_db()
    assert dossier.extended_at is None


def test_an_extension_to_a_weekend_or_after_hours_is_refused(office, clock):
    clock.at(2026, 12, 7, 8, 0)  # Monday
    dossier = _processing(office, intake(office, 3))
    for moment in ("2026-12-12T10:00:00+07:00",  # Saturday
                   "2026-12-15T12:00:00+07:00",  # Tuesday, the lunch break
                   "2026-12-15T18:00:00+07:00"):  # Tuesday, after closing
        with pytest.raises(ValidationError, match="giờ làm việc"):
            perform(dossier=dossier, action="extend", actor=office["specialist"], reason="Chậm", new_due_at=moment)
    dossier.refresh_from_db()
    assert dossier.extended_at is None


def test_overdue_is_computed(office, clock):
    clock.at(2026, 11, 23, 8, 0)
    dossier = _processing(office, intake(office, 1))
    assert not dossier.is_overdue
    clock.at(2026, 11, 27, 8, 0)
    assert Dossier.objects.get(pk=dossier.pk).is_overdue


# --- steps ------------------------------------------------------------------------------------------------


def test_each_step_has_its_share_of_the_time(office, clock):
    clock.at(2026, 11, 23, 8, 0)  # Monday; shares 25% / 50% / 25% of 3 days (3 × 450 = 1350 min)
    dossier = _processing(office, intake(office, 3))
    # 25% × 1350 = 337.5 → 338 min of working time: 210 in the morning, 128 after 13:30.
    assert local(dossier.step_due_at) == dt.datetime(2026, 11, 23, 15, 38)
    clock.at(2026, 11, 23, 9, 0)
    perform(dossier=dossier, action="complete_step", actor=office["clerk"])
    dossier.refresh_from_db()
    # 50% = 675 min from Monday 09:00: 360 on Monday, Tuesday 24/11 is a holiday (Vietnam Cultural
    # Day), 240 on Wednesday morning, 75 after 13:30.
    assert local(dossier.step_due_at) == dt.datetime(2026, 11, 25, 14, 45)
    assert not dossier.is_step_late
    clock.at(2026, 11, 26, 8, 0)
    assert Dossier.objects.get(pk=dossier.pk).is_step_late


def test_steps_that_each_finish_on_time_end_on_the_appointment_date(clock):
    """A 3-day procedure is 3 × 450 = 1350 working minutes (7:30-11:30, 13:30-17:00), shared 10% / 70% / 20%
    = 135 / 945 / 270 minutes."""
    clock.at(2027, 6, 4, 16, 0)  # published and submitted on a Friday
    procedure = ProcedureFactory(processing_days=Decimal("3"))
    shares = [step.share_percent for step in procedure.current_version.steps.order_by("order")]
    assert shares == [Decimal(10), Decimal(70), Decimal(20)]
    dossier = DossierFactory(procedure=procedure, state="submitted")
    staff = office_staff(dossier.agency)

    clock.at(2027, 6, 7, 7, 30)  # received and forwarded first thing on Monday
    dossier_receive(dossier=dossier, actor=staff["clerk"])
    dossier_forward(dossier=dossier, actor=staff["clerk"])
    dossier.refresh_from_db()
    assert local(dossier.due_at) == dt.datetime(2027, 6, 9, 17, 0)  # Monday, Tuesday, Wednesday: 3 × 450
    assert local(dossier.step_due_at) == dt.datetime(2027, 6, 7, 9, 45)  # 135 of Monday morning's 240

    clock.at(2027, 6, 7, 9, 45)
    dossier_complete_step(dossier=dossier, actor=staff["clerk"])
    dossier.refresh_from_db()
    # 945 = 105 (to 11:30) + 210 (afternoon) on Monday, 450 on Tuesday, 180 on Wednesday morning.
    assert local(dossier.step_due_at) == dt.datetime(2027, 6, 9, 10, 30)

    clock.at(2027, 6, 9, 10, 30)
    dossier_complete_step(dossier=dossier, actor=staff["specialist"])
    dossier.refresh_from_db()
    # 270 = 60 (to 11:30) + 210 (the afternoon): the leader's deadline is the appointment itself.
    assert local(dossier.step_due_at) == local(dossier.due_at) == dt.datetime(2027, 6, 9, 17, 0)


def test_a_late_step_never_gets_a_deadline_past_the_appointment(clock):
    clock.at(2027, 6, 4, 16, 0)  # Friday
    procedure = ProcedureFactory(processing_days=Decimal("1"))  # 450 min: 45 / 315 / 90
    dossier = DossierFactory(procedure=procedure, state="submitted")
    staff = office_staff(dossier.agency)
    clock.at(2027, 6, 7, 7, 30)  # Monday
    dossier_receive(dossier=dossier, actor=staff["clerk"])
    dossier_forward(dossier=dossier, actor=staff["clerk"])
    clock.at(2027, 6, 7, 16, 0)  # the clerk hands on at 16:00, 525 min late: the specialist's 315 would end Tuesday
    dossier_complete_step(dossier=dossier, actor=staff["clerk"])
    dossier.refresh_from_db()
    # Due Monday 17:00 (450 min from 07:30): the step's deadline is capped there.
    assert local(dossier.step_due_at) == local(dossier.due_at) == dt.datetime(2027, 6, 7, 17, 0)
