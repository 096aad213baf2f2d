"""The mock national portal's API and page.

- ``POST /api/DongBoHoSoMC`` and ``POST /api/CapNhatTienDoHoSoMC``: a record, or a list of records; each
  is checked (``vocabulary``), stored once by its digest, and a repeat is counted, not stored again. A record
  of a dossier filed online here names its MaHoSoQuocGia (optional): its citizen's page shows it.
- ``POST /api/DanhGiaHoSo``: a citizen's rating (MucDoHaiLong 1–3, criteria, comment), stored the same way.
- ``GET /api/TraCuuHoSo?MaHoSo=``: the dossier's latest sync, its progress records in order, its latest rating.
- ``GET /api/LayDanhSachTTHC`` and ``GET /api/LayThuTuc?MaTTHC=``: the national procedure catalog, in the
  JSON shape ``import_catalog`` reads.
- ``GET|POST /_faults/``: the failure rate, latency and outage the API answers with.
- ``POST /payment/init``, ``GET|POST /payment/pay/<token>``: the payment gateway (see ``gateway``): an order
  signed with the shared secret gets a payment page; paying or cancelling there settles it once, tells the
  portal (a signed server-to-server callback) and sends the payer back (the same fields on the return URL).
- ``GET /api/CSDLDanCu/CongDan?SoDinhDanh=``: a person of the national population database (CSDL quốc gia
  về dân cư), with their household.
- ``GET|POST /vneid/dang-nhap/``: the mock VNeID's sign-in page: pick a demo identity or type one (added to
  the population database). The OpenID Connect endpoints under ``/vneid/`` are django-oauth-toolkit's
  (urls.py); ``oidc`` says what their tokens tell.
- The national portal's own side of filing online (``online``): the citizen's pages under ``/dvc/``, NopHoSo,
  the documents and the pull fallback the province's server reads, and the forwarding controls ``/_push/``.
- ``GET /``: what it has received, and the dossiers filed online with how forwarding them went.
  ``GET /healthz/``: alive.

Every API call and the control endpoint need ``Authorization: Bearer <MOCK_PORTAL_TOKEN>``; the payment
gateway needs no token (its requests carry a check code instead), and the faults apply to its INIT too.
"""

import hmac
import json
import random
import secrets
import time
from functools import wraps
from urllib.parse import urlencode

import httpx
from django.conf import settings
from django.contrib.auth import login
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, OuterRef, Subquery, Sum
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import gateway, selectors, services
from . import vocabulary as v
from .forms import DeclaredIdentityForm
from .models import Faults, Message, NationalDossier, PaymentOrder, PushControl, Record


def answer_json(payload: dict, status: int = 200) -> JsonResponse:
    """An answer of the national vocabulary as JSON, Vietnamese kept as it is."""
    return JsonResponse(payload, status=status, json_dumps_params={"ensure_ascii": False})


def token_authorized(request) -> bool:
    """Whether the request carries the mock portal's API token."""
    given = request.headers.get("Authorization", "")
    expected = f"Bearer {settings.MOCK_PORTAL_TOKEN}"
    return hmac.compare_digest(given.encode(), expected.encode())


def _fault() -> JsonResponse | None:
    """The configured faults: an outage (503), a delay, a share of failures (503); None to answer normally."""
    faults = Faults.current()
    if faults.outage:
        return answer_json(v.answer(v.UNAVAILABLE, "Hệ thống đang bảo trì, vui lòng thử lại sau."), 503)
    if faults.latency_ms:
        time.sleep(faults.latency_ms / 1000)
    if faults.failure_rate and random.random() < faults.failure_rate:  # noqa: S311 - fault injection, not security
        return answer_json(v.answer(v.UNAVAILABLE, "Lỗi xử lý tạm thời, vui lòng gửi lại."), 503)
    return None


