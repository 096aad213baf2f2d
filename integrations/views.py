"""Server-to-server endpoints, with no session and no CSRF token (the callers are not browsers): the payment
gateway's callback (``POST /api/v1/payments/callback/``; the result's check code is its authentication) and
the dossiers the national portal forwards (``POST /api/v1/national/dossiers/``; signed with a shared secret)."""

import json
import logging

from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ParseError
from rest_framework.parsers import FormParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from core.parsers import BoundedJSONParser

from . import payment_gateway, payments

logger = logging.getLogger(__name__)

RESULT = inline_serializer("PaymentResult", {
    "merchant_code": serializers.CharField(),
    "order_id": serializers.CharField(help_text="The portal's order number (Payment.reference)."),
    "amount": serializers.IntegerField(help_text="Whole đồng."),
    "response_code": serializers.CharField(help_text="00 paid; anything else not paid (24: cancelled by the payer)."),
    "transaction_no": serializers.CharField(),
    "pay_date": serializers.CharField(help_text="yyyyMMddHHmmss, Asia/Ho_Chi_Minh."),
    "check_code": serializers.CharField(
        help_text='sha256("|".join([merchant_code, order_id, str(amount), response_code, transaction_no, pay_date, '
                  "secret])), hex."),
})
ANSWER = inline_serializer("PaymentCallbackAnswer", {
    "RspCode": serializers.CharField(help_text="00 recorded, 02 already recorded, 01 no such order, 04 wrong "
                                               "amount, 97 wrong check code."),
    "Message": serializers.CharField(),
})


class PaymentCallbackView(APIView):
    """The gateway tells the portal how a payment ended. Recorded once: a repeat answers 02 and changes
    nothing; a refusal (97, 01, 04) is HTTP 400 and changes nothing."""

    authentication_classes = []
    permission_classes = [AllowAny]
    parser_classes = [BoundedJSONParser, FormParser]
    renderer_classes = [JSONRenderer]

    @extend_schema(
        request=RESULT, responses={200: ANSWER, 400: ANSWER}, tags=["payments"],
        summary="Payment gateway callback",
        examples=[OpenApiExample("Recorded", value={"RspCode": "00", "Message": "Confirm Success"},
                                 response_only=True, status_codes=["200"])],
    )
    def post(self, request):
        try:
            fields = request.data
        except ParseError:
            fields = None
        if not hasattr(fields, "get"):
            return self._answer(payment_gateway.RSP_BAD_CHECK_CODE, "Invalid request", status.HTTP_400_BAD_REQUEST)
        try:
            outcome = payments.payment_callback(fields=fields)
        except payments.PaymentRefused as refused:
            logger.warning("payment callback refused (%s) for order %r: %s", refused.code, fields.get("order_id"),
                           refused.message)
            return self._answer(refused.code, refused.message, status.HTTP_400_BAD_REQUEST)
        if outcome.outcome in ("already", "late"):
            return self._answer(payment_gateway.RSP_ALREADY, "Order already confirmed", status.HTTP_200_OK)
        return self._answer(payment_gateway.RSP_OK, "Confirm Success", status.HTTP_200_OK)

    @staticmethod
    def _answer(code: str, message: str, http_status: int) -> Response:
        return Response({"RspCode": code, "Message": str(message)}, status=http_status)


NATIONAL_DOSSIER = inline_serializer("NationalDossier", {
    "MaHoSoQuocGia": serializers.CharField(help_text="The national portal's reference of the dossier."),
    "MaTTHC": serializers.CharField(help_text="The procedure's national code, in the province's catalog."),
    "MaDonViTiepNhan": serializers.CharField(required=False, help_text="Receiving agency's code; may be empty "
                                             "when only one agency handles the procedure."),
    "ChuHoSo": serializers.CharField(), "SoGiayToChuHoSo": serializers.CharField(),
    "LoaiDoiTuong": serializers.IntegerField(help_text="1 citizen, 2 organization."),
    "SoDinhDanhNguoiNop": serializers.CharField(help_text="The submitting person's 12-digit ID number."),
    "NgayNopHoSo": serializers.CharField(help_text="yyyyMMddHHmmss, Asia/Ho_Chi_Minh."),
    "TaiKhoanDuocXacThucVoiVNeID": serializers.IntegerField(),
    "NoiDungYeuCau": serializers.CharField(required=False),
    "TaiLieuNop": serializers.ListField(child=serializers.DictField(), help_text=(
        "Each: TenGiayTo (the required document's name), TenTepDinhKem, DuongDanTep (a link on the national "
        "portal, fetched with the portal token), MaHash (SHA-256 hex), KichThuoc, LoaiTep.")),
})
NATIONAL_ANSWER = inline_serializer("NationalAnswer", {
    "error_code": serializers.CharField(help_text='"0" stored (also for a repeat), "1" invalid, "401" bad '
                                                  'signature, "404" unknown procedure, "422" a document fails '
                                                  'its hash or type, "503" documents not fetched now: send again.'),
    "message": serializers.CharField(),
    "errors": serializers.ListField(child=serializers.CharField(), required=False),
    "data": serializers.DictField(required=False, help_text="MaHoSo (the province's code) and MaHoSoQuocGia."),
})


class NationalDossierView(APIView):
    """The national portal forwards a dossier submitted there. Signed with the shared secret: headers
    ``X-DVCQG-Timestamp`` (Unix seconds) and ``X-DVCQG-Signature: sha256=<hex HMAC-SHA256(secret,
    timestamp + "." + body)>``. The same reference twice is one dossier; a refusal leaves nothing."""

    authentication_classes = []
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]

    @extend_schema(request=NATIONAL_DOSSIER, responses={200: NATIONAL_ANSWER, 400: NATIONAL_ANSWER,
                                                        401: NATIONAL_ANSWER, 404: NATIONAL_ANSWER,
                                                        422: NATIONAL_ANSWER, 503: NATIONAL_ANSWER},
                   tags=["national portal"], summary="A dossier from the National Public Service Portal")
    def post(self, request):
        from . import inbound

        body = request.body  # the bytes as signed, before any parsing
        if not inbound.signature_valid(body, request.headers.get("X-DVCQG-Timestamp", ""),
                                       request.headers.get("X-DVCQG-Signature", "")):
            logger.warning("national dossier refused: bad or missing signature")
            answer = inbound.Answer(inbound.BAD_SIGNATURE, "Chữ ký không hợp lệ hoặc đã quá hạn.")
            return Response(answer.body(), status=answer.http_status)
        try:
            payload = json.loads(body)
        except ValueError:
            answer = inbound.Answer(inbound.INVALID, "Nội dung không phải JSON.")
        else:
            answer = inbound.receive(payload=payload, channel="push")
        if answer.code != inbound.OK:
            logger.info("national dossier refused (%s): %s %s", answer.code, answer.message, answer.errors)
        return Response(answer.body(), status=answer.http_status)
