"""Catalog administration: agencies, fields, procedures with versioned content, the calendar."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from . import services
from .models import (
    Agency,
    CalendarException,
    Fee,
    Field,
    ImplementationLevel,
    LegalDocument,
    Procedure,
    ProcedureVersion,
    RequiredDocument,
    ResultDocument,
    WorkflowStep,
)


@admin.register(Agency)
class AgencyAdmin(TreeAdmin):
    form = movenodeform_factory(Agency)
    list_display = ["name", "code", "level", "is_active"]
    list_filter = ["level", "is_active"]
    search_fields = ["name", "code"]


@admin.register(Field)
class FieldAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


@admin.register(ImplementationLevel)
class ImplementationLevelAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "order"]


@admin.register(CalendarException)
class CalendarExceptionAdmin(admin.ModelAdmin):
    list_display = ["date", "kind", "name"]
    list_filter = ["kind"]
    date_hierarchy = "date"
    search_fields = ["name"]


def _frozen(version):
    """A published version is read-only: an edit is a new version."""
    return version is not None and version.pk is not None and version.is_published


class FrozenWhenPublished:
    """For the version admin and its inlines (whose ``obj`` is the parent version)."""

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not _frozen(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not _frozen(obj)


class StepFormSet(BaseInlineFormSet):
    """Refuse to save a workflow whose shares do not add up to the processing time."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        shares = [
            form.cleaned_data["share_days"]
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.cleaned_data.get("share_days")
        ]
        days = getattr(self.instance, "processing_days", None)
        if days is None:
            return
        try:
            services.workflow_check_shares(processing_days=days, shares=shares)
        except ValidationError as error:
            raise ValidationError(error.messages) from error


class VersionInline(FrozenWhenPublished, admin.TabularInline):
    extra = 0

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and not _frozen(obj)


class RequiredDocumentInline(VersionInline):
    model = RequiredDocument
    fields = ["order", "name", "case", "originals", "copies", "mandatory", "accepted_types", "max_size_mb", "document_type_code", "form_name"]


class FeeInline(VersionInline):
    model = Fee
    fields = ["order", "name", "amount", "payer", "note"]


class LegalDocumentInline(VersionInline):
    model = LegalDocument
    fields = ["order", "number", "title"]


class ResultDocumentInline(VersionInline):
    model = ResultDocument
    fields = ["order", "code", "name"]


class WorkflowStepInline(VersionInline):
    model = WorkflowStep
    formset = StepFormSet
    fields = ["order", "name", "role", "unit", "share_days"]
    autocomplete_fields = ["unit"]
    min_num = 1


@admin.register(ProcedureVersion)
class ProcedureVersionAdmin(FrozenWhenPublished, admin.ModelAdmin):
    list_display = ["procedure", "number", "name", "status", "valid_from", "processing_days", "online_level"]
    list_filter = ["status", "online_level", "field", "levels"]
    search_fields = ["procedure__code", "name"]
    list_select_related = ["procedure", "field"]
    autocomplete_fields = ["agencies"]
    filter_horizontal = ["levels"]
    readonly_fields = ["procedure", "number", "status", "valid_from", "created_at"]
    inlines = [RequiredDocumentInline, FeeInline, WorkflowStepInline, LegalDocumentInline, ResultDocumentInline]
    actions = ["publish_today", "new_draft"]
    fieldsets = [
        (None, {"fields": ["procedure", "number", "status", "valid_from", "note", "created_at"]}),
        (_("Content"), {"fields": ["name", "field", "levels", "agencies", "authority_text", "decision_no", "target"]}),
        (_("Time and channel"), {"fields": ["processing_days", "processing_note", "online_level"]}),
        (_("Procedure text"), {"fields": ["steps_text", "requirements"]}),
    ]

    def has_add_permission(self, request):
        # A version is made by copying (the "new draft" action) or by the catalog import.
        return False

    @admin.action(description=_("Publish the selected drafts, in force from today"))
    def publish_today(self, request, queryset):
        for version in queryset:
            try:
                services.procedure_version_publish(version=version)
            except ValidationError as error:
                self.message_user(request, f"{version}: {' '.join(error.messages)}", messages.ERROR)
            else:
                self.message_user(request, _("%(v)s is published.") % {"v": version}, messages.SUCCESS)

    @admin.action(description=_("Make a new draft version from the selected ones"))
    def new_draft(self, request, queryset):
        for version in queryset:
            draft = services.procedure_version_new_draft(version=version)
            self.message_user(request, _("Draft %(v)s created: edit it, then publish it.") % {"v": draft}, messages.SUCCESS)


class VersionLinkInline(admin.TabularInline):
    model = ProcedureVersion
    fields = ["number", "status", "valid_from", "name", "note"]
    readonly_fields = fields
    show_change_link = True
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Procedure)
class ProcedureAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "field", "is_featured", "is_active"]
    list_filter = ["is_active", "is_featured", "current_version__field", "current_version__online_level"]
    search_fields = ["code", "current_version__name"]
    list_select_related = ["current_version__field"]
    readonly_fields = ["code", "current_version", "created_at"]
    inlines = [VersionLinkInline]

    @admin.display(description=_("name"))
    def name(self, obj):
        return obj.current_version.name if obj.current_version else "—"

    @admin.display(description=_("field"))
    def field(self, obj):
        return obj.current_version.field if obj.current_version else "—"

    def has_add_permission(self, request):
        return False
