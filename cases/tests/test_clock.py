"""What the officials' lists say of the working time left."""

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from cases.clock import Clock
from procedures.working_calendar import DEFAULT_PERIODS

pytestmark = pytest.mark.django_db
HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def _dossier(due_at):
    return SimpleNamespace(state="processing", is_terminal=False, paused_at=None, due_at=due_at,
                           agency=SimpleNamespace(working_periods=DEFAULT_PERIODS))


@pytest.mark.parametrize(("now", "expected"), [
    # Before the office opens on the day it is due: the whole day is left, 07:30–11:30 and 13:30–17:00 =
    # 240 + 210 = 450 min = 7 h 30 min (it once read "0 h 0 min": the day was dropped).
    (dt.datetime(2026, 12, 7, 7, 0, tzinfo=HCM), "due today at 17:00 (7 h 30 min of working time left)"),
    # At 15:00: 17:00 − 15:00 = 2 h.
    (dt.datetime(2026, 12, 7, 15, 0, tzinfo=HCM), "due today at 17:00 (2 h 0 min of working time left)"),
    # The Friday before: Friday 15:00–17:00 (120) + Monday (450) = 570 min = 1 working day (450) and 2 h.
    (dt.datetime(2026, 12, 4, 15, 0, tzinfo=HCM), "1 d 2 h left"),
])
def test_the_time_left_counts_the_whole_working_day(now, expected):
    with translation.override("en"):
        assert Clock(now).describe(_dossier(dt.datetime(2026, 12, 7, 17, 0, tzinfo=HCM)))["text"] == expected