def api(view):
    """Token first (401), then the configured faults (outage 503, latency, a share of failures 503)."""

    @csrf_exempt
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not token_authorized(request):
            return answer_json(v.answer(v.BAD_TOKEN, "Mã xác thực (token) không hợp lệ."), 401)
        fault = _fault()
        return fault if fault is not None else view(request, *args, **kwargs)

    return wrapper


def _records(request) -> list | None:
    try:
        body = json.loads(request.body or b"null")
    except ValueError:
        return None
    return body if isinstance(body, list) else [body]


def _store(kind: str, records: list, check) -> JsonResponse:
    """Check every record first; store all or none. Each record's answer says stored or duplicate."""
    errors = {i: check(record) for i, record in enumerate(records)}
    refused = {i: e for i, e in errors.items() if e}
    if not records or refused:
        details = [{"index": i, "MaHoSo": (records[i] or {}).get("MaHoSo") if isinstance(records[i], dict) else None,
                    "errors": e} for i, e in refused.items()]
        return answer_json(v.answer(v.INVALID, "Dữ liệu không hợp lệ." if records else "Không có bản ghi nào.",
                              errors=details), 400)
    results = []
    with transaction.atomic():
        for record in records:
            key = v.digest(record)
            status = {Record.Kind.SYNC: "TrangThaiHoSo", Record.Kind.PROGRESS: "TrangThai",
                      Record.Kind.RATING: "MucDoHaiLong"}[kind]
            status = record.get(status)
            try:
                with transaction.atomic():
                    Record.objects.create(kind=kind, ma_ho_so=str(record["MaHoSo"]), digest=key, data=record,
                                          status=int(status), ma_tthc=str(record.get("MaTTHC", ""))[:40],
                                          national_code=str(record.get("MaHoSoQuocGia") or "")[:20])
                results.append({"MaHoSo": record["MaHoSo"], "stored": True})
            except IntegrityError:
                Record.objects.filter(digest=key).update(duplicates=F("duplicates") + 1)
                results.append({"MaHoSo": record["MaHoSo"], "stored": False, "duplicate": True})
    return answer_json(v.answer(v.OK, "Thành công", results=results))


def _receive(request, kind: str, check) -> JsonResponse:
    records = _records(request)
    if records is None:
        return answer_json(v.answer(v.INVALID, "Nội dung không phải JSON hợp lệ."), 400)
    return _store(kind, records, check)


@require_POST
@api
def sync(request):
    return _receive(request, Record.Kind.SYNC, v.sync_errors)


@require_POST
@api
def progress(request):
    return _receive(request, Record.Kind.PROGRESS, v.progress_errors)


@require_POST
@api
def rating(request):
    """A citizen's rating of a dossier's handling (or a list of them); a changed rating is a new record, the
    lookup shows the latest."""
    return _receive(request, Record.Kind.RATING, v.rating_errors)


def _send(request, channel: str) -> JsonResponse:
    try:
        body = json.loads(request.body or b"null")
    except ValueError:
        return answer_json(v.answer(v.INVALID, "Nội dung không phải JSON hợp lệ."), 400)
    errors = v.message_errors(body)
    if errors:
        return answer_json(v.answer(v.INVALID, "Không gửi được tin nhắn.", errors=errors), 400)
    reference = str(body.get("reference", ""))
    fields = {"to": str(body["phone"]).replace(" ", ""), "text": str(body["message"]).strip()}
    if reference:
        message, created = Message.objects.get_or_create(channel=channel, reference=reference, defaults=fields)
    else:
        message, created = Message.objects.create(channel=channel, **fields), True
    return answer_json(v.answer(v.OK, "Thành công", id=message.pk, duplicate=not created))


@require_POST
@api
def sms(request):
    """The mock SMS gateway: {"phone", "message", "reference"}; a repeated reference is not sent again."""
    return _send(request, Message.Channel.SMS)


@require_POST
@api
def zalo(request):
    """The mock Zalo gateway (ZNS): the same request and answer as the SMS gateway."""
    return _send(request, Message.Channel.ZALO)


