"""The dossier API: drafts, documents, submission, every action, queues, events, forms, public lookup.

Answers: 200/201 with the dossier; 400 with field errors for a bad payload; 403 for a user who may
not; 404 for a dossier the user may not see (nothing leaks); 409 for an action the state refuses.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException, PermissionDenied, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Business
from core.parsers import BoundedJSONParser
from procedures.models import Agency, Procedure, RequiredDocument

from .. import selectors, services
from ..actions import Action, refused
from ..declaration_pdf import NoDeclaration, render_declaration
from ..declarations import DeclarationInvalid
from ..models import Dossier
from ..workflow import State
from .serializers import (
    DossierEventSerializer,
    DossierListSerializer,
    DossierSerializer,
    DraftCreateSerializer,
    DraftUpdateSerializer,
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
    except DeclarationInvalid as error:
        raise ValidationError({"form_data": error.paths}) from error
    except DjangoValidationError as error:
        raise ValidationError(error.message_dict if hasattr(error, "error_dict") else {"detail": error.messages}) from error


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


def _dossier(request, pk) -> Dossier:
    dossier = selectors.dossier_for(request.user, pk)
    if dossier is None:
        raise Http404
    return dossier


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
        return Response(DossierSerializer(dossier, context={"request": request}).data, status=status.HTTP_201_CREATED)


class DossierDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=DossierSerializer)
    def get(self, request, pk):
        return Response(DossierSerializer(_dossier(request, pk), context={"request": request}).data)

    @extend_schema(request=DraftUpdateSerializer, responses=DossierSerializer)
    def patch(self, request, pk):
        """Change a draft: its declaration answers (400 ``{"form_data": {"child.date_of_birth": [...]}}`` for a
        wrong answer), its delivery."""
        dossier = _dossier(request, pk)
        data = DraftUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        _call(services.dossier_draft_update, dossier=dossier, user=request.user, form_data=v.get("form_data"),
              delivery=v.get("delivery"), delivery_address=v.get("delivery_address"))
        return Response(DossierSerializer(_dossier(request, pk), context={"request": request}).data)


class DossierEventsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=DossierEventSerializer(many=True))
    def get(self, request, pk):
        dossier = _dossier(request, pk)
        return Response(DossierEventSerializer(dossier.events.order_by("seq"), many=True).data)


class DossierSubmitView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=DossierSerializer)
    def post(self, request, pk):
        dossier = _dossier(request, pk)
        _call(services.dossier_submit, dossier=dossier, actor=request.user)
        return Response(DossierSerializer(_dossier(request, pk), context={"request": request}).data)


class DossierActionView(APIView):
    """``POST /api/v1/dossiers/{id}/{action}/``: one subclass per action (``action_view``), so the schema gives
    each its own request body. Answers 404 (not visible), 403/409 (``workflow.refusal``: asked before the body
    is read, so nothing about the body is told to someone who may not act), 400 (the body), then the action."""

    permission_classes = [IsAuthenticated]
    parser_classes = [BoundedJSONParser, FormParser]
    declared: Action  # not ``action``: DRF and drf-spectacular read that name as a viewset's action

    def take(self, request, pk):
        dossier = _dossier(request, pk)
        why = refused(dossier, self.declared.name, request.user)
        if why is not None:
            raise PermissionDenied(str(why.message)) if why.forbidden else Conflict(str(why.message))
        given = self.declared.input(data=request.data)
        given.is_valid(raise_exception=True)
        _call(self.declared.service, dossier=dossier, actor=request.user, **given.validated_data)
        return Response(DossierSerializer(_dossier(request, pk), context={"request": request}).data)


ACTION_ERRORS = {
    400: OpenApiResponse(description="The body is not valid: errors by field."),
    403: OpenApiResponse(description="The user may not take this action on this dossier."),
    404: OpenApiResponse(description="No such dossier, or not one the user may see."),
    409: OpenApiResponse(description="The dossier's state or conditions do not allow the action now."),
}


def action_view(action: Action) -> type[DossierActionView]:
    """The API view of one declared action, its body documented as the action's input serializer."""

    @extend_schema(request=action.input, responses={200: DossierSerializer, **ACTION_ERRORS},
                   summary=str(action.staff_label), operation_id=f"dossier_{action.name}")
    def post(self, request, pk):
        return self.take(request, pk)

    name = "".join(part.capitalize() for part in action.name.split("_"))
    return type(f"Dossier{name}View", (DossierActionView,), {"declared": action, "post": post,
                                                              "__doc__": action.service.__doc__})


class IntakeView(APIView):
    """Counter intake; scanned components may come as multipart files named ``scan_<requirement id>``."""

    permission_classes = [IsAuthenticated]
    parser_classes = [BoundedJSONParser, MultiPartParser, FormParser]

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
            delivery=v["delivery"], delivery_address=v["delivery_address"], scans=scans, form_data=v["form_data"],
        )
        return Response(DossierSerializer(dossier, context={"request": request}).data, status=status.HTTP_201_CREATED)


FORM_ERRORS = {
    404: OpenApiResponse(description="No such dossier or not one the user may see, or the form does not apply to "
                                     "it (yet): the reason is in ``detail``."),
}


class PrintedFormView(APIView):
    """A printed form of a dossier the user may see, as an inline PDF; 404 with the reason when it does not apply."""

    permission_classes = [IsAuthenticated]

    def render(self, request, pk, form: str) -> HttpResponse:
        from ..printing import FormNotAvailable, render_form

        dossier = _dossier(request, pk)
        try:
            pdf = render_form(dossier=dossier, form=form, base_url=request.build_absolute_uri("/").rstrip("/"))
        except FormNotAvailable as error:
            raise Http404(str(error)) from error
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{dossier.code or dossier.pk}-{form}.pdf"'
        return response


class DossierFormView(PrintedFormView):
    """``GET /api/v1/dossiers/{id}/forms/{form}.pdf``: a printed form of Circular 01/2018/TT-VPCP, by its number
    (01 receipt, 02 supplement request, 03 refusal, 04 apology, 05 control sheet; 06, the tracking book, is an
    agency's register, printed from the officials' pages)."""

    @extend_schema(
        operation_id="dossier_form",
        parameters=[OpenApiParameter("form", str, OpenApiParameter.PATH, enum=["01", "02", "03", "04", "05", "06"],
                                     description="The form's number in Circular 01/2018/TT-VPCP.")],
        responses={(200, "application/pdf"): bytes, **FORM_ERRORS},
    )
    def get(self, request, pk, form):
        return self.render(request, pk, form)


class DossierStopNoticeView(PrintedFormView):
    """``GET /api/v1/dossiers/{id}/forms/stop-notice.pdf``: the notice that processing of the dossier stopped (a
    notice of its own, outside the Circular's numbering)."""

    @extend_schema(operation_id="dossier_stop_notice", responses={(200, "application/pdf"): bytes, **FORM_ERRORS})
    def get(self, request, pk):
        from ..printing import STOP_NOTICE

        return self.render(request, pk, STOP_NOTICE)


class DossierDeclarationView(APIView):
    """``GET /api/v1/dossiers/{id}/declaration.pdf``: the dossier's declaration (tờ khai) printed in its
    official layout; 404 when its procedure has no declaration."""

    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="dossier_declaration", responses={(200, "application/pdf"): bytes, **FORM_ERRORS})
    def get(self, request, pk):
        dossier = _dossier(request, pk)
        try:
            pdf = render_declaration(dossier=dossier)
        except NoDeclaration as error:
            raise Http404(_("This procedure has no declaration to print.")) from error
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{dossier.code or dossier.pk}-to-khai.pdf"'
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
