"""Every write of the integrations: the outbox (publishing a dossier event to its consumers, delivering,
retrying, giving up), notifications, and the citizen's channel preferences.

The outbox's guarantees:
- **Nothing lost.** ``event_publish`` writes one ``Delivery`` per consumer in the transaction of the
  action: the action and its deliveries commit together or not at all. A task is queued after commit;
  if the broker is down then, ``outbox_sweep`` (beat) queues what is due later.
- **Nothing twice.** The payload is fixed when the delivery is written, so every attempt sends the same
  record, and the receivers deduplicate (the portal by the record's digest, the SMS and Zalo gateways by
  the delivery's reference). A worker holds a lease while it delivers; one that dies leaves a lease that
  runs out, and the delivery goes again: at least once here, once at the receiver.
- **In order.** A dossier's deliveries to an ordered consumer (the portal) go one at a time, oldest
  first: a delivery is not attempted while an earlier one to the same consumer is undelivered, including
  one given up (it waits for an administrator's retry, in plain sight on the admin page).
- **Backoff.** A failed attempt is retried after ``OUTBOX_BACKOFF_SECONDS × 2^(attempts−1)`` (at most
  ``OUTBOX_BACKOFF_MAX_SECONDS``), half of it random, and given up after ``OUTBOX_MAX_ATTEMPTS``.
"""

import datetime as dt
import logging
import random
import time

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from cases.models import Dossier, DossierEvent

from . import channels
from .models import ORDERED, Attempt, Consumer, Delivery, MessageTemplate, Notification, NotificationPreference, Topic
from .portal_records import dossier_record, progress_record

logger = logging.getLogger(__name__)

# The actions a citizen is told about, and what they are told.
TOPICS = {
    "intake": Topic.RECEIVED,
    "receive": Topic.RECEIVED,
    "request_supplement": Topic.SUPPLEMENT,
    "request_payment": Topic.PAYMENT,
    "confirm_payment": Topic.PAID,
    "refuse": Topic.REFUSED,
    "approve": Topic.RESULT,
    "deny": Topic.RESULT,
    "return_result": Topic.RETURNED,
    "extend": Topic.APOLOGY,
}
CHAIN_LIMIT = 200  # deliveries of one dossier a task sends in a row before handing over to a new task


# --- publishing (inside the action's transaction) ------------------------------------------------------


def event_publish(*, event: DossierEvent) -> list[Delivery]:
    """The deliveries an event owes: the portal's sync and progress record always, and the applicant's
    notification (in-portal now, plus one delivery per chosen channel) when it is news to them."""
    dossier = event.dossier
    if not dossier.code:
        return []  # a draft is not reported
    deliveries = [
        Delivery(consumer=Consumer.PORTAL, dossier=dossier, event=event, topic=event.action,
                 payload={"sync": dossier_record(dossier), "progress": progress_record(event)})
    ]
    topic = TOPICS.get(event.action)
    if topic is not None:
        deliveries += _notify(dossier, event, topic)
    return _write(deliveries)


def dossier_resync(*, dossier: Dossier, why: str) -> Delivery | None:
    """Send the dossier's record again without a new event (a result or scan digitized since, or
    ``portal_reconcile`` found the portal's copy different). Joins the dossier's queue in order."""
    if not dossier.code or dossier.national_status is None:
        return None
    with transaction.atomic():
        return _write([Delivery(consumer=Consumer.PORTAL, dossier=dossier, topic=why[:40],
                                payload={"sync": dossier_record(dossier)})])[0]


def _write(deliveries: list[Delivery]) -> list[Delivery]:
    if not deliveries:
        return []
    now = timezone.now()
    for delivery in deliveries:
        delivery.created_at = delivery.next_attempt_at = now
    created = Delivery.objects.bulk_create(deliveries)  # PostgreSQL and SQLite both return the new ids
    ids = [d.pk for d in created]
    transaction.on_commit(lambda: _queue(ids))
    return created


def _queue(ids: list[int], countdown: float | None = None) -> int:
    """Hand deliveries to workers; a broker that is down only delays them (the sweeper queues them)."""
    from .tasks import deliver

    if countdown and deliver.app.conf.task_always_eager:
        return 0  # run in-process, a retry would run now, not later: leave it to the sweeper
    queued = 0
    for pk in ids:
        try:
            deliver.apply_async(args=[pk], countdown=countdown)
            queued += 1
        except Exception:  # noqa: BLE001 - any broker failure: the row is durable, the sweeper will queue it
            logger.warning("could not queue delivery %s; the sweeper will", pk, exc_info=True)
            break
    return queued


