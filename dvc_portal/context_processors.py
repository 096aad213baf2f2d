"""Values every page template needs."""

from django.conf import settings


def portal(request):
    return {
        "PORTAL_NAME": settings.PORTAL_NAME,
        "PORTAL_PROVINCE": settings.PORTAL_PROVINCE,
        # Counted only if the page shows it (the menu of a signed-in citizen): one small indexed query.
        "UNREAD_NOTIFICATIONS": lambda: _unread(request),
    }


def _unread(request) -> int:
    from integrations.selectors import unread_count

    user = getattr(request, "user", None)
    return unread_count(user) if user is not None and user.is_authenticated else 0
