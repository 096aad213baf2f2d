"""Dossiers from the national portal, the province's side: the signed endpoint, the checks against the
catalog, the documents fetched from the portal's links and checked against their hashes, one dossier per
national reference, refusals that leave nothing, and the pull that picks up a lost push. The portal's file
server is a small HTTP server of this test (the whole path against the mock portal process:
tests/test_national_inbound_flow.py)."""

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse

from cases.models import Dossier, DossierDocument
from cases.tests.conftest import PDF
from integrations import inbound
from integrations.models import InboundDossier
from integrations.portal_records import dossier_record
from integrations.tests.live import free_port

SECRET = "inbound-test-secret"
TOKEN = "inbound-test-token"
FORM = PDF + b"% the declaration\n"


class Files:
    """The portal's file server: ``files[path] = bytes``; ``status`` forces an answer; requests counted."""

    def __init__(self):
        self.files, self.status, self.asked, self.tokens = {}, None, [], []
        files = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the standard library's name
                files.asked.append(self.path)
                files.tokens.append(self.headers.get("Authorization"))
                body = files.files.get(self.path)
                status = files.status or (200 if body is not None else 404)
                self.send_response(status)
                self.send_header("Content-Type", "application/pdf")
                self.end_headers()
                if status == 200:
                    self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def portal_files(settings):
    files = Files()
    settings.NATIONAL_PORTAL_URL, settings.NATIONAL_PORTAL_TOKEN = files.url, TOKEN
    settings.NATIONAL_INBOUND_SECRET = SECRET
    yield files
    files.server.shutdown()


def payload(files, reference="QG-261125-000001", **changes):
    files.files["/api/TepHoSo/1/abc"] = FORM
    record = {
        "MaHoSoQuocGia": reference, "MaTTHC": "1.001193", "TenTTHC": "Thủ tục đăng ký khai sinh",
        "MaDonViTiepNhan": "", "ChuHoSo": "Phạm Minh Đức", "SoGiayToChuHoSo": "048088123456", "LoaiDoiTuong": 1,
        "DiaChiChuHoSo": "27 Nguyễn Văn Linh, phường Thanh Khê", "SoDienThoai": "0905123456", "Email": "",
        "NgayNopHoSo": time.strftime("%Y%m%d%H%M%S"), "KenhThucHien": 2, "TaiKhoanDuocXacThucVoiVNeID": 1,
        "SoDinhDanhNguoiNop": "048088123456", "NoiDungYeuCau": "Đăng ký khai sinh cho con",
        "TaiLieuNop": [{"TenGiayTo": "Tờ khai theo mẫu", "TenTepDinhKem": "to-khai.pdf",
                        "DuongDanTep": f"{files.url}/api/TepHoSo/1/abc", "MaHash": hashlib.sha256(FORM).hexdigest(),
                        "KichThuoc": len(FORM), "LoaiTep": "application/pdf"}],
        "DanhSachLePhi": [],
    }
    return {**record, **changes}


def push(client, record, *, secret=SECRET, timestamp=None, body=None):
    body = body if body is not None else json.dumps(record, ensure_ascii=False).encode()
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = "sha256=" + hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return client.post(reverse("api-national-dossiers"), data=body, content_type="application/json",
                       HTTP_X_DVCQG_TIMESTAMP=timestamp, HTTP_X_DVCQG_SIGNATURE=signature)


def nothing_left():
    return not Dossier.objects.exists() and not DossierDocument.objects.exists()


def test_a_pushed_dossier_is_stored_as_submitted_with_its_documents(office, portal_files, client):
    answer = push(client, payload(portal_files))
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    dossier = Dossier.objects.get()
    assert body == {"error_code": "0", "message": "Đã tiếp nhận hồ sơ.",
                    "data": {"MaHoSo": dossier.code, "MaHoSoQuocGia": "QG-261125-000001"}}
    assert (dossier.state, dossier.channel, dossier.agency, dossier.national_reference) == (
        "submitted", 2, office["ward"], "QG-261125-000001")
    assert dossier.applicant_verified and dossier.owner is None and dossier.applicant_phone == "0905123456"
    document = dossier.documents.get()
    assert document.requirement.name == "Tờ khai theo mẫu" and document.file.read() == FORM
    assert portal_files.tokens == [f"Bearer {TOKEN}"]  # fetched with the portal's token
    event = dossier.events.get()
    assert (event.action, event.actor, event.data["national_reference"]) == ("submit", None, "QG-261125-000001")
    assert dossier_record(dossier)["MaHoSoQuocGia"] == "QG-261125-000001"  # so the portal shows its progress
    record = InboundDossier.objects.get()
    assert (record.status, record.dossier, record.channel, record.times_received) == ("stored", dossier, "push", 1)


def test_the_same_push_twice_is_one_dossier(office, portal_files, client):
    first = push(client, payload(portal_files)).json()
    second = push(client, payload(portal_files)).json()
    assert second["error_code"] == "0" and second["data"] == first["data"]
    assert Dossier.objects.count() == 1 and InboundDossier.objects.get().times_received == 2
    assert len(portal_files.asked) == 1  # not fetched again


def test_an_account_with_the_id_number_owns_it(office, portal_files, client):
    push(client, payload(portal_files, SoDinhDanhNguoiNop="048090001234", SoGiayToChuHoSo="048090001234",
                         ChuHoSo="Nguyễn Văn An"))
    assert Dossier.objects.get().owner == office["citizen"]


