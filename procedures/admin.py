"""Catalog administration: agencies, fields, procedures with versioned content, the calendar."""

import calendar as std_calendar
import datetime as dt
import json
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.dates import MONTHS, WEEKDAYS_ABBR
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from . import services
from .catalog_convert import declaration_example
from .declaration_check import layout_problems, schema_problems
from .models import (
    Agency,
    CalendarException,
    Code,
    CodeList,
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
from .widgets import JSONEditor, OrderedJSONFormField
from .working_calendar import Day, Source, WorkingCalendar, package_day


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
    """Days off and make-up working days entered by administrators, and the year's calendar they correct."""

    list_display = ["date", "kind", "name"]
    list_filter = ["kind"]
    date_hierarchy = "date"
    search_fields = ["name"]
    change_list_template = "admin/procedures/calendarexception/change_list.html"

    def get_urls(self):
        year_view = self.admin_site.admin_view(self.year_view)
        return [path("year/<int:year>/", year_view, name="procedures_calendarexception_year"), *super().get_urls()]

    def year_view(self, request, year: int):
        """The twelve months of ``year``: every day off and make-up working day with its reason and source."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        if not CALENDAR_FIRST_YEAR <= year <= CALENDAR_LAST_YEAR:
            raise Http404
        calendar = WorkingCalendar()
        days = {day.date: day for day in calendar.days(dt.date(year, 1, 1), dt.date(year, 12, 31))}
        entries = {entry.date: entry for entry in CalendarException.objects.filter(date__year=year)}
        can_add = self.has_add_permission(request)
        cells = {d: _calendar_cell(day, entries.get(d), can_add) for d, day in days.items()}
        months = []
        for month in range(1, 13):
            weeks = [[cells[d] if d.month == month else None for d in week]
                     for week in std_calendar.Calendar().monthdatescalendar(year, month)]
            notes = [cells[d] for d in sorted(cells) if d.month == month and cells[d]["source"] != Source.WEEK
                     and cells[d]["kind"] != "working"]
            months.append({"name": MONTHS[month], "weeks": weeks, "notes": notes})
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Working calendar of %(year)s") % {"year": year},
            "year": year,
            "previous_year": year - 1 if year > CALENDAR_FIRST_YEAR else None,
            "next_year": year + 1 if year < CALENDAR_LAST_YEAR else None,
            "weekdays": list(WEEKDAYS_ABBR.values()),
            "months": months,
            "counts": {
                "working": sum(day.working for day in days.values()),
                "off": sum(not day.working for day in days.values()),
                "make_up": sum(day.is_make_up for day in days.values()),
                "entries": len(entries),
            },
            "computed": year > timezone.localdate().year,
            "can_add": can_add,
        }
        return TemplateResponse(request, "admin/procedures/calendarexception/year.html", context)


CALENDAR_FIRST_YEAR, CALENDAR_LAST_YEAR = 2000, 2100
SOURCE_LABELS = {
    Source.WEEK: _("weekly schedule"),
    Source.PACKAGE: _("holidays package"),
    Source.ADMINISTRATOR: _("administrator"),
}


def _calendar_cell(day: Day, entry: CalendarException | None, can_add: bool) -> dict:
    """How the year page shows ``day``: its kind (a CSS class), reason, source, and where to correct it."""
    if day.working:
        kind = "make-up" if day.is_make_up else "working"
    else:
        kind = {Source.WEEK: "weekend", Source.PACKAGE: "holiday"}.get(day.source, "admin-off")
    if entry is not None:
        url = reverse("admin:procedures_calendarexception_change", args=[entry.pk])
    elif can_add:
        # A worked day may be made a day off, a day off a make-up working day.
        other = CalendarException.Kind.DAY_OFF if day.working else CalendarException.Kind.WORKING_DAY
        url = reverse("admin:procedures_calendarexception_add") + "?" + urlencode({"date": day.date.isoformat(), "kind": other})
    else:
        url = ""
    replaced = ""
    if day.source == Source.ADMINISTRATOR:
        package = package_day(day.date)
        if package.source == Source.PACKAGE and (package.working != day.working or package.reason != day.reason):
            replaced = package.reason
    return {
        "day": day, "kind": kind, "source": day.source, "source_label": SOURCE_LABELS.get(day.source, ""),
        "url": url, "replaced": replaced, "today": day.date == timezone.localdate(),
    }


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
    """Refuse to save a workflow whose shares do not add up to 100% of the processing time."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        shares = [
            form.cleaned_data["share_percent"]
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.cleaned_data.get("share_percent")
        ]
        try:
            services.workflow_check_shares(shares=shares)
        except ValidationError as error:
            raise ValidationError(error.messages) from error


