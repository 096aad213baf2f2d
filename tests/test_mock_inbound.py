"""Filing online through the mock national portal, and its forwarding to the province, with the mock as a real
process (gunicorn, as `make run` and docker compose start it) and a stand-in province: a small HTTP server of
this test that checks each push's signature exactly as documented and answers as each test tells it.

Covered: the citizen's pages (catalog and search, sign-in at the mock VNeID, the form and its refusals, the
reference, the list and the detail page), the NopHoSo API and its refusals, the signed push and its payload,
the documents behind it, refusals for good, retries with backoff, pushes lost on purpose and the pull fallback
(LayDanhSachHoSoMoi, XacNhanHoSo), the pause and a manual round, the province's status records on the
citizen's page, and the day's numbering under concurrent submissions."""

import hashlib
import hmac
import json
import os
import re
import sqlite3
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from integrations.tests.live import manage, mock_env, mock_process, wait_until

TOKEN = "inbound-test-token-" + os.urandom(4).hex()
SECRET = "inbound-test-secret-" + os.urandom(4).hex()
# The pushes' backoff here: 0.4 s, 0.8 s, then 1 s (the cap), given up at the 6th failed attempt.
BACKOFF, CAP, MAX_ATTEMPTS = 0.4, 1.0, 6
LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
INBOUND_PATH = "/api/v1/national/dossiers/"

AN, MAI, BINH = "048090001234", "048195007788", "048185004321"
ORGANIZATION = ("0401001233", "Công ty TNHH Thương mại Sông Hàn", "88 Bạch Đằng, phường Hải Châu, thành phố Đà Nẵng")
BIRTH = "1.001193"  # đăng ký khai sinh: 8 documents in two cases, the 4th (tep_3, Giấy chứng sinh) required
PASSPORT = "1.001456"  # hộ chiếu: 5 documents, all required; an online fee of 160 000 đồng
COUNTER_ONLY = "1.012812"  # hòa giải tranh chấp đất đai: not offered online

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + os.urandom(64)
PNG = b"\x89PNG\r\n\x1a\n" + os.urandom(64)

PAYLOAD_KEYS = {"MaHoSoQuocGia", "MaTTHC", "TenTTHC", "MaDonViTiepNhan", "ChuHoSo", "SoGiayToChuHoSo", "LoaiDoiTuong",
                "DiaChiChuHoSo", "SoDienThoai", "Email", "NgayNopHoSo", "KenhThucHien", "TaiKhoanDuocXacThucVoiVNeID",
                "SoDinhDanhNguoiNop", "NoiDungYeuCau", "TaiLieuNop", "DanhSachLePhi"}
DOCUMENT_KEYS = {"TenGiayTo", "TenTepDinhKem", "DuongDanTep", "MaHash", "KichThuoc", "LoaiTep"}


# --- The stand-in province ------------------------------------------------------------------------------


@dataclass
class Push:
    """One request the stand-in province received: its headers, raw body, whether it checked out, when."""

    headers: dict
    raw: bytes
    verified: bool
    at: float
    payload: dict | None = None


def accept(code: str) -> tuple[int, dict]:
    """The province takes the dossier: its own code, the same for the same national reference."""
    return 200, {"error_code": "0", "message": "Thành công",
                 "data": {"MaHoSo": f"000.00.31.H48-{code[3:9]}-{code[-4:]}"}}


@dataclass
class Province:
    """The province's inbound endpoint, as the issue describes it (never the province's real code): POST
    JSON to /api/v1/national/dossiers/ with a bearer token, X-DVCQG-Timestamp (unix seconds, within five
    minutes) and X-DVCQG-Signature (sha256=HMAC-SHA256 of timestamp + "." + the raw body). A request that does
    not check out gets 401. ``script`` maps a NoiDungYeuCau to the answers its pushes get, in order ((status,
    body), or "drop": the connection closed without an answer); past the script, the dossier is taken."""

    url: str = ""
    received: list[Push] = field(default_factory=list)
    script: dict[str, list] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def pushes(self, code: str) -> list[Push]:
        with self.lock:
            return [p for p in self.received if p.payload and p.payload.get("MaHoSoQuocGia") == code]

    def answer_for(self, payload: dict):
        with self.lock:
            planned = self.script.get(payload.get("NoiDungYeuCau"), [])
            return planned.pop(0) if planned else accept(payload["MaHoSoQuocGia"])


