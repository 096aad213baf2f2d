"""Data-store administration: document types, result templates, trusted roots and signing certificates,
and the digitized documents (read-only, with retry and revocation through the services)."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from . import services
from .models import DigitizedDocument, DocumentAccess, DocumentType, ResultTemplate, SigningCertificate, TrustRoot


@admin.register(DocumentType)
class DocumentTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "valid_months", "reusable"]
    search_fields = ["code", "name", "result_codes"]


@admin.register(ResultTemplate)
class ResultTemplateAdmin(admin.ModelAdmin):
    list_display = ["__str__", "procedure", "signer_title", "hidden_until_returned"]
    autocomplete_fields = ["procedure"]
    search_fields = ["title", "procedure__code"]


@admin.register(TrustRoot)
class TrustRootAdmin(admin.ModelAdmin):
    list_display = ["name", "fingerprint", "added_at"]
    readonly_fields = ["fingerprint", "added_at"]

    def save_model(self, request, obj, form, change):
        from . import pki

        obj.fingerprint = pki.fingerprint(obj.certificate_pem)
        super().save_model(request, obj, form, change)


@admin.register(SigningCertificate)
class SigningCertificateAdmin(admin.ModelAdmin):
    """Certificates are added with `manage.py signing_certificate_load` (the key must go to SIGNING_DIR);
    here they can be seen, taken out of use or marked revoked."""

    list_display = ["agency", "subject", "serial", "not_after", "is_active", "revoked_at"]
    list_filter = ["is_active"]
    search_fields = ["agency__name", "agency__code", "serial"]
    readonly_fields = ["agency", "subject", "serial", "certificate_pem", "chain_pem", "key_file", "not_before",
                       "not_after", "added_at"]

    def has_add_permission(self, request):
        return False


class AccessInline(admin.TabularInline):
    model = DocumentAccess
    extra = 0
    can_delete = False
    readonly_fields = ["at", "who", "role", "action", "dossier_code"]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(DigitizedDocument)
class DigitizedDocumentAdmin(admin.ModelAdmin):
    list_display = ["code", "kind", "status", "document_type", "owner_name", "dossier", "created_at", "revoked_at"]
    list_filter = ["kind", "status", "document_type"]
    search_fields = ["code", "owner_id_number", "owner_name", "dossier__code", "number_symbol"]
    list_select_related = ["dossier"]
    inlines = [AccessInline]
    actions = ["retry_failed", "revoke"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Retry the selected failed digitizations"))
    def retry_failed(self, request, queryset):
        done = 0
        for document in queryset.filter(status=DigitizedDocument.Status.FAILED):
            services.document_retry(document=document, actor=request.user)
            done += 1
        self.message_user(request, _("%(count)s digitizations sent back to the queue.") % {"count": done})

    @admin.action(description=_("Revoke the selected documents"))
    def revoke(self, request, queryset):
        for document in queryset:
            try:
                services.document_revoke(document=document, actor=request.user,
                                         reason=str(_("Revoked by an administrator")))
            except (PermissionDenied, ValidationError) as error:
                self.message_user(request, str(error), level=messages.ERROR)
                return
        self.message_user(request, _("Documents revoked."))
