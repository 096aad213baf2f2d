"""Reads of the integrations: a citizen's notifications and channel preferences."""

from django.db.models import QuerySet

from .models import Notification, NotificationPreference


def notifications_of(user) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).select_related("dossier").order_by("-created_at", "-id")


def unread_count(user) -> int:
    return Notification.objects.filter(user=user, read_at=None).count()


def preference_of(user) -> NotificationPreference:
    """The stored preference, or the default one (e-mail and SMS on, Zalo off) not yet saved."""
    return NotificationPreference.objects.filter(user=user).first() or NotificationPreference(user=user)
