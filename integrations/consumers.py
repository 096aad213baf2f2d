"""What the integrations do when a dossier changes (registered on ``cases.extensions``) or an account's phone
is to be confirmed (``accounts.extensions``)."""

from django.conf import settings

from cases.models import Dossier, DossierEvent
from cases.workflow import State
from core.text import fold

from . import outbox, payment_gateway, selectors
from .models import Payment


def on_dossier_event(*, event: DossierEvent) -> None:
    """In the action's transaction: the portal's record and the applicant's notifications, as deliveries."""
    outbox.event_publish(event=event)


def on_phone_code(*, user, phone: str, code: str) -> None:
    """In the code's transaction: the SMS that carries it (unaccented, as every SMS the portal sends)."""
    text = PHONE_CODE_SMS % {"portal": settings.PORTAL_NAME, "code": code}
    outbox.sms_enqueue(to=phone, text=fold(text), topic="phone_code")


PHONE_CODE_SMS = ("%(portal)s: mã xác nhận số điện thoại của bạn là %(code)s, có hiệu lực 10 phút. "
                  "Không chia sẻ mã này cho bất kỳ ai.")


def on_records_changed(*, dossier: Dossier, why: str) -> None:
    """The dossier's record changed without an action (a digitization settled): the portal gets it again."""
    outbox.dossier_resync(dossier=dossier, why=why)


def staff_dossier_context(*, dossier, user) -> dict:
    """The official's dossier page: how the dossier stands with the national portal."""
    return {"portal": selectors.portal_sync(dossier)}


def citizen_dossier_context(*, dossier, user) -> dict:
    """The applicant's dossier page: the fees asked for (while the dossier waits for them), whether they can
    be paid online, and the receipts of what was paid."""
    payment = None
    if dossier.state == State.AWAITING_PAYMENT:
        payment = dossier.events.filter(action="request_payment").order_by("-seq").first()
    fees = payment.data.get("fees") or [] if payment else []
    return {
        "payment": payment, "fees": fees, "fees_total": sum(int(f.get("amount") or 0) for f in fees),
        "online_payment": payment_gateway.is_configured(),
        "receipts": list(dossier.payments.filter(status=Payment.Status.PAID).order_by("paid_at")),
    }
