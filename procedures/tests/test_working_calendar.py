"""The working calendar: weekends, Tết and other public holidays, days off, make-up days, deadlines."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from procedures.models import CalendarException
from procedures.services import calendar_exception_set
from procedures.working_calendar import WorkingCalendar

VN = ZoneInfo("Asia/Ho_Chi_Minh")
pytestmark = pytest.mark.django_db


def at(y, m, d, hh=0, mm=0):
    return dt.datetime(y, m, d, hh, mm, tzinfo=VN)


def test_tet_2025_is_not_worked():
    cal = WorkingCalendar()
    # Tết Ất Tỵ: Saturday 25/01 to Sunday 02/02/2025 off; Friday 24/01 and Monday 03/02 are worked.
    assert cal.is_working_day(dt.date(2025, 1, 24))
    assert not any(cal.is_working_day(dt.date(2025, 1, 25) + dt.timedelta(days=i)) for i in range(9))
    assert cal.is_working_day(dt.date(2025, 2, 3))


def test_tet_2026_and_national_day_are_not_worked():
    cal = WorkingCalendar()
    for day in (dt.date(2026, 2, 16), dt.date(2026, 2, 17), dt.date(2026, 2, 20), dt.date(2026, 9, 2)):
        assert not cal.is_working_day(day), day
    assert cal.is_working_day(dt.date(2026, 2, 23))


def test_weekends_are_not_worked():
    cal = WorkingCalendar()
    assert not cal.is_working_day(dt.date(2026, 11, 28))  # Saturday
    assert not cal.is_working_day(dt.date(2026, 11, 29))  # Sunday
    assert cal.is_working_day(dt.date(2026, 11, 30))


def test_a_deadline_jumps_over_tet():
    cal = WorkingCalendar()
    # Friday 24/01/2025 16:00 plus one working day (7.5 h): 1 h that Friday, 6.5 h on Monday 03/02.
    assert cal.add_working_days(at(2025, 1, 24, 16), 1) == at(2025, 2, 3, 16)


def test_half_days_and_lunch_break():
    cal = WorkingCalendar()
    # Monday 10:30 plus half a working day (225 min): 60 min to 11:30, 165 min from 13:30.
    assert cal.add_working_days(at(2026, 11, 23, 10, 30), Decimal("0.5")) == at(2026, 11, 23, 16, 15)


def test_make_up_working_day_counts():
    cal_before = WorkingCalendar()
    assert not cal_before.is_working_day(dt.date(2025, 4, 26))
    calendar_exception_set(date=dt.date(2025, 4, 26), kind=CalendarException.Kind.WORKING_DAY, name="Làm bù cho 02/5")
    cal = WorkingCalendar()
    assert cal.is_working_day(dt.date(2025, 4, 26))
    # Friday 25/04/2025 17:00 + 1 day ends on the make-up Saturday, not on Monday 28/04.
    assert cal.add_working_days(at(2025, 4, 25, 17), 1) == at(2025, 4, 26, 17)


def test_administrator_day_off():
    calendar_exception_set(date=dt.date(2026, 12, 1), kind=CalendarException.Kind.DAY_OFF, name="Nghỉ đột xuất")
    cal = WorkingCalendar()
    assert not cal.is_working_day(dt.date(2026, 12, 1))
    assert cal.day_off_reason(dt.date(2026, 12, 1)) == "Nghỉ đột xuất"
    assert cal.add_working_days(at(2026, 11, 30, 17), 1) == at(2026, 12, 2, 17)


def test_agency_hours_change_the_day_length():
    cal = WorkingCalendar(periods=((dt.time(8), dt.time(12)), (dt.time(13), dt.time(17))))
    assert cal.minutes_per_day == 480
    assert cal.add_working_days(at(2026, 11, 23, 8), 1) == at(2026, 11, 23, 17)


def test_working_minutes_between():
    cal = WorkingCalendar()
    assert cal.working_minutes_between(at(2026, 11, 27, 16), at(2026, 11, 30, 8, 30)) == 120
    assert cal.working_minutes_between(at(2026, 11, 30, 9), at(2026, 11, 30, 8)) == 0


moments = st.datetimes(min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2027, 12, 31)).map(
    lambda d: d.replace(tzinfo=VN, second=0, microsecond=0)
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=moments, minutes=st.integers(min_value=1, max_value=450 * 40))
def test_adding_then_measuring_gives_back_the_minutes(start, minutes):
    cal = WorkingCalendar()
    due = cal.add_working_minutes(start, minutes)
    assert due > start
    assert cal.working_minutes_between(start, due) == minutes
    assert cal.is_working_day(due.date())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=moments, a=st.integers(min_value=0, max_value=5000), b=st.integers(min_value=0, max_value=5000))
def test_deadlines_are_monotonic(start, a, b):
    cal = WorkingCalendar()
    small, large = sorted((a, b))
    assert cal.add_working_minutes(start, small) <= cal.add_working_minutes(start, large)
