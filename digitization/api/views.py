"""The data-store API: the owner's documents (``/me/documents/``) and the public verification of results."""

from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from .. import selectors, services
from ..models import DocumentAccess
from .serializers import StoredDocumentSerializer, VerificationSerializer, VerifyUploadSerializer

MAX_VERIFY_BYTES = 20 * 1024 * 1024


class MyDocumentsView(ListAPIView):
    """The caller's data store: their digitized components and results, newest first."""

    permission_classes = [IsAuthenticated]
    serializer_class = StoredDocumentSerializer

    def get_queryset(self):
        return selectors.store_documents(self.request.user)


class MyDocumentView(RetrieveAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = StoredDocumentSerializer

    def get_object(self):
        document = selectors.store_document(self.request.user, self.kwargs["pk"])
        if document is None:
            raise Http404
        return document


class MyDocumentFileView(APIView):
    """The PDF of a stored document (recorded in its access log)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={(200, "application/pdf"): bytes})
    def get(self, request, pk):
        document = selectors.store_document(request.user, pk)
        if document is None:
            raise Http404
        try:
            handle = document.file.open("rb")
        except (FileNotFoundError, ValueError) as missing:
            raise Http404 from missing
        services.access_record(document=document, user=request.user, action=DocumentAccess.Action.DOWNLOAD)
        response = FileResponse(handle, content_type="application/pdf", filename=document.file_name)
        response["Cache-Control"] = "private, no-store"  # a personal document, as the store page serves it
        return response


class VerifyThrottle(AnonRateThrottle):
    rate = "60/min"


class PublicResultView(APIView):
    """Whether the result with this code is authentic: signature intact and trusted, hash unchanged, not
    revoked. ``key``: the verification key printed beside its QR code (without it, 404 as for an unknown
    code: a code alone is an ID number and a procedure code)."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [VerifyThrottle]

    @extend_schema(
        parameters=[OpenApiParameter("key", str, required=True, description="The verification key printed on the result.")],
        responses={200: VerificationSerializer, 404: VerificationSerializer},
    )
    def get(self, request, code):
        verification = selectors.verify_code(code, request.query_params.get("key", ""))
        if verification.document is not None:
            services.access_record(document=verification.document, user=None, action=DocumentAccess.Action.VERIFY)
        return Response(verification.public_fields(), status=200 if verification.found else 404)


class PublicVerifyFileView(APIView):
    """Whether an uploaded PDF is a result this portal issued, unchanged, with a trusted signature."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [VerifyThrottle]
    parser_classes = [MultiPartParser]

    @extend_schema(request={"multipart/form-data": VerifyUploadSerializer}, responses=VerificationSerializer)
    def post(self, request):
        data = VerifyUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        if upload.size > MAX_VERIFY_BYTES:
            raise ValidationError({"file": [_("The file is larger than %(max)s MB.") % {"max": 20}]})
        content = upload.read()
        if not content.startswith(b"%PDF-"):
            raise ValidationError({"file": [_("This is not a PDF file.")]})
        verification = selectors.verify_file(content)
        if verification.document is not None:
            services.access_record(document=verification.document, user=None, action=DocumentAccess.Action.VERIFY)
        return Response(verification.public_fields())
