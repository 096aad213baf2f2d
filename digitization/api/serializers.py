"""What the data-store API takes and returns."""

from django.utils.translation import gettext as _
from rest_framework import serializers

from ..models import DigitizedDocument


class StoredDocumentSerializer(serializers.ModelSerializer):
    dossier_code = serializers.CharField(source="dossier.code", read_only=True)
    # The API's field "is_valid" hides the serializer's method: an output-only serializer, is_valid() is never called.
    is_valid = serializers.BooleanField(source="is_valid_now", read_only=True)  # type: ignore[assignment]  # see above
    file_url = serializers.SerializerMethodField()

    class Meta:
        model = DigitizedDocument
        fields = [
            "id", "code", "kind", "document_type", "document_type_name", "procedure_code", "number_symbol",
            "issue_date", "issuer", "signer", "summary", "valid_until", "is_valid", "revoked_at", "sha256", "size",
            "pages", "dossier_code", "digitized_at", "file_url",
        ]

    def get_file_url(self, document) -> str:
        request = self.context.get("request")
        path = f"/api/v1/me/documents/{document.pk}/file/"
        return request.build_absolute_uri(path) if request else path


class VerificationSerializer(serializers.Serializer):
    authentic = serializers.BooleanField()
    found = serializers.BooleanField()
    code = serializers.CharField(allow_null=True)
    document = serializers.CharField(allow_null=True)
    number_symbol = serializers.CharField(allow_null=True)
    issue_date = serializers.DateField(allow_null=True)
    issuer = serializers.CharField(allow_null=True)
    signer = serializers.CharField(allow_null=True)
    owner = serializers.CharField(allow_null=True, help_text="Masked: enough to match the paper in hand.")
    owner_id_number = serializers.CharField(allow_null=True, help_text="Masked.")
    valid_until = serializers.DateField(allow_null=True)
    signature_valid = serializers.BooleanField(help_text="The signed bytes are unchanged.")
    signature_trusted = serializers.BooleanField(help_text="The certificate chains to a root this portal trusts.")
    signature_covers_whole_file = serializers.BooleanField()
    signed_by_certificate = serializers.CharField(allow_null=True)
    signed_at = serializers.DateTimeField(allow_null=True)
    hash_matches = serializers.BooleanField(help_text="The file is byte for byte the one the portal issued.")
    revoked = serializers.BooleanField()
    revoked_at = serializers.DateTimeField(allow_null=True)


class VerifyUploadSerializer(serializers.Serializer):
    file = serializers.FileField()


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