def handler_for(province: Province):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            pass

        def reply(self, status: int, body) -> None:
            raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json" if not isinstance(body, bytes) else "text/html")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def do_POST(self):  # noqa: N802 - http.server's name
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            timestamp = self.headers.get("X-DVCQG-Timestamp", "")
            expected = "sha256=" + hmac.new(SECRET.encode(), timestamp.encode() + b"." + raw, hashlib.sha256).hexdigest()
            verified = (
                self.path == INBOUND_PATH
                and self.headers.get("Content-Type") == "application/json"
                and self.headers.get("Authorization") == f"Bearer {TOKEN}"
                and timestamp.isdigit() and abs(time.time() - int(timestamp)) <= 300
                and hmac.compare_digest(self.headers.get("X-DVCQG-Signature", ""), expected)
            )
            push = Push(headers=dict(self.headers), raw=raw, verified=verified, at=time.monotonic())
            if verified:
                push.payload = json.loads(raw.decode("utf-8"))
            with province.lock:
                province.received.append(push)
            if not verified:
                return self.reply(401, {"error_code": "401", "message": "Chữ ký không hợp lệ."})
            answer = province.answer_for(push.payload)
            if answer == "drop":
                self.close_connection = True
                return None
            return self.reply(*answer)

    return Handler


@pytest.fixture(scope="module")
def province():
    stand_in = Province()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(stand_in))
    stand_in.url = f"http://127.0.0.1:{server.server_address[1]}{INBOUND_PATH}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield stand_in
    server.shutdown()
    server.server_close()


# --- The mock ---------------------------------------------------------------------------------------------


@dataclass
class Mock:
    url: str
    database: Path
    files: Path

    def call(self, method: str, path: str, token: str | None = TOKEN, **kwargs) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.request(method, f"{self.url}{path}", headers=headers, timeout=30, **kwargs)

    def query(self, sql: str, *args) -> list[tuple]:
        with sqlite3.connect(self.database, timeout=20) as db:
            return db.execute(sql, args).fetchall()

    def dossier_count(self) -> int:
        return self.query("SELECT count(*) FROM mock_portal_nationaldossier")[0][0]

    def stored_files(self) -> int:
        return sum(1 for p in self.files.rglob("*") if p.is_file()) if self.files.exists() else 0

    def forwarding(self, code: str) -> dict:
        answer = self.call("GET", "/_push/", params={"MaHoSoQuocGia": code})
        assert answer.status_code == 200, answer.text
        return answer.json()["data"]["dossier"]

    def control(self, **body) -> dict:
        answer = self.call("POST", "/_push/", json=body)
        assert answer.status_code == 200, answer.text
        return answer.json()["data"]

    def submit(self, number: str, procedure: str, files: dict[int, tuple], token: str | None = TOKEN,
               **fields) -> httpx.Response:
        data = {"SoDinhDanh": number, "MaTTHC": procedure, "NoiDungYeuCau": "Đề nghị giải quyết hồ sơ.", **fields}
        uploads = {f"tep_{n}": upload for n, upload in files.items()}
        return self.call("POST", "/api/NopHoSo", token=token, data=data, files=uploads or None)


@pytest.fixture(scope="module")
def mock(tmp_path_factory, province):
    """The mock, with pushes going to the stand-in province and a short backoff."""
    folder = tmp_path_factory.mktemp("mock-inbound")
    env = mock_env(
        MOCK_PORTAL_TOKEN=TOKEN, MOCK_PORTAL_DATABASE_URL=f"sqlite:///{folder / 'mock.sqlite3'}",
        MOCK_PORTAL_MEDIA_ROOT=str(folder / "files"), MOCK_VNEID_PRIVATE_KEY_FILE=str(folder / "vneid.pem"),
        MOCK_PROVINCE_INBOUND_URL=province.url, MOCK_PROVINCE_SECRET=SECRET,
        MOCK_PUSH_BACKOFF_SECONDS=str(BACKOFF), MOCK_PUSH_BACKOFF_MAX_SECONDS=str(CAP),
        MOCK_PUSH_MAX_ATTEMPTS=str(MAX_ATTEMPTS),
        MOCK_PUSH_TIMEOUT_SECONDS="5", MOCK_PUSH_INTERVAL_SECONDS="0.2",
    )
    manage(env, "migrate", "--noinput", "-v0")
    with mock_process(env, folder / "server.log") as url:
        yield Mock(url=url, database=folder / "mock.sqlite3", files=folder / "files")


def passport_files() -> dict[int, tuple]:
    return {0: ("giay-to-dai-dien.pdf", PDF, "application/pdf"), 1: ("to-khai-TK01.pdf", PDF, "application/pdf"),
            2: ("anh-4x6.jpg", JPEG, "image/jpeg"), 3: ("ho-chieu-cu.png", PNG, "image/png"),
            4: ("giay-khai-sinh.pdf", PDF, "application/pdf")}


def birth_files() -> dict[int, tuple]:
    return {3: ("giay-chung-sinh.pdf", PDF, "application/pdf")}


def filed(answer: httpx.Response) -> str:
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["error_code"] == "0"
    code = body["data"]["MaHoSoQuocGia"]
    assert re.fullmatch(r"QG-\d{6}-\d{6}", code)
    return code


def acknowledged(mock: Mock, code: str, timeout: float = 15) -> dict:
    assert wait_until(lambda: mock.forwarding(code)["state"] == "acknowledged", timeout=timeout), mock.forwarding(code)
    return mock.forwarding(code)


