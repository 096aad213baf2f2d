"""Deadlines in working time: Tết, weekends, make-up Saturdays, waiting on the citizen, extensions."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.actions import perform
from cases.models import Dossier
from cases.services import dossier_complete_step, dossier_forward, dossier_intake, dossier_receive
from cases.tests.factories import DossierFactory, office_staff
from procedures.models import CalendarException, ProcedureVersion
from procedures.services import calendar_exception_set
from procedures.tests.factories import ProcedureFactory

VN = ZoneInfo("Asia/Ho_Chi_Minh")
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


def intake(office, days):
    version = office["birth"].current_version
    ProcedureVersion.objects.filter(pk=version.pk).update(processing_days=days)
    office["birth"].refresh_from_db()
    return dossier_intake(clerk=office["clerk"], procedure=office["birth"], agency=office["ward"],
                          applicant={"name": "Trần Văn Bình", "id_number": "048088001122"})


def local(value):
    return timezone.localtime(value, VN).replace(tzinfo=None)


def test_received_before_tet_is_due_after_it(office, clock):
    clock.at(2025, 1, 24, 16, 0)  # Friday before Tết Ất Tỵ
    dossier = intake(office, 1)
    assert local(dossier.due_at) == dt.datetime(2025, 2, 3, 16, 0)


def test_late_afternoon_receipt_rolls_to_the_next_working_day(office, clock):
    clock.at(2026, 11, 27, 16, 55)  # Friday, five minutes before closing
    dossier = intake(office, 1)
    # 5 minutes on Friday, the remaining 445 on Monday: 07:30 → 11:30 (240), 13:30 + 205 min = 16:55.
    assert local(dossier.due_at) == dt.datetime(2026, 11, 30, 16, 55)


def test_a_received_on_saturday_dossier_starts_on_monday(office, clock):
    clock.at(2026, 11, 28, 9, 0)
    dossier = intake(office, 1)
    assert local(dossier.due_at) == dt.datetime(2026, 11, 30, 17, 0)


def test_a_make_up_saturday_counts(office, clock):
    calendar_exception_set(date=dt.date(2026, 12, 5), kind=CalendarException.Kind.WORKING_DAY, name="Làm bù")
    clock.at(2026, 12, 4, 17, 0)  # Friday at closing time
    dossier = intake(office, 1)
    assert local(dossier.due_at) == dt.datetime(2026, 12, 5, 17, 0)


def _processing(office, dossier):
    perform(dossier=dossier, action="forward", actor=office["clerk"])
    return Dossier.objects.get(pk=dossier.pk)


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
    assert local(dossier.due_at) > local(due)
    from procedures.working_calendar import WorkingCalendar

    assert WorkingCalendar().working_minutes_between(due, dossier.due_at) == 480


def test_one_extension_at_least_a_working_day_before_the_due_date(office, clock):
    clock.at(2026, 11, 23, 8, 0)
    dossier = _processing(office, intake(office, 3))
    new_due = dossier.due_at + dt.timedelta(days=7)
    payload = dict(reason="Cần xác minh thêm", new_due_at=new_due.isoformat())
    perform(dossier=dossier, action="extend", actor=office["specialist"], **payload)
    dossier.refresh_from_db()
    assert dossier.due_at == new_due and dossier.extended_at is not None
    from cases.services import ActionRefused

    with pytest.raises(ActionRefused):
        perform(dossier=dossier, action="extend", actor=office["specialist"], **payload)


def test_an_extension_too_close_to_the_due_date_is_refused(office, clock):
    clock.at(2026, 11, 23, 8, 0)
    dossier = _processing(office, intake(office, 1))
    clock.at(2026, 11, 23, 14, 0)  # less than one working day left
    with pytest.raises(ValidationError, match="ít nhất một ngày làm việc"):
        perform(dossier=dossier, action="extend", actor=office["specialist"], reason="Chậm", new_due_at="2026-12-31T10:00:00+07:00")
    dossier.refresh_from_db()
    assert dossier.extended_at is None


def test_overdue_is_computed(office, clock):
    clock.at(2026, 11, 23, 8, 0)
    dossier = _processing(office, intake(office, 1))
    assert not dossier.is_overdue
    clock.at(2026, 11, 27, 8, 0)
    assert Dossier.objects.get(pk=dossier.pk).is_overdue


def test_each_step_has_its_share_of_the_time(office, clock):
    clock.at(2026, 11, 23, 8, 0)  # Monday; shares 0.75 / 1.5 / 0.75 of 3 days (7.5 h a day)
    dossier = _processing(office, intake(office, 3))
    # 0.75 × 450 min = 338 min of working time: 210 in the morning, 128 after 13:30.
    assert local(dossier.step_due_at) == dt.datetime(2026, 11, 23, 15, 38)
    clock.at(2026, 11, 23, 9, 0)
    perform(dossier=dossier, action="complete_step", actor=office["clerk"])
    dossier.refresh_from_db()
    # 1.5 days = 675 min from Monday 09:00: 360 on Monday, Tuesday 24/11 is a holiday (Vietnam Cultural
    # Day), 240 on Wednesday morning, 75 after 13:30.
    assert local(dossier.step_due_at) == dt.datetime(2026, 11, 25, 14, 45)
    assert not dossier.is_step_late
    clock.at(2026, 11, 26, 8, 0)
    assert Dossier.objects.get(pk=dossier.pk).is_step_late


def test_steps_that_each_finish_on_time_end_on_the_appointment_date(clock):
    """Shares of working days are exact working minutes, so a dossier whose every step ends on its own
    deadline is decided on its appointment date. A 3-day procedure is 3 × 450 = 1350 working minutes
    (7:30-11:30, 13:30-17:00), shared 0.30 / 2.10 / 0.60 days = 135 / 945 / 270 minutes."""
    clock.at(2027, 6, 4, 16, 0)  # published and submitted on a Friday
    procedure = ProcedureFactory(processing_days=Decimal("3"))
    shares = [step.share_days for step in procedure.current_version.steps.order_by("order")]
    assert shares == [Decimal("0.30"), Decimal("2.10"), Decimal("0.60")]
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
