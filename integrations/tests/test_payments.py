"""Online payment of a dossier's fees: the check codes, the applicant sent to the gateway (the mock portal as
a real process), the gateway's result verified and recorded once (forged, unknown, wrong amount, replayed,
cancelled, paid), the dossier moved on by the system with the portal and the citizen told, the receipt, the
pages, and the whole round trip with the gateway calling a live portal back."""

import datetime as dt
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import httpx
import pypdfium2
import pytest
from django.conf import settings as django_settings
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from cases.actions import perform
from cases.models import Dossier, DossierEvent
from cases.printing import amount_in_words
from cases.services import ActionRefused
from cases.tests.test_concurrency import run_together
from integrations import payment_gateway, payments
from integrations.models import Consumer, Delivery, Notification, Payment, Topic
from mock_portal import gateway as mock_gateway

from .payment_fixtures import *  # noqa: F403 - the fixtures: office, gateway, payment_settings, awaiting, ...
from .payment_fixtures import FEES, MERCHANT, PORTAL, SECRET, TOKEN, TOTAL, await_payment, signed

CALLBACK = "/api/v1/payments/callback/"


def english(client):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def start(client, dossier):
    """The applicant presses "Pay online"; the response and the payment it opened."""
    response = client.post(reverse("payments:pay", args=[dossier.pk]))
    return response, Payment.objects.filter(dossier=dossier).order_by("-created_at").first()


def call_back(client, fields, **extra):
    return client.post(CALLBACK, fields, content_type="application/json", **extra)


def snapshot(dossier) -> dict:
    """What a refused result must leave as it was."""
    dossier = Dossier.objects.get(pk=dossier.pk)
    return {
        "state": dossier.state, "paid_online": dossier.paid_online, "paused_at": dossier.paused_at,
        "due_at": dossier.due_at, "events": list(dossier.events.values_list("seq", "action")),
        "deliveries": Delivery.objects.count(), "notifications": Notification.objects.count(),
        "payments": list(Payment.objects.values_list("reference", "status", "transaction_no", "receipt_number",
                                                     "response_code", "paid_at")),
    }


# --- the check codes ---------------------------------------------------------------------------------------

INIT = {
    "merchant_code": "DVCDN", "order_id": "000.11.31.H48-261124-0001-A1B2C3", "amount": 1000000,
    "order_info": "Nộp phí, lệ phí hồ sơ 000.11.31.H48-261124-0001",
    "return_url": "https://dichvucong.danang.gov.vn/ho-so/thanh-toan/ket-qua/",
    "callback_url": "https://dichvucong.danang.gov.vn/api/v1/payments/callback/", "create_date": "20261124093000",
}
RESULT = {"merchant_code": "DVCDN", "order_id": "000.11.31.H48-261124-0001-A1B2C3", "amount": 1000000,
          "response_code": "00", "transaction_no": "20000001", "pay_date": "20261124093512"}
# Computed by hand, outside Python:
#   printf '%s' 'DVCDN|000.11.31.H48-261124-0001-A1B2C3|1000000|Nộp phí, lệ phí hồ sơ 000.11.31.H48-261124-0001|https://dichvucong.danang.gov.vn/ho-so/thanh-toan/ket-qua/|https://dichvucong.danang.gov.vn/api/v1/payments/callback/|20261124093000|mock-payment-dev-secret' | sha256sum
INIT_CODE = "c0c9510c8a3ebffa49326a19bb399cec9acd94d082c3dcb0965d9305411ed22a"
#   printf '%s' 'DVCDN|000.11.31.H48-261124-0001-A1B2C3|1000000|00|20000001|20261124093512|mock-payment-dev-secret' | sha256sum
RESULT_CODE = "b8ca8dd7dbd490036057ea6afdfbd4f6bd245737b68dcebb8ad1dae0580f1f10"
DEV_SECRET = "mock-payment-dev-secret"