@pytest.mark.parametrize("how", ["wrong secret", "old", "no signature", "tampered"])
def test_an_unsigned_or_replayed_push_is_refused_and_leaves_nothing(office, portal_files, client, how):
    record = payload(portal_files)
    if how == "wrong secret":
        answer = push(client, record, secret="guess")
    elif how == "old":
        answer = push(client, record, timestamp=int(time.time()) - 3600)
    elif how == "no signature":
        answer = client.post(reverse("api-national-dossiers"), data=record, content_type="application/json")
    else:
        body = json.dumps(record).encode()
        timestamp = str(int(time.time()))
        signature = "sha256=" + hmac.new(SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
        answer = client.post(reverse("api-national-dossiers"), data=body.replace(b"1.001193", b"1.000894"),
                             content_type="application/json", HTTP_X_DVCQG_TIMESTAMP=timestamp,
                             HTTP_X_DVCQG_SIGNATURE=signature)
    assert answer.status_code == 401 and answer.json()["error_code"] == "401"
    assert nothing_left() and not InboundDossier.objects.exists() and portal_files.asked == []


def test_without_a_secret_the_endpoint_refuses_everything(office, portal_files, client, settings):
    settings.NATIONAL_INBOUND_SECRET = ""
    assert push(client, payload(portal_files), secret="").status_code == 401
    assert nothing_left()


@pytest.mark.parametrize("change, code, reason", [
    ({"MaTTHC": "9.999999"}, "404", "không có trong danh mục"),
    ({"MaDonViTiepNhan": "000.00.99.H48"}, "1", "không giải quyết thủ tục"),
    ({"TaiLieuNop": []}, "1", "Thiếu giấy tờ bắt buộc: Tờ khai theo mẫu"),
    ({"ChuHoSo": ""}, "1", "Thiếu trường bắt buộc ChuHoSo"),
])
def test_refusals_say_why_and_leave_nothing(office, portal_files, client, change, code, reason):
    answer = push(client, payload(portal_files, **change))
    body = answer.json()
    assert body["error_code"] == code and reason in json.dumps(body, ensure_ascii=False)
    assert answer.status_code == {"404": 404, "1": 400}[code]
    assert nothing_left()
    assert InboundDossier.objects.get().status == "refused"  # on the sync desk, with its reasons


def test_a_document_that_fails_its_hash_is_refused_and_leaves_no_file(office, portal_files, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    record = payload(portal_files)
    portal_files.files["/api/TepHoSo/1/abc"] = FORM + b"changed on the way"
    answer = push(client, record)
    assert answer.status_code == 422 and "không khớp MaHash" in json.dumps(answer.json(), ensure_ascii=False)
    assert nothing_left() and not any(p.is_file() for p in tmp_path.rglob("*"))


def test_a_link_off_the_portal_is_never_fetched(office, portal_files, client):
    record = payload(portal_files)
    record["TaiLieuNop"][0]["DuongDanTep"] = "http://169.254.169.254/latest/meta-data"
    answer = push(client, record)
    assert answer.status_code == 400 and "không thuộc Cổng" in json.dumps(answer.json(), ensure_ascii=False)
    assert portal_files.asked == [] and nothing_left()


def test_files_unavailable_now_are_taken_when_sent_again(office, portal_files, client):
    portal_files.status = 503
    answer = push(client, payload(portal_files))
    assert answer.status_code == 503 and answer.json()["error_code"] == "503"
    assert nothing_left() and InboundDossier.objects.get().status == "failing"
    portal_files.status = None
    assert push(client, payload(portal_files)).status_code == 200
    assert Dossier.objects.count() == 1 and InboundDossier.objects.get().status == "stored"


class Portal:
    """The national portal's pull API as ``inbound.pull`` uses it."""

    def __init__(self, records):
        self.records, self.acknowledged = records, []

    def new_dossiers(self):
        return self.records

    def acknowledge(self, reference, code):
        self.acknowledged.append((reference, code))


def test_the_pull_takes_what_was_not_pushed_and_acknowledges_it_once_stored(office, portal_files):
    good, bad = payload(portal_files), payload(portal_files, reference="QG-261125-000002", MaTTHC="9.999999")
    portal = Portal([good, bad])
    assert inbound.pull(portal=portal) == {"stored": 1, "refused": 1, "failing": 0, "acknowledged": 1}
    dossier = Dossier.objects.get()
    assert portal.acknowledged == [("QG-261125-000001", dossier.code)]
    record = InboundDossier.objects.get(national_reference="QG-261125-000001")
    assert record.channel == "pull" and record.acknowledged_at is not None
    # Next round: the stored one is answered from what is stored, the refused one is not fetched again.
    asked = len(portal_files.asked)
    assert inbound.pull(portal=portal)["stored"] == 1 and len(portal_files.asked) == asked
    assert Dossier.objects.count() == 1


def test_the_clerk_receives_it_like_any_other(office, portal_files, client):
    push(client, payload(portal_files))
    dossier = Dossier.objects.get()
    from cases.actions import perform

    perform(dossier=dossier, actor=office["clerk"], action="receive")
    dossier.refresh_from_db()
    assert dossier.state == "received" and dossier.due_at is not None
