"""The national vocabulary the mock portal checks, as the real one does: a dossier sync (DongBoHoSoMC) and
a progress record (CapNhatTienDoHoSoMC), with their answers ({"error_code": "0", "message": ...}); the
statuses by name; the reference of a dossier filed online through the national portal (MaHoSoQuocGia); and
the numbers of the population database (personal identification numbers, tax codes).

Pure functions on dicts, no database: the portal's own tests use them too. Messages are Vietnamese, as
the national portal's are. Dates are ``yyyyMMddHHmmss`` in Asia/Ho_Chi_Minh.
"""

import datetime as dt
import hashlib
import json
import re

DATE_FORMAT = "%Y%m%d%H%M%S"
# TrangThaiHoSo (and a progress record's TrangThai), by its Vietnamese name.
STATUSES = {
    1: "Mới đăng ký",
    2: "Đã tiếp nhận",
    3: "Không được tiếp nhận",
    4: "Đang xử lý",
    5: "Yêu cầu bổ sung",
    6: "Yêu cầu thực hiện nghĩa vụ tài chính",
    7: "Công dân yêu cầu rút hồ sơ",
    8: "Dừng xử lý",
    9: "Đã có kết quả",
    10: "Đã trả kết quả",
}
CHANNELS = (1, 2, 3)  # KenhThucHien: counter, online, post

OK = "0"
INVALID = "1"
BAD_TOKEN = "401"  # noqa: S105 - an error code, not a password
NOT_FOUND = "404"
CONFLICT = "409"
UNAVAILABLE = "503"

SYNC_REQUIRED = ("MaHoSo", "MaTTHC", "TenTTHC", "KenhThucHien", "ChuHoSo", "SoGiayToChuHoSo", "TrangThaiHoSo",
                 "NgayNopHoSo", "DonViXuLy")
SYNC_DATES = ("NgayNopHoSo", "NgayTiepNhan", "NgayHenTra", "NgayKetThucXuLy", "NgayTra")
SYNC_LISTS = ("TaiLieuNop", "DanhSachLePhi", "DanhSachGiayToKetQua")
# Statuses only a received dossier can have: it has a reception and an appointment date. A dossier can be
# refused (3), sent back for a supplement (5) or withdrawn (7) before anyone received it.
RECEIVED_ONLY = (2, 4, 6, 8, 9, 10)
PROGRESS_REQUIRED = ("MaHoSo", "NguoiXuLy", "ThoiDiemXuLy", "PhongBanXuLy", "NoiDungXuLy", "TrangThai")
# The national portal's own reference of a dossier filed online through it (MaHoSoQuocGia): QG-yymmdd-nnnnnn,
# the day it was filed (Asia/Ho_Chi_Minh) and its number that day, from 1, without gaps.
NATIONAL_CODE = re.compile(r"QG-[0-9]{6}-[0-9]{6}")
NATIONAL_CODE_ERROR = "MaHoSoQuocGia phải có dạng QG-yymmdd-nnnnnn."


def answer(code: str, message: str, **extra) -> dict:
    return {"error_code": code, "message": message, **extra}


def digest(record: dict) -> str:
    """The record's identity: the SHA-256 of its canonical JSON (keys sorted, no spaces)."""
    canonical = json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def parse_date(value) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(str(value), DATE_FORMAT)
    except ValueError:
        return None


def _missing(record: dict, names) -> list[str]:
    return [f"Thiếu trường bắt buộc {name}." for name in names if record.get(name) in (None, "", [])]


def _int_in(value, allowed) -> bool:
    try:
        return int(value) in allowed
    except (TypeError, ValueError):
        return False


def status_name(value) -> str:
    """TrangThaiHoSo's Vietnamese name ("" for a value that is not one)."""
    try:
        return STATUSES.get(int(value), "")
    except (TypeError, ValueError):
        return ""


def national_code(day: dt.date, number: int) -> str:
    """MaHoSoQuocGia of the ``number``-th dossier filed on ``day`` (1 ≤ number ≤ 999999)."""
    if not 1 <= number <= 999_999:
        raise ValueError(f"the day's sequence is 1 to 999999, not {number}")
    return f"QG-{day:%y%m%d}-{number:06d}"


def _national_code_errors(record: dict) -> list[str]:
    """An optional MaHoSoQuocGia (a dossier filed online through the national portal) must be well formed."""
    value = record.get("MaHoSoQuocGia")
    if value in (None, ""):
        return []
    return [] if NATIONAL_CODE.fullmatch(str(value)) else [NATIONAL_CODE_ERROR]


def sync_errors(record) -> list[str]:
    """Why a dossier sync is refused (empty: accepted). MaHoSoQuocGia, optional, links a dossier filed online
    through the national portal to the province's record of it."""
    if not isinstance(record, dict):
        return ["Bản ghi hồ sơ phải là một đối tượng JSON."]
    errors = _missing(record, SYNC_REQUIRED) + _national_code_errors(record)
    if record.get("KenhThucHien") not in (None, "") and not _int_in(record["KenhThucHien"], CHANNELS):
        errors.append("KenhThucHien phải là 1 (trực tiếp), 2 (trực tuyến) hoặc 3 (bưu chính).")
    status = record.get("TrangThaiHoSo")
    if status not in (None, "") and not _int_in(status, STATUSES):
        errors.append("TrangThaiHoSo phải là số từ 1 đến 10.")
    for name in SYNC_DATES:
        if record.get(name) not in (None, "") and parse_date(record[name]) is None:
            errors.append(f"{name} phải có dạng yyyyMMddHHmmss.")
    if _int_in(status, RECEIVED_ONLY):
        errors += [f"Hồ sơ đã tiếp nhận phải có {name}." for name in ("NgayTiepNhan", "NgayHenTra")
                   if record.get(name) in (None, "")]
    for name in SYNC_LISTS:
        if name in record and not (isinstance(record[name], list) and all(isinstance(i, dict) for i in record[name])):
            errors.append(f"{name} phải là một danh sách các đối tượng.")
    received, due = parse_date(record.get("NgayTiepNhan", "")), parse_date(record.get("NgayHenTra", ""))
    if received and due and due < received:
        errors.append("NgayHenTra không được trước NgayTiepNhan.")
    return errors