def sign_in(mock: Mock, browser: httpx.Client, number: str, next_path: str = "/dvc/") -> httpx.Response:
    browser.get(f"{mock.url}/vneid/dang-nhap/", params={"next": next_path})
    picked = browser.post(f"{mock.url}/vneid/dang-nhap/", data={
        "csrfmiddlewaretoken": browser.cookies["mock_vneid_csrftoken"], "pick": number, "next": next_path})
    assert picked.status_code == 302 and picked.headers["Location"] == next_path
    return picked


def reference_day() -> str:
    return datetime.now(LOCAL).strftime("%y%m%d")


# --- The citizen's pages ------------------------------------------------------------------------------------


def test_a_citizen_finds_a_procedure_signs_in_files_with_documents_and_follows_the_dossier(mock, province):
    with httpx.Client(base_url=mock.url, timeout=30) as browser:
        catalog = browser.get("/dvc/")
        assert catalog.status_code == 200
        assert "Môi trường thử nghiệm — Cổng DVC quốc gia giả lập" in catalog.text
        assert "Thủ tục đăng ký khai sinh" in catalog.text and "Không hỗ trợ nộp trực tuyến" in catalog.text
        found = browser.get("/dvc/", params={"q": "dang ky KHAI SINH"})
        assert f'href="/dvc/nop/{BIRTH}/"' in found.text and PASSPORT not in found.text

        form_path = f"/dvc/nop/{BIRTH}/"
        asked = browser.get(form_path)
        assert asked.status_code == 302 and asked.headers["Location"] == f"/vneid/dang-nhap/?next={form_path}"
        sign_in(mock, browser, AN, form_path)
        # The VNeID session and CSRF cookies reach the national portal's pages: path /, their own names.
        assert {c.name: c.path for c in browser.cookies.jar} == {"mock_vneid_csrftoken": "/", "mock_vneid_session": "/"}

        form = browser.get(form_path)
        assert form.status_code == 200
        assert "Nguyễn Văn An" in form.text and "12 Lê Duẩn, phường Hải Châu" in form.text
        assert form.text.count('type="file"') == 8 and form.text.count("* (bắt buộc)") == 2  # tep_3 and the request
        assert 'name="tep_3"' in form.text and "Giấy chứng sinh" in form.text and "Giấy tờ phải xuất trình" in form.text
        assert "000.00.31.H48" in form.text and "Tổ chức:" not in form.text  # An represents no organization

        before, files_before = mock.dossier_count(), mock.stored_files()
        forged = browser.post(form_path, data={"NoiDungYeuCau": "Không có mã CSRF."}, files={"tep_3": birth_files()[3]})
        assert forged.status_code == 403
        csrf = browser.cookies["mock_vneid_csrftoken"]
        refused = browser.post(form_path, data={"csrfmiddlewaretoken": csrf, "NoiDungYeuCau": " ",
                                                "MaDonViTiepNhan": "000 00", "Email": "an@", "SoDienThoai": "12"},
                               files={"tep_0": ("ghi-chu.txt", b"not a scan", "application/pdf")})
        assert refused.status_code == 400
        for reason in ("Vui lòng nhập nội dung yêu cầu.", "Chưa đính kèm giấy tờ bắt buộc: Giấy chứng sinh",
                       "“ghi-chu.txt” không phải PDF, JPEG hoặc PNG.", "Địa chỉ thư điện tử không hợp lệ.",
                       "Số điện thoại không hợp lệ", "Mã đơn vị tiếp nhận chỉ gồm chữ, số"):
            assert reason in refused.text, reason
        assert (mock.dossier_count(), mock.stored_files()) == (before, files_before)

        done = browser.post(form_path, data={
            "csrfmiddlewaretoken": csrf, "NoiDungYeuCau": "Đăng ký khai sinh cho con thứ hai.",
            "MaDonViTiepNhan": "000.00.31.H48", "SoDienThoai": "0905 123 456", "Email": "an@example.vn",
        }, files={"tep_3": ("giấy chứng sinh.pdf", PDF, "application/pdf"), "tep_7": ("cccd.png", PNG, "image/png")})
        assert done.status_code == 302, done.text[-3000:]
        match = re.fullmatch(r"/dvc/ho-so/(QG-(\d{6})-\d{6})/\?moi=1", done.headers["Location"])
        assert match and match[2] == reference_day()
        code = match[1]
        shown = browser.get(done.headers["Location"])
        assert "Nộp hồ sơ thành công" in shown.text and code in shown.text
        assert (mock.dossier_count(), mock.stored_files()) == (before + 1, files_before + 2)

        province_code = acknowledged(mock, code)["MaHoSo"]
        detail = browser.get(f"/dvc/ho-so/{code}/")
        assert "Tỉnh đã nhận" in detail.text and province_code in detail.text
        assert "giấy chứng sinh.pdf" in detail.text and hashlib.sha256(PDF).hexdigest() in detail.text
        mine = browser.get("/dvc/ho-so/")
        assert f'href="/dvc/ho-so/{code}/"' in mine.text and "Tỉnh đã nhận" in mine.text

    payload = province.pushes(code)[0].payload
    assert (payload["ChuHoSo"], payload["SoGiayToChuHoSo"], payload["LoaiDoiTuong"], payload["SoDinhDanhNguoiNop"]) == (
        "Nguyễn Văn An", AN, 1, AN)
    assert payload["DiaChiChuHoSo"] == "12 Lê Duẩn, phường Hải Châu, thành phố Đà Nẵng"
    assert (payload["MaDonViTiepNhan"], payload["SoDienThoai"], payload["Email"]) == (
        "000.00.31.H48", "0905123456", "an@example.vn")
    assert [(d["TenTepDinhKem"], d["TenGiayTo"][:15]) for d in payload["TaiLieuNop"]] == [
        ("giấy chứng sinh.pdf", "Giấy chứng sinh"), ("cccd.png", "Hộ chiếu/Thẻ că")]

    # Someone else signed in does not see it; nobody signed in is sent to sign in.
    with httpx.Client(base_url=mock.url, timeout=30) as other:
        assert other.get(f"/dvc/ho-so/{code}/").headers["Location"].startswith("/vneid/dang-nhap/?next=/dvc/ho-so/")
        sign_in(mock, other, MAI)
        assert other.get(f"/dvc/ho-so/{code}/").status_code == 404
        assert code not in other.get("/dvc/ho-so/").text
        assert other.get("/dvc/nop/9.999999/").status_code == 404
        offline = other.get(f"/dvc/nop/{COUNTER_ONLY}/")
        assert "không được cung cấp trực tuyến" in offline.text and 'type="file"' not in offline.text


