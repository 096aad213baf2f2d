"""Which published processing time a dossier gets, and its appointment date.

A procedure publishes its times per channel (counter, online, postal), each in its own unit; a channel may
publish several (for different cases, said in their descriptions). A dossier is given its own channel's
time; when the procedure publishes none for that channel, the counter's (a postal dossier is a paper
dossier handled as at the counter), else the times of every channel. Of several, the one that ends last:
no dossier is due before the published time of its case.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from .models import FilingChannel, ProcessingTime
from .working_calendar import WorkingCalendar


def channel_times(times: Iterable[ProcessingTime], channel: int) -> list[ProcessingTime]:
    """The times that apply to a dossier filed through ``channel`` (see the module's rule)."""
    times = list(times)
    for wanted in (channel, FilingChannel.COUNTER):
        chosen = [t for t in times if t.channel == wanted]
        if chosen:
            return chosen
    return times


@dataclass(frozen=True)
class Appointment:
    """The appointment a dossier gets: when, and the published time it was computed from."""

    due_at: dt.datetime
    time: ProcessingTime


def appointment(calendar: WorkingCalendar, times: Iterable[ProcessingTime], *, channel: int,
                start: dt.datetime) -> Appointment | None:
    """The appointment of a dossier of ``channel`` received at ``start``: the latest end of the times that
    apply to it, each counted in its own unit on ``calendar``; None when the procedure publishes no time."""
    candidates = [Appointment(calendar.deadline(start, t.amount, t.unit), t) for t in channel_times(times, channel)]
    return max(candidates, key=lambda a: a.due_at, default=None)
