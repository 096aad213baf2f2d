"""The national vocabulary's checks (pure functions, no process needed)."""

from mock_portal import vocabulary as v


def test_a_complete_submitted_dossier_passes_and_each_broken_field_says_why():
    record = {"MaHoSo": "000.11.31.H48-261124-0001", "MaTTHC": "1.001193", "TenTTHC": "Đăng ký khai sinh",
              "KenhThucHien": 2, "ChuHoSo": "Nguyễn Văn An", "SoGiayToChuHoSo": "048090001234",
              "NgayNopHoSo": "20261124090000", "TrangThaiHoSo": 1, "DonViXuLy": "UBND phường Hải Châu"}
    assert v.sync_errors(record) == []
    assert v.sync_errors({**record, "TrangThaiHoSo": 0}) == ["TrangThaiHoSo phải là số từ 1 đến 10."]
    assert v.sync_errors({**record, "NgayNopHoSo": "20261131090000"}) == ["NgayNopHoSo phải có dạng yyyyMMddHHmmss."]
    # Received (2) and later: a reception and an appointment date, the appointment not before reception.
    received = {**record, "TrangThaiHoSo": 2}
    assert v.sync_errors(received) == ["Hồ sơ đã tiếp nhận phải có NgayTiepNhan.", "Hồ sơ đã tiếp nhận phải có NgayHenTra."]
    assert v.sync_errors({**received, "NgayTiepNhan": "20261125080000", "NgayHenTra": "20261124080000"}) == [
        "NgayHenTra không được trước NgayTiepNhan."]
    # Refused (3), sent back for a supplement (5) or withdrawn (7) before reception: no appointment date.
    for status in (3, 5, 7):
        assert v.sync_errors({**record, "TrangThaiHoSo": status}) == []
    for status in (4, 6, 8, 9, 10):
        assert len(v.sync_errors({**record, "TrangThaiHoSo": status})) == 2
    assert v.sync_errors({**record, "TaiLieuNop": "to-khai.pdf"}) == ["TaiLieuNop phải là một danh sách các đối tượng."]
    assert v.sync_errors([record]) == ["Bản ghi hồ sơ phải là một đối tượng JSON."]


def test_the_digest_is_the_same_for_the_same_record_in_any_key_order():
    a = {"MaHoSo": "X", "TrangThai": 2, "NoiDungXuLy": "Tiếp nhận"}
    b = {"NoiDungXuLy": "Tiếp nhận", "TrangThai": 2, "MaHoSo": "X"}
    assert v.digest(a) == v.digest(b) != v.digest({**a, "TrangThai": 4})


def test_a_message_needs_a_vietnamese_mobile_number_and_a_text():
    assert v.message_errors({"phone": "0905 123 456", "message": "Hồ sơ đã có kết quả."}) == []
    assert v.message_errors({"phone": "84905123456", "message": "ok"}) == []
    assert v.message_errors({"phone": "0236123456", "message": "ok"}) == ["Số điện thoại di động không hợp lệ."]
    assert v.message_errors("0905123456") == ["Nội dung gửi phải là một đối tượng JSON."]


def test_a_rating_names_the_dossier_one_of_three_answers_and_when():
    rating = {"MaHoSo": "000.11.31.H48-261124-0001", "MucDoHaiLong": 1, "ThoiDiemDanhGia": "20261124090000",
              "TieuChi": [{"MaTieuChi": "THOI_GIAN", "MucDoHaiLong": 2}], "NoiDung": "Cán bộ hướng dẫn tận tình"}
    assert v.rating_errors(rating) == []
    assert v.rating_errors({**rating, "MucDoHaiLong": 4}) == [
        "MucDoHaiLong phải là 1 (rất hài lòng), 2 (hài lòng) hoặc 3 (không hài lòng)."]
    assert v.rating_errors({**rating, "TieuChi": [{"MaTieuChi": "THOI_GIAN"}]}) == [
        "TieuChi phải là danh sách {MaTieuChi, MucDoHaiLong} với MucDoHaiLong từ 1 đến 3."]
    assert v.rating_errors({"MucDoHaiLong": 3}) == ["Thiếu trường bắt buộc MaHoSo.", "Thiếu trường bắt buộc ThoiDiemDanhGia."]


def test_identity_numbers_and_tax_codes_are_ascii_digits_of_the_right_length():
    assert v.id_number_error("048090001234") is None
    for wrong in ("", None, "04809000123", "0480900012345", "04809000123a", "048090001234\n", "٠٤٨٠٩٠٠٠١٢٣٤"):
        assert v.id_number_error(wrong) == "Số định danh cá nhân phải gồm đúng 12 chữ số.", wrong
    assert v.tax_code("0401001233") == "0401001233"
    assert v.tax_code(" 0401001233-001 ") == "0401001233001"
    assert v.tax_code("040100123") is v.tax_code("04010012330") is v.tax_code("040100123a") is None
