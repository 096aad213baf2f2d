"""The mock National Public Service Portal as a real process (its own settings, port and database): the
token, the national vocabulary's checks, storing each record once, lookup, the catalog and `sync_catalog`,
the fault controls, and its page."""

import os
from pathlib import Path

import httpx
import pytest
from django.core.management import CommandError, call_command

from integrations.tests.live import manage, mock_env, mock_process
from procedures.models import Procedure
from procedures.national_catalog import parse_catalog

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "test-token-" + os.urandom(4).hex()


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    """The mock portal started as `make run` starts it, on a free port with a scratch database."""
    folder = tmp_path_factory.mktemp("mock-portal")
    env = mock_env(MOCK_PORTAL_TOKEN=TOKEN, MOCK_PORTAL_DATABASE_URL=f"sqlite:///{folder / 'mock.sqlite3'}")
    manage(env, "migrate", "--noinput", "-v0")
    with mock_process(env, folder / "server.log") as url:
        yield url


def call(portal, method, path, token=TOKEN, **kwargs):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.request(method, f"{portal}{path}", headers=headers, timeout=30, **kwargs)


def sync_record(code: str, status: int = 1, **changes) -> dict:
    record = {
        "MaHoSo": code, "MaTTHC": "1.001193", "TenTTHC": "Thủ tục đăng ký khai sinh", "MaLinhVuc": "G15",
        "KenhThucHien": 2, "ChuHoSo": "Nguyễn Văn An", "SoGiayToChuHoSo": "048090001234",
        "NgayNopHoSo": "20261124090000", "TrangThaiHoSo": status, "DonViXuLy": "UBND phường Hải Châu",
        "TaiLieuNop": [{"TenTepDinhKem": "to-khai.pdf", "DaSoHoa": True, "DungLai": False}],
    }
    if status >= 2:
        record.update(NgayTiepNhan="20261124100000", NgayHenTra="20261126170000")
    return {**record, **changes}


def test_a_wrong_token_is_refused_and_nothing_is_stored(portal):
    for token in ("", "wrong", TOKEN + "x"):
        refused = call(portal, "POST", "/api/DongBoHoSoMC", token=token, json=sync_record("000.11.31.H48-261124-0901"))
        assert refused.status_code == 401
        assert refused.json()["error_code"] == "401" and "token" in refused.json()["message"]
    assert call(portal, "GET", "/api/TraCuuHoSo", params={"MaHoSo": "000.11.31.H48-261124-0901"}).status_code == 404
    assert call(portal, "POST", "/_faults/", token="wrong", json={"outage": True}).status_code == 401


def test_a_dossier_is_stored_once_however_often_it_comes_and_its_progress_in_order(portal):
    code = "000.11.31.H48-261124-0902"
    first = call(portal, "POST", "/api/DongBoHoSoMC", json=sync_record(code))
    assert first.status_code == 200 and first.json()["error_code"] == "0"
    assert first.json()["results"] == [{"MaHoSo": code, "stored": True}]
    again = call(portal, "POST", "/api/DongBoHoSoMC", json=sync_record(code))
    assert again.json()["results"] == [{"MaHoSo": code, "stored": False, "duplicate": True}]
    received = call(portal, "POST", "/api/DongBoHoSoMC", json=sync_record(code, status=2))  # a new state: a new record
    assert received.json()["results"][0]["stored"] is True

    steps = [{"MaHoSo": code, "NguoiXuLy": name, "ChucDanh": title, "ThoiDiemXuLy": at, "PhongBanXuLy": "Một cửa",
              "NoiDungXuLy": what, "TrangThai": status}
             for name, title, at, what, status in [
                 ("Lê Thị Hoa", "Cán bộ một cửa", "20261124100000", "Tiếp nhận hồ sơ", 2),
                 ("Phạm Minh Tuấn", "Chuyên viên", "20261125090000", "Thẩm định hồ sơ", 4)]]
    assert call(portal, "POST", "/api/CapNhatTienDoHoSoMC", json=steps).json()["error_code"] == "0"
    call(portal, "POST", "/api/CapNhatTienDoHoSoMC", json=steps[0])  # a repeat of the first

    found = call(portal, "GET", "/api/TraCuuHoSo", params={"MaHoSo": code}).json()["data"]
    assert (found["TrangThaiHoSo"], found["NgayHenTra"], found["SoLanDongBo"]) == (2, "20261126170000", 2)
    assert [p["NoiDungXuLy"] for p in found["TienDoXuLy"]] == ["Tiếp nhận hồ sơ", "Thẩm định hồ sơ"]

    page = httpx.get(f"{portal}/", timeout=10).text
    assert code in page and "Cổng Dịch vụ công quốc gia" in page and "Gửi trùng" in page
    assert "<td>1.001193</td>" in page  # the procedure code as sent, not read back as a number


