"""The working calendar: weekends, Tết and other public holidays, days off, make-up days, deadlines."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from procedures import working_calendar
from procedures.models import CalendarException, TimeUnit
from procedures.services import calendar_exception_set
from procedures.working_calendar import Source, WorkingCalendar, make_up_days, public_holidays

WD, WH, DAYS, MONTHS = TimeUnit.WORKING_DAYS, TimeUnit.WORKING_HOURS, TimeUnit.CALENDAR_DAYS, TimeUnit.MONTHS

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


def test_an_administrators_make_up_working_day_counts():
    # Changed with the make-up days derived from the package: Saturday 26/04/2025, the administrator's day
    # here before, is now worked without any entry (see test_the_packages_make_up_saturday_counts); an
    # entry is still needed for a make-up day the package does not know, as Saturday 05/12/2026 here.
    cal_before = WorkingCalendar()
    assert not cal_before.is_working_day(dt.date(2026, 12, 5))
    calendar_exception_set(date=dt.date(2026, 12, 5), kind=CalendarException.Kind.WORKING_DAY, name="Làm bù cho 31/12")
    cal = WorkingCalendar()
    assert cal.is_working_day(dt.date(2026, 12, 5))
    assert cal.working_day_reason(dt.date(2026, 12, 5)) == "Làm bù cho 31/12"
    # Friday 04/12/2026 17:00 + 1 day (450 min): nothing left on Friday, all of Saturday 05/12 07:30–17:00.
    assert cal.add_working_days(at(2026, 12, 4, 17), 1) == at(2026, 12, 5, 17)


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


# --- Make-up working days from the holidays package -------------------------------------------------------


def test_make_up_saturdays_are_read_from_the_packages_substituted_days_off():
    # The package lists "Ngày nghỉ (thay cho ngày 26/04/2025)" (vi) / "Day off (substituted from 04/26/2025)"
    # (en_US) on Friday 02/05/2025: Saturday 26/04/2025 is worked instead.
    assert public_holidays(2025)[dt.date(2025, 5, 2)] == "Ngày nghỉ (thay cho ngày 26/04/2025)"
    assert make_up_days(2024) == {dt.date(2024, 5, 4): dt.date(2024, 4, 29)}
    assert make_up_days(2025) == {dt.date(2025, 4, 26): dt.date(2025, 5, 2)}
    assert make_up_days(2026) == {dt.date(2026, 8, 22): dt.date(2026, 8, 31)}
    assert make_up_days(2027) == {}
    # A swap across a year: Monday 31/12/2018 off, Saturday 05/01/2019 worked.
    assert make_up_days(2019)[dt.date(2019, 1, 5)] == dt.date(2018, 12, 31)


def test_the_parsed_make_up_days_are_the_packages_own_swaps():
    """Every swap the package declares (its special_public_holidays: day off, then the day worked) is found by
    reading its names, and nothing else."""
    vietnam = pytest.importorskip("holidays.countries.vietnam")
    declared = set()
    for year, swaps in vietnam.VietnamStaticHolidays.special_public_holidays.items():
        for swap in swaps if isinstance(swaps[0], tuple) else (swaps,):
            worked_year = swap[4] if len(swap) == 5 else year
            declared.add(dt.date(worked_year, swap[2], swap[3]))
    parsed = {day for year in range(2008, 2029) for day in make_up_days(year)}
    assert parsed == declared
    assert dt.date(2025, 4, 26) in parsed and len(parsed) >= 13  # 13 swaps from 2010 to 2026 in 0.109


def test_the_names_do_not_depend_on_the_servers_locale(monkeypatch):
    # The package names holidays in the environment's language unless told: a server set to English must
    # still give Vietnamese names and the same make-up days.
    monkeypatch.setenv("LANGUAGE", "en_US")
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    public_holidays.cache_clear()
    make_up_days.cache_clear()
    try:
        assert public_holidays(2025)[dt.date(2025, 4, 30)] == "Ngày Chiến thắng"
        assert make_up_days(2025) == {dt.date(2025, 4, 26): dt.date(2025, 5, 2)}
    finally:
        public_holidays.cache_clear()
        make_up_days.cache_clear()


def test_the_packages_make_up_saturday_counts():
    cal = WorkingCalendar()
    assert cal.is_working_day(dt.date(2025, 4, 26))  # Saturday, worked for Friday 02/05
    assert not cal.is_working_day(dt.date(2025, 5, 2))  # the substituted day off is a holiday of the package
    assert cal.working_day_reason(dt.date(2025, 4, 26)) == "Làm bù cho ngày 02/05/2025"
    assert cal.day_kind(dt.date(2025, 4, 26)).source == Source.PACKAGE
    assert cal.working_day_reason(dt.date(2025, 4, 25)) is None  # an ordinary Friday
    assert cal.working_day_reason(dt.date(2025, 4, 27)) is None  # a Sunday off


# --- Deadlines in each unit (periods 07:30–11:30 and 13:30–17:00: 450 working minutes a day) ---------------


def test_five_working_days_over_30_4_with_the_make_up_saturday():
    cal = WorkingCalendar()
    # Thu 24/04/2025 10:00 + 5 working days: Fri 25 = 1, Sat 26 (make-up) = 2, Mon 28 = 3, Tue 29 = 4; Wed 30/4
    # and Thu 1/5 holidays, Fri 2/5 the substituted day off, Sat 3 / Sun 4 weekend; Mon 05/05 10:00 = 5.
    assert cal.deadline(at(2025, 4, 24, 10), 5, WD) == at(2025, 5, 5, 10)
    # The days off on the way, with their reasons:
    assert cal.days_off(dt.date(2025, 4, 24), dt.date(2025, 5, 5)) == [
        (dt.date(2025, 4, 27), "Nghỉ cuối tuần"),
        (dt.date(2025, 4, 30), "Ngày Chiến thắng"),
        (dt.date(2025, 5, 1), "Ngày Quốc tế Lao động"),
        (dt.date(2025, 5, 2), "Ngày nghỉ (thay cho ngày 26/04/2025)"),
        (dt.date(2025, 5, 3), "Nghỉ cuối tuần"),
        (dt.date(2025, 5, 4), "Nghỉ cuối tuần"),
    ]


def test_four_working_hours_run_into_the_next_morning():
    cal = WorkingCalendar()
    # Mon 30/11/2026 14:00 + 4 working hours (240 min): 180 to 17:00, 60 from Tue 01/12 07:30 → 08:30.
    assert cal.deadline(at(2026, 11, 30, 14), 4, WH) == at(2026, 12, 1, 8, 30)
    # Not 4/8 of a 7.5-hour day (which would be 225 min → Tue 01/12 08:15).
    assert cal.deadline(at(2026, 11, 30, 14), 4, WH) != cal.add_working_days(at(2026, 11, 30, 14), Decimal("0.5"))


def test_working_hours_skip_the_lunch_break():
    cal = WorkingCalendar()
    # Mon 16/11/2026 10:30 + 2 h: 60 min to 11:30, 60 from 13:30 → 14:30.
    assert cal.deadline(at(2026, 11, 16, 10, 30), 2, WH) == at(2026, 11, 16, 14, 30)
    # 11:00 + 1.5 h (90 min): 30 to 11:30, 60 from 13:30 → 14:30.
    assert cal.deadline(at(2026, 11, 16, 11), Decimal("1.5"), WH) == at(2026, 11, 16, 14, 30)


def test_working_hours_on_a_make_up_saturday():
    cal = WorkingCalendar()
    # Fri 25/04/2025 16:00 + 4 h: 60 to 17:00, 180 on the make-up Sat 26/04 from 07:30 → 10:30.
    assert cal.deadline(at(2025, 4, 25, 16), 4, WH) == at(2025, 4, 26, 10, 30)


def test_working_days_over_the_2026_make_up_saturday():
    cal = WorkingCalendar()
    # Fri 21/08/2026 08:00 + 2 days (900 min): 210 + 210 on Friday, 450 on the make-up Sat 22/08 (for Mon
    # 31/08) = 870, 30 from Mon 24/08 07:30 → 08:00.
    assert cal.deadline(at(2026, 8, 21, 8), 2, WD) == at(2026, 8, 24, 8)
    # And Mon 31/08, Tue 01/09, Wed 02/09 are off: Fri 28/08 17:00 + 1 day → Thu 03/09 17:00.
    assert cal.deadline(at(2026, 8, 28, 17), 1, WD) == at(2026, 9, 3, 17)


def test_tet_2025_working_days():
    cal = WorkingCalendar()
    # Fri 24/01/2025 10:00 + 3 days: Sat 25 / Sun 26 weekend, Mon 27/01 (29 Tết) to Sat 01/02 Tết, Sun 02/02;
    # Mon 03/02 10:00 = 1, Tue 04/02 10:00 = 2, Wed 05/02 10:00 = 3.
    assert cal.deadline(at(2025, 1, 24, 10), 3, WD) == at(2025, 2, 5, 10)


def test_tet_2026_working_days_and_calendar_days():
    cal = WorkingCalendar()
    # The package's Tết 2026: Mon 16/02 (Giao thừa) to Fri 20/02 (Mùng bốn), between two weekends.
    assert [d for d, _r in cal.days_off(dt.date(2026, 2, 14), dt.date(2026, 2, 22))] == [
        dt.date(2026, 2, 14) + dt.timedelta(days=i) for i in range(9)]
    # Fri 13/02/2026 15:00 + 2 days (900 min): 120 on Friday, 450 on Mon 23/02 = 570, Tue 24/02 240 in the
    # morning = 810, 90 from 13:30 → 15:00.
    assert cal.deadline(at(2026, 2, 13, 15), 2, WD) == at(2026, 2, 24, 15)
    # Wed 11/02/2026 + 5 calendar days: Thu 12 is day 1, … Mon 16/02 (Giao thừa) is day 5, a holiday; Tết
    # and the weekend run to Sun 22/02: ends at the close of Mon 23/02 (art. 148).
    assert cal.deadline(at(2026, 2, 11, 9), 5, DAYS) == at(2026, 2, 23, 17)


def test_calendar_days_do_not_count_the_first_day():
    cal = WorkingCalendar()
    # Mon 02/11/2026 09:00 + 3 days: Tue 03, Wed 04, Thu 05 → the close of Thu 05/11, 17:00.
    assert cal.deadline(at(2026, 11, 2, 9), 3, DAYS) == at(2026, 11, 5, 17)


def test_calendar_days_ending_on_a_weekend_end_on_monday():
    cal = WorkingCalendar()
    # Wed 04/11/2026 + 10 days → Sat 14/11, not worked → the close of Mon 16/11 (art. 148).
    assert cal.deadline(at(2026, 11, 4, 9), 10, DAYS) == at(2026, 11, 16, 17)


def test_calendar_days_ending_on_a_holiday_end_after_it():
    cal = WorkingCalendar()
    # Fri 24/04/2026 + 6 days → Thu 30/04 (Ngày Chiến thắng); Fri 01/05 holiday, Sat 02 / Sun 03 weekend → the
    # close of Mon 04/05/2026.
    assert cal.deadline(at(2026, 4, 24, 10), 6, DAYS) == at(2026, 5, 4, 17)


def test_calendar_days_ending_on_a_make_up_saturday_end_that_saturday():
    cal = WorkingCalendar()
    # Tue 22/04/2025 + 4 days → Sat 26/04/2025, a working day (make-up): its close, 17:00.
    assert cal.deadline(at(2025, 4, 22, 10), 4, DAYS) == at(2025, 4, 26, 17)


def test_months_end_on_the_corresponding_day_or_the_months_last():
    cal = WorkingCalendar()
    # 31/01/2024 + 1 month: February 2024 has no 31st → its last day, Thu 29/02/2024 (leap year), 17:00.
    assert cal.deadline(at(2024, 1, 31, 10), 1, MONTHS) == at(2024, 2, 29, 17)
    # 31/01/2026 + 1 month → Sat 28/02/2026, not worked → the close of Mon 02/03/2026.
    assert cal.deadline(at(2026, 1, 31, 10), 1, MONTHS) == at(2026, 3, 2, 17)
    # 15/01/2025 + 3 months → Tue 15/04/2025, 17:00.
    assert cal.deadline(at(2025, 1, 15, 10), 3, MONTHS) == at(2025, 4, 15, 17)
    # Sun 02/08/2026 + 1 month → Wed 02/09/2026 (Quốc khánh) → the close of Thu 03/09/2026.
    assert cal.deadline(at(2026, 8, 2, 10), 1, MONTHS) == at(2026, 9, 3, 17)
    # 30/11/2026 + 14 months → 30/01/2028 (a Sunday) → Mon 31/01/2028, 17:00.
    assert cal.deadline(at(2026, 11, 30, 10), 14, MONTHS) == at(2028, 1, 31, 17)


def test_zero_is_within_the_day():
    cal = WorkingCalendar()
    # Within the working day: its close.
    assert cal.deadline(at(2026, 11, 16, 9), 0, WD) == at(2026, 11, 16, 17)
    assert cal.deadline(at(2026, 11, 16, 12), 0, WH) == at(2026, 11, 16, 17)  # lunch break: still that day
    assert cal.deadline(at(2026, 11, 16, 6), 0, DAYS) == at(2026, 11, 16, 17)  # before opening
    # After closing (Fri 20/11 17:30) or at it: the next working day, Mon 23/11, 17:00.
    assert cal.deadline(at(2026, 11, 20, 17, 30), 0, WD) == at(2026, 11, 23, 17)
    assert cal.deadline(at(2026, 11, 20, 17), 0, MONTHS) == at(2026, 11, 23, 17)
    # Fri 13/02/2026 18:00, before Tết: Mon 23/02/2026, 17:00.
    assert cal.deadline(at(2026, 2, 13, 18), 0, WD) == at(2026, 2, 23, 17)


def test_a_start_outside_working_hours_starts_at_the_next_opening():
    cal = WorkingCalendar()
    # Sat 28/11/2026 09:00 + 4 h: Monday 30/11 07:30 + 240 min → 11:30.
    assert cal.deadline(at(2026, 11, 28, 9), 4, WH) == at(2026, 11, 30, 11, 30)
    # Tue 01/12/2026 20:00 + 0.5 day (225 min): Wed 02/12 07:30 + 225 → 11:15.
    assert cal.deadline(at(2026, 12, 1, 20), Decimal("0.5"), WD) == at(2026, 12, 2, 11, 15)
    # Mon 16/11/2026 06:00 + 1 day (450 min): the whole of Monday → 17:00.
    assert cal.deadline(at(2026, 11, 16, 6), 1, WD) == at(2026, 11, 16, 17)


def test_an_administrators_day_off_moves_every_kind_of_deadline():
    calendar_exception_set(date=dt.date(2026, 12, 1), kind=CalendarException.Kind.DAY_OFF, name="Nghỉ đột xuất")
    cal = WorkingCalendar()
    # Mon 30/11/2026 14:00 + 4 h: 180 on Monday, Tue 01/12 off, 60 from Wed 02/12 07:30 → 08:30.
    assert cal.deadline(at(2026, 11, 30, 14), 4, WH) == at(2026, 12, 2, 8, 30)
    # Fri 27/11/2026 + 4 days → Tue 01/12, the administrator's day off → the close of Wed 02/12.
    assert cal.deadline(at(2026, 11, 27, 10), 4, DAYS) == at(2026, 12, 2, 17)
    assert cal.days_off(dt.date(2026, 11, 28), dt.date(2026, 12, 1)) == [
        (dt.date(2026, 11, 28), "Nghỉ cuối tuần"),
        (dt.date(2026, 11, 29), "Nghỉ cuối tuần"),
        (dt.date(2026, 12, 1), "Nghỉ đột xuất"),
    ]
    assert cal.day_kind(dt.date(2026, 12, 1)).source == Source.ADMINISTRATOR


def test_an_administrator_overrides_the_packages_swap():
    # Say the government did not swap in 2026: Saturday 22/08 is not worked, Monday 31/08 is.
    calendar_exception_set(date=dt.date(2026, 8, 22), kind=CalendarException.Kind.DAY_OFF, name="Không làm bù")
    calendar_exception_set(date=dt.date(2026, 8, 31), kind=CalendarException.Kind.WORKING_DAY, name="Làm việc bình thường")
    cal = WorkingCalendar()
    # Fri 21/08/2026 08:00 + 2 days (900 min): 420 on Friday, Sat 22 / Sun 23 off, 450 on Mon 24/08 = 870, 30
    # from Tue 25/08 07:30 → 08:00 (with the package's swap: Mon 24/08 08:00).
    assert cal.deadline(at(2026, 8, 21, 8), 2, WD) == at(2026, 8, 25, 8)
    # Fri 28/08/2026 + 3 days → Mon 31/08, worked by the administrator's entry → its close (with the
    # package: 31/08, 01/09 and 02/09 off → Thu 03/09).
    assert cal.deadline(at(2026, 8, 28, 10), 3, DAYS) == at(2026, 8, 31, 17)
    assert cal.working_day_reason(dt.date(2026, 8, 31)) == "Làm việc bình thường"
    assert cal.day_off_reason(dt.date(2026, 8, 22)) == "Không làm bù"


def test_the_agencys_own_hours_set_the_close_of_a_day():
    cal = WorkingCalendar(periods=((dt.time(8), dt.time(12)), (dt.time(13), dt.time(17, 30))))
    # 4 h + 4.5 h = 510 min a day. Mon 16/11/2026 08:00 + 1 day: 240 + 270 → Monday 17:30.
    assert cal.deadline(at(2026, 11, 16, 8), 1, WD) == at(2026, 11, 16, 17, 30)
    # Mon 16/11/2026 14:00 + 4 h: 210 to 17:30, 30 from Tue 17/11 08:00 → 08:30.
    assert cal.deadline(at(2026, 11, 16, 14), 4, WH) == at(2026, 11, 17, 8, 30)
    # Mon 02/11/2026 + 3 days → Thu 05/11, at this agency's close, 17:30.
    assert cal.deadline(at(2026, 11, 2, 9), 3, DAYS) == at(2026, 11, 5, 17, 30)


def test_a_naive_start_is_read_in_vietnam_and_the_result_is_in_vietnam():
    cal = WorkingCalendar()
    due = cal.deadline(dt.datetime(2026, 11, 30, 14), 4, WH)
    assert due == at(2026, 12, 1, 8, 30) and due.utcoffset() == dt.timedelta(hours=7)
    # 07:00 UTC is 14:00 in Vietnam.
    assert cal.deadline(dt.datetime(2026, 11, 30, 7, tzinfo=dt.UTC), 4, WH) == at(2026, 12, 1, 8, 30)


@pytest.mark.parametrize(("amount", "unit"), [
    (-1, WD), (Decimal("-0.5"), WH), ("abc", WD), (Decimal("NaN"), WD), (5, "weeks"), (1, ""),
    (Decimal("1.5"), DAYS), (Decimal("0.5"), MONTHS),
])
def test_refused_amounts_and_units(amount, unit):
    with pytest.raises(ValueError):
        WorkingCalendar().deadline(at(2026, 11, 30, 14), amount, unit)


def test_a_whole_decimal_is_a_whole_number_of_days():
    # The catalog stores amounts with two decimals: 3.00 calendar days are 3 days.
    assert WorkingCalendar().deadline(at(2026, 11, 2, 9), Decimal("3.00"), DAYS) == at(2026, 11, 5, 17)


# --- Moments and days --------------------------------------------------------------------------------------


def test_working_moments():
    cal = WorkingCalendar()
    assert cal.is_working_moment(at(2026, 11, 16, 7, 30))  # opening
    assert cal.is_working_moment(at(2026, 11, 16, 10))
    assert cal.is_working_moment(at(2026, 11, 16, 17))  # closing: a deadline may end there
    assert not cal.is_working_moment(at(2026, 11, 16, 12))  # lunch
    assert not cal.is_working_moment(at(2026, 11, 16, 17, 1))
    assert not cal.is_working_moment(at(2026, 11, 21, 10))  # Saturday
    assert not cal.is_working_moment(at(2026, 11, 24, 10))  # Vietnam Cultural Day
    assert cal.is_working_moment(at(2025, 4, 26, 10))  # the make-up Saturday


def test_weekend_reasons_are_vietnamese():
    cal = WorkingCalendar()
    assert cal.day_off_reason(dt.date(2026, 11, 28)) == "Nghỉ cuối tuần"
    assert cal.day_off_reason(dt.date(2026, 9, 2)) == "Quốc khánh"
    assert cal.day_off_reason(dt.date(2026, 11, 30)) is None


def test_is_working_day_reads_the_exceptions_once_a_year(django_assert_num_queries):
    cal = WorkingCalendar()
    with django_assert_num_queries(1):
        assert sum(cal.is_working_day(dt.date(2026, 1, 1) + dt.timedelta(days=i)) for i in range(365)) > 240
    with django_assert_num_queries(0):
        cal.is_working_day(dt.date(2026, 7, 1))
        cal.days_off(dt.date(2026, 1, 1), dt.date(2026, 12, 31))


units = st.sampled_from([WD, WH, DAYS, MONTHS])


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=moments, unit=units, a=st.integers(min_value=0, max_value=400), b=st.integers(min_value=0, max_value=400))
def test_every_deadline_is_a_working_moment_and_grows_with_the_amount(start, unit, a, b):
    cal = WorkingCalendar()
    small, large = sorted((a, b))
    if unit == MONTHS:
        small, large = small // 10, large // 10  # up to 40 months
    due_small, due_large = cal.deadline(start, small, unit), cal.deadline(start, large, unit)
    assert cal.is_working_moment(due_small) and cal.is_working_moment(due_large)
    assert start <= due_small <= due_large


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=moments, days=st.integers(min_value=1, max_value=400))
def test_calendar_days_end_at_the_first_working_day_from_the_last_day(start, days):
    cal = WorkingCalendar()
    due = cal.deadline(start, days, DAYS)
    last = start.date() + dt.timedelta(days=days)
    assert due.time() == dt.time(17) and due.date() >= last
    # Every day from the last day to the due day, the due day excepted, is a day off.
    assert all(not cal.is_working_day(last + dt.timedelta(days=i)) for i in range((due.date() - last).days))
    assert cal.is_working_day(due.date())


def test_make_up_days_are_added_to_working_days_not_to_holidays():
    # Whatever the package says, a make-up day is a weekend day that is not a holiday.
    for year in range(2008, 2029):
        for worked in make_up_days(year):
            assert worked.weekday() >= 5 and worked not in public_holidays(year)
    assert working_calendar.MAKE_UP.format(dt.date(2025, 5, 2)) == "Làm bù cho ngày 02/05/2025"


# --- The administrators' year page ------------------------------------------------------------------------


def test_the_year_page_shows_every_day_off_and_make_up_day_with_reason_and_source(admin_client):
    calendar_exception_set(date=dt.date(2026, 8, 22), kind=CalendarException.Kind.DAY_OFF, name="Không làm bù")
    calendar_exception_set(date=dt.date(2026, 12, 5), kind=CalendarException.Kind.WORKING_DAY, name="Làm bù cho 31/12")
    changelist = admin_client.get("/quan-tri/procedures/calendarexception/")
    this_year = timezone.localdate().year  # the link's year is Vietnam's
    assert f'href="/quan-tri/procedures/calendarexception/year/{this_year}/"' in changelist.content.decode()

    response = admin_client.get("/quan-tri/procedures/calendarexception/year/2026/")
    assert response.status_code == 200
    page = response.content.decode()
    months = response.context["months"]
    assert len(months) == 12
    notes = {cell["day"].date: cell for month in months for cell in month["notes"]}
    # The package's Tết, with its Vietnamese name and source; the administrator's entries, with the package's
    # day they replace; the package's make-up Saturday 22/08 is now the administrator's day off.
    assert notes[dt.date(2026, 2, 17)]["day"].reason == "Tết Nguyên Đán"
    assert notes[dt.date(2026, 2, 17)]["source"] == Source.PACKAGE and notes[dt.date(2026, 2, 17)]["kind"] == "holiday"
    assert notes[dt.date(2026, 8, 22)]["kind"] == "admin-off"
    assert notes[dt.date(2026, 8, 22)]["replaced"] == "Làm bù cho ngày 31/08/2026"
    assert notes[dt.date(2026, 12, 5)]["kind"] == "make-up"
    assert notes[dt.date(2026, 12, 5)]["source"] == Source.ADMINISTRATOR
    assert "Ngày Văn hóa Việt Nam" in page and "Làm bù cho 31/12" in page
    # Ordinary weekends are shaded in the grid, not listed under the month.
    assert dt.date(2026, 11, 28) not in notes
    # Each day links to its correction: an entry to its change page, any other day to a prefilled new entry.
    cell_0522 = next(c for w in months[4]["weeks"] for c in w if c and c["day"].date == dt.date(2026, 5, 22))
    assert cell_0522["url"] == "/quan-tri/procedures/calendarexception/add/?date=2026-05-22&kind=day_off"
    assert 'href="/quan-tri/procedures/calendarexception/year/2025/"' in page
    assert 'href="/quan-tri/procedures/calendarexception/year/2027/"' in page
    assert admin_client.get("/quan-tri/procedures/calendarexception/year/1999/").status_code == 404


def test_the_year_page_is_for_administrators_only(client, django_user_model):
    response = client.get("/quan-tri/procedures/calendarexception/year/2026/")
    assert response.status_code == 302 and "/quan-tri/login/" in response["Location"]
    user = django_user_model.objects.create_user(username="clerk", password="x", is_staff=True)
    client.force_login(user)
    assert client.get("/quan-tri/procedures/calendarexception/year/2026/").status_code == 403


def test_an_entry_that_makes_a_worked_day_worked_explains_nothing():
    # Thu 03/12/2026 is worked anyway: an administrator's "working day" on it is no make-up day.
    calendar_exception_set(date=dt.date(2026, 12, 3), kind=CalendarException.Kind.WORKING_DAY, name="Làm việc")
    cal = WorkingCalendar()
    assert cal.is_working_day(dt.date(2026, 12, 3))
    assert cal.working_day_reason(dt.date(2026, 12, 3)) is None
    assert not cal.day_kind(dt.date(2026, 12, 3)).is_make_up