@require_GET
@api
def messages(request):
    """What the gateways sent to one phone, newest first (for tests and the page)."""
    phone = request.GET.get("phone", "").replace(" ", "")
    sent = Message.objects.filter(to=phone).values("channel", "to", "text", "reference", "received_at")[:100]
    return answer_json(v.answer(v.OK, "Thành công", data=[{**m, "received_at": m["received_at"].isoformat()} for m in sent]))


@require_GET
@api
def lookup(request):
    code = request.GET.get("MaHoSo", "").strip()
    records = list(Record.objects.filter(ma_ho_so=code).order_by("id"))
    syncs = [r for r in records if r.kind == Record.Kind.SYNC]
    if not syncs:
        return answer_json(v.answer(v.NOT_FOUND, f"Không tìm thấy hồ sơ {code}."), 404)
    return answer_json(v.answer(v.OK, "Thành công", data={
        **syncs[-1].data,
        "TienDoXuLy": [r.data for r in records if r.kind == Record.Kind.PROGRESS],
        "DanhGia": next((r.data for r in reversed(records) if r.kind == Record.Kind.RATING), None),
        "SoLanDongBo": len(syncs),
    }))


@require_GET
@api
def catalog(request):
    return answer_json(v.answer(v.OK, "Thành công", data=list(selectors.catalog())))


@require_GET
@api
def procedure(request):
    code = request.GET.get("MaTTHC", "").strip()
    found = selectors.procedure_get(code)
    if found is None:
        return answer_json(v.answer(v.NOT_FOUND, f"Không tìm thấy thủ tục {code}."), 404)
    return answer_json(v.answer(v.OK, "Thành công", data=found))


@csrf_exempt
@require_http_methods(["GET", "POST"])
def faults(request):
    """The control endpoint: {"failure_rate": 0.3, "latency_ms": 200, "outage": true}; missing keys stay."""
    if not token_authorized(request):
        return answer_json(v.answer(v.BAD_TOKEN, "Mã xác thực (token) không hợp lệ."), 401)
    current = Faults.current()
    if request.method == "POST":
        try:
            body = json.loads(request.body or b"{}")
            rate = float(body.get("failure_rate", current.failure_rate))
            latency = int(body.get("latency_ms", current.latency_ms))
            outage = body.get("outage", current.outage)
        except (ValueError, TypeError, AttributeError):
            return answer_json(v.answer(v.INVALID, "Cấu hình lỗi không hợp lệ."), 400)
        if not (0 <= rate <= 1) or not (0 <= latency <= 60_000) or not isinstance(outage, bool):
            return answer_json(v.answer(v.INVALID, "failure_rate từ 0 đến 1, latency_ms từ 0 đến 60000, outage là true/false."), 400)
        current.failure_rate, current.latency_ms, current.outage = rate, latency, outage
        current.save()
    return answer_json(v.answer(v.OK, "Thành công", data={
        "failure_rate": current.failure_rate, "latency_ms": current.latency_ms, "outage": current.outage,
    }))


@require_GET
def home(request):
    """What the mock portal has received: each dossier's latest status, its records and repeats."""
    syncs = Record.objects.filter(kind=Record.Kind.SYNC, ma_ho_so=OuterRef("ma_ho_so")).order_by("-id")
    rows = (
        Record.objects.values("ma_ho_so")
        .annotate(records=Count("id"), repeats=Sum("duplicates"), last=Max("received_at"),
                  status=Subquery(syncs.values("status")[:1]), procedure=Subquery(syncs.values("ma_tthc")[:1]))
        .order_by("-last")[:200]
    )
    totals = Record.objects.aggregate(records=Count("id"), repeats=Sum("duplicates"))
    payments = list(PaymentOrder.objects.all()[:50])
    for payment in payments:
        payment.money = gateway.money(payment.amount)
    return render(request, "mock_portal/home.html", {
        "rows": rows, "totals": totals, "faults": Faults.current(),
        "by_kind": dict(Record.objects.values_list("kind").annotate(n=Count("id"))),
        "messages": Message.objects.all()[:50],
        "payments": payments,
        "national_dossiers": NationalDossier.objects.all()[:50],
        "push": PushControl.current(),
    })


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


