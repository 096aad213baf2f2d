"""Moments given as text or as datetimes, made timezone-aware: the one parser the services and the forms share."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone


def aware_moment(value: object, *, tz: ZoneInfo | None = None) -> dt.datetime | None:
    """``value`` (an ISO 8601 string or a datetime) as an aware datetime; a naive one is read in ``tz`` (the
    current timezone if None). None for anything else, or a string that is not a moment."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, dt.datetime):
        return None
    return value if timezone.is_aware(value) else timezone.make_aware(value, tz)