def test_a_representative_files_for_the_organization_and_the_province_gets_it_as_the_applicant(mock, province):
    with httpx.Client(base_url=mock.url, timeout=30) as browser:
        form_path = f"/dvc/nop/{PASSPORT}/"
        sign_in(mock, browser, BINH, form_path)
        form = browser.get(form_path)
        assert f"Tổ chức: {ORGANIZATION[1]} (mã số thuế {ORGANIZATION[0]})" in form.text
        assert "Lệ phí: 160.000 đồng" in form.text
        done = browser.post(form_path, data={
            "csrfmiddlewaretoken": browser.cookies["mock_vneid_csrftoken"], "LoaiDoiTuong": "2",
            "NoiDungYeuCau": "Cấp hộ chiếu cho nhân viên đi công tác."},
            files={f"tep_{n}": upload for n, upload in passport_files().items()})
        assert done.status_code == 302, done.text[-2000:]
        code = done.headers["Location"].split("/")[3]
    acknowledged(mock, code)
    payload = province.pushes(code)[0].payload
    assert (payload["LoaiDoiTuong"], payload["ChuHoSo"], payload["SoGiayToChuHoSo"], payload["DiaChiChuHoSo"]) == (
        2, ORGANIZATION[1], ORGANIZATION[0], ORGANIZATION[2])
    assert payload["SoDinhDanhNguoiNop"] == BINH  # the person who filed, always


# --- The API ------------------------------------------------------------------------------------------------


def test_nophoso_files_a_dossier_and_refuses_what_is_wrong_without_keeping_anything(mock):
    before, files_before = mock.dossier_count(), mock.stored_files()

    bad_token = mock.submit(AN, BIRTH, birth_files(), token="wrong")
    assert bad_token.status_code == 401 and bad_token.json()["error_code"] == "401"
    assert mock.submit(AN, BIRTH, birth_files(), token=None).status_code == 401

    unknown = mock.submit("001099000000", BIRTH, birth_files())
    assert unknown.status_code == 404 and unknown.json()["error_code"] == "404"
    assert "001099000000" in unknown.json()["message"]
    malformed = mock.submit("04809000123", BIRTH, birth_files())
    assert malformed.status_code == 400 and malformed.json()["errors"] == {
        "SoDinhDanh": ["Số định danh cá nhân phải gồm đúng 12 chữ số."]}

    no_procedure = mock.submit(AN, "9.999999", birth_files())
    assert no_procedure.status_code == 404 and no_procedure.json()["message"] == "Không tìm thấy thủ tục 9.999999."
    counter_only = mock.submit(AN, COUNTER_ONLY, {})
    assert counter_only.status_code == 400 and "không được cung cấp trực tuyến" in counter_only.json()["message"]

    missing = mock.submit(AN, BIRTH, {0: ("bien-ban.pdf", PDF, "application/pdf")}, NoiDungYeuCau="")
    assert missing.status_code == 400 and missing.json()["error_code"] == "1"
    errors = missing.json()["errors"]
    assert set(errors) == {"tep_3", "NoiDungYeuCau"}
    assert errors["tep_3"][0].startswith("Chưa đính kèm giấy tờ bắt buộc: Giấy chứng sinh")
    assert errors["NoiDungYeuCau"] == ["Vui lòng nhập nội dung yêu cầu."]

    wrong = mock.submit(AN, BIRTH, {3: ("chung-sinh.pdf", b"GIF89a...", "application/pdf"),
                                    99: ("x.pdf", PDF, "application/pdf")}, LoaiDoiTuong="2")
    assert set(wrong.json()["errors"]) == {"tep_3", "tep_99", "LoaiDoiTuong"}
    assert wrong.json()["errors"]["tep_3"] == ["Tệp “chung-sinh.pdf” không phải PDF, JPEG hoặc PNG."]
    too_big = mock.submit(AN, BIRTH, {3: ("lon.pdf", b"%PDF-" + bytes(10 * 1024 * 1024), "application/pdf")})
    assert too_big.json()["errors"] == {"tep_3": ["Tệp “lon.pdf” lớn hơn 10 MB."]}
    empty = mock.submit(AN, BIRTH, {3: ("rong.pdf", b"", "application/pdf")})
    assert empty.json()["errors"] == {"tep_3": ["Tệp đính kèm rỗng."]}

    assert (mock.dossier_count(), mock.stored_files()) == (before, files_before)  # nothing kept from any of them

    code = filed(mock.submit(MAI, BIRTH, {**birth_files(), 0: ("bien-ban.jpg", JPEG, "image/jpeg")}))
    assert mock.query("SELECT submitter_id_number, applicant_type, procedure_code FROM mock_portal_nationaldossier "
                      "WHERE code = ?", code) == [(MAI, 1, BIRTH)]
    assert (mock.dossier_count(), mock.stored_files()) == (before + 1, files_before + 2)


