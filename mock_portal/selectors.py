"""Reads of the mock national services: a person of the population database as the national API answers
them and as VNeID's claims; the procedure catalog it serves; the dossiers filed online through it, as their
citizen sees them and as the province is sent them."""

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from core.text import fold

from . import vocabulary as v
from .models import Citizen, NationalDossier, Record

ASSURANCE_LEVEL = 2  # mức độ 2: identity checked in person against the population database
ACR = "vneid-loa2"


def vneid_subject(id_number: str) -> str:
    """The ``sub`` of a person at VNeID: stable and opaque (their number cannot be read back from it)."""
    return "vn-" + hashlib.sha256(f"vneid:{id_number}".encode()).hexdigest()[:24]


def citizen_get(id_number: str) -> Citizen | None:
    """The person with this number, with their household head and organization (one query)."""
    return Citizen.objects.select_related("household_head", "represents").filter(id_number=id_number).first()


def citizens_with_vneid() -> list[Citizen]:
    """Who can sign in at the mock VNeID, in the order they were added (one query)."""
    return list(Citizen.objects.filter(has_vneid=True).select_related("represents"))


def citizen_record(id_number: str) -> dict | None:
    """The person as the population API answers (CongDan), or None if unknown (two queries).

    QuanHeGiaDinh lists the other members of the person's household, each with their relation to its head
    (as the residence register keeps it: "Chủ hộ", "Vợ", "Con", ...) and their sex; QuanHeVoiChuHo is the
    person's own relation to the head; ChuHo is the head, the person themselves when they head it."""
    citizen = citizen_get(id_number)
    if citizen is None:
        return None
    head = citizen.household_head or citizen
    members = [head, *Citizen.objects.filter(household_head=head).order_by("birth_date", "id")]
    return {
        "SoDinhDanh": citizen.id_number,
        "HoVaTen": citizen.full_name,
        "NgaySinh": citizen.birth_date.isoformat(),
        "GioiTinh": citizen.get_gender_display(),
        "DanToc": citizen.ethnicity,
        "QuocTich": citizen.nationality,
        "NoiThuongTru": citizen.permanent_address,
        "NoiOHienTai": citizen.current_address,
        "QuanHeVoiChuHo": citizen.relation_to_head,
        "QuanHeGiaDinh": [
            {"QuanHe": member.relation_to_head, "HoVaTen": member.full_name, "SoDinhDanh": member.id_number,
             "NgaySinh": member.birth_date.isoformat(), "GioiTinh": member.get_gender_display()}
            for member in members if member.pk != citizen.pk
        ],
        "ChuHo": {"HoVaTen": head.full_name, "SoDinhDanh": head.id_number},
    }


def vneid_claims(id_number: str) -> dict:
    """What VNeID says of a signed-in person (the ID token's and userinfo's claims before scopes filter
    them); only ``sub`` for a number the population database does not know (one query)."""
    claims = {"sub": vneid_subject(id_number)}
    citizen = citizen_get(id_number)
    if citizen is None:
        return claims
    claims.update(
        so_dinh_danh=citizen.id_number,
        name=citizen.full_name,
        birthdate=citizen.birth_date.isoformat(),
        gender=citizen.gender,
        address={"formatted": citizen.permanent_address},
        acr=ACR,
        muc_do_dinh_danh=ASSURANCE_LEVEL,
    )
    if citizen.represents is not None:
        organization = citizen.represents
        claims["to_chuc"] = {"ma_so_thue": organization.tax_code, "ten": organization.name,
                             "dia_chi": organization.head_office, "vai_tro": "nguoi_dai_dien"}
    return claims


# --- The procedure catalog --------------------------------------------------------------------------------

ONLINE = "2"  # KENH of the online channel (trực tuyến) in CACHTHUCTHUCHIEN


@lru_cache(maxsize=1)
def catalog() -> tuple[dict, ...]:
    """The national procedure catalog the mock serves (MOCK_PORTAL_CATALOG), read once per process."""
    records = []
    for name in settings.MOCK_PORTAL_CATALOG:
        records += json.loads(Path(name).read_text(encoding="utf-8"))
    return tuple(records)


def procedure_get(code: str) -> dict | None:
    return next((r for r in catalog() if r.get("MATTHC") == code), None)


def _folded(text: str) -> str:
    """Lower case without diacritics (đ as d): "Đăng ký khai sinh" is found by "dang ky khai sinh"."""
    return " ".join(fold(str(text)).casefold().split())


def procedures_search(query: str) -> list[dict]:
    """The procedures whose code or name holds every word of ``query`` (case and diacritics aside), in the
    catalog's order; all of them for an empty query."""
    words = _folded(query).split()
    return [r for r in catalog()
            if all(w in _folded(f"{r.get('MATTHC', '')} {r.get('TENTTHC', '')}") for w in words)]


def online_channel(procedure: dict) -> dict | None:
    """The procedure's online channel (KENH 2) of CACHTHUCTHUCHIEN; None: it is not offered online."""
    return next((c for c in procedure.get("CACHTHUCTHUCHIEN") or [] if str(c.get("KENH")) == ONLINE), None)


@dataclass(frozen=True)
class Document:
    """A document of a procedure's file (THANHPHANHOSO[].GIAYTO[]): ``index`` in the flattened list (its upload
    is ``tep_<index>``), the case (TRUONGHOP) it belongs to, its name, and whether it must be attached."""

    index: int
    case: str
    title: str
    required: bool


def procedure_documents(procedure: dict) -> list[Document]:
    documents = []
    for case in procedure.get("THANHPHANHOSO") or []:
        for paper in case.get("GIAYTO") or []:
            documents.append(Document(index=len(documents), case=str(case.get("TRUONGHOP") or "").strip(),
                                      title=str(paper.get("TENGIAYTO") or "").strip(),
                                      required=str(paper.get("BATBUOC")) == "1"))
    return documents