def test_both_sides_compute_the_check_codes_of_the_protocol():
    assert payment_gateway.sign_init(INIT, DEV_SECRET) == INIT_CODE
    assert mock_gateway.init_check_code(INIT, DEV_SECRET) == INIT_CODE
    assert payment_gateway.sign_result(RESULT, DEV_SECRET) == RESULT_CODE
    assert mock_gateway.result_check_code(RESULT, DEV_SECRET) == RESULT_CODE
    # The portal accepts exactly that result: the values as they came, with that secret.
    assert payment_gateway.verify_result({**RESULT, "check_code": RESULT_CODE}, DEV_SECRET)
    assert payment_gateway.verify_result({**RESULT, "amount": "1000000", "check_code": RESULT_CODE.upper()}, DEV_SECRET)
    for forged in ({**RESULT, "amount": 1000001}, {**RESULT, "amount": "01000000"}, {**RESULT, "response_code": "24"},
                   {**RESULT, "amount": True}):
        assert not payment_gateway.verify_result({**forged, "check_code": RESULT_CODE}, DEV_SECRET)
    assert not payment_gateway.verify_result({**RESULT, "check_code": RESULT_CODE}, "another-secret")
    assert not payment_gateway.verify_result({**RESULT, "check_code": RESULT_CODE}, "")
    assert not payment_gateway.verify_result(RESULT, DEV_SECRET)


def test_the_total_is_written_in_vietnamese_words():
    assert amount_in_words(8000) == "Tám nghìn đồng"
    assert amount_in_words(1_000_000) == "Một triệu đồng"
    assert amount_in_words(150_000) == "Một trăm năm mươi nghìn đồng"
    assert amount_in_words(1_050_000) == "Một triệu không trăm năm mươi nghìn đồng"
    assert amount_in_words(1_005) == "Một nghìn không trăm lẻ năm đồng"
    assert amount_in_words(21_415) == "Hai mươi mốt nghìn bốn trăm mười lăm đồng"
    assert amount_in_words(2_000_024_000) == "Hai tỷ không trăm hai mươi tư nghìn đồng"


# --- the gateway itself (the mock portal as a real process) --------------------------------------------------


def _init(gateway, **changes):
    # Nothing listens at this callback address (the discard port): the gateway's own checks are under test.
    body = {**INIT, "callback_url": "http://127.0.0.1:9/api/v1/payments/callback/",
            "order_id": changes.pop("order_id", "GW-" + timezone.now().strftime("%H%M%S%f")), **changes}
    body.setdefault("check_code", mock_gateway.init_check_code(body, SECRET))
    return httpx.post(f"{gateway.url}/payment/init", json=body, timeout=10), body


