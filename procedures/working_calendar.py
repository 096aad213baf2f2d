"""Working time and deadlines: weekends, public holidays (Tết included), make-up Saturdays, days off.

Which days are worked, in this order (the first that applies decides):

1. an administrator's ``CalendarException`` (a day off, or a working day) — it overrides anything;
2. a public holiday of the ``holidays`` package (Vietnamese names), substituted days off included;
3. a make-up working day the package names: when the government moves a day off next to a holiday, the
   day off is listed as "Ngày nghỉ (thay cho ngày 26/04/2025)" (English: "Day off (substituted from
   04/26/2025)"), and that Saturday is worked (``make_up_days``);
4. Monday to Friday are worked, Saturday and Sunday are not.

A deadline keeps the unit its processing time is published in (``TimeUnit``, ``WorkingCalendar.deadline``):
working days and working hours are laid over the agency's own working periods; calendar days and months
follow the Civil Code (art. 147: the first day is not counted; art. 148: the period ends at the end of its
last day, which for work done at an agency is the close of its working hours, and a last day that is not
worked moves to the next working day). Future years are the package's rule, not an announcement:
administrators correct them with calendar exceptions.
"""

import datetime as dt
import re
import unicodedata
from calendar import monthrange
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings

from .models import CalendarException, TimeUnit

DEFAULT_PERIODS = ((dt.time(7, 30), dt.time(11, 30)), (dt.time(13, 30), dt.time(17, 0)))
SEARCH_DAYS = 3660  # ten years of days: a bound on every search for working time, not a limit anyone reaches

# Reasons are calendar data in the calendar's language, as the package's holiday names and the
# administrators' reasons are.
WEEKEND = "Nghỉ cuối tuần"
MAKE_UP = "Làm bù cho ngày {:%d/%m/%Y}"


class Source:
    """Where a day's status comes from (``Day.source``)."""

    WEEK = "week"  # the ordinary week: Monday to Friday worked, the weekend not
    PACKAGE = "holidays"  # the ``holidays`` package: public holidays, substituted days off, make-up days
    ADMINISTRATOR = "administrator"  # a ``CalendarException``


@dataclass(frozen=True)
class Day:
    """One day of the calendar: whether it is worked, and why when it is not an ordinary working day."""

    date: dt.date
    working: bool
    reason: str = ""  # "" for an ordinary working day
    source: str = ""  # "" for an ordinary working day, else a ``Source``

    @property
    def is_make_up(self) -> bool:
        """A worked day that would otherwise be off (a Saturday worked for a bridge holiday)."""
        return self.working and self.source != ""


# --- What the ``holidays`` package says ---------------------------------------------------------------

# How the package labels a substituted day off, per language (its names depend on the environment's
# locale unless a language is given, so every call names one). Day/month order differs by language.
_SUBSTITUTED = (
    ("vi", re.compile(r"thay\s+cho\s+(?:ngày\s+)?(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", re.IGNORECASE), "dmy"),
    ("en_US", re.compile(r"substituted\s+from\s+(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", re.IGNORECASE), "mdy"),
)


@lru_cache(maxsize=64)
def public_holidays(year: int) -> dict[dt.date, str]:
    """The package's days off of ``year`` (substituted days off included), with their Vietnamese names."""
    return dict(holidays.country_holidays("VN", years=year, language="vi"))


def _substitutions(language: str, pattern: re.Pattern[str], order: str, years: tuple[int, ...]) -> dict[dt.date, dt.date]:
    """{substituted day off: the day worked instead} as the package's names in ``language`` say."""
    found: dict[dt.date, dt.date] = {}
    for day_off, name in holidays.country_holidays("VN", years=years, language=language).items():
        match = pattern.search(unicodedata.normalize("NFC", name))
        if match is None:
            continue
        a, b, year = (int(g) for g in match.groups())
        day, month = (a, b) if order == "dmy" else (b, a)
        try:
            found[day_off] = dt.date(year, month, day)
        except ValueError:
            continue
    return found


@lru_cache(maxsize=64)
def make_up_days(year: int) -> dict[dt.date, dt.date]:
    """{make-up working day of ``year``: the day off it was moved to}, from the package's substituted days off.

    Read from the Vietnamese names (the package's source language) and the English ones, so a change of
    wording in one still leaves the other; where both parse, the Vietnamese wins. A swap may cross a year
    (31/12/2018 off for Saturday 05/01/2019), so the years around ``year`` are read too. Only a day that is
    not otherwise worked (a weekend day, not a holiday) is a make-up day.
    """
    years = (year - 1, year, year + 1)
    substituted: dict[dt.date, dt.date] = {}
    for language, pattern, order in reversed(_SUBSTITUTED):
        substituted.update(_substitutions(language, pattern, order, years))
    return {
        worked: day_off
        for day_off, worked in sorted(substituted.items())
        if worked.year == year and worked.weekday() >= 5 and worked not in public_holidays(year)
    }