# --- notifications ---------------------------------------------------------------------------------


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


def _notify(dossier: Dossier, event: DossierEvent, topic: str) -> list[Delivery]:
    template = MessageTemplate.objects.filter(topic=topic).first()
    if template is None:
        logger.warning("no notification template for %s: nobody is told", topic)
        return []
    context = _context(dossier, event)
    subject, body, short = (_render(t, context) for t in (template.subject, template.body, template.short))
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


# --- reconciliation (portal_reconcile) -------------------------------------------------------------

# The fields of the dossier record whose difference means the portal's copy is out of date.
COMPARED = ("TrangThaiHoSo", "NgayTiepNhan", "NgayHenTra", "NgayKetThucXuLy", "NgayTra", "DonViXuLy", "ThanhToanTrucTuyen")


def _summary(record: dict) -> dict:
    summary = {name: record.get(name) for name in COMPARED}
    documents = record.get("TaiLieuNop") or []
    summary["documents"] = sorted((str(d.get("TepDinhKemId")), d.get("DuocSoHoa"), d.get("DuocTaiSuDung")) for d in documents)
    summary["results"] = sorted(str(r.get("MaGiayToKetQua")) for r in record.get("DanhSachGiayToKetQua") or [])
    return summary


def dossier_reconcile(*, dossier: Dossier, remote: dict | None, dry_run: bool = False) -> str:
    """Compare the portal's copy of ``dossier`` (TraCuuHoSo's answer, or None if it has none) with the
    dossier, and queue what it lacks: the current record, and the progress records it is missing, exactly
    as they were first sent (so a record it did get is not stored twice).

    Returns "same", "in_flight" (deliveries still pending: the outbox will bring it up to date), "dead"
    (a delivery was given up: an administrator retries it; resending behind it would change nothing),
    or "resent" ("differs" with ``dry_run``).
    """
    queue = Delivery.objects.filter(dossier=dossier, consumer=Consumer.PORTAL).exclude(status=Delivery.Status.DELIVERED)
    statuses = set(queue.values_list("status", flat=True))
    if Delivery.Status.DEAD in statuses:
        return "dead"
    if statuses:
        return "in_flight"
    local = dossier_record(dossier)
    have = {int(p.get("SoThuTu", 0)) for p in (remote or {}).get("TienDoXuLy", []) if str(p.get("SoThuTu", "")).isdigit()}
    missing = [e for e in dossier.events.select_related("actor").order_by("seq") if e.seq not in have]
    if remote is not None and not missing and _summary(remote) == _summary(local):
        return "same"
    if dry_run:
        return "differs"
    sent = {}
    for delivery in Delivery.objects.filter(dossier=dossier, consumer=Consumer.PORTAL, event__in=missing).order_by("id"):
        sent.setdefault(delivery.event_id, delivery.payload.get("progress"))
    progress = [sent.get(e.pk) or progress_record(e) for e in missing]
    with transaction.atomic():
        _write([Delivery(consumer=Consumer.PORTAL, dossier=dossier, topic="reconcile",
                         payload={"sync": local, "progress": progress})])
    return "resent"


# --- delivering (workers) --------------------------------------------------------------------------


def _earlier_undelivered():
    return Delivery.objects.filter(
        dossier=OuterRef("dossier"), consumer=OuterRef("consumer"), id__lt=OuterRef("id")
    ).exclude(status=Delivery.Status.DELIVERED)


def _claim(delivery_id: int, now: dt.datetime) -> Delivery | None:
    """Take a due delivery for this worker (a lease), or None: not due, delivered, given up, leased by
    another worker, or waiting behind an earlier delivery of its dossier."""
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().filter(pk=delivery_id).first()
        if delivery is None or delivery.status != Delivery.Status.PENDING or delivery.next_attempt_at > now:
            return None
        if delivery.claimed_until and delivery.claimed_until > now:
            return None
        if delivery.consumer in ORDERED and delivery.dossier_id and (
            Delivery.objects.filter(dossier_id=delivery.dossier_id, consumer=delivery.consumer, id__lt=delivery.pk)
            .exclude(status=Delivery.Status.DELIVERED).exists()
        ):
            return None
        delivery.claimed_until = now + dt.timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
        delivery.attempts += 1
        delivery.save(update_fields=["claimed_until", "attempts"])
        return delivery


