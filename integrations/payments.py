"""Online payment of a dossier's fees: the gateway's order opened, its result recorded, the receipt numbered.

The gateway's protocol is in ``payment_gateway``.

Guarantees:
- **One open order per payment request.** ``payment_start`` reuses the request's started payment (same
  order number, same fields: the gateway answers the same page), so two tabs or a second click never open
  a second order that could be paid as well.
- **Verified, once.** Both the gateway's server callback and the payer's browser return go through
  ``payment_callback``: a wrong check code, an unknown order, another merchant or another amount is refused
  and changes nothing; the first result recorded for a payment wins, every later one (a replay, or the
  other of the two paths) changes nothing and says "already".
- **All or nothing.** A paid result records the payment (transaction, time, receipt number), moves the
  dossier on (``cases.services.dossier_payment_settle``) and writes the outbox's deliveries in one
  transaction, with the rows locked in one order: payment, dossier, receiving agency.
"""

import datetime as dt
import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from cases import services as dossiers
from cases.models import Dossier
from cases.workflow import State
from core.counters import counter_next
from procedures.models import Agency

from . import payment_gateway
from .models import Payment, ReceiptSequence
from .portal_records import DATE_FORMAT, national_date

logger = logging.getLogger(__name__)


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
    started is reused (see the module's guarantees), else a new one gets a new order number. The gateway is
    called after the payment row commits, never inside a transaction holding the dossier: if it cannot be
    reached (GatewayError), the dossier, its history and the outbox are unchanged, and the next try sends
    the same order again.
    """
    if not payment_gateway.is_configured():
        raise payment_gateway.GatewayError("", gettext("Online payment is not available on this portal."))
    with transaction.atomic():
        locked = Dossier.objects.select_for_update(of=("self",)).select_related("agency").get(pk=dossier.pk)
        if not locked.is_applicant(user):
            raise PermissionDenied(gettext("Only the applicant can pay this dossier's fees online."))
        request = locked.events.filter(action="request_payment").order_by("-seq").first()
        if locked.state != State.AWAITING_PAYMENT or request is None:
            raise dossiers.ActionRefused(gettext("This dossier is not waiting for a payment."))
        fees = [f for f in request.data.get("fees", []) if isinstance(f, dict)]
        amount = sum(int(f.get("amount") or 0) for f in fees)
        if amount <= 0:
            raise dossiers.ActionRefused(gettext("This dossier is not waiting for a payment."))
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
        return_url=base + reverse("payments:return"), callback_url=base + reverse("api-payment-callback"),
        create_date=national_date(payment.created_at),
    )


def _receipt_number(agency_id: int, year: int) -> str:
    """The next receipt number of the receiving agency (the one-stop counter collects the fees) for the
    year: ``{agency}-BL-{YYYY}-{NNNNNN}``, no gap, no duplicate (``core.counters``: the sequence row stays
    locked until the caller's transaction commits, so concurrent settlements queue here)."""
    number = counter_next(ReceiptSequence, agency_id=agency_id, year=year)
    return f"{Agency.objects.get(pk=agency_id).code}-BL-{year}-{number:06d}"


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
