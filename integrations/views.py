"""The payment gateway's server-to-server callback (``POST /api/v1/payments/callback/``): no session, no
CSRF token (the gateway is not a browser); the result's check code is its authentication."""

import logging

from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ParseError
from rest_framework.parsers import FormParser, JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from . import payment_gateway, services

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
    parser_classes = [JSONParser, FormParser]
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
            outcome = services.payment_callback(fields=fields)
        except services.PaymentRefused as refused:
            logger.warning("payment callback refused (%s) for order %r: %s", refused.code, fields.get("order_id"),
                           refused.message)
            return self._answer(refused.code, refused.message, status.HTTP_400_BAD_REQUEST)
        if outcome.outcome in ("already", "late"):
            return self._answer(payment_gateway.RSP_ALREADY, "Order already confirmed", status.HTTP_200_OK)
        return self._answer(payment_gateway.RSP_OK, "Confirm Success", status.HTTP_200_OK)

    @staticmethod
    def _answer(code: str, message: str, http_status: int) -> Response:
        return Response({"RspCode": code, "Message": str(message)}, status=http_status)
