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


@register.filter
def phone(value: str) -> str:
    """A stored phone number grouped for reading: 0905 123 456 (mobile), 0236 3821 111 (landline)."""
    value = value or ""
    if len(value) == 10 and value.isdigit():
        return f"{value[:4]} {value[4:7]} {value[7:]}"
    if len(value) == 11 and value.isdigit():
        return f"{value[:4]} {value[4:8]} {value[8:]}"
    return value
