"""The mock payment gateway's rules as pure functions (no database): the check codes of an INIT request and of
a result, and why an INIT request is refused. Messages are Vietnamese, as a Vietnamese gateway's are.

- INIT: ``check_code = sha256("|".join([merchant_code, order_id, str(amount), order_info, return_url,
  callback_url, create_date, secret]))``, hex.
- Result (the server-to-server callback and the browser's return): ``check_code = sha256("|".join(
  [merchant_code, order_id, str(amount), response_code, transaction_no, pay_date, secret]))``, hex.
- ``response_code`` "00" is paid, "24" cancelled by the payer. Dates are ``yyyyMMddHHmmss`` in
  Asia/Ho_Chi_Minh.

The portal keeps its own implementation (integrations/payment_gateway.py): the two sides agree only through
this protocol, and the tests check both against the same hand-computed example.
"""

import datetime as dt
import hashlib
import hmac
import re

INIT_FIELDS = ("merchant_code", "order_id", "amount", "order_info", "return_url", "callback_url", "create_date")
RESULT_FIELDS = ("merchant_code", "order_id", "amount", "response_code", "transaction_no", "pay_date")
PAID = "00"
CANCELLED = "24"
DATE_FORMAT = "%Y%m%d%H%M%S"
ORDER_ID = re.compile(r"^[A-Za-z0-9._-]{1,40}$")
URL = re.compile(r"^https?://[^\s/?#]+[^\s]*$")
MAX_AMOUNT = 100_000_000_000  # 100 billion đồng: more is a typo, not a fee


def check_code(values, secret: str) -> str:
    """The SHA-256 (hex) of the values and the secret joined by "|"."""
    return hashlib.sha256("|".join([*(str(v) for v in values), secret]).encode()).hexdigest()


def init_check_code(body: dict, secret: str) -> str:
    return check_code([body.get(name, "") for name in INIT_FIELDS], secret)


def result_check_code(result: dict, secret: str) -> str:
    return check_code([result[name] for name in RESULT_FIELDS], secret)


def _is_amount(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_AMOUNT


def init_errors(body, *, merchant_code: str, secret: str) -> list[str]:
    """Why an INIT request is refused (empty: accepted). The check code is checked last, over the fields as
    sent, so a well-formed request with a wrong secret says exactly that."""
    if not isinstance(body, dict):
        return ["Yêu cầu khởi tạo thanh toán phải là một đối tượng JSON."]
    errors = [f"Thiếu trường bắt buộc {name}." for name in (*INIT_FIELDS, "check_code")
              if body.get(name) in (None, "")]
    if errors:
        return errors
    if str(body["merchant_code"]) != merchant_code:
        errors.append("Mã đơn vị chấp nhận thanh toán (merchant_code) không đúng.")
    if not ORDER_ID.match(str(body["order_id"])):
        errors.append("Mã đơn hàng (order_id) tối đa 40 ký tự chữ, số, dấu chấm, gạch ngang, gạch dưới.")
    if not _is_amount(body["amount"]):
        errors.append("Số tiền (amount) phải là số nguyên dương, đơn vị đồng.")
    if len(str(body["order_info"])) > 255:
        errors.append("Nội dung thanh toán (order_info) tối đa 255 ký tự.")
    for name in ("return_url", "callback_url"):
        if not URL.match(str(body[name])) or len(str(body[name])) > 500:
            errors.append(f"{name} phải là một địa chỉ http(s) hợp lệ.")
    if parse_date(body["create_date"]) is None:
        errors.append("create_date phải có dạng yyyyMMddHHmmss.")
    if errors:
        return errors
    if not hmac.compare_digest(str(body["check_code"]).lower().encode(), init_check_code(body, secret).encode()):
        errors.append("Mã kiểm tra (check_code) không đúng.")
    return errors


def parse_date(value) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(str(value), DATE_FORMAT)
    except ValueError:
        return None


def money(amount: int) -> str:
    """1000000 → "1.000.000 đồng"."""
    return f"{int(amount):,}".replace(",", ".") + " đồng"
