"""The mock national portal's API and page.

- ``POST /api/DongBoHoSoMC`` and ``POST /api/CapNhatTienDoHoSoMC``: a record, or a list of records; each
  is checked (``vocabulary``), stored once by its digest, and a repeat is counted, not stored again.
- ``GET /api/TraCuuHoSo?MaHoSo=``: the dossier's latest sync and its progress records, in order.
- ``GET /api/LayDanhSachTTHC`` and ``GET /api/LayThuTuc?MaTTHC=``: the national procedure catalog, in the
  JSON shape ``import_catalog`` reads.
- ``GET|POST /_faults/``: the failure rate, latency and outage the API answers with.
- ``GET /``: what it has received. ``GET /healthz/``: alive.

Every API call and the control endpoint need ``Authorization: Bearer <MOCK_PORTAL_TOKEN>``.
"""

import hmac
import json
import random
import time
from functools import lru_cache, wraps
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, OuterRef, Subquery, Sum
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import vocabulary as v
from .models import Faults, Message, Record


def _json(payload: dict, status: int = 200) -> JsonResponse:
    return JsonResponse(payload, status=status, json_dumps_params={"ensure_ascii": False})


def _authorized(request) -> bool:
    given = request.headers.get("Authorization", "")
    expected = f"Bearer {settings.MOCK_PORTAL_TOKEN}"
    return hmac.compare_digest(given.encode(), expected.encode())


def api(view):
    """Token first (401), then the configured faults (outage 503, latency, a share of failures 503)."""

    @csrf_exempt
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not _authorized(request):
            return _json(v.answer(v.BAD_TOKEN, "Mã xác thực (token) không hợp lệ."), 401)
        faults = Faults.current()
        if faults.outage:
            return _json(v.answer(v.UNAVAILABLE, "Hệ thống đang bảo trì, vui lòng thử lại sau."), 503)
        if faults.latency_ms:
            time.sleep(faults.latency_ms / 1000)
        if faults.failure_rate and random.random() < faults.failure_rate:  # noqa: S311 - fault injection, not security
            return _json(v.answer(v.UNAVAILABLE, "Lỗi xử lý tạm thời, vui lòng gửi lại."), 503)
        return view(request, *args, **kwargs)

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
        return _json(v.answer(v.INVALID, "Dữ liệu không hợp lệ." if records else "Không có bản ghi nào.",
                              errors=details), 400)
    results = []
    with transaction.atomic():
        for record in records:
            key = v.digest(record)
            status = record.get("TrangThaiHoSo") if kind == Record.Kind.SYNC else record.get("TrangThai")
            try:
                with transaction.atomic():
                    Record.objects.create(kind=kind, ma_ho_so=str(record["MaHoSo"]), digest=key, data=record,
                                          status=int(status), ma_tthc=str(record.get("MaTTHC", ""))[:40])
                results.append({"MaHoSo": record["MaHoSo"], "stored": True})
            except IntegrityError:
                Record.objects.filter(digest=key).update(duplicates=F("duplicates") + 1)
                results.append({"MaHoSo": record["MaHoSo"], "stored": False, "duplicate": True})
    return _json(v.answer(v.OK, "Thành công", results=results))


def _receive(request, kind: str, check) -> JsonResponse:
    records = _records(request)
    if records is None:
        return _json(v.answer(v.INVALID, "Nội dung không phải JSON hợp lệ."), 400)
    return _store(kind, records, check)


@require_POST
@api
def sync(request):
    return _receive(request, Record.Kind.SYNC, v.sync_errors)


@require_POST
@api
def progress(request):
    return _receive(request, Record.Kind.PROGRESS, v.progress_errors)


def _send(request, channel: str) -> JsonResponse:
    try:
        body = json.loads(request.body or b"null")
    except ValueError:
        return _json(v.answer(v.INVALID, "Nội dung không phải JSON hợp lệ."), 400)
    errors = v.message_errors(body)
    if errors:
        return _json(v.answer(v.INVALID, "Không gửi được tin nhắn.", errors=errors), 400)
    reference = str(body.get("reference", ""))
    fields = {"to": str(body["phone"]).replace(" ", ""), "text": str(body["message"]).strip()}
    if reference:
        message, created = Message.objects.get_or_create(channel=channel, reference=reference, defaults=fields)
    else:
        message, created = Message.objects.create(channel=channel, **fields), True
    return _json(v.answer(v.OK, "Thành công", id=message.pk, duplicate=not created))


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
    return _json(v.answer(v.OK, "Thành công", data=[{**m, "received_at": m["received_at"].isoformat()} for m in sent]))


@require_GET
@api
def lookup(request):
    code = request.GET.get("MaHoSo", "").strip()
    records = list(Record.objects.filter(ma_ho_so=code).order_by("id"))
    syncs = [r for r in records if r.kind == Record.Kind.SYNC]
    if not syncs:
        return _json(v.answer(v.NOT_FOUND, f"Không tìm thấy hồ sơ {code}."), 404)
    return _json(v.answer(v.OK, "Thành công", data={
        **syncs[-1].data,
        "TienDoXuLy": [r.data for r in records if r.kind == Record.Kind.PROGRESS],
        "SoLanDongBo": len(syncs),
    }))


@lru_cache(maxsize=1)
def _catalog() -> tuple[dict, ...]:
    records = []
    for name in settings.MOCK_PORTAL_CATALOG:
        records += json.loads(Path(name).read_text(encoding="utf-8"))
    return tuple(records)


@require_GET
@api
def catalog(request):
    return _json(v.answer(v.OK, "Thành công", data=list(_catalog())))


@require_GET
@api
def procedure(request):
    code = request.GET.get("MaTTHC", "").strip()
    found = next((r for r in _catalog() if r.get("MATTHC") == code), None)
    if found is None:
        return _json(v.answer(v.NOT_FOUND, f"Không tìm thấy thủ tục {code}."), 404)
    return _json(v.answer(v.OK, "Thành công", data=found))


@csrf_exempt
@require_http_methods(["GET", "POST"])
def faults(request):
    """The control endpoint: {"failure_rate": 0.3, "latency_ms": 200, "outage": true}; missing keys stay."""
    if not _authorized(request):
        return _json(v.answer(v.BAD_TOKEN, "Mã xác thực (token) không hợp lệ."), 401)
    current = Faults.current()
    if request.method == "POST":
        try:
            body = json.loads(request.body or b"{}")
            rate = float(body.get("failure_rate", current.failure_rate))
            latency = int(body.get("latency_ms", current.latency_ms))
            outage = body.get("outage", current.outage)
        except (ValueError, TypeError, AttributeError):
            return _json(v.answer(v.INVALID, "Cấu hình lỗi không hợp lệ."), 400)
        if not (0 <= rate <= 1) or not (0 <= latency <= 60_000) or not isinstance(outage, bool):
            return _json(v.answer(v.INVALID, "failure_rate từ 0 đến 1, latency_ms từ 0 đến 60000, outage là true/false."), 400)
        current.failure_rate, current.latency_ms, current.outage = rate, latency, outage
        current.save()
    return _json(v.answer(v.OK, "Thành công", data={
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
    return render(request, "mock_portal/home.html", {
        "rows": rows, "totals": totals, "faults": Faults.current(),
        "by_kind": dict(Record.objects.values_list("kind").annotate(n=Count("id"))),
        "messages": Message.objects.all()[:50],
    })


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")
