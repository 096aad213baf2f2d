"""The dossier API: drafts, documents, submission, every action, queues, events, forms, public lookup.

Answers: 200/201 with the dossier; 400 with field errors for a bad payload; 403 for a user who may
not; 404 for a dossier the user may not see (nothing leaks); 409 for an action the state refuses.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException, PermissionDenied, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Business
from procedures.models import Agency, Procedure, RequiredDocument

from .. import selectors, services
from ..workflow import State
from .serializers import (
    ActionSerializer,
    DocumentUploadSerializer,
    DossierEventSerializer,
    DossierListSerializer,
    DossierSerializer,
    DraftCreateSerializer,
    IntakeSerializer,
    PublicDossierSerializer,
)


def _call(function, **kwargs):
    """Run a service and turn its refusals into API answers."""
    try:
        return function(**kwargs)
    except services.ActionRefused as error:
        raise Conflict(str(error)) from error
    except DjangoPermissionDenied as error:
        raise PermissionDenied(str(error) or None) from error
    except DjangoValidationError as error:
        raise ValidationError(error.message_dict if hasattr(error, "error_dict") else {"detail": error.messages}) from error


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


def _dossier(request, pk) -> object:
    dossier = selectors.dossier_for(request.user, pk)
    if dossier is None:
        raise Http404
    return dossier


def _payload(data) -> services.ActionInput:
    details = {k: v for k, v in data.items() if k != "reason" and v not in (None, "")}
    if "new_due_at" in details:
        details["new_due_at"] = details["new_due_at"].isoformat()
    return services.ActionInput(reason=data.get("reason", ""), data=details)


class DossierListCreateView(GenericAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = DossierListSerializer

    @extend_schema(operation_id="dossiers_list", parameters=[
        OpenApiParameter("queue", str, enum=list(selectors.QUEUES), description="Staff: which work list."),
        OpenApiParameter("search", str, description="Staff: code, applicant name or ID number."),
        OpenApiParameter("state", str, enum=State.values),
    ])
    def get(self, request):
        queue = request.query_params.get("queue", "")
        if queue and queue not in selectors.QUEUES:
            raise ValidationError({"queue": ["Unknown queue."]})
        if selectors.staff_agency_ids(request.user) and queue:
            qs = selectors.staff_queue(request.user, queue, search=request.query_params.get("search", "")[:100])
        else:
            qs = selectors.visible_dossiers(request.user).order_by("-created_at")
        state = request.query_params.get("state")
        if state:
            if state not in State.values:
                raise ValidationError({"state": ["Unknown state."]})
            qs = qs.filter(state=state)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(DossierListSerializer(page, many=True).data)

    @extend_schema(request=DraftCreateSerializer, responses={201: DossierSerializer})
    def post(self, request):
        data = DraftCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        procedure = Procedure.objects.filter(code=v["procedure"]).select_related("current_version").first()
        agency = Agency.objects.filter(code=v["agency"]).first()
        if procedure is None:
            raise ValidationError({"procedure": ["Unknown procedure."]})
        if agency is None:
            raise ValidationError({"agency": ["Unknown agency."]})
        business = None
        if v["business"]:
            business = Business.objects.filter(tax_code=v["business"]).first()
            if business is None:
                raise ValidationError({"business": ["Unknown business."]})
        dossier = _call(
            services.dossier_draft_create, user=request.user, procedure=procedure, agency=agency,
            form_data=v["form_data"], delivery=v["delivery"], delivery_address=v["delivery_address"], business=business,
        )
        return Response(DossierSerializer(dossier).data, status=status.HTTP_201_CREATED)


class DossierDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=DossierSerializer)
    def get(self, request, pk):
        return Response(DossierSerializer(_dossier(request, pk)).data)


class DossierEventsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=DossierEventSerializer(many=True))
    def get(self, request, pk):
        dossier = _dossier(request, pk)
        return Response(DossierEventSerializer(dossier.events.order_by("seq"), many=True).data)


class DossierDocumentsView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(request={"multipart/form-data": DocumentUploadSerializer, "application/json": DocumentUploadSerializer},
                   responses={201: DossierSerializer})
    def post(self, request, pk):
        """Attach a file, or reuse a document of the applicant's data store (``document_id``)."""
        dossier = _dossier(request, pk)
        if not dossier.is_applicant(request.user) and not dossier.staff_role_of(request.user, ["reception_clerk"]):
            raise PermissionDenied()
        data = DocumentUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        requirement = RequiredDocument.objects.filter(pk=data.validated_data["requirement"], version=dossier.version).first()
        if requirement is None:
            raise ValidationError({"requirement": [_("This document is not part of this procedure.")]})
        if "document_id" in data.validated_data:
            _call(services.dossier_document_reuse, dossier=dossier, user=request.user, requirement=requirement,
                  stored_id=data.validated_data["document_id"])
        else:
            _call(services.dossier_document_add, dossier=dossier, actor=request.user, requirement=requirement,
                  uploaded=data.validated_data["file"])
        return Response(DossierSerializer(_dossier(request, pk)).data, status=status.HTTP_201_CREATED)


