"""Filing online through the national portal, and forwarding to the province: the citizen's pages, the
submission API, and what the province's server calls.

- ``GET /dvc/``: the procedures of the catalog, with a search box. ``GET|POST /dvc/nop/<MaTTHC>/``: the
  submission form (signed in at the mock VNeID, or sent to its sign-in page). ``GET /dvc/ho-so/``: the signed-in
  person's dossiers; ``GET /dvc/ho-so/<MaHoSoQuocGia>/``: one, with where forwarding stands and the progress
  the province reported.
- ``POST /api/NopHoSo``: the same submission as an API (multipart: SoDinhDanh, MaTTHC, MaDonViTiepNhan,
  NoiDungYeuCau, tep_<n>; optional LoaiDoiTuong, SoDienThoai, Email).
- ``GET /api/TepHoSo/<id>/<token>``: a document, for the province's server.
- ``GET /api/LayDanhSachHoSoMoi``: what the province has not taken yet (the pull fallback);
  ``POST /api/XacNhanHoSo``: the province took one.
- ``GET|POST /_push/``: the forwarding controls (pause, lose pushes on purpose), one round now, and how one
  dossier's forwarding went.

The push itself is ``services.national_dossier_push`` (run by ``pusher``); ``forwarding`` says its protocol.
Every API call and the control need ``Authorization: Bearer <MOCK_PORTAL_TOKEN>``.
"""

import hmac
import json
from pathlib import Path

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import gateway, selectors, services
from . import vocabulary as v
from .forms import ACCEPT, SubmissionForm
from .models import Citizen, NationalDocument, PushControl
from .views import answer_json, api, token_authorized

MAX_COLLECT = 1000


def _signed_in(request) -> Citizen | None:
    """The person signed in at the mock VNeID (its users are named by the person's number)."""
    if not request.user.is_authenticated:
        return None
    return selectors.citizen_get(request.user.username)


