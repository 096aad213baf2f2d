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
import secrets
import time
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from cases.models import Dossier, DossierEvent
from procedures.models import Agency

from . import channels, payment_gateway
from .models import (
    ORDERED,
    Attempt,
    Consumer,
    Delivery,
    MessageTemplate,
    Notification,
    NotificationPreference,
    Payment,
    Topic,
)
from .portal_records import DATE_FORMAT, dossier_record, national_date, progress_record

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


def unaccented(text: str) -> str:
    """Vietnamese without its marks, as SMS is sent here: a GSM-7 part holds 160 characters, a Unicode one 70."""
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _render(text: str, context: dict) -> str:
    return Template(text).render(Context(context, autoescape=False)).strip()


def _notify(dossier: Dossier, event: DossierEvent, topic: str) -> list[Delivery]:
    template = MessageTemplate.objects.filter(topic=topic).first()
    if template is None:
        logger.warning("no notification template for %s: nobody is told", topic)
        return []
    context = _context(dossier, event)
    subject, body, short = (_render(t, context) for t in (template.subject, template.body, template.short))
    short = unaccented(short)  # what is filled in (a name, "ngày", "đồng") too
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
        sent = {}
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


# --- online payment ----------------------------------------------------------------------------------------
# The applicant pays a dossier's fees through the payment gateway (integrations/payment_gateway.py has the
# protocol). Guarantees, with the services below:
# - **One open order per payment request.** payment_start reuses the request's started payment (same
#   order number, same fields: the gateway answers the same page), so two tabs or a second click never open
#   a second order that could be paid as well.
# - **Verified, once.** Both the gateway's server callback and the payer's browser return go through
#   payment_callback: a wrong check code, an unknown order, another merchant or another amount is refused
#   and changes nothing; the first result recorded for a payment wins, every later one (a replay, or the
#   other of the two paths) changes nothing and says "already".
# - **All or nothing.** A paid result records the payment (transaction, time, receipt number), moves the
#   dossier on (cases.services.dossier_payment_settle) and writes the outbox's deliveries in one
#   transaction, with the rows locked in one order: payment, dossier, receiving agency.
# (cases.services imports this module: cases.services itself is imported where it is called.)


