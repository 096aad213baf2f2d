"""Dossiers that arrive from the National Public Service Portal, and the catalog that comes from it.

Citizens submit on the national portal (since July 2025 they are steered there); it forwards each dossier to
the province, which works it as its back office. Two ways in, one path:

- **push**: the portal posts the dossier to ``POST /api/v1/national/dossiers/``, signed with the shared
  secret (``NATIONAL_INBOUND_SECRET``: HMAC-SHA256 over ``timestamp + "." + body``), and retries on its own
  until it gets an answer it can act on;
- **pull**: beat asks the portal for the dossiers it has not had acknowledged (``LayDanhSachHoSoMoi``), so a
  lost push is picked up; each is acknowledged (``XacNhanHoSo``) only once it is stored.

Both go through ``receive``: the dossier is checked against the catalog (the procedure, the receiving agency,
the mandatory documents), its documents are fetched from the portal's links (only the portal's own address:
no other host is ever fetched) and checked against their hashes, then it is created as ``submitted`` in one
transaction. The same national reference twice gives the same dossier; a refusal leaves no dossier and no
file, and is recorded with its reasons for the sync desk. Answers use the national envelope and codes:
"0" stored, "1" invalid, "401" bad signature, "404" unknown procedure, "422" a document that fails its hash or
cannot be read, "503" the portal's files could not be fetched now (the portal sends it again).

The answers' words are Vietnamese, as the national portal's own are (they are shown to its citizens).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import logging
import re
import unicodedata
from collections.abc import Iterable
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Business, CitizenProfile
from cases import services as cases
from cases.models import Dossier
from cases.uploads import check_upload
from procedures.models import Agency, Procedure

from .models import CatalogSync, InboundDossier
from .national_portal import NationalPortal, PortalError

logger = logging.getLogger(__name__)

OK, INVALID, BAD_SIGNATURE, UNKNOWN_PROCEDURE, BAD_DOCUMENT, UNAVAILABLE = "0", "1", "401", "404", "422", "503"
HTTP = {OK: 200, INVALID: 400, BAD_SIGNATURE: 401, UNKNOWN_PROCEDURE: 404, BAD_DOCUMENT: 422, UNAVAILABLE: 503}
DATE_FORMAT = "%Y%m%d%H%M%S"
REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{2,39}$")
HASH = re.compile(r"^[0-9a-fA-F]{64}$")


@dataclasses.dataclass
class Answer:
    """What the province answers the portal: the national code, a message, the reasons, the dossier."""

    code: str
    message: str
    errors: list[str] = dataclasses.field(default_factory=list)
    dossier: Dossier | None = None

    @property
    def http_status(self) -> int:
        return HTTP.get(self.code, 400)

    def body(self) -> dict:
        body: dict[str, object] = {"error_code": self.code, "message": self.message}
        if self.errors:
            body["errors"] = self.errors
        if self.dossier is not None:
            body["data"] = {"MaHoSo": self.dossier.code, "MaHoSoQuocGia": self.dossier.national_reference}
        return body


class _Refused(Exception):
    def __init__(self, code: str, message: str, errors: list[str] | None = None):
        super().__init__(message)
        self.code, self.message, self.errors = code, message, errors or []


# --- the signature --------------------------------------------------------------------------------------
def signature_valid(body: bytes, timestamp: str, signature: str, *, now: dt.datetime | None = None) -> bool:
    """The push was signed with the shared secret, within ``NATIONAL_INBOUND_MAX_SKEW_SECONDS`` of now (an
    old request replayed is refused even with its signature)."""
    secret = settings.NATIONAL_INBOUND_SECRET
    if not secret or not timestamp or not signature:
        return False
    try:
        moment = int(timestamp)
    except ValueError:
        return False
    now = now or timezone.now()
    if abs(now.timestamp() - moment) > settings.NATIONAL_INBOUND_MAX_SKEW_SECONDS:
        return False
    expected = hmac.new(secret.encode(), f"{moment}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(signature.strip(), f"sha256={expected}")


# --- checking against the catalog ------------------------------------------------------------------------
def _text(value) -> str:
    return " ".join(unicodedata.normalize("NFC", str(value or "")).split())


def _key(name: str) -> str:
    return _text(name).casefold().rstrip(".;:")


@dataclasses.dataclass
class _Plan:
    reference: str
    procedure: Procedure
    agency: Agency
    applicant: dict
    documents: list[tuple]  # (requirement or None, name, url, sha256, size)
    submitted_at: dt.datetime
    verified: bool
    request_details: str
    person_number: str
    organization: bool


def _submitted_at(value: str) -> dt.datetime:
    """The portal's submission time; now if it is missing, unreadable or not plausible."""
    now = timezone.now()
    try:
        moment = dt.datetime.strptime(str(value), DATE_FORMAT).replace(tzinfo=timezone.get_default_timezone())
    except ValueError:
        return now
    return moment if now - dt.timedelta(days=30) <= moment <= now + dt.timedelta(minutes=5) else now