def test_the_push_arrives_signed_with_the_documented_payload_and_its_documents_match_their_hashes(mock, province):
    submitted = datetime.now(LOCAL).replace(microsecond=0)
    code = filed(mock.submit(AN, PASSPORT, passport_files(), MaDonViTiepNhan="000.00.31.H48",
                             NoiDungYeuCau="Cấp hộ chiếu phổ thông lần đầu."))
    assert wait_until(lambda: province.pushes(code), timeout=10)
    push = province.pushes(code)[0]
    assert push.verified
    headers = {k.lower(): v for k, v in push.headers.items()}
    assert headers["content-type"] == "application/json" and headers["authorization"] == f"Bearer {TOKEN}"
    timestamp = headers["x-dvcqg-timestamp"]
    assert abs(int(timestamp) - time.time()) < 60
    # The signature, computed by hand: HMAC-SHA256(secret, timestamp + "." + the body's bytes), hex, prefixed.
    assert headers["x-dvcqg-signature"] == "sha256=" + hmac.new(
        SECRET.encode(), f"{timestamp}.".encode() + push.raw, hashlib.sha256).hexdigest()
    assert "Cấp hộ chiếu".encode() in push.raw  # UTF-8 as is, not \u escapes

    payload = push.payload
    assert set(payload) == PAYLOAD_KEYS
    assert {k: payload[k] for k in ("MaHoSoQuocGia", "MaTTHC", "MaDonViTiepNhan", "ChuHoSo", "SoGiayToChuHoSo",
                                    "LoaiDoiTuong", "DiaChiChuHoSo", "SoDienThoai", "Email", "KenhThucHien",
                                    "TaiKhoanDuocXacThucVoiVNeID", "SoDinhDanhNguoiNop", "NoiDungYeuCau")} == {
        "MaHoSoQuocGia": code, "MaTTHC": PASSPORT, "MaDonViTiepNhan": "000.00.31.H48", "ChuHoSo": "Nguyễn Văn An",
        "SoGiayToChuHoSo": AN, "LoaiDoiTuong": 1, "DiaChiChuHoSo": "12 Lê Duẩn, phường Hải Châu, thành phố Đà Nẵng",
        "SoDienThoai": "", "Email": "", "KenhThucHien": 2, "TaiKhoanDuocXacThucVoiVNeID": 1,
        "SoDinhDanhNguoiNop": AN, "NoiDungYeuCau": "Cấp hộ chiếu phổ thông lần đầu.",
    }
    assert payload["TenTTHC"].startswith("Cấp hộ chiếu phổ thông ở trong nước")
    at = datetime.strptime(payload["NgayNopHoSo"], "%Y%m%d%H%M%S").replace(tzinfo=LOCAL)
    assert submitted - timedelta(seconds=2) <= at <= datetime.now(LOCAL)  # local time, yyyyMMddHHmmss
    assert payload["DanhSachLePhi"] == [{"TenPhiLePhi": "Lệ phí", "SoTien": 160000}]  # the online channel's fee

    sent = passport_files()
    assert [d["TenTepDinhKem"] for d in payload["TaiLieuNop"]] == [sent[n][0] for n in range(5)]
    for n, document in enumerate(payload["TaiLieuNop"]):
        assert set(document) == DOCUMENT_KEYS
        assert document["DuongDanTep"].startswith(f"{mock.url}/api/TepHoSo/")
        content = sent[n][1]
        assert (document["MaHash"], document["KichThuoc"], document["LoaiTep"]) == (
            hashlib.sha256(content).hexdigest(), len(content), sent[n][2])
        fetched = httpx.get(document["DuongDanTep"], headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)
        assert fetched.status_code == 200 and fetched.content == content
        assert hashlib.sha256(fetched.content).hexdigest() == document["MaHash"]
        assert fetched.headers["content-type"] == document["LoaiTep"]
    assert payload["TaiLieuNop"][0]["TenGiayTo"].startswith("Bản sao giấy tờ do cơ quan có thẩm quyền")

    link = payload["TaiLieuNop"][0]["DuongDanTep"]
    assert httpx.get(link, timeout=30).status_code == 401
    assert httpx.get(link, headers={"Authorization": "Bearer wrong"}, timeout=30).status_code == 401
    guessed = link.rsplit("/", 1)[0] + "/" + "A" * 43
    assert httpx.get(guessed, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30).status_code == 404
    assert mock.call("GET", "/api/TepHoSo/999999/whatever").status_code == 404

    forwarding = acknowledged(mock, code)
    assert forwarding["MaHoSo"] == accept(code)[1]["data"]["MaHoSo"] and forwarding["acknowledged_by"] == "push"
    assert [(a["http_status"], a["outcome"]) for a in forwarding["attempts"]] == [(200, "accepted")]
    time.sleep(4 * BACKOFF)
    assert len(province.pushes(code)) == 1  # acknowledged: never pushed again