def procedure_fees(procedure: dict) -> list[dict]:
    """The fees of the online channel as the dossier lists them (DanhSachLePhi: TenPhiLePhi, SoTien)."""
    channel = online_channel(procedure) or {}
    return [{"TenPhiLePhi": str(fee.get("LOAIPHILEPHI") or "Lệ phí"), "SoTien": int(fee.get("SOTIEN") or 0)}
            for period in channel.get("THOIGIAN") or [] for fee in period.get("PHILEPHI") or []]


# --- Dossiers filed online ----------------------------------------------------------------------------------


def national_dossiers_of(citizen: Citizen) -> list[NationalDossier]:
    """The dossiers ``citizen`` filed, newest first (one query)."""
    return list(NationalDossier.objects.filter(submitter=citizen).order_by("-id"))


def national_dossier_of(citizen: Citizen, code: str) -> NationalDossier | None:
    """One dossier ``citizen`` filed, with its documents and push attempts (three queries); None for another's."""
    return (NationalDossier.objects.filter(submitter=citizen, code=code)
            .prefetch_related("documents", "push_attempts").first())


def national_dossier_forwarding(code: str) -> NationalDossier | None:
    """A dossier with its push attempts, for the forwarding control (two queries)."""
    return NationalDossier.objects.filter(code=code).prefetch_related("push_attempts").first()


def dossiers_to_collect(limit: int) -> list[NationalDossier]:
    """What the province has not taken yet (neither acknowledged nor refused), oldest first, with their
    documents (two queries)."""
    final = (NationalDossier.State.ACKNOWLEDGED, NationalDossier.State.REFUSED)
    return list(NationalDossier.objects.exclude(state__in=final).order_by("id").prefetch_related("documents")[:limit])


def national_dossier_progress(dossier: NationalDossier) -> list[dict]:
    """What the province reported of the dossier (DongBoHoSoMC and CapNhatTienDoHoSoMC records naming its
    MaHoSoQuocGia, or the province's code once acknowledged), newest first, each status by its name (one
    query)."""
    matches = Q(national_code=dossier.code)
    if dossier.province_code:
        matches |= Q(ma_ho_so=dossier.province_code)
    records = Record.objects.filter(matches, kind__in=[Record.Kind.SYNC, Record.Kind.PROGRESS]).order_by("-id")
    steps = []
    for record in records:
        data = record.data
        if record.kind == Record.Kind.PROGRESS:
            when, text = data.get("ThoiDiemXuLy"), data.get("NoiDungXuLy", "")
            who = ", ".join(str(x) for x in (data.get("NguoiXuLy"), data.get("PhongBanXuLy")) if x)
        else:
            when, text, who = data.get("NgayTiepNhan") or data.get("NgayNopHoSo"), "", data.get("DonViXuLy", "")
        steps.append({
            "kind": record.get_kind_display(), "status": record.status, "status_name": v.status_name(record.status),
            "text": text, "who": who, "when": v.parse_date(when) if when else None,
            "due": v.parse_date(data["NgayHenTra"]) if data.get("NgayHenTra") else None,
            "province_code": record.ma_ho_so, "received_at": record.received_at,
        })
    return steps


def refusal_reasons(dossier: NationalDossier) -> list[str]:
    """The province's reasons for refusing the dossier, as lines."""
    errors = dossier.refusal_errors
    if isinstance(errors, dict):
        return [f"{name}: {', '.join(map(str, e)) if isinstance(e, list) else e}" for name, e in errors.items()]
    return [e if isinstance(e, str) else json.dumps(e, ensure_ascii=False) for e in errors or []]


def files_base(fallback: str) -> str:
    """The base of the document links the province's server is given: MOCK_PORTAL_INTERNAL_URL, else
    MOCK_PORTAL_PUBLIC_URL, else ``fallback`` (the address a request came to)."""
    return (settings.MOCK_PORTAL_INTERNAL_URL or settings.MOCK_PORTAL_PUBLIC_URL or fallback).rstrip("/")


def dossier_payload(dossier: NationalDossier, base: str) -> dict:
    """The dossier as the province is sent it (pushed, or pulled from LayDanhSachHoSoMoi), its documents'
    links under ``base``. Uses ``dossier.documents`` (prefetch it)."""
    return {
        "MaHoSoQuocGia": dossier.code,
        "MaTTHC": dossier.procedure_code,
        "TenTTHC": dossier.procedure_name,
        "MaDonViTiepNhan": dossier.agency_code,
        "ChuHoSo": dossier.applicant_name,
        "SoGiayToChuHoSo": dossier.applicant_id,
        "LoaiDoiTuong": dossier.applicant_type,
        "DiaChiChuHoSo": dossier.applicant_address,
        "SoDienThoai": dossier.phone,
        "Email": dossier.email,
        "NgayNopHoSo": timezone.localtime(dossier.submitted_at).strftime(v.DATE_FORMAT),
        "KenhThucHien": 2,
        "TaiKhoanDuocXacThucVoiVNeID": 1,
        "SoDinhDanhNguoiNop": dossier.submitter_id_number,
        "NoiDungYeuCau": dossier.request_text,
        "TaiLieuNop": [
            {"TenGiayTo": document.title, "TenTepDinhKem": document.file_name,
             "DuongDanTep": base + reverse("national-file", args=[document.pk, document.token]),
             "MaHash": document.sha256, "KichThuoc": document.size, "LoaiTep": document.content_type}
            for document in dossier.documents.all()
        ],
        "DanhSachLePhi": dossier.fees,
    }