# --- the payment gateway -------------------------------------------------------------------------------

CALLBACK_TIMEOUT_SECONDS = 5  # a portal that does not answer in time is recorded as not acknowledging


def _public_url(request) -> str:
    return settings.MOCK_PORTAL_PUBLIC_URL.rstrip("/") or request.build_absolute_uri("/").rstrip("/")


@csrf_exempt
@require_POST
def payment_init(request):
    """INIT: a signed order (``gateway.init_errors``) gets its payment page's address; the same order sent
    again with the same fields gets the same page, with other fields it is refused (400)."""
    fault = _fault()
    if fault is not None:
        return fault
    try:
        body = json.loads(request.body or b"null")
    except ValueError:
        return answer_json(v.answer(v.INVALID, "Nội dung không phải JSON hợp lệ."), 400)
    errors = gateway.init_errors(body, merchant_code=settings.MOCK_PAYMENT_MERCHANT, secret=settings.MOCK_PAYMENT_SECRET)
    if errors:
        return answer_json(v.answer(v.INVALID, " ".join(errors), errors=errors), 400)
    fields = {name: body[name] if name == "amount" else str(body[name]) for name in gateway.INIT_FIELDS}
    with transaction.atomic():
        order = PaymentOrder.objects.select_for_update().filter(
            merchant_code=fields["merchant_code"], order_id=fields["order_id"]
        ).first()
        if order is None:
            order = PaymentOrder.objects.create(**fields, token=secrets.token_urlsafe(24))
        elif order.init_fields() != fields:
            return answer_json(v.answer(
                v.INVALID, f"Mã đơn hàng {fields['order_id']} đã được khởi tạo với thông tin khác."), 400)
        else:
            PaymentOrder.objects.filter(pk=order.pk).update(inits=F("inits") + 1)
    url = _public_url(request) + reverse("payment-page", args=[order.token])
    return answer_json(v.answer(v.OK, "Thành công", payment_url=url))


def _signed(order: PaymentOrder) -> dict:
    result = order.result()
    return {**result, "check_code": gateway.result_check_code(result, settings.MOCK_PAYMENT_SECRET)}


def _return_address(order: PaymentOrder) -> str:
    separator = "&" if "?" in order.return_url else "?"
    return order.return_url + separator + urlencode(_signed(order))


def _settle(pk: int, *, paid: bool) -> tuple[PaymentOrder, bool]:
    """Pay or cancel the order if it is still pending; whether this call settled it (an order is settled once)."""
    with transaction.atomic():
        order = PaymentOrder.objects.select_for_update().get(pk=pk)
        if order.status != PaymentOrder.Status.PENDING:
            return order, False
        now = timezone.now()
        order.status = PaymentOrder.Status.PAID if paid else PaymentOrder.Status.CANCELLED
        order.response_code = gateway.PAID if paid else gateway.CANCELLED
        order.transaction_no = str(20_000_000 + order.pk) if paid else "0"
        order.pay_date = timezone.localtime(now).strftime(gateway.DATE_FORMAT)
        order.settled_at = now
        order.save()
    return order, True


def _report(order: PaymentOrder) -> None:
    """The server-to-server callback: the signed result, POSTed as JSON to the order's callback_url. The
    portal's answer is recorded; a portal that is down or refuses does not stop the payer's return."""
    try:
        response = httpx.post(order.callback_url, json=_signed(order), timeout=CALLBACK_TIMEOUT_SECONDS)
    except httpx.HTTPError as error:
        status, answer, ok = None, f"{type(error).__name__}: {error}", False
    else:
        status, answer = response.status_code, response.text[:1000]
        try:
            code = str(response.json().get("RspCode", ""))
        except (ValueError, AttributeError):
            code = ""
        ok = response.status_code == 200 and code in ("00", "02")
    PaymentOrder.objects.filter(pk=order.pk).update(
        callback_at=timezone.now(), callback_status=status, callback_answer=answer, callback_ok=ok
    )