class PaymentRefused(Exception):
    """A gateway result the portal does not accept; ``code`` is the answer the gateway gets ("97" wrong
    check code, "01" no such order for this merchant, "04" not the amount asked). Nothing was changed."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class PaymentOutcome:
    """What a gateway result did to ``payment``:

    - "paid": recorded, the dossier moved on, the receipt is issued;
    - "failed": not paid (cancelled, declined): the dossier still waits, the applicant may try again;
    - "already": a result for this payment was recorded before: nothing changed;
    - "late": paid, but the dossier no longer waits for this payment (confirmed at the counter meanwhile,
      withdrawn, ...): the result is kept on the payment for a refund, the dossier is unchanged.
    """

    outcome: str
    payment: Payment


def _order_info(dossier: Dossier) -> str:
    return f"Nộp phí, lệ phí hồ sơ {dossier.code}"


def payment_start(*, dossier: Dossier, user) -> str:
    """Open the gateway's order for the fees ``dossier`` waits for, on behalf of its applicant ``user``; the
    address of the gateway's page to send them to.

    Only the applicant (PermissionDenied), only while the dossier waits for payment (cases' ActionRefused);
    the amount is the sum of the fees of its latest payment request. A payment of that request still
    started is reused (see the section's guarantees), else a new one gets a new order number. The gateway is
    called after the payment row commits, never inside a transaction holding the dossier: if it cannot be
    reached (GatewayError), the dossier, its history and the outbox are unchanged, and the next try sends
    the same order again.
    """
    from cases.services import ActionRefused  # cases.services imports this module
    from cases.workflow import State

    if not payment_gateway.is_configured():
        raise payment_gateway.GatewayError("", gettext("Online payment is not available on this portal."))
    with transaction.atomic():
        locked = Dossier.objects.select_for_update(of=("self",)).select_related("agency").get(pk=dossier.pk)
        if not locked.is_applicant(user):
            raise PermissionDenied(gettext("Only the applicant can pay this dossier's fees online."))
        request = locked.events.filter(action="request_payment").order_by("-seq").first()
        if locked.state != State.AWAITING_PAYMENT or request is None:
            raise ActionRefused(gettext("This dossier is not waiting for a payment."))
        fees = [f for f in request.data.get("fees", []) if isinstance(f, dict)]
        amount = sum(int(f.get("amount") or 0) for f in fees)
        if amount <= 0:
            raise ActionRefused(gettext("This dossier is not waiting for a payment."))
        payment = Payment.objects.filter(event=request, status=Payment.Status.STARTED, amount=amount).order_by("created_at").first()
        if payment is None:
            # The dossier's code and a random tail: unique, and a clerk reading it knows the dossier.
            payment = Payment.objects.create(
                dossier=locked, event=request, reference=f"{locked.code}-{secrets.token_hex(3).upper()}",
                amount=amount, items=[{"name": str(f.get("name", "")), "amount": int(f.get("amount") or 0)} for f in fees],
                started_by=user,
            )
    base = settings.PORTAL_BASE_URL.rstrip("/")
    return payment_gateway.PaymentGateway().init(
        order_id=payment.reference, amount=payment.amount, order_info=_order_info(locked),
        return_url=base + reverse("cases:payment-return"), callback_url=base + reverse("api-payment-callback"),
        create_date=national_date(payment.created_at),
    )


def _receipt_number(agency_id: int, year: int) -> str:
    """The next receipt number of the receiving agency (the one-stop counter collects the fees) for the
    year: ``{agency}-BL-{YYYY}-{NNNNNN}``, no gap, no duplicate. The agency row stays locked until the
    caller's transaction commits, so concurrent settlements queue here; numbers are never given back (a
    paid payment is never deleted), so the count of those issued is the last number."""
    agency = Agency.objects.select_for_update().get(pk=agency_id)
    prefix = f"{agency.code}-BL-{year}-"
    issued = Payment.objects.filter(receipt_number__startswith=prefix).count()
    return f"{prefix}{issued + 1:06d}"


def _paid_at(pay_date: str) -> dt.datetime:
    try:
        return timezone.make_aware(dt.datetime.strptime(pay_date, DATE_FORMAT))
    except ValueError:
        return timezone.now()


def payment_callback(*, fields: Mapping) -> PaymentOutcome:
    """Record a gateway result (its server callback, or the payer's browser coming back with the same
    signed fields); see ``PaymentOutcome`` for what it does.

    Refused with PaymentRefused, changing nothing: a missing field or wrong check code ("97"), an order this
    portal did not open or another merchant's ("01"), an amount other than the order's ("04"). A payment
    holds the first result recorded for it; any later result is "already" and changes nothing. A paid
    result ("00") records, in one transaction, the payment (transaction number, time, receipt number), the
    dossier's confirm_payment by the system (clock resumed, paid online) and its outbox deliveries.
    """
    from cases import services as dossiers  # cases.services imports this module

    if not payment_gateway.verify_result(fields, settings.PAYMENT_SECRET):
        raise PaymentRefused(payment_gateway.RSP_BAD_CHECK_CODE, gettext("The check code is wrong."))
    result = {name: str(fields[name]) for name in payment_gateway.RESULT_FIELDS}
    with transaction.atomic():
        payment = Payment.objects.select_for_update().filter(reference=result["order_id"]).first()
        if payment is None or result["merchant_code"] != settings.PAYMENT_MERCHANT_CODE:
            raise PaymentRefused(payment_gateway.RSP_NOT_FOUND, gettext("There is no such order."))
        if result["amount"] != str(payment.amount):
            raise PaymentRefused(payment_gateway.RSP_AMOUNT, gettext("The amount is not the order's."))
        if payment.status != Payment.Status.STARTED:
            return PaymentOutcome("already", payment)
        payment.response_code = result["response_code"][:4]
        payment.transaction_no = result["transaction_no"][:60]
        payment.callback = result
        if result["response_code"] != payment_gateway.PAID:
            payment.status = Payment.Status.FAILED
            payment.save(update_fields=["status", "response_code", "transaction_no", "callback"])
            return PaymentOutcome("failed", payment)
        payment.paid_at = _paid_at(result["pay_date"])
        try:
            dossiers.dossier_payment_settle(dossier_id=payment.dossier_id, payment=payment)
        except dossiers.ActionRefused:
            logger.error("payment %s was paid (transaction %s) but dossier %s no longer waits for it: refund it",
                         payment.reference, payment.transaction_no, payment.dossier_id)
            Payment.objects.filter(pk=payment.pk).update(callback={**result, "late": True})
            return PaymentOutcome("late", payment)
        payment.status = Payment.Status.PAID
        payment.receipt_number = _receipt_number(payment.dossier.agency_id, timezone.localtime(payment.paid_at).year)
        payment.save(update_fields=["status", "response_code", "transaction_no", "callback", "paid_at", "receipt_number"])
    return PaymentOutcome("paid", payment)