class _Form(HTMLParser):
    """The buttons of the gateway's page, as a browser sees them."""

    def __init__(self):
        super().__init__()
        self.buttons, self.method = [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.method = attrs.get("method")
        elif tag == "button":
            self.buttons.append((attrs.get("name"), attrs.get("value")))


def _page(url: str) -> tuple[str, _Form]:
    page = httpx.get(url, timeout=10)
    assert page.status_code == 200
    form = _Form()
    form.feed(page.text)
    return page.text, form


def test_the_gateway_checks_orders_opens_each_once_and_settles_each_once(gateway):
    # A wrong check code, or a field out of shape: 400 with the reason in Vietnamese.
    refused, _ = _init(gateway, check_code="0" * 64)
    assert refused.status_code == 400 and refused.json()["error_code"] == "1"
    assert "Mã kiểm tra (check_code) không đúng." in refused.json()["message"]
    refused, _ = _init(gateway, amount="8000", create_date="24/11/2026")
    assert refused.status_code == 400 and "amount" in refused.json()["message"] and "create_date" in refused.json()["message"]
    refused, _ = _init(gateway, merchant_code="OTHER")
    assert refused.status_code == 400 and "merchant_code" in refused.json()["message"]

    # Opened once: the same order with the same fields gets the same page; with other fields it is refused.
    first, body = _init(gateway, amount=8000)
    assert first.status_code == 200 and first.json()["error_code"] == "0" and first.json()["message"] == "Thành công"
    url = first.json()["payment_url"]
    assert url.startswith(f"{gateway.url}/payment/pay/")
    again, _ = _init(gateway, **{k: body[k] for k in body if k != "check_code"})
    assert again.json()["payment_url"] == url
    other, _ = _init(gateway, order_id=body["order_id"], amount=9000)
    assert other.status_code == 400 and "thông tin khác" in other.json()["message"]
    assert gateway.order(body["order_id"])["inits"] == 2

    # The payer's page: the order, the amount as Vietnamese write it, two buttons.
    text, form = _page(url)
    assert "8.000 đồng" in text and body["order_info"] in text and body["order_id"] in text
    assert form.method == "post" and form.buttons == [("action", "pay"), ("action", "cancel")]

    # Cancel: settled with 24, the browser goes back with the signed result; the callback was tried (nothing
    # listens at the callback address of this order: recorded as not acknowledged, the return still happens).
    cancelled = httpx.post(url, data={"action": "cancel"}, timeout=30)
    assert cancelled.status_code == 302
    back = urlsplit(cancelled.headers["location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == INIT["return_url"]
    result = dict(httpx.QueryParams(back.query))
    assert result["response_code"] == "24" and result["order_id"] == body["order_id"] and result["amount"] == "8000"
    assert result["check_code"] == mock_gateway.result_check_code(result, SECRET)
    order = gateway.order(body["order_id"])
    assert order["status"] == "cancelled" and order["callback_ok"] == 0 and order["callback_at"]

    # Settled once: paying afterwards changes nothing and sends the same result back.
    paid_later = httpx.post(url, data={"action": "pay"}, timeout=30)
    assert dict(httpx.QueryParams(urlsplit(paid_later.headers["location"]).query)) == result
    assert gateway.order(body["order_id"])["status"] == "cancelled"
    assert "Giao dịch đã bị hủy." in httpx.get(url, timeout=10).text
    assert httpx.get(f"{gateway.url}/payment/pay/no-such-token", timeout=10).status_code == 404

    home = httpx.get(f"{gateway.url}/", timeout=10).text
    assert "Giao dịch thanh toán" in home and body["order_id"] in home and "không xác nhận" in home


# --- starting a payment --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_applicant_is_sent_to_the_gateway_and_a_second_click_opens_no_second_order(
    client, office, awaiting, payment_settings, gateway
):
    client.force_login(office["citizen"])
    before = snapshot(awaiting)
    response, payment = start(client, awaiting)
    assert response.status_code == 302 and response["Location"].startswith(f"{gateway.url}/payment/pay/")
    request = awaiting.events.get(action="request_payment")
    assert (payment.status, payment.amount, payment.items, payment.event, payment.started_by) == (
        Payment.Status.STARTED, TOTAL, FEES, request, office["citizen"])
    assert payment.reference.startswith(awaiting.code + "-") and len(payment.reference) <= 40
    order = gateway.order(payment.reference)
    assert order["amount"] == TOTAL and order["merchant_code"] == MERCHANT
    assert order["return_url"] == f"{PORTAL}/ho-so/thanh-toan/ket-qua/"
    assert order["callback_url"] == f"{PORTAL}{CALLBACK}"
    assert order["create_date"] == timezone.localtime(payment.created_at).strftime("%Y%m%d%H%M%S")
    assert awaiting.code in order["order_info"]

    again, _ = start(client, awaiting)
    assert again["Location"] == response["Location"]
    assert Payment.objects.filter(dossier=awaiting).count() == 1 and gateway.order(payment.reference)["inits"] == 2
    after = snapshot(awaiting)
    assert {k: v for k, v in after.items() if k != "payments"} == {k: v for k, v in before.items() if k != "payments"}


@pytest.mark.django_db
def test_only_the_applicant_may_pay_and_only_while_the_fees_are_awaited(client, office, awaiting, payment_settings):
    client.force_login(office["other"])
    assert client.post(reverse("payments:pay", args=[awaiting.pk])).status_code == 404
    for user in (office["other"], office["clerk"]):
        with pytest.raises(PermissionDenied):
            payments.payment_start(dossier=awaiting, user=user)
    assert not Payment.objects.exists()

    perform(dossier=awaiting, action="confirm_payment", actor=office["clerk"], proof="BL-0001")  # paid at the counter meanwhile
    client.force_login(office["citizen"])
    response = client.post(reverse("payments:pay", args=[awaiting.pk]))
    assert response["Location"] == reverse("cases:dossier", args=[awaiting.pk])
    with pytest.raises(ActionRefused):
        payments.payment_start(dossier=awaiting, user=office["citizen"])
    assert not Payment.objects.exists()
    assert client.get(reverse("payments:pay", args=[awaiting.pk])).status_code == 405


@pytest.mark.django_db
def test_a_gateway_that_cannot_be_reached_leaves_the_dossier_as_it_was(client, office, awaiting, payment_settings, gateway):
    payment_settings.PAYMENT_GATEWAY_URL = "http://127.0.0.1:9/payment"  # the discard port: nothing listens
    english(client).force_login(office["citizen"])
    before = snapshot(awaiting)
    response = client.post(reverse("payments:pay", args=[awaiting.pk]), follow=True)
    assert response.redirect_chain == [(reverse("cases:dossier", args=[awaiting.pk]), 302)]
    assert "The payment gateway cannot be reached right now. Nothing was charged" in response.content.decode()
    after = snapshot(awaiting)
    assert {k: v for k, v in after.items() if k != "payments"} == {k: v for k, v in before.items() if k != "payments"}
    # At most the order number is kept, never sent to anyone: the next try sends that same order.
    kept = list(Payment.objects.all())
    assert len(kept) == 1 and kept[0].status == Payment.Status.STARTED and gateway.order(kept[0].reference) is None

    payment_settings.PAYMENT_GATEWAY_URL = f"{gateway.url}/payment"
    response, payment = start(client, awaiting)
    assert response["Location"].startswith(f"{gateway.url}/payment/pay/")
    assert payment == kept[0] and Payment.objects.count() == 1 and gateway.order(payment.reference)["inits"] == 1


@pytest.mark.django_db
def test_without_a_secret_online_payment_is_not_offered(client, office, awaiting, settings):
    settings.PAYMENT_SECRET = ""
    english(client).force_login(office["citizen"])
    page = client.get(reverse("cases:dossier", args=[awaiting.pk])).content.decode()
    assert "Online payment is not available on this portal yet" in page
    assert reverse("payments:pay", args=[awaiting.pk]) not in page
    response = client.post(reverse("payments:pay", args=[awaiting.pk]))
    assert response["Location"] == reverse("cases:dossier", args=[awaiting.pk]) and not Payment.objects.exists()


# --- the gateway's result -------------------------------------------------------------------------------------


@pytest.fixture
def started(client, office, awaiting, payment_settings):
    """The applicant on the gateway's page: their payment started."""
    client.force_login(office["citizen"])
    _response, payment = start(client, awaiting)
    return payment


@pytest.mark.django_db
def test_a_forged_result_is_refused_and_changes_nothing(client, awaiting, started):
    before = snapshot(awaiting)
    reference = started.reference
    genuine = signed(reference)
    forgeries = [
        signed(reference, secret="a-guessed-secret"),
        {**genuine, "transaction_no": "20009999"},  # a field changed after signing
        {**genuine, "check_code": ""},
        {k: v for k, v in genuine.items() if k != "pay_date"},
    ]
    for forged in forgeries:
        response = call_back(client, forged)
        assert response.status_code == 400 and response.json()["RspCode"] == "97", forged
    assert call_back(client, "not a result").json()["RspCode"] == "97"
    assert client.post(CALLBACK, "{", content_type="application/json").json()["RspCode"] == "97"
    # The browser return with a forged query: refused the same way.
    english(client)
    response = client.get(reverse("payments:return"), forgeries[0], follow=True)
    assert response.redirect_chain[0] == (reverse("cases:my-dossiers"), 302)
    assert "The payment result could not be verified: nothing was recorded." in response.content.decode()

    assert snapshot(awaiting) == before
    started.refresh_from_db()
    assert started.status == Payment.Status.STARTED and started.callback == {}
    assert not DossierEvent.objects.filter(action="confirm_payment").exists()
    assert Dossier.objects.get(pk=awaiting.pk).state == "awaiting_payment"


@pytest.mark.django_db
def test_an_unknown_order_another_merchant_or_another_amount_is_refused(client, awaiting, started):
    before = snapshot(awaiting)
    cases = [
        (signed("000.11.31.H48-261124-0001-FFFFFF"), "01"),
        (signed(started.reference, merchant="OTHER"), "01"),
        (signed(started.reference, amount=TOTAL - 1), "04"),
        (signed(started.reference, amount=TOTAL * 10), "04"),
    ]
    for fields, code in cases:
        response = call_back(client, fields)
        assert (response.status_code, response.json()["RspCode"]) == (400, code)
    assert snapshot(awaiting) == before


@pytest.mark.django_db
def test_a_paid_result_moves_the_dossier_on_as_the_system_and_tells_the_portal_and_the_citizen(
    client, office, awaiting, started
):
    # Waited two weeks for the citizen: that time must not count against the agency.
    Dossier.objects.filter(pk=awaiting.pk).update(paused_at=F("paused_at") - dt.timedelta(days=14))
    due_before = Dossier.objects.get(pk=awaiting.pk).due_at

    response = call_back(client, signed(started.reference))
    assert (response.status_code, response.json()) == (200, {"RspCode": "00", "Message": "Confirm Success"})

    dossier = Dossier.objects.get(pk=awaiting.pk)
    assert dossier.state == "processing" and dossier.paid_online
    assert dossier.paused_at is None and dossier.paused_minutes > 0 and dossier.due_at > due_before
    event = dossier.events.order_by("-seq").first()
    assert (event.action, event.actor, event.actor_name, event.from_state, event.to_state) == (
        "confirm_payment", None, "", "awaiting_payment", "processing")
    assert event.data == {"proof": "20000001", "online": True, "reference": started.reference, "amount": TOTAL}

    payment = Payment.objects.get(pk=started.pk)
    assert (payment.status, payment.response_code, payment.transaction_no) == (Payment.Status.PAID, "00", "20000001")
    assert payment.paid_at == dt.datetime(2026, 11, 24, 9, 35, 12, tzinfo=timezone.get_current_timezone())
    assert payment.receipt_number == f"{office['ward'].code}-BL-2026-000001"

    portal = Delivery.objects.get(consumer=Consumer.PORTAL, event=event)
    record = portal.payload["sync"]
    assert (record["TrangThaiHoSo"], record["ThanhToanTrucTuyen"]) == (4, 1)
    assert [(f["SoTien"], f["DaThanhToan"], f["HinhThucThu"]) for f in record["DanhSachLePhi"]] == [(5000, 1, 2), (3000, 1, 2)]
    assert portal.payload["progress"]["NguoiXuLy"] == "Hệ thống"
    assert Notification.objects.filter(user=office["citizen"], event=event, topic=Topic.PAID).count() == 1
    assert Delivery.objects.filter(consumer=Consumer.EMAIL, event=event, topic=Topic.PAID).count() == 1


@pytest.mark.django_db
def test_a_replayed_result_changes_nothing_whichever_path_brings_it(client, office, awaiting, started):
    assert call_back(client, signed(started.reference)).json()["RspCode"] == "00"
    after_first = snapshot(awaiting)
    for _ in range(2):
        replay = call_back(client, signed(started.reference))
        assert (replay.status_code, replay.json()["RspCode"]) == (200, "02")
    # A later "cancelled" for the same order cannot undo it either.
    assert call_back(client, signed(started.reference, response_code="24", transaction_no="0")).json()["RspCode"] == "02"
    # The browser comes back after the callback: it reads the result, records nothing.
    english(client)
    response = client.get(reverse("payments:return"), signed(started.reference), follow=True)
    assert response.redirect_chain == [(reverse("cases:dossier", args=[awaiting.pk]), 302)]
    assert f"(receipt {office['ward'].code}-BL-2026-000001)" in response.content.decode()
    assert snapshot(awaiting) == after_first
    assert DossierEvent.objects.filter(dossier=awaiting, action="confirm_payment").count() == 1
    assert Payment.objects.exclude(receipt_number="").count() == 1


@pytest.mark.django_db
def test_the_browser_return_records_the_result_when_the_callback_never_came(client, office, awaiting, started):
    english(client)
    response = client.get(reverse("payments:return"), signed(started.reference), follow=True)
    assert "Your payment of 8.000 đồng was received" in response.content.decode()
    assert Dossier.objects.get(pk=awaiting.pk).state == "processing"
    late_callback = call_back(client, signed(started.reference))
    assert late_callback.json()["RspCode"] == "02"
    assert DossierEvent.objects.filter(dossier=awaiting, action="confirm_payment").count() == 1


@pytest.mark.django_db
def test_a_cancelled_payment_leaves_the_dossier_waiting_and_the_citizen_can_pay_again(
    client, office, awaiting, started, gateway
):
    before = snapshot(awaiting)
    cancelled = signed(started.reference, response_code="24", transaction_no="0")
    assert call_back(client, cancelled).json() == {"RspCode": "00", "Message": "Confirm Success"}
    started.refresh_from_db()
    assert (started.status, started.response_code, started.receipt_number) == (Payment.Status.FAILED, "24", "")
    after = snapshot(awaiting)
    assert {k: v for k, v in after.items() if k != "payments"} == {k: v for k, v in before.items() if k != "payments"}
    english(client)
    page = client.get(reverse("payments:return"), cancelled, follow=True).content.decode()
    assert "The payment was not completed (the gateway answered 24). Nothing was charged" in page

    response, again = start(client, awaiting)
    assert again != started and again.reference != started.reference
    assert response["Location"].startswith(f"{gateway.url}/payment/pay/")
    assert call_back(client, signed(again.reference, transaction_no="20000002")).json()["RspCode"] == "00"
    again.refresh_from_db()
    # The cancelled attempt used no receipt number.
    assert again.receipt_number == f"{office['ward'].code}-BL-2026-000001"
    assert Dossier.objects.get(pk=awaiting.pk).state == "processing"


@pytest.mark.django_db
def test_receipt_numbers_follow_each_other_per_agency_and_year(client, office, awaiting, payment_settings):
    client.force_login(office["citizen"])
    numbers = []
    for n, dossier in enumerate([awaiting, await_payment(office), await_payment(office)], 1):
        _response, payment = start(client, dossier)
        call_back(client, signed(payment.reference, transaction_no=f"2000000{n}"))
        payment.refresh_from_db()
        numbers.append(payment.receipt_number)
    ward = office["ward"].code
    assert numbers == [f"{ward}-BL-2026-000001", f"{ward}-BL-2026-000002", f"{ward}-BL-2026-000003"]


@pytest.mark.django_db
def test_a_payment_for_a_request_no_longer_open_is_kept_for_a_refund_and_changes_nothing(
    client, office, awaiting, started
):
    perform(dossier=awaiting, action="confirm_payment", actor=office["clerk"], proof="BL-0001")  # paid at the counter while the page was open
    before = snapshot(awaiting)
    response = call_back(client, signed(started.reference))
    assert (response.status_code, response.json()["RspCode"]) == (200, "02")
    after = snapshot(awaiting)
    assert {k: v for k, v in after.items() if k != "payments"} == {k: v for k, v in before.items() if k != "payments"}
    started.refresh_from_db()
    assert started.status == Payment.Status.STARTED and started.receipt_number == "" and started.callback["late"] is True


# --- at the same moment (PostgreSQL: row locks are real there) ----------------------------------------------

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks")


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_the_callback_and_the_return_at_the_same_moment_record_the_payment_once(office, payment_settings, templates):
    dossier = await_payment(office)
    payments.payment_start(dossier=dossier, user=office["citizen"])
    reference = Payment.objects.get(dossier=dossier).reference
    outcomes = run_together([lambda: payments.payment_callback(fields=signed(reference)).outcome] * 4)
    assert sorted(outcomes) == ["already", "already", "already", "paid"], outcomes
    assert DossierEvent.objects.filter(dossier=dossier, action="confirm_payment").count() == 1
    assert Payment.objects.get(reference=reference).receipt_number.endswith("-000001")


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_payments_settled_at_the_same_moment_never_share_or_skip_a_receipt_number(office, payment_settings, templates):
    references = []
    for _ in range(6):
        dossier = await_payment(office)
        payments.payment_start(dossier=dossier, user=office["citizen"])
        references.append(Payment.objects.get(dossier=dossier).reference)
    outcomes = run_together([lambda r=r: payments.payment_callback(fields=signed(r)).outcome for r in references])
    assert outcomes == ["paid"] * 6, outcomes
    numbers = sorted(int(n.rsplit("-", 1)[1]) for n in Payment.objects.values_list("receipt_number", flat=True))
    assert numbers == list(range(1, 7))


# --- the receipt and the pages ---------------------------------------------------------------------------------


def _pdf_text(pdf: bytes) -> str:
    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[0]
        textpage = page.get_textpage()
        text = textpage.get_text_bounded()
        textpage.close()
        page.close()
        return text
    finally:
        document.close()


@pytest.fixture
def paid(client, office, awaiting, started):
    call_back(client, signed(started.reference))
    started.refresh_from_db()
    return started


@pytest.mark.django_db
def test_the_receipt_is_an_a5_pdf_in_vietnamese_for_the_applicant_and_the_agency(client, office, awaiting, paid):
    url = reverse("payments:receipt", args=[awaiting.pk, paid.reference])
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = response.content
    document = pypdfium2.PdfDocument(pdf)
    width, height = document[0].get_size()
    document.close()
    assert (round(width), round(height)) == (420, 595)  # A5 portrait, in points
    text = re.sub(r"\s+", " ", _pdf_text(pdf))
    for expected in ("BIÊN LAI THU PHÍ, LỆ PHÍ", paid.receipt_number, awaiting.code, "Nguyễn Văn An",
                     "Lệ phí đăng ký khai sinh", "5.000 đồng", "Phí cấp bản sao trích lục", "Tổng cộng", "8.000 đồng",
                     "Tám nghìn đồng", "20000001", "09 giờ 35 phút, ngày 24/11/2026", "ỦY BAN NHÂN DÂN PHƯỜNG HẢI CHÂU"):
        assert expected in text, expected

    client.force_login(office["clerk"])
    assert client.get(url).status_code == 200
    for outsider in (office["other"], office["clerk_elsewhere"]):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
    client.force_login(office["citizen"])
    assert client.get(reverse("payments:receipt", args=[awaiting.pk, "NO-SUCH-ORDER"])).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


@pytest.mark.django_db
def test_the_pages_offer_payment_then_show_the_receipt(client, office, awaiting, payment_settings, gateway):
    english(client).force_login(office["citizen"])
    page = client.get(reverse("cases:dossier", args=[awaiting.pk])).content.decode()
    assert "Pay online" in page and f'action="{reverse("payments:pay", args=[awaiting.pk])}"' in page
    assert "8.000 đồng" in page and "not available" not in page

    _response, payment = start(client, awaiting)
    call_back(client, signed(payment.reference))
    payment.refresh_from_db()
    receipt = reverse("payments:receipt", args=[awaiting.pk, payment.reference])
    page = client.get(reverse("cases:dossier", args=[awaiting.pk])).content.decode()
    assert "Fees paid online" in page and receipt in page and payment.receipt_number in page
    assert "Paid online" in page and "Pay online" not in page

    english(client).force_login(office["clerk"])
    staff = client.get(reverse("cases:staff-dossier", args=[awaiting.pk])).content.decode()
    assert "Paid online" in staff and receipt in staff and payment.receipt_number in staff


# --- the whole round trip: the gateway calls a live portal back ---------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_citizen_pays_at_the_gateway_and_the_gateway_calls_the_live_portal_back(
    client, live_server, gateway, payment_settings, office, templates
):
    payment_settings.PORTAL_BASE_URL = live_server.url  # where the gateway sends the payer back and calls back
    payment_settings.NATIONAL_PORTAL_URL = gateway.url  # the portal's records go to the same mock portal
    payment_settings.NATIONAL_PORTAL_TOKEN = TOKEN
    dossier = await_payment(office)
    english(client).force_login(office["citizen"])

    response = client.post(reverse("payments:pay", args=[dossier.pk]))
    page_url = response["Location"]
    text, form = _page(page_url)
    assert "8.000 đồng" in text and dossier.code in text
    assert ("action", "pay") in form.buttons

    # The payer presses "Thanh toán": the gateway settles, calls the portal back, sends the browser back.
    paid = httpx.post(page_url, data=dict([("action", "pay")]), timeout=60)
    assert paid.status_code == 302
    back = urlsplit(paid.headers["location"])
    assert f"{back.scheme}://{back.netloc}" == live_server.url and back.path == reverse("payments:return")

    payment = Payment.objects.get(dossier=dossier)
    order = gateway.order(payment.reference)
    assert order["status"] == "paid" and order["callback_status"] == 200 and order["callback_ok"] == 1
    assert '"RspCode": "00"' in order["callback_answer"] or '"RspCode":"00"' in order["callback_answer"]
    dossier.refresh_from_db()
    assert dossier.state == "processing" and dossier.paid_online
    assert (payment.status, payment.transaction_no) == (Payment.Status.PAID, order["transaction_no"])

    # The browser's return: already recorded by the callback, it only tells the citizen.
    returned = client.get(f"{back.path}?{back.query}", follow=True)
    assert returned.redirect_chain == [(reverse("cases:dossier", args=[dossier.pk]), 302)]
    assert f"(receipt {payment.receipt_number})" in returned.content.decode()
    assert DossierEvent.objects.filter(dossier=dossier, action="confirm_payment").count() == 1

    # The national portal heard it: processing again, fees paid online.
    found = httpx.get(f"{gateway.url}/api/TraCuuHoSo", params={"MaHoSo": dossier.code},
                      headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10).json()["data"]
    assert (found["TrangThaiHoSo"], found["ThanhToanTrucTuyen"]) == (4, 1)
    assert "đã xác nhận" in httpx.get(f"{gateway.url}/", timeout=10).text
