"""Dossiers as the API shows them."""

from django.utils.translation import gettext as _
from rest_framework import serializers

from ..models import Dossier, DossierDocument, DossierEvent, ResultDelivery


class DossierDocumentSerializer(serializers.ModelSerializer):
    requirement = serializers.PrimaryKeyRelatedField(read_only=True)
    requirement_name = serializers.CharField(source="requirement.name", default="", read_only=True)

    class Meta:
        model = DossierDocument
        fields = ["id", "requirement", "requirement_name", "original_name", "content_type", "size", "sha256", "source",
                  "reused_from", "uploaded_at"]


class DossierSerializer(serializers.ModelSerializer):
    procedure = serializers.CharField(source="procedure.code")
    procedure_name = serializers.CharField(source="version.name")
    version = serializers.IntegerField(source="version.number")
    agency = serializers.CharField(source="agency.code")
    agency_name = serializers.CharField(source="agency.name")
    handling_agency = serializers.CharField(source="handling_agency.code", default=None)
    state_label = serializers.CharField(source="get_state_display")
    national_status = serializers.IntegerField(allow_null=True)
    current_step = serializers.CharField(source="current_step.name", default=None)
    is_overdue = serializers.BooleanField()
    documents = DossierDocumentSerializer(many=True, read_only=True)

    class Meta:
        model = Dossier
        fields = [
            "id", "code", "state", "state_label", "national_status", "procedure", "procedure_name", "version",
            "agency", "agency_name", "handling_agency", "channel", "applicant_name", "applicant_id_number",
            "applicant_phone", "applicant_email", "applicant_address", "form_data", "delivery", "delivery_address",
            "tracking_number", "current_step", "submitted_at", "received_at", "due_at", "step_due_at", "paused_at",
            "paused_minutes", "extended_at", "resolved_at", "returned_at", "outcome", "supplement_count",
            "is_overdue", "documents",
        ]


class DossierListSerializer(DossierSerializer):
    class Meta(DossierSerializer.Meta):
        fields = [f for f in DossierSerializer.Meta.fields if f not in ("documents", "form_data")]


class DossierEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = DossierEvent
        fields = ["seq", "action", "actor_name", "at", "from_state", "to_state", "reason", "data"]


class DraftCreateSerializer(serializers.Serializer):
    procedure = serializers.CharField(max_length=40)
    agency = serializers.CharField(max_length=20)
    form_data = serializers.DictField(required=False, default=dict)
    delivery = serializers.ChoiceField(choices=ResultDelivery.choices, default=ResultDelivery.COUNTER)
    delivery_address = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    business = serializers.CharField(max_length=14, required=False, allow_blank=True, default="",
                                     help_text="Tax code of the business filing, if any.")


class DocumentUploadSerializer(serializers.Serializer):
    requirement = serializers.IntegerField(help_text="Id of the required document (from the procedure's documents).")
    file = serializers.FileField(required=False, help_text="The file; or give document_id instead.")
    document_id = serializers.IntegerField(
        required=False, help_text="Id of a document of the applicant's data store (GET /api/v1/me/documents/) to reuse."
    )

    def validate(self, attrs):
        if ("file" in attrs) == ("document_id" in attrs):
            raise serializers.ValidationError(_("Give either a file or the id of a document from your data store."))
        return attrs


class ActionSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)
    items = serializers.ListField(child=serializers.DictField(), required=False,
                                  help_text="request-supplement: [{document, guidance}]")
    fees = serializers.ListField(child=serializers.DictField(), required=False,
                                 help_text="request-payment: [{name, amount}]")
    proof = serializers.CharField(required=False, max_length=200, help_text="confirm-payment: receipt number")
    new_due_at = serializers.DateTimeField(required=False, help_text="extend: the new appointment date")
    agency = serializers.CharField(required=False, max_length=20, help_text="transfer: the agency's identifier")
    tracking_number = serializers.CharField(required=False, max_length=60, help_text="return-result by post")


class IntakeSerializer(serializers.Serializer):
    procedure = serializers.CharField(max_length=40)
    agency = serializers.CharField(max_length=20)
    applicant_name = serializers.CharField(max_length=255)
    applicant_id_number = serializers.CharField(max_length=14)
    applicant_phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    applicant_address = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    delivery = serializers.ChoiceField(choices=ResultDelivery.choices, default=ResultDelivery.COUNTER)
    delivery_address = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class PublicDossierSerializer(serializers.ModelSerializer):
    """What anyone may know from a dossier's code: no personal data."""

    procedure = serializers.CharField(source="procedure.code")
    procedure_name = serializers.CharField(source="version.name")
    agency_name = serializers.CharField(source="agency.name")
    state_label = serializers.CharField(source="get_state_display")

    class Meta:
        model = Dossier
        fields = ["code", "state", "state_label", "procedure", "procedure_name", "agency_name", "submitted_at",
                  "received_at", "due_at", "resolved_at", "returned_at"]