def test_a_rating_is_stored_once_checked_and_the_latest_shows_in_the_lookup(portal):
    code = "000.11.31.H48-261124-0911"
    call(portal, "POST", "/api/DongBoHoSoMC", json=sync_record(code))
    rating = {"MaHoSo": code, "MucDoHaiLong": 3, "ThoiDiemDanhGia": "20261126080000",
              "TieuChi": [{"MaTieuChi": "THOI_GIAN", "MucDoHaiLong": 3}], "NoiDung": "Phải đi lại nhiều lần"}
    assert call(portal, "POST", "/api/DanhGiaHoSo", json=rating).json()["results"][0]["stored"] is True
    assert call(portal, "POST", "/api/DanhGiaHoSo", json=rating).json()["results"][0]["duplicate"] is True
    changed = {**rating, "MucDoHaiLong": 2, "ThoiDiemDanhGia": "20261126090000"}
    assert call(portal, "POST", "/api/DanhGiaHoSo", json=changed).json()["results"][0]["stored"] is True
    refused = call(portal, "POST", "/api/DanhGiaHoSo", json={**rating, "MucDoHaiLong": 5})
    assert refused.status_code == 400 and "MucDoHaiLong" in refused.json()["errors"][0]["errors"][0]
    assert call(portal, "POST", "/api/DanhGiaHoSo", token="wrong", json=rating).status_code == 401
    found = call(portal, "GET", "/api/TraCuuHoSo", params={"MaHoSo": code}).json()["data"]
    assert found["DanhGia"] == changed and found["TienDoXuLy"] == []


def test_a_bad_record_is_refused_with_its_reasons_and_a_batch_is_stored_all_or_nothing(portal):
    bad = sync_record("000.11.31.H48-261124-0903", status=4, NgayTiepNhan="24/11/2026", KenhThucHien=7)
    bad.pop("ChuHoSo")
    refused = call(portal, "POST", "/api/DongBoHoSoMC", json=bad)
    assert refused.status_code == 400 and refused.json()["error_code"] == "1"
    reasons = refused.json()["errors"][0]["errors"]
    assert "Thiếu trường bắt buộc ChuHoSo." in reasons
    assert "NgayTiepNhan phải có dạng yyyyMMddHHmmss." in reasons
    assert any(r.startswith("KenhThucHien") for r in reasons)

    good = sync_record("000.11.31.H48-261124-0904")
    batch = call(portal, "POST", "/api/DongBoHoSoMC", json=[good, {**good, "TrangThaiHoSo": 11}])
    assert batch.status_code == 400 and batch.json()["errors"][0]["index"] == 1
    assert call(portal, "GET", "/api/TraCuuHoSo", params={"MaHoSo": good["MaHoSo"]}).status_code == 404
    assert call(portal, "POST", "/api/DongBoHoSoMC", content=b"{not json").status_code == 400


def test_the_catalog_it_serves_is_what_import_catalog_reads(portal):
    records = call(portal, "GET", "/api/LayDanhSachTTHC").json()["data"]
    procedures, errors = parse_catalog(records)
    assert errors == [] and len(procedures) == len(records) >= 40
    one = call(portal, "GET", "/api/LayThuTuc", params={"MaTTHC": "1.001193"}).json()["data"]
    assert one["MATTHC"] == "1.001193" and "khai sinh" in one["TENTTHC"]
    assert call(portal, "GET", "/api/LayThuTuc", params={"MaTTHC": "9.999999"}).status_code == 404


