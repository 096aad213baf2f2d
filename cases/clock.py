"""The working time left of dossiers as the officials' lists and pages show it."""

import datetime as dt

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from procedures.working_calendar import WorkingCalendar

from .workflow import State


class Clock:
    """Working time left for many dossiers with one calendar per set of office hours.

    ``selectors.working_time_left`` builds a calendar per dossier, which reads the calendar exceptions
    again for each row; a list page shares them so its queries do not grow with its rows.
    """

    def __init__(self, now: dt.datetime | None = None):
        self.now = now or timezone.now()
        self._calendars: dict = {}
        self._exceptions: dict = {}  # calendar exceptions are the same for every agency: read once for all

    def calendar(self, agency) -> WorkingCalendar:
        key = agency.working_periods
        if key not in self._calendars:
            self._calendars[key] = WorkingCalendar(periods=key, exceptions=self._exceptions)
        return self._calendars[key]

    def minutes_left(self, dossier) -> int | None:
        if dossier.due_at is None:
            return None
        calendar = self.calendar(dossier.agency)
        if self.now <= dossier.due_at:
            return calendar.working_minutes_between(self.now, dossier.due_at)
        return -calendar.working_minutes_between(dossier.due_at, self.now)

    def describe(self, dossier) -> dict:
        """What the list shows: the text, and whether the dossier is late, due today, or paused."""
        if dossier.state in (State.RESOLVED, State.RETURNED) or dossier.is_terminal:
            return {"text": "", "level": "done"}
        if dossier.paused_at is not None:
            return {"text": _("paused (waiting on the applicant)"), "level": "paused"}
        minutes = self.minutes_left(dossier)
        if minutes is None:
            return {"text": "", "level": "none"}
        per_day = self.calendar(dossier.agency).minutes_per_day or 480
        if minutes < 0:
            hours = -minutes // 60 or 1
            return {"text": _("overdue by %(hours)s h") % {"hours": hours}, "level": "late"}
        days, rest = divmod(minutes, per_day)
        hours, mins = divmod(rest, 60)
        today = timezone.localdate(self.now) == timezone.localdate(dossier.due_at)
        if today:  # all of today's working time may be left (before the office opens): counted in hours
            when = date_format(timezone.localtime(dossier.due_at), "H:i")
            hours, mins = divmod(minutes, 60)
            text = _("due today at %(time)s (%(hours)s h %(minutes)s min of working time left)") % {
                "time": when, "hours": hours, "minutes": mins}
        elif days:
            text = _("%(days)s d %(hours)s h left") % {"days": days, "hours": hours}
        else:
            text = _("%(hours)s h %(minutes)s min left") % {"hours": hours, "minutes": mins}
        return {"text": text, "level": "today" if today else ("soon" if not days else "ok")}