@csrf_exempt
@require_http_methods(["GET", "POST"])
def payment_page(request, token):
    """The payer's page (like a bank's): the order and two buttons. POST ``action=pay|cancel`` settles a
    pending order, calls the portal back, and sends the browser to the return URL with the signed result; a
    settled order is not settled again (the browser goes back with the result it already has)."""
    order = PaymentOrder.objects.filter(token=token).first()
    if order is None:
        return render(request, "mock_portal/payment.html", {"missing": True}, status=404)
    if request.method == "POST":
        action = request.POST.get("action")
        if action not in ("pay", "cancel"):
            return render(request, "mock_portal/payment.html",
                          {"order": order, "amount": gateway.money(order.amount), "invalid": True}, status=400)
        order, settled = _settle(order.pk, paid=action == "pay")
        if settled:
            _report(order)
        return redirect(_return_address(order))
    settled = order.status != PaymentOrder.Status.PENDING
    return render(request, "mock_portal/payment.html", {
        "order": order, "amount": gateway.money(order.amount),
        "return_address": _return_address(order) if settled else "",
    })


# --- the population database and VNeID ------------------------------------------------------------------


@require_GET
@api
def population_citizen(request):
    """CongDan: the person with SoDinhDanh, their household and its head; 400 for a malformed number, 404
    for an unknown one."""
    number = request.GET.get("SoDinhDanh", "").strip()
    error = v.id_number_error(number)
    if error:
        return answer_json(v.answer(v.INVALID, f"SoDinhDanh không hợp lệ: {error}"), 400)
    record = selectors.citizen_record(number)
    if record is None:
        return answer_json(v.answer(v.NOT_FOUND, f"Không tìm thấy công dân có số định danh {number} trong CSDL quốc gia "
                                           "về dân cư."), 404)
    return answer_json(v.answer(v.OK, "Thành công", data=record))


def _local_path(value: str | None) -> str | None:
    """``value`` if it is a path on this site (where to go after signing in), never another site's address."""
    if value and value.startswith("/") and url_has_allowed_host_and_scheme(value, allowed_hosts=None):
        return value
    return None


@require_http_methods(["GET", "POST"])
def vneid_login(request):
    """The sign-in page: POST ``pick=<number>`` signs in as a demo identity, POST ``declare`` with the form
    signs in as the identity typed (``services.citizen_declare``); then on to ``next`` (a local path only:
    the authorize step that sent the browser here)."""
    next_path = _local_path(request.POST.get("next") or request.GET.get("next"))
    form = DeclaredIdentityForm(request.POST if "declare" in request.POST else None)
    citizen, pick_error = None, ""
    if request.method == "POST" and "pick" in request.POST:
        citizen = selectors.citizen_get(request.POST["pick"])
        if citizen is None or not citizen.has_vneid:
            citizen = None
            pick_error = "Danh tính đã chọn không có tài khoản định danh điện tử."
    elif form.is_bound and form.is_valid():
        try:
            citizen = services.citizen_declare(**form.cleaned_data)
        except services.Refused as refused:
            form.add_error(refused.field, refused.message)
    if citizen is not None:
        login(request, services.vneid_account_get(citizen=citizen), backend="django.contrib.auth.backends.ModelBackend")
        return redirect(next_path or reverse("vneid-login"))
    signed_in = selectors.citizen_get(request.user.username) if request.user.is_authenticated else None
    return render(request, "mock_portal/vneid_login.html", {
        "citizens": selectors.citizens_with_vneid(), "form": form, "next": next_path or "", "pick_error": pick_error,
        "signed_in": signed_in,
    }, status=400 if (pick_error or form.errors) else 200)