def test_a_refusal_stops_the_pushes_and_the_citizen_reads_why(mock, province):
    text = "Đề nghị cấp hộ chiếu (tỉnh sẽ từ chối)."
    province.script[text] = [(422, {"error_code": "1", "message": "Mã đơn vị tiếp nhận không thuộc tỉnh.",
                                    "errors": ["MaDonViTiepNhan: 000.00.99.H99 không có trong danh mục cơ quan."]})]
    code = filed(mock.submit(AN, PASSPORT, passport_files(), NoiDungYeuCau=text, MaDonViTiepNhan="000.00.99.H99"))
    assert wait_until(lambda: mock.forwarding(code)["state"] == "refused", timeout=10)
    time.sleep(5 * BACKOFF)
    assert len(province.pushes(code)) == 1
    forwarding = mock.forwarding(code)
    assert forwarding["refusal_message"] == "Mã đơn vị tiếp nhận không thuộc tỉnh."
    assert [(a["http_status"], a["outcome"]) for a in forwarding["attempts"]] == [(422, "refused")]
    assert code not in [d["MaHoSoQuocGia"] for d in mock.call("GET", "/api/LayDanhSachHoSoMoi").json()["data"]]
    # Refused for good: the pull cannot acknowledge it afterwards.
    late = mock.call("POST", "/api/XacNhanHoSo", json={"MaHoSoQuocGia": code, "MaHoSo": "X-1"})
    assert late.status_code == 409 and late.json()["error_code"] == "409"

    with httpx.Client(base_url=mock.url, timeout=30) as browser:
        sign_in(mock, browser, AN)
        page = browser.get(f"/dvc/ho-so/{code}/")
        assert "Tỉnh từ chối" in page.text and "Mã đơn vị tiếp nhận không thuộc tỉnh." in page.text
        assert "000.00.99.H99 không có trong danh mục cơ quan." in page.text


def test_failed_pushes_are_retried_with_a_growing_wait_until_the_province_takes_the_dossier(mock, province):
    text = "Đề nghị cấp hộ chiếu (tỉnh lỗi vài lần)."
    province.script[text] = [(500, {"error_code": "500", "message": "Lỗi máy chủ."}), "drop",
                             (503, b"<html>Bad gateway</html>"), (401, {"error_code": "401", "message": "Sai token."})]
    code = filed(mock.submit(AN, PASSPORT, passport_files(), NoiDungYeuCau=text))
    forwarding = acknowledged(mock, code, timeout=30)
    assert [(a["http_status"], a["outcome"]) for a in forwarding["attempts"]] == [
        (500, "failed"), (None, "failed"), (503, "failed"), (401, "failed"), (200, "accepted")]
    pushes = province.pushes(code)
    assert len(pushes) == 5 and all(p.verified for p in pushes)
    assert len({p.headers["X-DVCQG-Timestamp"] for p in pushes}) >= 2  # each try signed at its own time
    gaps = [b.at - a.at for a, b in zip(pushes, pushes[1:], strict=False)]
    for n, gap in enumerate(gaps):  # 0.4 s, 0.8 s, 1 s, 1 s
        wait = min(BACKOFF * 2**n, CAP)
        assert wait * 0.9 <= gap <= wait + 1.5, gaps  # never early; late only by a busy machine