def _portal_origin() -> tuple[str, str]:
    parts = urlsplit(settings.NATIONAL_PORTAL_URL)
    return parts.scheme, parts.netloc


LOCAL_GOVERNMENT = re.compile(r"^ủy ban nhân dân\s+", re.IGNORECASE)


def _by_residence(agencies: list[Agency], address: str) -> Agency | None:
    """The one commune among ``agencies`` named in the applicant's address (a commune-level procedure is
    filed where the applicant lives): "Ủy ban nhân dân phường Thanh Khê" for "…, phường Thanh Khê, …"."""
    where = address.casefold()
    found = [a for a in agencies if a.level == a.Level.COMMUNE and where
             and LOCAL_GOVERNMENT.sub("", _text(a.name)).casefold() in where]
    return found[0] if len(found) == 1 else None


def _plan(payload: dict, reference: str) -> _Plan:
    errors = [f"Thiếu trường bắt buộc {name}." for name in ("MaTTHC", "ChuHoSo", "SoGiayToChuHoSo")
              if not _text(payload.get(name))]
    documents = payload.get("TaiLieuNop")
    if not isinstance(documents, list) or not all(isinstance(d, dict) for d in documents):
        errors.append("TaiLieuNop phải là một danh sách các đối tượng.")
        documents = []
    if errors:
        raise _Refused(INVALID, "Hồ sơ không hợp lệ.", errors)
    code = _text(payload["MaTTHC"])
    procedure = (Procedure.objects.select_related("current_version").filter(code=code, is_active=True)
                 .exclude(current_version=None).first())
    if procedure is None:
        raise _Refused(UNKNOWN_PROCEDURE, f"Thủ tục {code} không có trong danh mục thủ tục hành chính của tỉnh.")
    version = procedure.current_version
    assert version is not None  # the query above excludes procedures without a current version
    if not version.online_submission_open:
        raise _Refused(INVALID, f"Thủ tục {code} không tiếp nhận hồ sơ trực tuyến.")
    agencies = list(version.agencies.filter(is_active=True).order_by("path"))
    wanted = _text(payload.get("MaDonViTiepNhan"))
    if wanted:
        agency = next((a for a in agencies if a.code == wanted), None)
        if agency is None:
            raise _Refused(INVALID, f"Cơ quan {wanted} không giải quyết thủ tục {code}.")
    elif len(agencies) == 1:
        agency = agencies[0]
    else:
        agency = _by_residence(agencies, _text(payload.get("DiaChiChuHoSo")))
        if agency is None:
            raise _Refused(INVALID, "Cần ghi MaDonViTiepNhan: thủ tục này do nhiều cơ quan giải quyết ("
                           + ", ".join(a.code for a in agencies) + ").")

    requirements = {_key(r.name): r for r in version.documents.all()}
    scheme, host = _portal_origin()
    planned, problems = [], []
    for n, item in enumerate(documents, start=1):
        name = _text(item.get("TenTepDinhKem")) or f"tep-{n}"
        url, digest = str(item.get("DuongDanTep", "")), str(item.get("MaHash", ""))
        parts = urlsplit(url)
        if parts.scheme != scheme or parts.netloc != host:
            problems.append(f"Tệp {name}: đường dẫn không thuộc Cổng Dịch vụ công quốc gia.")
            continue
        if not HASH.match(digest):
            problems.append(f"Tệp {name}: thiếu MaHash (SHA-256).")
            continue
        planned.append((requirements.get(_key(item.get("TenGiayTo", ""))), name, url, digest.lower(),
                        item.get("KichThuoc")))
    given = {r.pk for r, *_rest in planned if r is not None}
    missing = [r for r in version.documents.all() if r.mandatory and r.pk not in given]
    problems += [f"Thiếu giấy tờ bắt buộc: {r.name[:200]}" for r in missing]
    if problems:
        raise _Refused(INVALID, "Hồ sơ không hợp lệ.", problems)

    person = _text(payload.get("SoDinhDanhNguoiNop")) or _text(payload["SoGiayToChuHoSo"])
    return _Plan(
        reference=reference, procedure=procedure, agency=agency,
        applicant={"name": _text(payload["ChuHoSo"]), "id_number": re.sub(r"\s", "", str(payload["SoGiayToChuHoSo"])),
                   "address": _text(payload.get("DiaChiChuHoSo")), "phone": _text(payload.get("SoDienThoai")),
                   "email": _text(payload.get("Email"))},
        documents=planned, submitted_at=_submitted_at(payload.get("NgayNopHoSo", "")),
        verified=str(payload.get("TaiKhoanDuocXacThucVoiVNeID", "")) == "1",
        request_details=_text(payload.get("NoiDungYeuCau")), person_number=person,
        organization=str(payload.get("LoaiDoiTuong", "1")) == "2",
    )