class VersionInline(FrozenWhenPublished, admin.TabularInline):
    extra = 0

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and not _frozen(obj)


class RequiredDocumentInline(VersionInline):
    model = RequiredDocument
    fields = ["order", "name", "case", "originals", "copies", "mandatory", "accepted_types", "max_size_mb", "document_type_code", "form_name", "is_declaration"]


class ProcessingTimeInline(VersionInline):
    model = ProcessingTime
    fields = ["channel", "order", "amount", "unit", "description"]


class FeeInline(VersionInline):
    model = Fee
    fields = ["order", "name", "channel", "amount", "payer", "note"]


class LegalDocumentInline(VersionInline):
    model = LegalDocument
    fields = ["order", "number", "title"]


class ResultDocumentInline(VersionInline):
    model = ResultDocument
    fields = ["order", "code", "name"]


class WorkflowStepInline(VersionInline):
    model = WorkflowStep
    formset = StepFormSet
    fields = ["order", "name", "role", "unit", "share_percent"]
    autocomplete_fields = ["unit"]
    min_num = 1


class VersionForm(forms.ModelForm):
    """The declaration in JSON editors; refuses a schema that is not valid JSON Schema (draft 2020-12) and a
    layout the page cannot be built from, with the reasons (``declaration_check``, which the preview uses too)."""

    class Meta:
        model = ProcedureVersion
        fields = ["form_schema", "form_ui"]  # the admin adds the fieldsets' other fields
        field_classes = {"form_schema": OrderedJSONFormField, "form_ui": OrderedJSONFormField}
        widgets = {"form_schema": JSONEditor(attrs={"rows": 30}), "form_ui": JSONEditor(attrs={"rows": 16})}

    def clean_form_schema(self):
        schema = self.cleaned_data.get("form_schema") or {}
        problems = schema_problems(schema)
        if problems:
            raise ValidationError(problems)
        return schema

    def clean_form_ui(self):
        ui = self.cleaned_data.get("form_ui") or {}
        problems = layout_problems(ui)
        if problems:
            raise ValidationError(problems)
        return ui