def package_day(day: dt.date) -> Day:
    """``day`` as the package and the ordinary week have it, before any administrator's correction."""
    name = public_holidays(day.year).get(day)
    if name is not None:
        return Day(day, False, name, Source.PACKAGE)
    day_off = make_up_days(day.year).get(day)
    if day_off is not None:
        return Day(day, True, MAKE_UP.format(day_off), Source.PACKAGE)
    if day.weekday() >= 5:
        return Day(day, False, WEEKEND, Source.WEEK)
    return Day(day, True)


def _minutes(t: dt.time) -> int:
    return t.hour * 60 + t.minute


def _amount(value: Decimal | int | float) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError) as error:
        raise ValueError(f"not an amount of time: {value!r}") from error
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"an amount of time must be a finite number, not negative: {value!r}")
    return amount


def _whole(amount: Decimal, unit: str) -> int:
    if amount != amount.to_integral_value():
        raise ValueError(f"{unit} are counted in whole numbers, not {amount}")
    return int(amount)


def add_months(day: dt.date, months: int) -> dt.date:
    """The corresponding day ``months`` later; the month's last day when it has no such day (31/01 + 1: 28/02)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, monthrange(year, month)[1]))


class WorkingCalendar:
    """The working days and hours of one agency (or the default office hours).

    Calendar exceptions are read once per year touched, so a long computation costs a few queries. They are
    the same for every agency: calendars built for many agencies at once can share them by passing one dict
    as ``exceptions`` (filled as years are read: {year: {date: kind}}), so they are read once for all.
    """

    def __init__(self, periods=DEFAULT_PERIODS, tz: str | None = None,
                 exceptions: dict[int, dict[dt.date, str]] | None = None):
        self.periods = tuple(periods)
        self.tz = ZoneInfo(tz or settings.TIME_ZONE)
        self._exceptions: dict[int, dict[dt.date, str]] = {} if exceptions is None else exceptions
        self._names: dict[int, dict[dt.date, str]] = {}

    @classmethod
    def for_agency(cls, agency, *, exceptions: dict[int, dict[dt.date, str]] | None = None) -> "WorkingCalendar":
        return cls(periods=agency.working_periods, exceptions=exceptions)

    @property
    def minutes_per_day(self) -> int:
        return sum(_minutes(end) - _minutes(start) for start, end in self.periods)

    @property
    def closing_time(self) -> dt.time:
        """The end of the working day: the close of its last period."""
        if not self.periods:
            raise ValueError("this calendar has no working periods")
        return max(end for _start, end in self.periods)

    # --- Days ---------------------------------------------------------------------------------------

    def _year_exceptions(self, year: int) -> dict[dt.date, str]:
        if year not in self._exceptions:
            rows = list(CalendarException.objects.filter(date__year=year).values_list("date", "kind", "name"))
            self._exceptions[year] = {day: kind for day, kind, _name in rows}
            self._names[year] = {day: name for day, _kind, name in rows}
        return self._exceptions[year]

    def _year_names(self, year: int) -> dict[dt.date, str]:
        if year not in self._names:  # the kinds came through a dict shared with another calendar
            self._names[year] = dict(CalendarException.objects.filter(date__year=year).values_list("date", "name"))
        return self._names[year]

    def is_working_day(self, day: dt.date) -> bool:
        kind = self._year_exceptions(day.year).get(day)
        if kind is not None:
            return kind == CalendarException.Kind.WORKING_DAY
        if day in public_holidays(day.year):
            return False
        return day.weekday() < 5 or day in make_up_days(day.year)

    def day_kind(self, day: dt.date) -> Day:
        """``day``: worked or not, and the reason and its source when it is not an ordinary working day."""
        kind = self._year_exceptions(day.year).get(day)
        usual = package_day(day)
        if kind is None or (kind == CalendarException.Kind.WORKING_DAY and usual.working):
            return usual  # no entry, or one that makes a worked day worked: nothing to explain
        name = self._year_names(day.year).get(day, "")
        return Day(day, kind == CalendarException.Kind.WORKING_DAY, name, Source.ADMINISTRATOR)

    def days(self, first: dt.date, last: dt.date) -> list[Day]:
        """Every day from ``first`` to ``last``, both included."""
        return [self.day_kind(first + dt.timedelta(days=i)) for i in range((last - first).days + 1)]

    def days_off(self, first: dt.date, last: dt.date) -> list[tuple[dt.date, str]]:
        """Every day from ``first`` to ``last`` (both included) that is not worked, with its reason in
        Vietnamese: the administrator's reason, the holiday's name, or "Nghỉ cuối tuần"."""
        return [(day.date, day.reason) for day in self.days(first, last) if not day.working]

    def day_off_reason(self, day: dt.date) -> str | None:
        """Why ``day`` is not worked (the administrator's reason, the holiday's name, "Nghỉ cuối tuần")."""
        kind = self.day_kind(day)
        return None if kind.working else kind.reason

    def working_day_reason(self, day: dt.date) -> str | None:
        """Why ``day`` is worked though it is not an ordinary working day ("Làm bù cho ngày 02/05/2025", or
        the administrator's reason); None for an ordinary working day and for a day off."""
        kind = self.day_kind(day)
        return kind.reason if kind.is_make_up else None

    def working_days(self, start: dt.date, end: dt.date) -> Iterator[dt.date]:
        """Working days from ``start`` to ``end``, both included."""
        day = start
        while day <= end:
            if self.is_working_day(day):
                yield day
            day += dt.timedelta(days=1)

    def working_day_from(self, day: dt.date) -> dt.date:
        """``day`` if it is worked, else the next working day."""
        for _i in range(SEARCH_DAYS):
            if self.is_working_day(day):
                return day
            day += dt.timedelta(days=1)
        raise ValueError("no working day within ten years")

    def working_day_before(self, day: dt.date) -> dt.date:
        """The last working day before ``day``."""
        for _i in range(SEARCH_DAYS):
            day -= dt.timedelta(days=1)
            if self.is_working_day(day):
                return day
        raise ValueError("no working day within ten years")

    # --- Moments ------------------------------------------------------------------------------------

    def _local(self, moment: dt.datetime) -> dt.datetime:
        """``moment`` in the calendar's timezone (a naive one is read as already there)."""
        return moment.replace(tzinfo=self.tz) if moment.tzinfo is None else moment.astimezone(self.tz)

    def is_working_moment(self, moment: dt.datetime) -> bool:
        """Whether ``moment`` is inside one of the periods (their opening and closing included) of a working day."""
        local = self._local(moment)
        if not self.is_working_day(local.date()):
            return False
        return any(start <= local.time() <= end for start, end in self.periods)

    def end_of_day(self, day: dt.date) -> dt.datetime:
        """The close of the working hours of ``day``."""
        return dt.datetime.combine(day, self.closing_time, self.tz)

    def _intervals_from(self, moment: dt.datetime) -> Iterator[tuple[dt.datetime, dt.datetime]]:
        """Working intervals from ``moment`` on, the first one clipped to start at ``moment``."""
        local = moment.astimezone(self.tz)
        day = local.date()
        for _i in range(SEARCH_DAYS):
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

    # --- Deadlines ----------------------------------------------------------------------------------

    def deadline(self, start: dt.datetime, amount: Decimal | int, unit: str) -> dt.datetime:
        """When a time of ``amount`` ``unit`` (a ``TimeUnit``) started at ``start`` ends, in the calendar's timezone.

        - working days: ``amount`` × the agency's working day (its periods), laid over working time from
          ``start``; fractions are parts of a day.
        - working hours: ``amount`` × 60 working minutes over the same periods (not a fraction of a day).
        - calendar days: the first day is not counted; the period ends at the close of the working hours of
          the day ``amount`` days after ``start``'s date, or of the next working day if that one is not
          worked (Civil Code art. 147–148).
        - months: the same, on the corresponding day ``amount`` months later (the month's last day if it has
          no such day).
        - 0 of any unit is "in the day": the close of ``start``'s working day, or of the next working day if
          ``start`` is not on a working day before its close.

        Calendar days and months are whole numbers. Raises ValueError for a negative, fractional (days,
        months) or unusable amount, an unknown unit, or a deadline beyond any working time within ten years.
        """
        value = _amount(amount)
        if unit not in TimeUnit.values:
            raise ValueError(f"unknown unit of time: {unit!r}")
        local = self._local(start)
        if not self.periods or self.minutes_per_day <= 0:
            raise ValueError("this calendar has no working periods")
        try:
            if value == 0:
                day = local.date()
                if not (self.is_working_day(day) and local < self.end_of_day(day)):
                    day = self.working_day_from(day + dt.timedelta(days=1))
                return self.end_of_day(day)
            if unit == TimeUnit.WORKING_DAYS:
                return self.add_working_days(local, value)
            if unit == TimeUnit.WORKING_HOURS:
                return self.add_working_minutes(local, round(value * 60))
            if unit == TimeUnit.CALENDAR_DAYS:
                last = local.date() + dt.timedelta(days=_whole(value, "calendar days"))
            else:
                last = add_months(local.date(), _whole(value, "months"))
            return self.end_of_day(self.working_day_from(last))
        except OverflowError as error:
            raise ValueError("the deadline is out of the calendar's range") from error