def _site(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _fees(fees: list[dict]) -> list[dict]:
    return [{"name": fee["TenPhiLePhi"], "amount": gateway.money(fee["SoTien"])} for fee in fees]


def _not_found(request, message: str):
    return render(request, "mock_portal/dvc_missing.html", {"message": message, "citizen": _signed_in(request)},
                  status=404)


# --- The citizen's pages ----------------------------------------------------------------------------------


@require_GET
def dvc_procedures(request):
    """The catalog's procedures (all of them, or those matching ``q``), each with its online form if offered."""
    query = request.GET.get("q", "").strip()[:100]
    procedures = [
        {"code": p["MATTHC"], "name": p.get("TENTTHC", ""), "online": selectors.online_channel(p) is not None,
         "fields": ", ".join(f.get("TENLINHVUC", "") for f in p.get("LINHVUCTHUCHIEN") or []),
         "agencies": ", ".join(a.get("TENDONVI", "") for a in p.get("COQUANTHUCHIEN") or [])}
        for p in selectors.procedures_search(query)
    ]
    return render(request, "mock_portal/dvc_procedures.html", {
        "procedures": procedures, "query": query, "total": len(selectors.catalog()), "citizen": _signed_in(request),
    })


@require_http_methods(["GET", "POST"])
def dvc_submit(request, code):
    """The form of a procedure offered online; a valid one files the dossier and goes to its page."""
    procedure = selectors.procedure_get(code)
    if procedure is None:
        return _not_found(request, f"Không tìm thấy thủ tục {code}.")
    citizen = _signed_in(request)
    if citizen is None:
        return redirect_to_login(request.get_full_path())
    context = {"procedure": procedure, "citizen": citizen, "accept": ACCEPT,
               "fees": _fees(selectors.procedure_fees(procedure))}
    if selectors.online_channel(procedure) is None:
        return render(request, "mock_portal/dvc_submit.html", {**context, "offline": True},
                      status=400 if request.method == "POST" else 200)
    form = SubmissionForm(request.POST if request.method == "POST" else None,
                          request.FILES if request.method == "POST" else None,
                          documents=selectors.procedure_documents(procedure), organization=citizen.represents)
    if form.is_bound and form.is_valid():
        dossier = services.national_dossier_submit(
            citizen=citizen, procedure=procedure, for_organization=form.cleaned_data["LoaiDoiTuong"] == 2,
            agency_code=form.cleaned_data["MaDonViTiepNhan"], request_text=form.cleaned_data["NoiDungYeuCau"],
            phone=form.cleaned_data["SoDienThoai"], email=form.cleaned_data["Email"], uploads=form.uploads(),
            base_url=_site(request),
        )
        return redirect(reverse("dvc-dossier", args=[dossier.code]) + "?moi=1")
    cases = []
    for document in form.documents:
        if not cases or cases[-1]["case"] != document.case:
            cases.append({"case": document.case, "fields": []})
        cases[-1]["fields"].append(form[f"tep_{document.index}"])
    return render(request, "mock_portal/dvc_submit.html", {**context, "form": form, "cases": cases},
                  status=400 if form.errors else 200)


@require_GET
def dvc_dossiers(request):
    citizen = _signed_in(request)
    if citizen is None:
        return redirect_to_login(request.get_full_path())
    return render(request, "mock_portal/dvc_dossiers.html", {
        "citizen": citizen, "dossiers": selectors.national_dossiers_of(citizen),
    })


@require_GET
def dvc_dossier(request, code):
    """One of the signed-in person's dossiers (another's is not found): the reference, where forwarding to the
    province stands, the progress it reported, the documents and every push."""
    citizen = _signed_in(request)
    if citizen is None:
        return redirect_to_login(request.get_full_path())
    dossier = selectors.national_dossier_of(citizen, code)
    if dossier is None:
        return _not_found(request, f"Không tìm thấy hồ sơ {code} trong các hồ sơ của bạn.")
    return render(request, "mock_portal/dvc_dossier.html", {
        "citizen": citizen, "dossier": dossier, "new": request.GET.get("moi") == "1",
        "progress": selectors.national_dossier_progress(dossier), "reasons": selectors.refusal_reasons(dossier),
        "fees": _fees(dossier.fees),
    })


# --- The APIs -------------------------------------------------------------------------------------------


def _refused(message: str, errors: dict | None = None, *, code: str = v.INVALID, status: int = 400):
    return answer_json(v.answer(code, message, **({"errors": errors} if errors is not None else {})), status)


@require_POST
@api
def submit(request):
    """NopHoSo: a dossier filed for the person SoDinhDanh (of the population database), checked as the page
    checks it; its MaHoSoQuocGia. Refused: 400 (error_code "1", ``errors`` by field) for what is malformed or
    missing, 404 for an unknown person or procedure."""
    number = request.POST.get("SoDinhDanh", "").strip()
    error = v.id_number_error(number)
    if error:
        return _refused(f"SoDinhDanh không hợp lệ: {error}", {"SoDinhDanh": [error]})
    citizen = selectors.citizen_get(number)
    if citizen is None:
        return _refused(f"Không tìm thấy công dân có số định danh {number} trong CSDL quốc gia về dân cư.",
                        code=v.NOT_FOUND, status=404)
    code = request.POST.get("MaTTHC", "").strip()
    procedure = selectors.procedure_get(code) if code else None
    if procedure is None:
        return _refused(f"Không tìm thấy thủ tục {code}." if code else "Thiếu trường bắt buộc MaTTHC.",
                        code=v.NOT_FOUND if code else v.INVALID, status=404 if code else 400)
    if selectors.online_channel(procedure) is None:
        return _refused(f"Thủ tục {code} không được cung cấp trực tuyến.", {"MaTTHC": ["Không nộp trực tuyến."]})
    form = SubmissionForm(request.POST, request.FILES, documents=selectors.procedure_documents(procedure),
                          organization=citizen.represents)
    unknown = sorted(set(request.FILES) - set(form.fields))
    if not form.is_valid() or unknown:
        errors = {name: list(messages) for name, messages in form.errors.items()}
        for name in unknown:
            errors[name] = [f"{name} không ứng với giấy tờ nào của thủ tục {code}."]
        return _refused("Hồ sơ chưa hợp lệ: " + " ".join(m for ms in errors.values() for m in ms), errors)
    dossier = services.national_dossier_submit(
        citizen=citizen, procedure=procedure, for_organization=form.cleaned_data["LoaiDoiTuong"] == 2,
        agency_code=form.cleaned_data["MaDonViTiepNhan"], request_text=form.cleaned_data["NoiDungYeuCau"],
        phone=form.cleaned_data["SoDienThoai"], email=form.cleaned_data["Email"], uploads=form.uploads(),
        base_url=_site(request),
    )
    return answer_json(v.answer(v.OK, "Thành công", data={"MaHoSoQuocGia": dossier.code}))


@require_GET
@api
def document_file(request, file_id, token):
    """TepHoSo: a document of a dossier filed online, at the address its dossier gives (id and random token)."""
    document = NationalDocument.objects.filter(pk=file_id).first()
    path = Path(settings.MOCK_PORTAL_MEDIA_ROOT) / document.stored_name if document else None
    if document is None or not hmac.compare_digest(document.token.encode(), token.encode()) or not path.is_file():
        return answer_json(v.answer(v.NOT_FOUND, "Không tìm thấy tệp."), 404)
    response = FileResponse(path.open("rb"), as_attachment=True, filename=document.file_name,
                            content_type=document.content_type)
    response["X-Content-SHA256"] = document.sha256
    return response


@require_GET
@api
def collect(request):
    """LayDanhSachHoSoMoi: every dossier the province has neither acknowledged nor refused, oldest first (at
    most SoLuong, 1000 by default), each as it is pushed, its documents' links built now."""
    try:
        limit = int(request.GET.get("SoLuong") or MAX_COLLECT)
    except ValueError:
        limit = 0
    if not 1 <= limit <= MAX_COLLECT:
        return _refused(f"SoLuong phải là số từ 1 đến {MAX_COLLECT}.")
    base = selectors.files_base(_site(request))
    return answer_json(v.answer(v.OK, "Thành công", data=[
        selectors.dossier_payload(dossier, base) for dossier in selectors.dossiers_to_collect(limit)
    ]))


@require_POST
@api
def acknowledge(request):
    """XacNhanHoSo {"MaHoSoQuocGia", "MaHoSo"}: the province took the dossier as MaHoSo. Again with the same
    code: the same answer; with another: 409; an unknown dossier: 404."""
    try:
        body = json.loads(request.body or b"null")
    except ValueError:
        return _refused("Nội dung không phải JSON hợp lệ.")
    if not isinstance(body, dict):
        return _refused("Nội dung phải là một đối tượng JSON.")
    errors = {name: [f"Thiếu trường bắt buộc {name}."] for name in ("MaHoSoQuocGia", "MaHoSo")
              if not isinstance(body.get(name), str) or not body[name].strip()}
    if not errors and len(body["MaHoSo"].strip()) > 60:
        errors["MaHoSo"] = ["MaHoSo dài quá 60 ký tự."]
    if errors:
        return _refused("Dữ liệu không hợp lệ.", errors)
    code, province_code = body["MaHoSoQuocGia"].strip(), body["MaHoSo"].strip()
    try:
        dossier, changed = services.national_dossier_acknowledge(code=code, province_code=province_code, via="pull")
    except services.NotFound:
        return _refused(f"Không tìm thấy hồ sơ {code}.", code=v.NOT_FOUND, status=404)
    except services.Conflict as conflict:
        return _refused(str(conflict), code=v.CONFLICT, status=409)
    return answer_json(v.answer(v.OK, "Thành công" if changed else "Hồ sơ đã được xác nhận trước đó.", data={
        "MaHoSoQuocGia": dossier.code, "MaHoSo": dossier.province_code,
        "NgayXacNhan": timezone.localtime(dossier.acknowledged_at).strftime(v.DATE_FORMAT),
    }))


def _forwarding(dossier) -> dict:
    return {
        "MaHoSoQuocGia": dossier.code, "state": dossier.state, "MaHoSo": dossier.province_code,
        "acknowledged_by": dossier.acknowledged_by,
        "acknowledged_at": dossier.acknowledged_at.isoformat() if dossier.acknowledged_at else None,
        "refusal_message": dossier.refusal_message, "refusal_errors": dossier.refusal_errors,
        "next_attempt_at": dossier.next_attempt_at.isoformat() if dossier.next_attempt_at else None,
        "attempts": [{"at": a.at.isoformat(), "http_status": a.http_status, "outcome": a.outcome, "answer": a.answer}
                     for a in dossier.push_attempts.all()],
    }


@csrf_exempt
@require_http_methods(["GET", "POST"])
def push_control(request):
    """The forwarding controls. POST {"push_enabled": false} pauses the pusher, {"lose_pushes": true} makes
    each push a lost one (nothing sent, nothing acknowledged), missing keys stay; then one round is run now,
    paused or not, unless "run" is false. GET shows the controls, and with ?MaHoSoQuocGia= how that dossier's
    forwarding went (state, the province's code, every attempt)."""
    if not token_authorized(request):
        return answer_json(v.answer(v.BAD_TOKEN, "Mã xác thực (token) không hợp lệ."), 401)
    data = {}
    if request.method == "POST":
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            body = None
        if not isinstance(body, dict) or not all(isinstance(body.get(k, False), bool)
                                                 for k in ("push_enabled", "lose_pushes", "run")):
            return _refused("push_enabled, lose_pushes và run phải là true/false.")
        control = services.push_control_set(push_enabled=body.get("push_enabled"), lose_pushes=body.get("lose_pushes"))
        pushed = services.national_dossiers_push_due(manual=True) if body.get("run", True) else []
        data["pushed"] = [{"MaHoSoQuocGia": a.dossier.code, "outcome": a.outcome, "http_status": a.http_status}
                          for a in pushed]
    else:
        control = PushControl.current()
        code = request.GET.get("MaHoSoQuocGia", "").strip()
        if code:
            dossier = selectors.national_dossier_forwarding(code)
            if dossier is None:
                return _refused(f"Không tìm thấy hồ sơ {code}.", code=v.NOT_FOUND, status=404)
            data["dossier"] = _forwarding(dossier)
    return answer_json(v.answer(v.OK, "Thành công", data={
        "push_enabled": control.push_enabled, "lose_pushes": control.lose_pushes, **data,
    }))