class _Unavailable(Exception):
    pass


def _fetch(plan: _Plan) -> list[tuple]:
    """Each document from the portal (with the portal's token), its size bounded and its hash checked; the
    files as ``_store_documents`` takes them."""
    files = []
    for requirement, name, url, digest, _size in plan.documents:
        limit = (requirement.max_size_mb if requirement is not None else 10) * 1024 * 1024
        try:
            with httpx.stream("GET", url, timeout=settings.GATEWAY_TIMEOUT_SECONDS, follow_redirects=False,
                              headers={"Authorization": f"Bearer {settings.NATIONAL_PORTAL_TOKEN}"}) as response:
                if response.status_code >= 500:
                    raise _Unavailable(f"{name}: HTTP {response.status_code}")
                if response.status_code != 200:
                    raise _Refused(BAD_DOCUMENT, "Không tải được tệp hồ sơ.",
                                   [f"Tệp {name}: Cổng trả lời HTTP {response.status_code}."])
                content = b""
                for chunk in response.iter_bytes():
                    content += chunk
                    if len(content) > limit:
                        raise _Refused(BAD_DOCUMENT, "Tệp hồ sơ quá lớn.",
                                       [f"Tệp {name} lớn hơn {limit // (1024 * 1024)} MB."])
        except httpx.HTTPError as error:
            raise _Unavailable(f"{name}: {error}") from error
        if hashlib.sha256(content).hexdigest() != digest:
            raise _Refused(BAD_DOCUMENT, "Tệp hồ sơ không khớp mã băm.",
                           [f"Tệp {name} không khớp MaHash: tệp đã bị thay đổi hoặc tải không trọn vẹn."])
        try:
            content_type, content = check_upload(SimpleUploadedFile(name, content), requirement=requirement)
        except ValidationError as error:
            raise _Refused(BAD_DOCUMENT, "Tệp hồ sơ không đọc được.", [f"Tệp {name}: loại tệp không được chấp nhận."]) from error
        files.append((requirement, name, content_type, content))
    return files


def _owner(plan: _Plan):
    """The province's account of the person who submitted (by ID number), and the business they filed for."""
    profile = CitizenProfile.objects.select_related("user").filter(id_number=plan.person_number).first()
    owner = profile.user if profile is not None else None
    business = None
    if plan.organization and owner is not None:
        business = Business.objects.filter(tax_code=plan.applicant["id_number"], memberships__user=owner).first()
    return owner, business


# --- receiving ---------------------------------------------------------------------------------------------
def _record(reference: str, payload: dict, channel: str, **fields) -> InboundDossier:
    now = timezone.now()
    record, created = InboundDossier.objects.get_or_create(
        national_reference=reference,
        defaults={"channel": channel, "payload": payload, "first_received_at": now, "last_received_at": now,
                  "times_received": 1, "procedure_code": _text(payload.get("MaTTHC"))[:40],
                  "applicant_name": _text(payload.get("ChuHoSo"))[:255], **fields},
    )
    if not created:
        record.payload, record.last_received_at = payload, now
        record.times_received += 1
        for name, value in fields.items():
            setattr(record, name, value)
        record.save()
    return record