@admin.register(ProcedureVersion)
class ProcedureVersionAdmin(FrozenWhenPublished, admin.ModelAdmin):
    form = VersionForm
    list_display = ["procedure", "number", "name", "status", "valid_from", "online_level"]
    list_filter = ["status", "online_level", "field", "levels"]
    search_fields = ["procedure__code", "name"]
    list_select_related = ["procedure", "field"]
    autocomplete_fields = ["agencies"]
    filter_horizontal = ["levels"]
    readonly_fields = ["procedure", "number", "status", "valid_from", "created_at"]
    inlines = [ProcessingTimeInline, RequiredDocumentInline, FeeInline, WorkflowStepInline, LegalDocumentInline, ResultDocumentInline]
    actions = ["publish_today", "new_draft"]
    fieldsets = [
        (None, {"fields": ["procedure", "number", "status", "valid_from", "note", "created_at"]}),
        (_("Content"), {"fields": ["name", "field", "levels", "agencies", "authority_text", "decision_no", "target"]}),
        (_("Channel"), {"fields": ["online_level"]}),
        (_("Procedure text"), {"fields": ["steps_text", "requirements"]}),
        (_("Declaration (tờ khai)"), {"fields": ["form_schema", "form_ui", "declaration_preview"],
                                      "classes": ["dc-admin-declaration"],
                                      "description": _("JSON Schema draft 2020-12 and its layout, as "
                                                       "docs/declarations.md describes them.")}),
    ]

    class Media:
        css = {"all": ["css/declaration_admin.css"]}
        js = ["js/json_editor.js", "js/declaration_preview.js"]

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "declaration_preview"]

    def get_fieldsets(self, request, obj=None):
        """A version the user may not change shows its declaration laid out, read-only, beside its preview."""
        fieldsets = super().get_fieldsets(request, obj)
        if self.has_change_permission(request, obj):
            return fieldsets
        shown = {"form_schema": "form_schema_json", "form_ui": "form_ui_json"}
        return [(name, {**options, "fields": [shown.get(f, f) for f in options["fields"]]})
                for name, options in fieldsets]

    @admin.display(description=ProcedureVersion._meta.get_field("form_schema").verbose_name)
    def form_schema_json(self, obj):
        return _json_block(obj.form_schema, "form_schema")

    @admin.display(description=ProcedureVersion._meta.get_field("form_ui").verbose_name)
    def form_ui_json(self, obj):
        return _json_block(obj.form_ui, "form_ui")

    @admin.display(description=_("Preview"))
    def declaration_preview(self, obj):
        """The panel static/js/declaration_preview.js fills: the declaration as the applicant's step 2 shows it,
        rendered by the cases app (known here only by its URL name)."""
        try:
            url = reverse("cases:declaration-preview")
        except NoReverseMatch:
            return "—"
        has_example = bool(obj and obj.procedure_id and declaration_example(obj.procedure.code))
        return format_html(
            '<div class="dc-admin-preview" data-declaration-preview data-url="{url}" data-version="{version}"'
            ' data-schema-field="form_schema" data-ui-field="form_ui" data-messages="{messages}">'
            '<div class="dc-admin-preview-bar">{example}<span class="dc-admin-preview-status" role="status"'
            ' aria-live="polite" data-preview-status></span></div>'
            '<iframe class="dc-admin-preview-frame" sandbox="allow-scripts" title="{title}" data-preview-frame'
            ' srcdoc=""></iframe><p class="help">{hint}</p><noscript><p>{noscript}</p></noscript></div>',
            url=url, version=obj.pk if obj else "", messages=json.dumps(_preview_messages(), ensure_ascii=False),
            example=format_html(
                '<label class="dc-admin-preview-example"><input type="checkbox" data-preview-example> {}</label>',
                _("Fill in an example")) if has_example else "",
            title=_("Preview of the declaration as the applicant sees it"),
            hint=_("As the applicant sees it at step 2 of an online submission; nothing can be sent from here."),
            noscript=_("The preview needs JavaScript."),
        )

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


def _json_block(value, name: str):
    """A JSON document laid out as the editor lays it out, read-only (the preview reads it from here)."""
    text = json.dumps(value, ensure_ascii=False, indent=2)
    return format_html('<pre class="json-readonly" data-json-source="{}">{}</pre>', name, text)


def _preview_messages() -> dict[str, str]:
    return {
        "updating": str(_("Updating the preview…")),
        "waiting": str(_("The preview follows once both fields are valid JSON.")),
        "refused": str(_("The preview was refused: reload the page (your session may have ended).")),
        "failed": str(_("The preview could not be loaded. It is tried again at the next change.")),
    }


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


class CodeInline(admin.TabularInline):
    model = Code
    fields = ["order", "code", "name", "parent"]
    extra = 0


@admin.register(CodeList)
class CodeListAdmin(admin.ModelAdmin):
    """The national code lists declarations choose from; a province adds its communes here."""

    list_display = ["key", "name"]
    inlines = [CodeInline]