def backoff_seconds(attempts: int) -> float:
    """Exponential backoff with jitter: half the delay fixed, half random."""
    delay = min(settings.OUTBOX_BACKOFF_MAX_SECONDS, settings.OUTBOX_BACKOFF_SECONDS * 2 ** max(attempts - 1, 0))
    return delay / 2 + random.random() * delay / 2  # noqa: S311 - jitter, not security


def deliver(*, delivery_id: int) -> str | None:
    """Deliver one delivery, then (ordered consumers) the dossier's next ones while they succeed.

    Returns the last outcome ("delivered", "retry", "dead") or None when there was nothing to do.
    """
    outcome, current = None, delivery_id
    for _ in range(CHAIN_LIMIT):
        now = timezone.now()
        delivery = _claim(current, now)
        if delivery is None:
            return outcome
        outcome = _attempt(delivery)
        if outcome != "delivered" or delivery.consumer not in ORDERED or delivery.dossier_id is None:
            return outcome
        following = (
            Delivery.objects.filter(dossier_id=delivery.dossier_id, consumer=delivery.consumer, id__gt=delivery.pk,
                                    status=Delivery.Status.PENDING)
            .order_by("id").values_list("pk", flat=True).first()
        )
        if following is None:
            return outcome
        current = following
    transaction.on_commit(lambda: _queue([current]))  # a long queue: hand the rest to a fresh task
    return outcome


def _attempt(delivery: Delivery) -> str:
    started = time.monotonic()
    try:
        answer = channels.send(delivery)
    except channels.Failed as error:
        return _failed(delivery, error, int((time.monotonic() - started) * 1000))
    except Exception as error:  # noqa: BLE001 - a bug or an unexpected answer: recorded and retried, never lost
        logger.exception("delivery %s raised", delivery.pk)
        failure = channels.Failed(f"{type(error).__name__}: {error}")
        return _failed(delivery, failure, int((time.monotonic() - started) * 1000))
    with transaction.atomic():
        Attempt.objects.create(delivery=delivery, ok=True, status_code=answer.status, response=answer.text[:4000],
                               duration_ms=int((time.monotonic() - started) * 1000))
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.DELIVERED, delivered_at=timezone.now(), claimed_until=None, last_error=""
        )
    return "delivered"


def _failed(delivery: Delivery, error: "channels.Failed", duration_ms: int) -> str:
    dead = error.permanent or delivery.attempts >= settings.OUTBOX_MAX_ATTEMPTS
    delay = backoff_seconds(delivery.attempts)
    with transaction.atomic():
        Attempt.objects.create(delivery=delivery, ok=False, status_code=error.status, response=str(error)[:4000],
                               duration_ms=duration_ms)
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.DEAD if dead else Delivery.Status.PENDING,
            next_attempt_at=timezone.now() + dt.timedelta(seconds=delay),
            claimed_until=None,
            last_error=str(error)[:4000],
        )
    if dead:
        logger.error("delivery %s given up after %s attempts: %s", delivery.pk, delivery.attempts, error)
        return "dead"
    transaction.on_commit(lambda: _queue([delivery.pk], countdown=delay))
    return "retry"


def outbox_sweep(*, limit: int = 20_000) -> int:
    """Queue every delivery that is due, not leased, and first in its dossier's line (beat)."""
    now = timezone.now()
    due = (
        Delivery.objects.filter(status=Delivery.Status.PENDING, next_attempt_at__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .filter(~Q(consumer__in=ORDERED) | Q(dossier__isnull=True) | ~Exists(_earlier_undelivered()))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    return _queue(list(due))


def delivery_retry(*, deliveries, actor=None) -> int:
    """An administrator sends given-up (or waiting) deliveries again now, with a fresh count of attempts."""
    ids = [d.pk for d in deliveries if d.status != Delivery.Status.DELIVERED]
    with transaction.atomic():
        count = Delivery.objects.filter(pk__in=ids).exclude(status=Delivery.Status.DELIVERED).update(
            status=Delivery.Status.PENDING, attempts=0, next_attempt_at=timezone.now(), claimed_until=None
        )
        transaction.on_commit(lambda: _queue(ids))
    logger.info("%s retried %s deliveries", actor or "someone", count)
    return count