def test_pushes_are_given_up_after_the_last_attempt_and_the_dossier_waits_for_the_pull(mock, province):
    text = "Đề nghị cấp hộ chiếu (tỉnh không bao giờ nhận)."
    province.script[text] = [(500, {"error_code": "500", "message": "Lỗi máy chủ."})] * (MAX_ATTEMPTS + 2)
    code = filed(mock.submit(BINH, PASSPORT, passport_files(), NoiDungYeuCau=text))
    assert wait_until(lambda: mock.forwarding(code)["state"] == "dead", timeout=20)
    time.sleep(2 * CAP)
    forwarding = mock.forwarding(code)
    assert [a["outcome"] for a in forwarding["attempts"]] == ["failed"] * (MAX_ATTEMPTS - 1) + ["gave_up"]
    assert len(province.pushes(code)) == MAX_ATTEMPTS and forwarding["next_attempt_at"] is None
    assert code in [d["MaHoSoQuocGia"] for d in mock.call("GET", "/api/LayDanhSachHoSoMoi").json()["data"]]
    with httpx.Client(base_url=mock.url, timeout=30) as browser:
        sign_in(mock, browser, BINH)
        assert "Đang chuyển cho tỉnh" in browser.get(f"/dvc/ho-so/{code}/").text  # the citizen sees it on its way
    taken = mock.call("POST", "/api/XacNhanHoSo", json={"MaHoSoQuocGia": code, "MaHoSo": "000.00.31.H48-PULL-0009"})
    assert taken.status_code == 200 and mock.forwarding(code)["state"] == "acknowledged"


def test_a_lost_push_waits_for_the_province_s_pull_which_acknowledges_it_once(mock, province):
    try:
        assert mock.control(lose_pushes=True, run=False) == {"push_enabled": True, "lose_pushes": True, "pushed": []}
        code = filed(mock.submit(MAI, BIRTH, birth_files(), NoiDungYeuCau="Khai sinh (lần gửi bị thất lạc)."))
        assert wait_until(lambda: mock.forwarding(code)["attempts"], timeout=10)
    finally:
        mock.control(lose_pushes=False, run=False)
    time.sleep(4 * BACKOFF)
    forwarding = mock.forwarding(code)
    assert forwarding["state"] == "sent" and forwarding["MaHoSo"] == ""
    assert [(a["http_status"], a["outcome"]) for a in forwarding["attempts"]] == [(None, "lost")]
    assert province.pushes(code) == []  # nothing was sent, and it is not pushed again

    listed = mock.call("GET", "/api/LayDanhSachHoSoMoi")
    assert listed.status_code == 200 and listed.json()["error_code"] == "0"
    waiting = listed.json()["data"]
    assert [d["MaHoSoQuocGia"] for d in waiting].count(code) == 1
    assert [d["MaHoSoQuocGia"] for d in waiting] == sorted(d["MaHoSoQuocGia"] for d in waiting)  # oldest first
    pulled = next(d for d in waiting if d["MaHoSoQuocGia"] == code)
    assert set(pulled) == PAYLOAD_KEYS and pulled["SoDinhDanhNguoiNop"] == MAI
    document = pulled["TaiLieuNop"][0]
    fetched = httpx.get(document["DuongDanTep"], headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)
    assert hashlib.sha256(fetched.content).hexdigest() == document["MaHash"] == hashlib.sha256(PDF).hexdigest()
    assert mock.call("GET", "/api/LayDanhSachHoSoMoi", token="wrong").status_code == 401

    taken = {"MaHoSoQuocGia": code, "MaHoSo": "000.00.31.H48-PULL-0001"}
    first = mock.call("POST", "/api/XacNhanHoSo", json=taken)
    assert first.status_code == 200 and first.json()["error_code"] == "0"
    assert first.json()["data"]["MaHoSo"] == taken["MaHoSo"]
    again = mock.call("POST", "/api/XacNhanHoSo", json=taken)
    assert again.status_code == 200 and again.json()["error_code"] == "0"
    assert again.json()["data"] == first.json()["data"]
    other = mock.call("POST", "/api/XacNhanHoSo", json={**taken, "MaHoSo": "000.00.31.H48-PULL-0002"})
    assert other.status_code == 409 and other.json()["error_code"] == "409"
    assert "000.00.31.H48-PULL-0001" in other.json()["message"]
    unknown = mock.call("POST", "/api/XacNhanHoSo", json={**taken, "MaHoSoQuocGia": "QG-000101-000001"})
    assert unknown.status_code == 404 and unknown.json()["error_code"] == "404"
    incomplete = mock.call("POST", "/api/XacNhanHoSo", json={"MaHoSoQuocGia": code})
    assert incomplete.status_code == 400 and set(incomplete.json()["errors"]) == {"MaHoSo"}
    assert mock.call("POST", "/api/XacNhanHoSo", token="wrong", json=taken).status_code == 401

    forwarding = mock.forwarding(code)
    assert (forwarding["state"], forwarding["MaHoSo"], forwarding["acknowledged_by"]) == (
        "acknowledged", taken["MaHoSo"], "pull")
    remaining = mock.call("GET", "/api/LayDanhSachHoSoMoi").json()["data"]
    assert code not in [d["MaHoSoQuocGia"] for d in remaining]