@pytest.mark.django_db
def test_sync_catalog_imports_the_portal_s_catalog_once(portal, settings, capsys):
    settings.NATIONAL_PORTAL_URL, settings.NATIONAL_PORTAL_TOKEN = portal, TOKEN
    call_command("sync_catalog")
    count = Procedure.objects.count()
    assert count >= 40 and Procedure.objects.filter(code="1.001193").exists()
    call_command("sync_catalog")  # nothing changed there: nothing changes here
    assert Procedure.objects.count() == count
    assert "0 tạo mới, 0 cập nhật" in capsys.readouterr().out.splitlines()[-1]

    settings.NATIONAL_PORTAL_TOKEN = "wrong"
    with pytest.raises(CommandError, match="401"):
        call_command("sync_catalog")


def test_faults_make_the_api_fail_and_go_away_when_cleared(portal):
    record = sync_record("000.11.31.H48-261124-0905")
    try:
        assert call(portal, "POST", "/_faults/", json={"outage": True}).json()["data"]["outage"] is True
        down = call(portal, "POST", "/api/DongBoHoSoMC", json=record)
        assert down.status_code == 503 and down.json()["error_code"] == "503"
        assert httpx.get(f"{portal}/healthz/", timeout=5).status_code == 200  # the process itself is up

        call(portal, "POST", "/_faults/", json={"outage": False, "failure_rate": 1})
        assert call(portal, "POST", "/api/DongBoHoSoMC", json=record).status_code == 503
        assert call(portal, "GET", "/api/TraCuuHoSo", params={"MaHoSo": record["MaHoSo"]}).status_code == 503

        for wrong in ({"failure_rate": 2}, {"latency_ms": -1}, {"outage": "yes"}):
            assert call(portal, "POST", "/_faults/", json=wrong).status_code == 400
        shown = call(portal, "GET", "/_faults/").json()["data"]
        assert shown == {"failure_rate": 1.0, "latency_ms": 0, "outage": False}  # the refused ones changed nothing
    finally:
        call(portal, "POST", "/_faults/", json={"outage": False, "failure_rate": 0, "latency_ms": 0})
    assert call(portal, "POST", "/api/DongBoHoSoMC", json=record).json()["results"][0]["stored"] is True


def test_the_sms_and_zalo_gateways_record_each_message_once_and_refuse_a_bad_one(portal):
    phone = "0905" + os.urandom(3).hex()[:6].translate(str.maketrans("abcdef", "123456"))
    text = "Hồ sơ 000.11.31.H48-261124-0001 đã được tiếp nhận. Ngày hẹn trả: 26/11/2026."
    sent = call(portal, "POST", "/sms/send", json={"phone": phone, "message": text, "reference": "ev-1-sms"})
    assert sent.status_code == 200 and sent.json()["duplicate"] is False
    again = call(portal, "POST", "/sms/send", json={"phone": phone, "message": text, "reference": "ev-1-sms"})
    assert again.json()["duplicate"] is True and again.json()["id"] == sent.json()["id"]
    assert call(portal, "POST", "/zalo/send", json={"phone": phone, "message": text, "reference": "ev-1-sms"}).json()[
        "duplicate"] is False  # the same reference on another channel is another message
    received = call(portal, "GET", "/messages", params={"phone": phone}).json()["data"]
    assert sorted(m["channel"] for m in received) == ["sms", "zalo"] and received[0]["text"] == text

    for wrong, reason in [({"phone": "12345", "message": text}, "Số điện thoại di động không hợp lệ."),
                          ({"phone": phone, "message": " "}, "Thiếu nội dung tin nhắn."),
                          ({"phone": phone, "message": "x" * 1001}, "Tin nhắn dài quá 1000 ký tự.")]:
        refused = call(portal, "POST", "/sms/send", json=wrong)
        assert refused.status_code == 400 and reason in refused.json()["errors"]
    assert call(portal, "POST", "/sms/send", token="wrong", json={"phone": phone, "message": text}).status_code == 401
    assert len(call(portal, "GET", "/messages", params={"phone": phone}).json()["data"]) == 2
    assert text in httpx.get(f"{portal}/", timeout=10).text
