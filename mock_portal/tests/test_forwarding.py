"""The forwarding protocol's pure parts (no process needed): the push's signature against an example computed
by another tool, what the province's answers mean, the backoff, and the day's references."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mock_portal import forwarding
from mock_portal import vocabulary as v


def test_the_signature_is_the_hmac_of_timestamp_dot_body_as_openssl_computes_it():
    body = forwarding.body({"MaHoSoQuocGia": "QG-251125-000001", "ChuHoSo": "Nguyễn Văn An"})
    assert body == '{"MaHoSoQuocGia":"QG-251125-000001","ChuHoSo":"Nguyễn Văn An"}'.encode()
    # printf '%s' '1764028800.<body>' | openssl dgst -sha256 -hmac mock-inbound-dev-secret
    assert forwarding.signature("mock-inbound-dev-secret", "1764028800", body) == (
        "sha256=d9f038749642b5736fc745b167985c60dcfe04c85377cdd696b04a6450304d3c")
    assert forwarding.signature("another-secret", "1764028800", body) != forwarding.signature(
        "mock-inbound-dev-secret", "1764028800", body)
    assert forwarding.signature("mock-inbound-dev-secret", "1764028801", body) != forwarding.signature(
        "mock-inbound-dev-secret", "1764028800", body)


@pytest.mark.parametrize(("status", "text", "expected"), [
    (200, '{"error_code": "0", "data": {"MaHoSo": "000.00.31.H48-251125-0001"}}',
     forwarding.Answer("accepted", province_code="000.00.31.H48-251125-0001")),
    (201, '{"error_code": "0", "data": {"MaHoSo": " X-1 "}}', forwarding.Answer("accepted", province_code="X-1")),
    (200, '{"error_code": "0", "data": {}}', forwarding.Answer("retry")),  # taken, but as what?
    (200, '{"error_code": "0"}', forwarding.Answer("retry")),
    (422, '{"error_code": "1", "message": "Sai mã đơn vị.", "errors": ["MaDonViTiepNhan"]}',
     forwarding.Answer("refused", message="Sai mã đơn vị.", errors=["MaDonViTiepNhan"])),
    (404, '{"error_code": "404", "message": "Không có thủ tục."}', forwarding.Answer("refused", message="Không có thủ tục.")),
    (409, '{"error_code": "409", "message": "Đã có.", "errors": {"MaHoSoQuocGia": ["trùng"]}}',
     forwarding.Answer("refused", message="Đã có.", errors={"MaHoSoQuocGia": ["trùng"]})),
    (400, '{"error_code": "422", "message": "x"}', forwarding.Answer("refused", message="x")),
    (401, '{"error_code": "1", "message": "Sai chữ ký."}', forwarding.Answer("retry")),  # a key out of step
    (500, '{"error_code": "1"}', forwarding.Answer("retry")),
    (503, "<html>Bad gateway</html>", forwarding.Answer("retry")),
    (404, "<html>Not Found</html>", forwarding.Answer("retry")),  # a wrong address, not the province's word
    (200, '["0"]', forwarding.Answer("retry")),
    (200, '{"error_code": "2"}', forwarding.Answer("retry")),
    (None, "ConnectError: refused", forwarding.Answer("retry")),
])
def test_the_province_s_answer_takes_refuses_or_asks_for_another_try(status, text, expected):
    assert forwarding.read_answer(status, text) == expected


@given(base=st.floats(min_value=0.01, max_value=60), cap=st.floats(min_value=0.01, max_value=3600),
       attempts=st.integers(min_value=1, max_value=10_000))
def test_the_backoff_doubles_from_the_base_and_never_passes_the_cap(base, cap, attempts):
    wait = forwarding.backoff(attempts, base=base, cap=cap)
    assert 0 < wait <= cap
    assert forwarding.backoff(1, base=base, cap=cap) == min(base, cap)
    following = forwarding.backoff(attempts + 1, base=base, cap=cap)
    assert following == min(cap, 2 * wait) or following == cap
    assert following >= wait


def test_the_documented_schedule():
    assert [forwarding.backoff(n, base=5, cap=600) for n in range(1, 10)] == [5, 10, 20, 40, 80, 160, 320, 600, 600]
    with pytest.raises(ValueError):
        forwarding.backoff(0, base=5, cap=600)


@given(day=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31)),
       a=st.integers(min_value=1, max_value=999_999), b=st.integers(min_value=1, max_value=999_999))
def test_a_reference_names_its_day_and_number_and_sorts_as_its_number(day, a, b):
    code = v.national_code(day, a)
    assert v.NATIONAL_CODE.fullmatch(code) and code[3:9] == day.strftime("%y%m%d") and int(code[-6:]) == a
    assert (code < v.national_code(day, b)) == (a < b)


def test_a_reference_number_is_one_to_999999():
    for number in (0, -1, 1_000_000):
        with pytest.raises(ValueError):
            v.national_code(dt.date(2025, 11, 25), number)
    assert v.national_code(dt.date(2025, 11, 25), 1) == "QG-251125-000001"


def test_every_status_has_its_vietnamese_name():
    assert [v.status_name(n) for n in range(1, 11)] == [
        "Mới đăng ký", "Đã tiếp nhận", "Không được tiếp nhận", "Đang xử lý", "Yêu cầu bổ sung",
        "Yêu cầu thực hiện nghĩa vụ tài chính", "Công dân yêu cầu rút hồ sơ", "Dừng xử lý", "Đã có kết quả",
        "Đã trả kết quả"]
    assert v.status_name("4") == "Đang xử lý" and v.status_name(11) == v.status_name("x") == v.status_name(None) == ""
    assert v.sync_errors({"MaHoSoQuocGia": "QG-251125-1"})[-1] == "MaHoSoQuocGia phải có dạng QG-yymmdd-nnnnnn."
