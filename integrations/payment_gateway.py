"""The client of the online payment gateway (here the mock in mock_portal/): an INIT request that opens an
order and returns the payer's page, and the check of a signed result (callback or browser return).

The protocol (the gateway's side is mock_portal/gateway.py; the two agree through it alone):
- INIT: ``POST {PAYMENT_GATEWAY_URL}/init`` with JSON {merchant_code, order_id, amount (whole đồng),
  order_info, return_url, callback_url, create_date (yyyyMMddHHmmss, Asia/Ho_Chi_Minh), check_code}, where
  ``check_code = sha256("|".join([merchant_code, order_id, str(amount), order_info, return_url,
  callback_url, create_date, secret]))`` in hex. Answer: {"error_code": "0", "payment_url": ...}; a refusal
  is HTTP 400 {"error_code": "1", "message": ...}. The same order sent again with the same fields gets the
  same page.
- Result: {merchant_code, order_id, amount, response_code, transaction_no, pay_date, check_code}, where
  ``check_code = sha256("|".join([merchant_code, order_id, str(amount), response_code, transaction_no,
  pay_date, secret]))``; response_code "00" is paid. POSTed as JSON to callback_url and given to the
  browser's return_url as query parameters.
- The portal answers a callback {"RspCode", "Message"}: "00" recorded, "02" already recorded, "01" no such
  order, "04" wrong amount, "97" bad check code.
"""

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass

import httpx
from django.conf import settings
from django.utils.translation import gettext as _

INIT_FIELDS = ("merchant_code", "order_id", "amount", "order_info", "return_url", "callback_url", "create_date")
RESULT_FIELDS = ("merchant_code", "order_id", "amount", "response_code", "transaction_no", "pay_date")
PAID = "00"

# The portal's answers to a callback.
RSP_OK = "00"
RSP_NOT_FOUND = "01"
RSP_ALREADY = "02"
RSP_AMOUNT = "04"
RSP_BAD_CHECK_CODE = "97"


def check_code(values, secret: str) -> str:
    """The SHA-256 (hex) of ``values`` and the secret joined by "|"."""
    return hashlib.sha256("|".join([*(str(v) for v in values), secret]).encode()).hexdigest()


def sign_init(fields: Mapping, secret: str) -> str:
    return check_code([fields[name] for name in INIT_FIELDS], secret)


def sign_result(fields: Mapping, secret: str) -> str:
    return check_code([fields[name] for name in RESULT_FIELDS], secret)


def verify_result(fields: Mapping, secret: str) -> bool:
    """Whether a result carries every field and the check code the secret gives (compared in constant time).
    The values are checked as they came (``str`` of each), so "08000" is not "8000"."""
    if not secret or any(not isinstance(fields.get(name), str | int) or isinstance(fields.get(name), bool)
                         for name in (*RESULT_FIELDS, "check_code")):
        return False
    expected = sign_result(fields, secret)
    return hmac.compare_digest(str(fields["check_code"]).lower().encode(), expected.encode())


@dataclass
class GatewayError(Exception):
    """The gateway refused the order (its error code and message) or could not be reached (code "")."""

    code: str
    message: str

    def __str__(self):
        return f"{self.code}: {self.message}" if self.code else self.message


def is_configured() -> bool:
    """Online payment is offered only with a gateway address and a secret (production has no default secret)."""
    return bool(settings.PAYMENT_GATEWAY_URL and settings.PAYMENT_SECRET)


class PaymentGateway:
    def __init__(self, *, base_url: str | None = None, merchant_code: str | None = None, secret: str | None = None,
                 timeout: float | None = None):
        self.base_url = (base_url or settings.PAYMENT_GATEWAY_URL).rstrip("/")
        self.merchant_code = merchant_code or settings.PAYMENT_MERCHANT_CODE
        self.secret = secret if secret is not None else settings.PAYMENT_SECRET
        self.timeout = timeout or settings.GATEWAY_TIMEOUT_SECONDS

    def init(self, *, order_id: str, amount: int, order_info: str, return_url: str, callback_url: str,
             create_date: str) -> str:
        """Open (or open again: same fields, same page) an order; the address of the payer's page."""
        if not self.secret:
            raise GatewayError("", _("Online payment is not available on this portal."))
        fields = {"merchant_code": self.merchant_code, "order_id": order_id, "amount": int(amount),
                  "order_info": order_info, "return_url": return_url, "callback_url": callback_url,
                  "create_date": create_date}
        try:
            response = httpx.post(f"{self.base_url}/init", json={**fields, "check_code": sign_init(fields, self.secret)},
                                  timeout=self.timeout)
        except httpx.HTTPError as error:
            raise GatewayError("", _("The payment gateway cannot be reached: %(error)s") % {"error": error}) from error
        try:
            body = response.json()
        except ValueError as error:
            raise GatewayError("", _("The payment gateway answered HTTP %(status)s, not JSON.")
                               % {"status": response.status_code}) from error
        url = str(body.get("payment_url", "")) if isinstance(body, dict) else ""
        if response.status_code != 200 or str(body.get("error_code")) != "0" or not url.startswith(("https://", "http://")):
            raise GatewayError(str(body.get("error_code", "")) if isinstance(body, dict) else "",
                               str(body.get("message", "")) if isinstance(body, dict) else response.text[:200])
        return url

    def verify(self, fields: Mapping) -> bool:
        return verify_result(fields, self.secret)
