"""Where deliveries go: the national portal, e-mail (Django's mail backends), and the SMS and Zalo gateways
(HTTP clients; make run points them at the mock portal process, which records what it gets).

``send`` returns the receiver's answer or raises ``Failed``: ``permanent`` when sending the same thing
again cannot succeed (the receiver refused the record itself), so the outbox gives it up at once.
"""

import smtplib
from dataclasses import dataclass

import httpx
from django.conf import settings
from django.core.mail import EmailMessage

from .models import Consumer, Delivery
from .national_portal import NationalPortal, PortalError


@dataclass
class Answer:
    status: int | None
    text: str


class Failed(Exception):
    def __init__(self, message: str, *, status: int | None = None, permanent: bool = False):
        super().__init__(message)
        self.status = status
        self.permanent = permanent


def _portal(delivery: Delivery) -> Answer:
    portal = NationalPortal(timeout=settings.GATEWAY_TIMEOUT_SECONDS)
    answers = []
    try:
        if delivery.payload.get("sync"):
            answers.append(portal.sync(delivery.payload["sync"]))
        if delivery.payload.get("progress"):  # one record, or a list (reconciliation)
            answers.append(portal.progress(delivery.payload["progress"]))
        if delivery.payload.get("rating"):
            answers.append(portal.rate(delivery.payload["rating"]))
    except PortalError as error:
        # "1" is the portal refusing the record itself: the same record will be refused again.
        raise Failed(str(error), status=error.status, permanent=error.code == "1") from error
    return Answer(200, " | ".join(f"{a.get('error_code')}: {a.get('message')} {a.get('results', '')}" for a in answers))


def _email(delivery: Delivery) -> Answer:
    # The payload {"to", "subject", "text"}: a dossier's notification (``notifications.event_notify``) or any
    # other e-mail the portal owes (``outbox.email_enqueue``: feedback's answers to their senders).
    payload = delivery.payload
    message = EmailMessage(
        subject=payload["subject"], body=payload["text"], to=[payload["to"]],
        headers={"X-DVC-Reference": f"dvc-{delivery.pk}"},
    )
    try:
        sent = message.send()
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as error:
        raise Failed(f"{type(error).__name__}: {error}", permanent=True) from error
    except (smtplib.SMTPException, OSError) as error:
        raise Failed(f"{type(error).__name__}: {error}") from error
    return Answer(None, f"sent {sent} to {payload['to']}")


def _gateway(url: str, token: str, delivery: Delivery) -> Answer:
    body = {"phone": delivery.payload["to"], "message": delivery.payload["text"], "reference": f"dvc-{delivery.pk}"}
    try:
        response = httpx.post(url, json=body, timeout=settings.GATEWAY_TIMEOUT_SECONDS,
                              headers={"Authorization": f"Bearer {token}"} if token else {})
    except httpx.HTTPError as error:
        raise Failed(f"{type(error).__name__}: {error}") from error
    text = response.text[:2000]
    if response.status_code == 400:
        raise Failed(text, status=400, permanent=True)  # a bad number or text: sending it again cannot help
    if response.status_code != 200:
        raise Failed(text, status=response.status_code)
    return Answer(200, text)


def send(delivery: Delivery) -> Answer:
    if delivery.consumer == Consumer.PORTAL:
        return _portal(delivery)
    if delivery.consumer == Consumer.EMAIL:
        return _email(delivery)
    if delivery.consumer == Consumer.SMS:
        return _gateway(settings.SMS_GATEWAY_URL, settings.SMS_GATEWAY_TOKEN, delivery)
    if delivery.consumer == Consumer.ZALO:
        return _gateway(settings.ZALO_GATEWAY_URL, settings.ZALO_GATEWAY_TOKEN, delivery)
    raise Failed(f"unknown consumer {delivery.consumer}", permanent=True)
