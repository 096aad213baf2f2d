"""The mock payment gateway's rules (pure functions, no process or database needed); the gateway as a running
process is tested with the portal in integrations/tests/test_payments.py."""

from mock_portal import gateway as g

SECRET = "mock-payment-dev-secret"
ORDER = {
    "merchant_code": "DVCDN", "order_id": "000.11.31.H48-261124-0001-A1B2C3", "amount": 1000000,
    "order_info": "Nộp phí, lệ phí hồ sơ 000.11.31.H48-261124-0001",
    "return_url": "https://dichvucong.danang.gov.vn/ho-so/thanh-toan/ket-qua/",
    "callback_url": "https://dichvucong.danang.gov.vn/api/v1/payments/callback/", "create_date": "20261124093000",
}
# printf '%s' 'DVCDN|000.11.31.H48-261124-0001-A1B2C3|1000000|Nộp phí, lệ phí hồ sơ 000.11.31.H48-261124-0001|https://dichvucong.danang.gov.vn/ho-so/thanh-toan/ket-qua/|https://dichvucong.danang.gov.vn/api/v1/payments/callback/|20261124093000|mock-payment-dev-secret' | sha256sum
ORDER_CODE = "c0c9510c8a3ebffa49326a19bb399cec9acd94d082c3dcb0965d9305411ed22a"


def errors(**changes):
    body = {**ORDER, "check_code": ORDER_CODE, **changes}
    return g.init_errors(body, merchant_code="DVCDN", secret=SECRET)


def test_a_signed_order_is_accepted_and_a_wrong_secret_or_a_changed_field_is_not():
    assert g.init_check_code(ORDER, SECRET) == ORDER_CODE
    assert errors() == []
    assert errors(check_code=ORDER_CODE.upper()) == []
    assert g.init_errors({**ORDER, "check_code": g.init_check_code(ORDER, "guessed")}, merchant_code="DVCDN",
                         secret=SECRET) == ["Mã kiểm tra (check_code) không đúng."]
    assert errors(order_info="Nộp phí hồ sơ khác") == ["Mã kiểm tra (check_code) không đúng."]


def test_each_broken_field_says_why_in_vietnamese():
    assert errors(merchant_code="OTHER") == ["Mã đơn vị chấp nhận thanh toán (merchant_code) không đúng."]
    assert errors(amount="1000000") == ["Số tiền (amount) phải là số nguyên dương, đơn vị đồng."]
    assert errors(amount=0) == errors(amount=True) == errors(amount=-5) != []
    assert errors(order_id="mã có dấu") == [
        "Mã đơn hàng (order_id) tối đa 40 ký tự chữ, số, dấu chấm, gạch ngang, gạch dưới."]
    assert errors(return_url="javascript:alert(1)") == ["return_url phải là một địa chỉ http(s) hợp lệ."]
    assert errors(create_date="24/11/2026") == ["create_date phải có dạng yyyyMMddHHmmss."]
    assert errors(check_code="") == ["Thiếu trường bắt buộc check_code."]
    assert g.init_errors([ORDER], merchant_code="DVCDN", secret=SECRET) == [
        "Yêu cầu khởi tạo thanh toán phải là một đối tượng JSON."]


def test_a_result_is_signed_over_its_own_fields_and_amounts_read_as_vietnamese_write_them():
    result = {"merchant_code": "DVCDN", "order_id": ORDER["order_id"], "amount": 1000000, "response_code": "00",
              "transaction_no": "20000001", "pay_date": "20261124093512"}
    # printf '%s' 'DVCDN|000.11.31.H48-261124-0001-A1B2C3|1000000|00|20000001|20261124093512|mock-payment-dev-secret' | sha256sum
    assert g.result_check_code(result, SECRET) == "b8ca8dd7dbd490036057ea6afdfbd4f6bd245737b68dcebb8ad1dae0580f1f10"
    assert g.money(1000000) == "1.000.000 đồng" and g.money(8000) == "8.000 đồng"