def test_paused_pushes_wait_and_a_manual_round_sends_them(mock, province):
    try:
        assert mock.control(push_enabled=False, run=False)["push_enabled"] is False
        code = filed(mock.submit(AN, BIRTH, birth_files(), NoiDungYeuCau="Khai sinh (gửi khi bật lại)."))
        time.sleep(1.5)
        assert province.pushes(code) == [] and mock.forwarding(code)["attempts"] == []
        assert code in [d["MaHoSoQuocGia"] for d in mock.call("GET", "/api/LayDanhSachHoSoMoi").json()["data"]]
        round_ = mock.control()
        assert {"MaHoSoQuocGia": code, "outcome": "accepted", "http_status": 200} in round_["pushed"]
        assert len(province.pushes(code)) == 1 and mock.forwarding(code)["state"] == "acknowledged"
    finally:
        mock.control(push_enabled=True, run=False)
    for wrong in ({"push_enabled": "no"}, {"lose_pushes": 1}, [1]):
        assert mock.call("POST", "/_push/", json=wrong).status_code == 400
    assert mock.call("POST", "/_push/", token="wrong", json={}).status_code == 401
    assert mock.call("GET", "/_push/", params={"MaHoSoQuocGia": "QG-000101-000001"}).status_code == 404


# --- The province's progress on the citizen's page ---------------------------------------------------------


def test_the_citizen_s_page_shows_the_status_records_the_province_sends_newest_first(mock):
    code = filed(mock.submit(AN, BIRTH, birth_files(), NoiDungYeuCau="Khai sinh (theo dõi tiến độ)."))
    province_code = acknowledged(mock, code)["MaHoSo"]
    sync = {"MaHoSo": province_code, "MaHoSoQuocGia": code, "MaTTHC": BIRTH, "TenTTHC": "Thủ tục đăng ký khai sinh",
            "KenhThucHien": 2, "ChuHoSo": "Nguyễn Văn An", "SoGiayToChuHoSo": AN, "NgayNopHoSo": "20261124090000",
            "TrangThaiHoSo": 1, "DonViXuLy": "UBND phường Hải Châu"}
    received = {**sync, "TrangThaiHoSo": 2, "NgayTiepNhan": "20261124100000", "NgayHenTra": "20261126170000"}
    for record in (sync, received):
        stored = mock.call("POST", "/api/DongBoHoSoMC", json=record)
        assert stored.status_code == 200 and stored.json()["results"][0]["stored"] is True
    step = {"MaHoSo": province_code, "NguoiXuLy": "Phạm Minh Tuấn", "ThoiDiemXuLy": "20261125090000",
            "PhongBanXuLy": "Phòng Tư pháp", "NoiDungXuLy": "Thẩm định hồ sơ", "TrangThai": 4}
    assert mock.call("POST", "/api/CapNhatTienDoHoSoMC", json=step).json()["error_code"] == "0"
    malformed = mock.call("POST", "/api/DongBoHoSoMC", json={**sync, "MaHoSoQuocGia": "QG-1"})
    assert malformed.status_code == 400
    assert malformed.json()["errors"][0]["errors"] == ["MaHoSoQuocGia phải có dạng QG-yymmdd-nnnnnn."]
    # A record of another dossier, under the same national reference but no province code, is shown too.
    early = {**sync, "MaHoSo": "TAM-" + code, "TrangThaiHoSo": 5}
    assert mock.call("POST", "/api/DongBoHoSoMC", json=early).json()["error_code"] == "0"

    with httpx.Client(base_url=mock.url, timeout=30) as browser:
        sign_in(mock, browser, AN)
        page = browser.get(f"/dvc/ho-so/{code}/").text
    statuses = re.findall(r'<td class="status">([^<]+)</td>', page)
    assert statuses == ["Yêu cầu bổ sung", "Đang xử lý", "Đã tiếp nhận", "Mới đăng ký"]
    assert "Thẩm định hồ sơ" in page and "Phạm Minh Tuấn, Phòng Tư pháp" in page and "26/11/2026" in page


# --- Numbering ------------------------------------------------------------------------------------------


def test_references_are_numbered_per_day_without_gaps_or_repeats_under_concurrent_submissions(mock):
    def one(n: int) -> httpx.Response:
        if n % 3 == 0:  # a refused one in between takes no number
            return mock.submit(AN, BIRTH, {}, NoiDungYeuCau=f"Hồ sơ song song {n}")
        return mock.submit(MAI, BIRTH, birth_files(), NoiDungYeuCau=f"Hồ sơ song song {n}")

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(one, range(18)))
    assert sorted(a.status_code for a in answers) == [200] * 12 + [400] * 6
    codes = [filed(a) for a in answers if a.status_code == 200]
    assert len(set(codes)) == 12

    by_day = defaultdict(list)
    for (code,) in mock.query("SELECT code FROM mock_portal_nationaldossier"):
        by_day[code[3:9]].append(int(code[-6:]))
    for day, numbers in by_day.items():
        assert sorted(numbers) == list(range(1, len(numbers) + 1)), day
    days = {day.replace("-", "")[2:]: last for day, last in mock.query("SELECT day, last FROM mock_portal_dailysequence")}
    assert days == {day: len(numbers) for day, numbers in by_day.items()}
