"""The data-store API: the owner's documents (``/me/documents/``), a dossier's documents (an upload or a
stored document reused, ``/dossiers/{id}/documents/``), and the public verification of results."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from cases import selectors as dossiers
from cases.api.serializers import DossierSerializer
from cases.api.views import Conflict
from cases.services import ActionRefused, dossier_document_add
from core.limits import ResilientThrottle
from core.parsers import BoundedJSONParser
from procedures.models import RequiredDocument

from .. import selectors, services
from ..models import DocumentAccess
from .serializers import (
    DocumentUploadSerializer,
    StoredDocumentSerializer,
    VerificationSerializer,
    VerifyUploadSerializer,
)

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


class DossierDocumentsView(APIView):
    """A dossier's documents: an upload, or a document of the applicant's data store given instead ("provide
    once"). Answers as the dossier API does (its ``DossierSerializer``; 400, 403, 404, 409)."""

    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser, BoundedJSONParser]

    @extend_schema(request={"multipart/form-data": DocumentUploadSerializer, "application/json": DocumentUploadSerializer},
                   responses={201: DossierSerializer})
    def post(self, request, pk):
        """Attach a file, or reuse a document of the applicant's data store (``document_id``)."""
        dossier = dossiers.dossier_for(request.user, pk)
        if dossier is None:
            raise Http404
        if not dossier.is_applicant(request.user) and not dossier.staff_role_of(request.user, ["reception_clerk"]):
            raise PermissionDenied()
        data = DocumentUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        requirement = RequiredDocument.objects.filter(pk=data.validated_data["requirement"], version=dossier.version).first()
        if requirement is None:
            raise ValidationError({"requirement": [_("This document is not part of this procedure.")]})
        try:
            if "document_id" in data.validated_data:
                services.dossier_document_reuse(dossier=dossier, user=request.user, requirement=requirement,
                                                stored_id=data.validated_data["document_id"])
            else:
                dossier_document_add(dossier=dossier, actor=request.user, requirement=requirement,
                                     uploaded=data.validated_data["file"])
        except ActionRefused as error:
            raise Conflict(str(error)) from error
        except DjangoPermissionDenied as error:
            raise PermissionDenied(str(error) or None) from error
        except DjangoValidationError as error:
            raise ValidationError(
                error.message_dict if hasattr(error, "error_dict") else {"detail": error.messages}
            ) from error
        dossier = dossiers.dossier_for(request.user, pk)
        return Response(DossierSerializer(dossier, context={"request": request}).data, status=status.HTTP_201_CREATED)


class VerifyThrottle(ResilientThrottle, AnonRateThrottle):
    """Guards the verification key against guessing: with the cache down it refuses (503), never guesses on."""

    rate = "60/min"
    fail_open = False


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
