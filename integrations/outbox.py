"""The outbox: what the portal owes the national portal and the applicant's channels, delivered and retried.

Each thing owed (a record for the portal, a message, an e-mail) is a ``Delivery`` row written in the
transaction that owes it, then delivered, retried and given up by workers.

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
  ``OUTBOX_BACKOFF_MAX_SECONDS``), half of it random, and given up after ``OUTBOX_MAX_ATTEMPTS``. The lease
  and the backoff are ``core.jobs``', the one job mechanism of the portal (ADR 0026).
"""

import datetime as dt
import logging
import time

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from cases.models import Dossier, DossierEvent
from core import jobs

from . import channels, notifications
from .models import ORDERED, Attempt, Consumer, Delivery
from .portal_records import dossier_record, progress_record

logger = logging.getLogger(__name__)

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
    deliveries += notifications.event_notify(event=event)
    return _write(deliveries)


def dossier_resync(*, dossier: Dossier, why: str) -> Delivery | None:
    """Send the dossier's record again without a new event (a result or scan digitized since, or
    ``portal_reconcile`` found the portal's copy different). Joins the dossier's queue in order."""
    with transaction.atomic():
        # The dossier's lock orders this after any action in progress: the record read here is never older
        # than a delivery already queued ahead of it.
        dossier = _locked(dossier.pk)
        if not dossier.code or dossier.national_status is None:
            return None
        return _write([Delivery(consumer=Consumer.PORTAL, dossier=dossier, topic=why[:40],
                                payload={"sync": dossier_record(dossier)})])[0]


def _locked(dossier_id: int) -> Dossier:
    return (
        Dossier.objects.select_for_update(of=("self",))
        .select_related("procedure", "version__field", "agency", "holder")
        .get(pk=dossier_id)
    )


def rating_publish(*, dossier: Dossier, record: dict) -> Delivery:
    """A citizen's rating (DanhGiaHoSo) for the portal, in the dossier's queue after its status records.
    Call inside the rating's transaction, with the dossier locked."""
    return _write([Delivery(consumer=Consumer.PORTAL, dossier=dossier, topic="rating", payload={"rating": record})])[0]


def email_enqueue(*, to: str, subject: str, body: str, topic: str) -> Delivery:
    """An e-mail that must reach ``to`` (feedback's answer to its sender, say): a delivery to the e-mail channel
    written in the caller's transaction (none if it rolls back), sent after commit, retried with backoff and
    given up in plain sight (the admin's deliveries) like any other. ``topic`` says what it is about."""
    return _write([Delivery(consumer=Consumer.EMAIL, dossier=None, event=None, topic=topic[:40],
                            payload={"to": to, "subject": subject, "text": body})])[0]


def sms_enqueue(*, to: str, text: str, topic: str) -> Delivery:
    """An SMS that must reach ``to`` (an account's phone confirmation code, say), as ``email_enqueue`` does for
    an e-mail: written in the caller's transaction, sent after commit, retried, given up in plain sight."""
    return _write([Delivery(consumer=Consumer.SMS, dossier=None, event=None, topic=topic[:40],
                            payload={"to": to, "text": text})])[0]


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
    with transaction.atomic():
        dossier = _locked(dossier.pk)  # no action slips in between the comparison and the re-send
        queue = Delivery.objects.filter(dossier=dossier, consumer=Consumer.PORTAL).exclude(status=Delivery.Status.DELIVERED)
        statuses = set(queue.values_list("status", flat=True))
        if Delivery.Status.DEAD in statuses:
            return "dead"
        if statuses:
            return "in_flight"
        local = dossier_record(dossier)
        have = {int(p["SoThuTu"]) for p in (remote or {}).get("TienDoXuLy", []) if str(p.get("SoThuTu", "")).isdigit()}
        missing = [e for e in dossier.events.select_related("actor").order_by("seq") if e.seq not in have]
        if remote is not None and not missing and _summary(remote) == _summary(local):
            return "same"
        if dry_run:
            return "differs"
        sent: dict[int | None, dict | None] = {}  # event id -> the progress record already sent for it
        for delivery in Delivery.objects.filter(dossier=dossier, consumer=Consumer.PORTAL, event__in=missing).order_by("id"):
            sent.setdefault(delivery.event_id, delivery.payload.get("progress"))
        progress = [sent.get(e.pk) or progress_record(e) for e in missing]
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

    def ready(delivery: Delivery) -> bool:
        if delivery.status != Delivery.Status.PENDING or delivery.next_attempt_at > now:
            return False
        if delivery.consumer not in ORDERED or delivery.dossier_id is None:
            return True
        return not (
            Delivery.objects.filter(dossier_id=delivery.dossier_id, consumer=delivery.consumer, id__lt=delivery.pk)
            .exclude(status=Delivery.Status.DELIVERED).exists()
        )

    return jobs.lease_take(Delivery.objects.all(), pk=delivery_id, seconds=settings.OUTBOX_LEASE_SECONDS, now=now,
                           ready=ready)


def backoff_seconds(attempts: int) -> float:
    """The outbox's wait after the ``attempts``-th failed attempt (``core.jobs.backoff_seconds`` with the
    ``OUTBOX_BACKOFF_*`` settings)."""
    return jobs.backoff_seconds(attempts, base=settings.OUTBOX_BACKOFF_SECONDS, cap=settings.OUTBOX_BACKOFF_MAX_SECONDS)


def deliver(*, delivery_id: int) -> str | None:
    """Deliver one delivery, then (ordered consumers) the dossier's next ones while they succeed.

    Returns the last outcome ("delivered", "retry", "dead", "overtaken": failed after another worker took
    over its lease) or None when there was nothing to do.
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
        # Only while this worker still holds its lease: one that outlived it (the delivery was leased again,
        # or delivered, meanwhile) must not make the delivery pending or dead again.
        held = Delivery.objects.filter(
            pk=delivery.pk, status=Delivery.Status.PENDING, claimed_until=delivery.claimed_until
        ).update(
            status=Delivery.Status.DEAD if dead else Delivery.Status.PENDING,
            next_attempt_at=timezone.now() + dt.timedelta(seconds=delay),
            claimed_until=None,
            last_error=str(error)[:4000],
        )
    if not held:
        logger.warning("delivery %s failed after its lease was taken over: left to the new holder", delivery.pk)
        return "overtaken"
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