def progress_errors(record) -> list[str]:
    """Why a progress record is refused (empty: accepted)."""
    if not isinstance(record, dict):
        return ["Bản ghi tiến độ phải là một đối tượng JSON."]
    errors = _missing(record, PROGRESS_REQUIRED) + _national_code_errors(record)
    if record.get("ThoiDiemXuLy") not in (None, "") and parse_date(record["ThoiDiemXuLy"]) is None:
        errors.append("ThoiDiemXuLy phải có dạng yyyyMMddHHmmss.")
    if record.get("TrangThai") not in (None, "") and not _int_in(record["TrangThai"], STATUSES):
        errors.append("TrangThai phải là số từ 1 đến 10.")
    return errors


PHONE = re.compile(r"^(0|84)(3|5|7|8|9)[0-9]{8}$")  # a Vietnamese mobile number
MAX_MESSAGE = 1000


def message_errors(body) -> list[str]:
    """Why the SMS or Zalo gateway refuses a message (empty: sent)."""
    if not isinstance(body, dict):
        return ["Nội dung gửi phải là một đối tượng JSON."]
    errors = []
    phone = str(body.get("phone", "")).replace(" ", "")
    if not PHONE.match(phone):
        errors.append("Số điện thoại di động không hợp lệ.")
    text = str(body.get("message", "")).strip()
    if not text:
        errors.append("Thiếu nội dung tin nhắn.")
    elif len(text) > MAX_MESSAGE:
        errors.append(f"Tin nhắn dài quá {MAX_MESSAGE} ký tự.")
    if len(str(body.get("reference", ""))) > 100:
        errors.append("Mã tham chiếu dài quá 100 ký tự.")
    return errors


# MucDoHaiLong, the three answers of a citizen's rating (Decision 766): 1 very satisfied, 2 satisfied,
# 3 not satisfied.
SATISFACTION = {1: "Rất hài lòng", 2: "Hài lòng", 3: "Không hài lòng"}
RATING_REQUIRED = ("MaHoSo", "MucDoHaiLong", "ThoiDiemDanhGia")


def rating_errors(record) -> list[str]:
    """Why a rating (DanhGiaHoSo) is refused (empty: accepted). A rating names the dossier, one of the three
    answers, when it was given, and optionally the criteria the province asks (TieuChi: [{MaTieuChi,
    MucDoHaiLong}]) and a comment (NoiDung)."""
    if not isinstance(record, dict):
        return ["Bản ghi đánh giá phải là một đối tượng JSON."]
    errors = _missing(record, RATING_REQUIRED)
    if record.get("MucDoHaiLong") not in (None, "") and not _int_in(record["MucDoHaiLong"], SATISFACTION):
        errors.append("MucDoHaiLong phải là 1 (rất hài lòng), 2 (hài lòng) hoặc 3 (không hài lòng).")
    if record.get("ThoiDiemDanhGia") not in (None, "") and parse_date(record["ThoiDiemDanhGia"]) is None:
        errors.append("ThoiDiemDanhGia phải có dạng yyyyMMddHHmmss.")
    criteria = record.get("TieuChi", [])
    if not isinstance(criteria, list) or not all(
        isinstance(c, dict) and c.get("MaTieuChi") and _int_in(c.get("MucDoHaiLong"), SATISFACTION) for c in criteria
    ):
        errors.append("TieuChi phải là danh sách {MaTieuChi, MucDoHaiLong} với MucDoHaiLong từ 1 đến 3.")
    if len(str(record.get("NoiDung", ""))) > 2000:
        errors.append("NoiDung dài quá 2000 ký tự.")
    return errors


# The national population database (CSDL quốc gia về dân cư) and VNeID: a personal identification number
# (số định danh cá nhân) is 12 digits; a tax code (mã số thuế) 10, or 13 for a branch (written with or
# without the dash before its last three digits). ASCII digits only: \d would take any script's digits.
ID_NUMBER = re.compile(r"[0-9]{12}")
TAX_CODE = re.compile(r"[0-9]{10}(?:[0-9]{3})?")


def id_number_error(value) -> str | None:
    """Why ``value`` is not a personal identification number (None: it is one)."""
    if not ID_NUMBER.fullmatch(str(value or "")):
        return "Số định danh cá nhân phải gồm đúng 12 chữ số."
    return None


def tax_code(value) -> str | None:
    """``value`` as a tax code of 10 or 13 digits, spaces and the branch dash dropped (None: not one)."""
    digits = str(value or "").replace(" ", "").replace("-", "")
    return digits if TAX_CODE.fullmatch(digits) else None
