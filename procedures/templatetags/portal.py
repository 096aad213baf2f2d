"""Template filters for Vietnamese presentation: money in đồng, working days."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def vnd(amount) -> str:
    """150000 → "150.000": Vietnamese groups thousands with dots (Django's vi format does not group)."""
    if amount in (None, ""):
        return ""
    return f"{int(amount):,}".replace(",", ".")


@register.filter
def days(value) -> str:
    """Decimal('2.50') → "2,5": working days with a decimal comma and no trailing zeros."""
    if value in (None, ""):
        return ""
    return f"{Decimal(value).normalize():f}".replace(".", ",")
