"""``GET /api/v1/procedures/`` and ``GET /api/v1/procedures/{code}/``."""

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from .. import selectors
from ..models import Procedure, ProcedureVersion
from .serializers import (
    DeclarationSerializer,
    ProcedureDetailSerializer,
    ProcedureListSerializer,
    ProcedureQuerySerializer,
)

FILTERS = [
    OpenApiParameter("search", OpenApiTypes.STR, description="Words of the name or code; diacritics and case are ignored."),
    OpenApiParameter("field", OpenApiTypes.STR, description="Field code."),
    OpenApiParameter("level", OpenApiTypes.STR, description="Implementation level code (bo, tinh, xa, khac)."),
    OpenApiParameter("agency", OpenApiTypes.STR, description="Agency identifier; includes its sub-agencies."),
    OpenApiParameter("online_level", OpenApiTypes.STR, enum=ProcedureVersion.OnlineLevel.values),
]


@extend_schema_view(list=extend_schema(parameters=FILTERS))
class ProcedureViewSet(viewsets.ReadOnlyModelViewSet):
    """The procedure catalog in force today."""

    permission_classes = [AllowAny]
    lookup_field = "code"
    lookup_value_regex = r"[^/]+"
    filter_backends = []

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return ProcedureDetailSerializer if self.action == "retrieve" else ProcedureListSerializer

    def get_queryset(self) -> QuerySet[Procedure]:
        if self.action != "list":
            return selectors.procedure_list()
        query = ProcedureQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.procedure_list(**query.validated_data)

    def get_object(self) -> Procedure:
        procedure = selectors.procedure_detail(code=self.kwargs["code"])
        if procedure is None:
            raise Http404
        return procedure

    @extend_schema(responses=DeclarationSerializer, description=(
        "The declaration (tờ khai) of the version in force: its JSON Schema (draft 2020-12) and UI description, "
        "as docs/declarations.md describes them; 404 when the procedure has none (its dossiers describe the "
        "request in free text)."))
    @action(detail=True, url_path="form")
    def form(self, request: Request, code: str | None = None) -> Response:
        version = selectors.procedure_declaration(code=self.kwargs["code"])
        if version is None:
            raise Http404
        return Response(DeclarationSerializer(version).data)
