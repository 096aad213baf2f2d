"""Dossiers as the API shows them."""

import json

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core import jsonlimits

from ..actions import ACTIONS, available_actions
from ..models import Dossier, DossierDocument, DossierEvent, ResultDelivery


class DossierDocumentSerializer(serializers.ModelSerializer):
    requirement: serializers.PrimaryKeyRelatedField = serializers.PrimaryKeyRelatedField(read_only=True)
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
    available_actions = serializers.SerializerMethodField(
        help_text="The actions the requesting user may take on the dossier now (their URL slugs)."
    )

    class Meta:
        model = Dossier
        fields = [
            "id", "code", "state", "state_label", "national_status", "procedure", "procedure_name", "version",
            "agency", "agency_name", "handling_agency", "channel", "applicant_name", "applicant_id_number",
            "applicant_phone", "applicant_email", "applicant_address", "form_data", "delivery", "delivery_address",
            "tracking_number", "current_step", "submitted_at", "received_at", "due_at", "step_due_at", "paused_at",
            "paused_minutes", "extended_at", "resolved_at", "returned_at", "outcome", "supplement_count",
            "is_overdue", "documents", "available_actions",
        ]

    def get_available_actions(self, dossier: Dossier) -> list[str]:
        request = self.context.get("request")
        if request is None:
            return []
        return [ACTIONS[name].slug for name in available_actions(dossier, request.user)]


class DossierListSerializer(DossierSerializer):
    class Meta(DossierSerializer.Meta):
        fields = [f for f in DossierSerializer.Meta.fields if f not in ("documents", "form_data", "available_actions")]


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


class DraftUpdateSerializer(serializers.Serializer):
    """A draft's answers: the declaration (``form_data``, checked against the procedure's form as it is saved:
    a wrong answer is a 400 with the field's path; missing answers wait for the submission), the delivery."""

    form_data = serializers.DictField(required=False)
    delivery = serializers.ChoiceField(choices=ResultDelivery.choices, required=False)
    delivery_address = serializers.CharField(max_length=500, required=False, allow_blank=True)


class DeclarationField(serializers.JSONField):
    """A declaration's answers: a JSON object, or (in a multipart intake with scans) its JSON text."""

    def to_internal_value(self, data):
        if isinstance(data, str):
            try:
                jsonlimits.check(data)
            except jsonlimits.TooLarge as error:
                raise serializers.ValidationError(str(error)) from error
            try:
                data = json.loads(data)
            except ValueError as error:
                raise serializers.ValidationError(_("Give the declaration as a JSON object.")) from error
        if not isinstance(data, dict):
            raise serializers.ValidationError(_("Give the declaration as a JSON object."))
        return data


class IntakeSerializer(serializers.Serializer):
    procedure = serializers.CharField(max_length=40)
    agency = serializers.CharField(max_length=20)
    applicant_name = serializers.CharField(max_length=255)
    applicant_id_number = serializers.CharField(max_length=14)
    applicant_phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    applicant_address = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    delivery = serializers.ChoiceField(choices=ResultDelivery.choices, default=ResultDelivery.COUNTER)
    delivery_address = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    form_data = DeclarationField(required=False, default=dict,
                                 help_text=_("The declaration's answers (form_data), checked against the procedure's form."))


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
