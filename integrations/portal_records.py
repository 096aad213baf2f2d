"""A dossier and its events in the National Public Service Portal's vocabulary: the dossier sync
(DongBoHoSoMC) and the progress record (CapNhatTienDoHoSoMC), dates as ``yyyyMMddHHmmss`` in
Asia/Ho_Chi_Minh. Built inside the action's transaction, so each record is the dossier as that action
left it; ``portal_reconcile`` builds the same record again to compare it with what the portal holds.
"""

import datetime as dt

from django.utils import timezone

from cases.actions import ACTIONS
from cases.models import (
    NATIONAL_DELIVERY,
    NATIONAL_OUTCOME,
    Dossier,
    DossierDocument,
    DossierEvent,
    Outcome,
    ResultDelivery,
)
from cases.workflow import NATIONAL_STATUS
from digitization.models import DigitizedDocument
from procedures.models import StaffRole

DATE_FORMAT = "%Y%m%d%H%M%S"
ROLE_TITLES = {
    StaffRole.RECEPTION_CLERK: "Cán bộ một cửa",
    StaffRole.SPECIALIST: "Chuyên viên",
    StaffRole.LEADER: "Lãnh đạo",
}


def national_date(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime(DATE_FORMAT) if value else ""


def _documents(dossier: Dossier) -> list[dict]:
    digitized = dict(
        DigitizedDocument.objects.filter(component__dossier=dossier, status=DigitizedDocument.Status.DONE)
        .values_list("component_id", "code")
    )
    documents = []
    for document in dossier.documents.select_related("requirement", "reused_from"):
        stored_code = document.reused_from.code if document.reused_from_id else digitized.get(document.pk, "")
        documents.append({
            "TepDinhKemId": str(document.pk),
            "TenTepDinhKem": document.original_name,
            "TenThanhPhanHoSo": (document.requirement.name if document.requirement_id else "")[:500],
            "MaThanhPhanHoSo": document.requirement.document_type_code if document.requirement_id else "",
            "MaHashTep": document.sha256,
            "DuocSoHoa": 1 if stored_code else 0,
            "DuocTaiSuDung": 1 if document.source == DossierDocument.Source.REUSE else 0,
            "MaGiayToSoHoa": stored_code or "",
        })
    return documents


def _fees(dossier: Dossier) -> list[dict]:
    request = dossier.events.filter(action="request_payment").order_by("-seq").first()
    if request is None:
        return []
    paid = dossier.state != "awaiting_payment"
    return [
        {
            "TenPhiLePhi": str(fee.get("name", ""))[:500] or "Phí, lệ phí",
            "MaPhiLePhi": str(fee.get("code", "")),
            "SoTien": int(fee["amount"]),
            "DaThanhToan": 1 if paid else 0,
            "HinhThucThu": 2 if dossier.paid_online else 1,  # 1 at the counter, 2 online
        }
        for fee in request.data.get("fees", [])
    ]


def _results(dossier: Dossier) -> list[dict]:
    results = DigitizedDocument.objects.filter(
        dossier=dossier, kind=DigitizedDocument.Kind.RESULT, status=DigitizedDocument.Status.DONE, revoked_at=None
    )
    return [
        {
            "TenGiayTo": result.document_type_name[:500],
            "MaGiayToKetQua": result.code,
            "SoKyHieu": result.number_symbol,
            "NgayKy": national_date(result.digitized_at),
            "MaHashTep": result.sha256,
        }
        for result in results
    ]


def dossier_record(dossier: Dossier) -> dict:
    """DongBoHoSoMC: the dossier as it stands."""
    version = dossier.version
    holder = dossier.holder or dossier.agency
    return {
        "MaHoSo": dossier.code,
        **({"MaHoSoQuocGia": dossier.national_reference} if dossier.national_reference else {}),
        "MaTTHC": dossier.procedure.code,
        "TenTTHC": version.name[:1000],
        "MaLinhVuc": version.field.code,
        "TenLinhVuc": version.field.name,
        "KenhThucHien": int(dossier.channel),
        "ChuHoSo": dossier.applicant_name,
        "SoGiayToChuHoSo": dossier.applicant_id_number,
        "LoaiDoiTuong": 2 if dossier.business_id else 1,  # 1 citizen, 2 organization
        "DiaChiChuHoSo": dossier.applicant_address,
        "TrangThaiHoSo": dossier.national_status,
        "NgayNopHoSo": national_date(dossier.submitted_at),
        "NgayTiepNhan": national_date(dossier.received_at),
        "NgayHenTra": national_date(dossier.due_at),
        "NgayKetThucXuLy": national_date(dossier.resolved_at),
        "NgayTra": national_date(dossier.returned_at),
        "DonViXuLy": holder.code,
        "TenDonViXuLy": holder.name,
        "MaDonViTiepNhan": dossier.agency.code,
        "HinhThucTraKetQua": NATIONAL_DELIVERY[ResultDelivery(dossier.delivery)],
        **({"KetQuaXuLy": NATIONAL_OUTCOME[Outcome(dossier.outcome)]} if dossier.outcome else {}),
        "SoLanBoSung": dossier.supplement_count,
        "ThanhToanTrucTuyen": 1 if dossier.paid_online else 0,
        "TaiKhoanDuocXacThucVoiVNeID": 1 if dossier.applicant_verified else 0,
        "DSKetNoiCSDL": [{"MaCSDL": db["code"], "TenCSDL": db["name"]} for db in dossier.national_databases],
        "TaiLieuNop": _documents(dossier),
        "DanhSachLePhi": _fees(dossier),
        "DanhSachGiayToKetQua": _results(dossier),
        **({"ToKhai": {"TenMau": str(version.form_schema.get("title", "")), "DuLieu": dossier.form_data}}
           if version.form_schema else {}),
    }


def _title(event: DossierEvent) -> str:
    actor = event.actor
    if actor is None:
        return "Hệ thống"
    if event.dossier.is_applicant(actor):
        return "Người nộp hồ sơ"
    membership = actor.staff_memberships.filter(agency_id=event.dossier.holder_id).first() or actor.staff_memberships.first()
    return ROLE_TITLES.get(membership.role, membership.get_role_display()) if membership else "Cán bộ"


def progress_record(event: DossierEvent) -> dict:
    """CapNhatTienDoHoSoMC: one step of the dossier's handling. ``SoThuTu`` is the event's number in the
    dossier's log, so the portal (and anyone) can check the order."""
    dossier = event.dossier
    content = ACTIONS[event.action].printed_name if event.action in ACTIONS else event.action
    if event.reason:
        content = f"{content}: {event.reason}"
    return {
        "MaHoSo": dossier.code,
        "SoThuTu": event.seq,
        "NguoiXuLy": event.actor_name or "Hệ thống",
        "ChucDanh": _title(event),
        "ThoiDiemXuLy": national_date(event.at),
        "PhongBanXuLy": (dossier.holder or dossier.agency).name,
        "NoiDungXuLy": content[:2000],
        "TrangThai": NATIONAL_STATUS.get(event.to_state),
        "NgayBatDau": national_date(event.at),
        "NgayKetThucTheoQuyDinh": national_date(dossier.step_due_at or dossier.due_at),
    }
