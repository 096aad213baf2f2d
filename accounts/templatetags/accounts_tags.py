"""Template filters of the account pages."""

import datetime as dt

from django import template

register = template.Library()


@register.filter
def minutes(value: dt.timedelta | None) -> int:
    """Whole minutes of a duration, rounded up (a lockout of 90 seconds is 'try again in 2 minutes')."""
    if not value:
        return 0
    return -(-int(value.total_seconds()) // 60)