class DossierSubmitView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=DossierSerializer)
    def post(self, request, pk):
        dossier = _dossier(request, pk)
        _call(services.dossier_submit, dossier=dossier, actor=request.user)
        return Response(DossierSerializer(_dossier(request, pk)).data)


class DossierActionView(APIView):
    """``POST /api/v1/dossiers/{id}/{action}/`` for every action of the state machine."""

    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, FormParser]

    @extend_schema(request=ActionSerializer, responses={200: DossierSerializer})
    def post(self, request, pk, action):
        name = action
        dossier = _dossier(request, pk)
        data = ActionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        _call(services.dossier_act, dossier=dossier, action=name, actor=request.user, payload=_payload(data.validated_data))
        return Response(DossierSerializer(_dossier(request, pk)).data)


class IntakeView(APIView):
    """Counter intake; scanned components may come as multipart files named ``scan_<requirement id>``."""

    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(request=IntakeSerializer, responses={201: DossierSerializer})
    def post(self, request):
        data = IntakeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        procedure = Procedure.objects.filter(code=v["procedure"]).select_related("current_version").first()
        agency = Agency.objects.filter(code=v["agency"]).first()
        if procedure is None or agency is None:
            raise ValidationError({"procedure" if procedure is None else "agency": ["Unknown code."]})
        scans = []
        for key, uploaded in request.FILES.items():
            if not key.startswith("scan_") or not key[5:].isdigit():
                raise ValidationError({key: ["Name scanned files scan_<required document id>."]})
            requirement = RequiredDocument.objects.filter(pk=int(key[5:])).first()
            if requirement is None:
                raise ValidationError({key: ["Unknown required document."]})
            scans.append((requirement, uploaded))
        dossier = _call(
            services.dossier_intake, clerk=request.user, procedure=procedure, agency=agency,
            applicant={"name": v["applicant_name"], "id_number": v["applicant_id_number"],
                       "phone": v["applicant_phone"], "address": v["applicant_address"]},
            delivery=v["delivery"], delivery_address=v["delivery_address"], scans=scans,
        )
        return Response(DossierSerializer(dossier).data, status=status.HTTP_201_CREATED)


class DossierFormView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={(200, "application/pdf"): bytes})
    def get(self, request, pk, form):
        from ..printing import FormNotAvailable, render_form

        dossier = _dossier(request, pk)
        try:
            pdf = render_form(dossier=dossier, form=form, base_url=request.build_absolute_uri("/").rstrip("/"))
        except FormNotAvailable as error:
            raise Http404(str(error)) from error
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{dossier.code or dossier.pk}-{form}.pdf"'
        return response


class PublicDossierView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(responses=PublicDossierSerializer)
    def get(self, request, code):
        dossier = selectors.public_lookup(code)
        if dossier is None:
            raise Http404
        return Response(PublicDossierSerializer(dossier).data)