def receive(*, payload, channel: str = InboundDossier.Channel.PUSH) -> Answer:
    """Take one dossier from the national portal; what to answer it."""
    if not isinstance(payload, dict):
        return Answer(INVALID, "Bản ghi hồ sơ phải là một đối tượng JSON.")
    reference = _text(payload.get("MaHoSoQuocGia"))
    if not REFERENCE.match(reference):
        return Answer(INVALID, "Hồ sơ không hợp lệ.", ["Thiếu hoặc sai MaHoSoQuocGia."])
    known = InboundDossier.objects.select_related("dossier").filter(national_reference=reference).first()
    if known is not None and known.dossier is not None:
        _record(reference, known.payload, channel)  # counted; the first record stays the one stored
        return Answer(OK, "Hồ sơ đã được tiếp nhận trước đó.", dossier=known.dossier)
    try:
        plan = _plan(payload, reference)
        files = _fetch(plan)
        owner, business = _owner(plan)
        dossier = cases.dossier_national_create(
            reference=reference, procedure=plan.procedure, agency=plan.agency, applicant=plan.applicant,
            files=files, submitted_at=plan.submitted_at, verified=plan.verified,
            request_details=plan.request_details, owner=owner, business=business, came_by=channel,
        )
    except _Refused as refused:
        _record(reference, payload, channel, status=InboundDossier.Status.REFUSED, answer_code=refused.code,
                errors=[refused.message, *refused.errors])
        return Answer(refused.code, refused.message, refused.errors)
    except _Unavailable as error:
        logger.warning("national dossier %s: documents not fetched: %s", reference, error)
        _record(reference, payload, channel, status=InboundDossier.Status.FAILING, answer_code=UNAVAILABLE,
                errors=[f"Không tải được tệp từ Cổng: {error}"])
        return Answer(UNAVAILABLE, "Chưa tải được tệp hồ sơ từ Cổng; vui lòng gửi lại sau.")
    except IntegrityError:
        # The same reference stored meanwhile (a push and a pull at once): the first one is the dossier.
        dossier = Dossier.objects.filter(national_reference=reference).first()
        if dossier is None:
            raise
        _record(reference, payload, channel, status=InboundDossier.Status.STORED, dossier=dossier)
        return Answer(OK, "Hồ sơ đã được tiếp nhận trước đó.", dossier=dossier)
    _record(reference, payload, channel, status=InboundDossier.Status.STORED, dossier=dossier, answer_code=OK,
            errors=[], stored_at=timezone.now(),
            acknowledged_at=timezone.now() if channel == InboundDossier.Channel.PUSH else None)
    return Answer(OK, "Đã tiếp nhận hồ sơ.", dossier=dossier)


def inbound_retry(*, inbound: InboundDossier, actor=None) -> Answer:
    """Take a refused or failing dossier again from what the portal sent (after the catalog or an agency was
    corrected, or the portal's files came back)."""
    answer = receive(payload=inbound.payload, channel=inbound.channel)
    logger.info("inbound %s retried by %s: %s", inbound.national_reference, actor, answer.code)
    return answer


def pull(*, portal: NationalPortal | None = None) -> dict:
    """Ask the portal for the dossiers it has not had acknowledged and take each; acknowledge each stored
    one. A dossier refused before with the same record is not fetched again. Counts by outcome."""
    portal = portal or NationalPortal()
    counts = {"stored": 0, "refused": 0, "failing": 0, "acknowledged": 0}
    # The items of the portal's JSON list, not checked there (``new_dossiers`` says dict): one that is not an
    # object is refused by ``receive``.
    received: Iterable[object] = portal.new_dossiers()
    for payload in received:
        reference = _text(payload.get("MaHoSoQuocGia")) if isinstance(payload, dict) else ""
        known = InboundDossier.objects.filter(national_reference=reference).first()
        if known is not None and known.status == InboundDossier.Status.REFUSED and known.payload == payload:
            counts["refused"] += 1
            continue
        answer = receive(payload=payload, channel=InboundDossier.Channel.PULL)
        if answer.code != OK:
            counts["failing" if answer.code == UNAVAILABLE else "refused"] += 1
            continue
        counts["stored"] += 1
        dossier = answer.dossier
        # An answer "0" always carries its dossier, received from the portal as submitted and so with a code.
        assert dossier is not None and dossier.code is not None
        try:
            portal.acknowledge(reference, dossier.code)
        except PortalError as error:
            logger.warning("national dossier %s stored but not acknowledged: %s", reference, error)
            continue
        InboundDossier.objects.filter(national_reference=reference).update(acknowledged_at=timezone.now())
        counts["acknowledged"] += 1
    return counts


# --- the catalog ------------------------------------------------------------------------------------------
def catalog_sync(*, dry_run: bool = False, portal: NationalPortal | None = None) -> CatalogSync:
    """Import the catalog the national portal serves (LayDanhSachTTHC), all or nothing, and record the run."""
    from procedures.services import catalog_import

    run = CatalogSync(started_at=timezone.now(), status=CatalogSync.Status.FAILED)
    try:
        records = (portal or NationalPortal()).catalog()
        report = catalog_import(records=records, source="LayDanhSachTTHC", dry_run=dry_run)
    except PortalError as error:
        run.errors = [str(error)]
    else:
        run.total, run.errors = report.total, [str(e) for e in report.errors][:200]
        run.created, run.updated, run.unchanged = report.created, report.updated, report.unchanged
        run.status = CatalogSync.Status.FAILED if report.errors else CatalogSync.Status.OK
    run.finished_at = timezone.now()
    if not dry_run:
        with transaction.atomic():
            run.save()
    return run
