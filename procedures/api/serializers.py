"""Procedure catalog as the API shows it."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..models import (
    Agency,
    Fee,
    Field,
    ImplementationLevel,
    LegalDocument,
    Procedure,
    ProcedureVersion,
    ProcessingTime,
    RequiredDocument,
    ResultDocument,
    WorkflowStep,
)


class AgencyRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Agency
        fields = ["code", "name"]


class ProcessingTimeSerializer(serializers.ModelSerializer):
    """A processing time as published for one channel (1 counter, 2 online, 3 postal), in its own unit."""

    class Meta:
        model = ProcessingTime
        fields = ["channel", "amount", "unit", "description"]


class ProcedureListSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="current_version.name")
    field = serializers.SerializerMethodField()
    levels = serializers.SerializerMethodField()
    times = ProcessingTimeSerializer(source="current_version.times", many=True)
    online_level = serializers.CharField(source="current_version.online_level")
    version = serializers.IntegerField(source="current_version.number")
    url = serializers.HyperlinkedIdentityField(view_name="api-procedure-detail", lookup_field="code")

    class Meta:
        model = Procedure
        fields = ["code", "name", "field", "levels", "times", "online_level", "version", "url"]

    def get_field(self, obj: Procedure) -> dict:
        assert obj.current_version is not None  # the API shows procedures in force only
        field = obj.current_version.field
        return {"code": field.code, "name": field.name}

    def get_levels(self, obj: Procedure) -> list[str]:
        assert obj.current_version is not None  # the API shows procedures in force only
        return [level.code for level in obj.current_version.levels.all()]


class RequiredDocumentSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(read_only=True, help_text=_(
        "The required document's id: give it as “requirement” when uploading a file to a dossier "
        "(POST /api/v1/dossiers/{id}/documents/)."))
    accepted_types = serializers.ListField(source="accepted_type_list", child=serializers.CharField())
    is_declaration = serializers.BooleanField(read_only=True, help_text=_(
        "The electronic declaration stands for it: the portal prints and files it at submission; nothing to upload."))

    class Meta:
        model = RequiredDocument
        fields = ["id", "name", "case", "originals", "copies", "mandatory", "form_name", "accepted_types", "max_size_mb",
                  "document_type_code", "is_declaration"]


class FeeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Fee
        fields = ["name", "channel", "amount", "payer", "note"]


class LegalDocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = LegalDocument
        fields = ["number", "title"]


class ResultDocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = ResultDocument
        fields = ["code", "name"]


class WorkflowStepSerializer(serializers.ModelSerializer):
    unit = AgencyRefSerializer(allow_null=True)

    class Meta:
        model = WorkflowStep
        fields = ["order", "name", "role", "unit", "share_percent"]


class DeclarationSerializer(serializers.ModelSerializer):
    """A procedure version's declaration: ``schema`` (JSON Schema draft 2020-12) and ``ui`` (sections, help,
    widgets, conditions)."""

    procedure = serializers.CharField(source="procedure.code")
    schema = serializers.JSONField(source="form_schema")
    ui = serializers.JSONField(source="form_ui")

    class Meta:
        model = ProcedureVersion
        fields = ["procedure", "number", "schema", "ui"]


class ProcedureDetailSerializer(ProcedureListSerializer):
    valid_from = serializers.DateField(source="current_version.valid_from")
    agencies = AgencyRefSerializer(source="current_version.agencies", many=True)
    authority = serializers.CharField(source="current_version.authority_text")
    target = serializers.CharField(source="current_version.target")
    steps_text = serializers.CharField(source="current_version.steps_text")
    requirements = serializers.CharField(source="current_version.requirements")
    documents = RequiredDocumentSerializer(source="current_version.documents", many=True)
    fees = FeeSerializer(source="current_version.fees", many=True)
    legal_basis = LegalDocumentSerializer(source="current_version.legal_basis", many=True)
    results = ResultDocumentSerializer(source="current_version.results", many=True)
    workflow = WorkflowStepSerializer(source="current_version.steps", many=True)
    form = serializers.SerializerMethodField(help_text="The URL of its declaration's schema, or null if it has none.")

    class Meta(ProcedureListSerializer.Meta):
        fields = ProcedureListSerializer.Meta.fields + [
            "valid_from", "agencies", "authority", "target", "steps_text", "requirements",
            "documents", "fees", "legal_basis", "results", "workflow", "form",
        ]

    def get_form(self, obj: Procedure) -> str | None:
        version = obj.current_version
        if version is None or not version.form_schema:
            return None
        request = self.context.get("request")
        path = reverse("api-procedure-form", kwargs={"code": obj.code})
        return request.build_absolute_uri(path) if request is not None else path


class ProcedureQuerySerializer(serializers.Serializer):
    """The list's filters; a bad value is a 400 with its reason, not an empty list."""

    search = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    field = serializers.CharField(required=False, allow_blank=True, max_length=40, default="")
    level = serializers.CharField(required=False, allow_blank=True, max_length=20, default="")
    agency = serializers.CharField(required=False, allow_blank=True, max_length=20, default="")
    online_level = serializers.ChoiceField(
        required=False,
        allow_blank=True,
        default="",
        choices=ProcedureVersion.OnlineLevel.choices,
        error_messages={"invalid_choice": _("Unknown online service level “{input}”: use full, partial or info.")},
    )

    def validate_level(self, value: str) -> str:
        if value and not ImplementationLevel.objects.filter(code=value).exists():
            raise serializers.ValidationError(_("Unknown level: use bo, tinh, xa or khac."))
        return value

    def validate_agency(self, value: str) -> str:
        if value and not Agency.objects.filter(code=value).exists():
            raise serializers.ValidationError(_("No agency has this identifier."))
        return value

    def validate_field(self, value: str) -> str:
        if value and not Field.objects.filter(code=value).exists():
            raise serializers.ValidationError(_("No field has this code."))
        return value
