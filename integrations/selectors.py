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


def portal_sync(dossier) -> dict:
    """How the dossier stands with the national portal, in one query: deliveries delivered, waiting (and how
    many of those have failed at least once), given up, when the last one arrived, and the last error."""
    from django.db.models import Count, Max, Q

    from .models import Consumer, Delivery

    pending = Q(status=Delivery.Status.PENDING)
    figures = Delivery.objects.filter(dossier=dossier, consumer=Consumer.PORTAL).aggregate(
        delivered=Count("id", filter=Q(status=Delivery.Status.DELIVERED)),
        pending=Count("id", filter=pending),
        failing=Count("id", filter=pending & Q(attempts__gt=0)),
        dead=Count("id", filter=Q(status=Delivery.Status.DEAD)),
        last_delivered_at=Max("delivered_at"),
    )
    if figures["failing"] or figures["dead"]:
        figures["last_error"] = (
            Delivery.objects.filter(dossier=dossier, consumer=Consumer.PORTAL).exclude(last_error="")
            .exclude(status=Delivery.Status.DELIVERED).order_by("id").values_list("last_error", flat=True).first()
        )
    return figures
