"""The applicant's notifications: what each dossier action tells them, and the channels they choose.

In the portal (``Notification``), and through their chosen channels as outbox deliveries, worded by the
templates administrators edit (``MessageTemplate``)."""

import logging

from django.conf import settings
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from cases.actions import ACTIONS
from cases.models import Dossier, DossierEvent
from core.text import fold

from .models import Consumer, Delivery, MessageTemplate, Notification, NotificationPreference, Topic

logger = logging.getLogger(__name__)



def topic_of(action: str) -> Topic | None:
    """What the applicant is told when ``action`` is taken, as the action declares it (``cases.actions``)."""
    declared = ACTIONS.get(action)
    return Topic(declared.notify) if declared is not None and declared.notify else None


def _preference(user) -> NotificationPreference:
    """The applicant's channels; a counter dossier with no account is told by SMS if it left a phone."""
    if user is None:
        return NotificationPreference(email=False, sms=True, zalo=False)
    return NotificationPreference.objects.filter(user=user).first() or NotificationPreference(user=user)


def _money(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " đồng"


def _context(dossier: Dossier, event: DossierEvent) -> dict:
    amount = sum(int(f.get("amount", 0)) for f in event.data.get("fees", [])) if event.action == "request_payment" else 0
    due = dossier.due_at
    return {
        "code": dossier.code,
        "procedure": dossier.version.name,
        "agency": (dossier.holder or dossier.agency).name,
        "applicant": dossier.applicant_name,
        "due": timezone.localtime(due).strftime("%H:%M ngày %d/%m/%Y") if due else "",
        "reason": event.reason,
        "amount": _money(amount) if amount else "",
        "outcome": dossier.outcome,
        "link": settings.PORTAL_BASE_URL.rstrip("/")
        + (reverse("cases:dossier", args=[dossier.pk]) if dossier.owner_id else reverse("lookup-code", args=[dossier.code])),
    }


def _render(text: str, context: dict) -> str:
    return Template(text).render(Context(context, autoescape=False)).strip()


def event_notify(*, event: DossierEvent) -> list[Delivery]:
    """What ``event`` tells its applicant, if it is news to them (``topic_of``): the in-portal notification,
    written now, and one delivery per channel they chose, returned unsaved for the outbox to write in the
    same transaction (``outbox.event_publish``). Nothing when the topic has no template."""
    topic = topic_of(event.action)
    if topic is None:
        return []
    dossier = event.dossier
    template = MessageTemplate.objects.filter(topic=topic).first()
    if template is None:
        logger.warning("no notification template for %s: nobody is told", topic)
        return []
    context = _context(dossier, event)
    subject, body, short = (_render(t, context) for t in (template.subject, template.body, template.short))
    # SMS goes unaccented (a GSM-7 part holds 160 characters, a Unicode one 70): what is filled in (a name,
    # "ngày", "đồng") too.
    short = fold(short)
    user = dossier.owner
    if user is not None:
        Notification.objects.get_or_create(
            user=user, event=event, topic=topic, defaults={"dossier": dossier, "title": subject[:200], "text": body}
        )
    preference = _preference(user)
    email = dossier.applicant_email or (user.email if user else "")
    phone = dossier.applicant_phone
    wanted = {
        Consumer.EMAIL: (preference.email and email, {"to": email, "subject": subject, "text": body}),
        Consumer.SMS: (preference.sms and phone, {"to": phone, "text": short}),
        # SMS text is short and unaccented (GSM-7, 160 characters a part); Zalo shows the full Vietnamese text.
        Consumer.ZALO: (preference.zalo and phone, {"to": phone, "text": body[:1000]}),
    }
    return [
        Delivery(consumer=consumer, dossier=dossier, event=event, topic=topic, payload=payload)
        for consumer, (chosen, payload) in wanted.items()
        if chosen
    ]


def preference_update(*, user, email: bool, sms: bool, zalo: bool) -> NotificationPreference:
    """The channels ``user`` wants (the in-portal list is always kept)."""
    preference, _ = NotificationPreference.objects.update_or_create(
        user=user, defaults={"email": email, "sms": sms, "zalo": zalo}
    )
    return preference


def notifications_mark_read(*, user, ids: list[int] | None = None) -> int:
    """Mark ``user``'s notifications read (all of them when ``ids`` is None)."""
    unread = Notification.objects.filter(user=user, read_at=None)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())
