"""Working time: weekends, Vietnamese public holidays (Tết included), days off and make-up days.

A deadline counts working time: a processing time of N working days is N times the agency's working
day (its morning and afternoon periods), laid over working days only. The ``holidays`` package gives
Vietnam's public holidays, computed by rule for future years; administrators correct the calendar with
``CalendarException`` rows (a day off, or a Saturday worked to make up for a bridge holiday).
"""

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings

from .models import CalendarException

DEFAULT_PERIODS = ((dt.time(7, 30), dt.time(11, 30)), (dt.time(13, 30), dt.time(17, 0)))


@lru_cache(maxsize=64)
def public_holidays(year: int) -> dict[dt.date, str]:
    return dict(holidays.country_holidays("VN", years=year, language="vi"))


def _minutes(t: dt.time) -> int:
    return t.hour * 60 + t.minute


class WorkingCalendar:
    """The working days and hours of one agency (or the default office hours).

    Calendar exceptions are read once per year touched, so a long computation costs a few queries. They are
    the same for every agency: calendars built for many agencies at once can share them by passing one dict
    as ``exceptions`` (filled as years are read), so they are read once for all.
    """

    def __init__(self, periods=DEFAULT_PERIODS, tz: str | None = None,
                 exceptions: dict[int, dict[dt.date, str]] | None = None):
        self.periods = tuple(periods)
        self.tz = ZoneInfo(tz or settings.TIME_ZONE)
        self._exceptions: dict[int, dict[dt.date, str]] = {} if exceptions is None else exceptions

    @classmethod
    def for_agency(cls, agency) -> "WorkingCalendar":
        return cls(periods=agency.working_periods)

    @property
    def minutes_per_day(self) -> int:
        return sum(_minutes(end) - _minutes(start) for start, end in self.periods)

    def _year_exceptions(self, year: int) -> dict[dt.date, str]:
        if year not in self._exceptions:
            self._exceptions[year] = dict(
                CalendarException.objects.filter(date__year=year).values_list("date", "kind")
            )
        return self._exceptions[year]

    def is_working_day(self, day: dt.date) -> bool:
        kind = self._year_exceptions(day.year).get(day)
        if kind is not None:
            return kind == CalendarException.Kind.WORKING_DAY
        if day.weekday() >= 5:
            return False
        return day not in public_holidays(day.year)

    def day_off_reason(self, day: dt.date) -> str | None:
        """Why ``day`` is not worked (holiday name, 'weekend', or the administrator's reason)."""
        if self.is_working_day(day):
            return None
        exception = CalendarException.objects.filter(date=day).first()
        if exception is not None:
            return exception.name
        return public_holidays(day.year).get(day) or "weekend"

    def working_days(self, start: dt.date, end: dt.date) -> Iterator[dt.date]:
        """Working days from ``start`` to ``end``, both included."""
        day = start
        while day <= end:
            if self.is_working_day(day):
                yield day
            day += dt.timedelta(days=1)

    def _intervals_from(self, moment: dt.datetime) -> Iterator[tuple[dt.datetime, dt.datetime]]:
        """Working intervals from ``moment`` on, the first one clipped to start at ``moment``."""
        local = moment.astimezone(self.tz)
        day = local.date()
        for _i in range(3660):  # ten years of days: a bound, not a limit anyone reaches
            if self.is_working_day(day):
                for start, end in self.periods:
                    a = dt.datetime.combine(day, start, self.tz)
                    b = dt.datetime.combine(day, end, self.tz)
                    if b <= local:
                        continue
                    yield max(a, local), b
            day += dt.timedelta(days=1)
        raise ValueError("no working time within ten years")

    def add_working_days(self, start: dt.datetime, days: Decimal | int | float) -> dt.datetime:
        """The moment ``days`` working days after ``start`` (fractions are parts of a working day)."""
        return self.add_working_minutes(start, round(Decimal(str(days)) * self.minutes_per_day))

    def add_working_minutes(self, start: dt.datetime, minutes: int) -> dt.datetime:
        if minutes < 0:
            raise ValueError("minutes must not be negative")
        remaining = dt.timedelta(minutes=minutes)
        last = start.astimezone(self.tz)
        for a, b in self._intervals_from(start):
            if remaining <= b - a:
                return a + remaining
            remaining -= b - a
            last = b
        return last  # pragma: no cover - _intervals_from raises first

    def working_minutes_between(self, start: dt.datetime, end: dt.datetime) -> int:
        """Working minutes from ``start`` to ``end`` (0 if ``end`` is not after ``start``)."""
        if end <= start:
            return 0
        total = dt.timedelta()
        for a, b in self._intervals_from(start):
            if a >= end:
                break
            total += min(b, end) - a
        return int(total.total_seconds() // 60)
