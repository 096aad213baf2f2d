"""Catalog administration: agencies, fields, procedures with versioned content, the calendar."""

import calendar as std_calendar
import datetime as dt
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dates import MONTHS, WEEKDAYS_ABBR
from django.utils.translation import gettext_lazy as _
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from . import services
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
    fields = ["order", "name", "case", "originals", "copies", "mandatory", "accepted_types", "max_size_mb", "document_type_code", "form_name"]


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
    """Refuses a declaration that is not valid JSON Schema (draft 2020-12), with the reason."""

    class Meta:
        model = ProcedureVersion
        fields = ["form_schema", "form_ui"]  # the admin adds the fieldsets' other fields

    def clean_form_schema(self):
        schema = self.cleaned_data.get("form_schema") or {}
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as error:
            raise ValidationError(_("The declaration is not valid JSON Schema: %(reason)s") % {"reason": error.message}) from error
        return schema


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
        (_("Declaration (tờ khai)"), {"fields": ["form_schema", "form_ui"], "classes": ["collapse"],
                                      "description": _("JSON Schema draft 2020-12 and its layout, as "
                                                       "docs/declarations.md describes them.")}),
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


class CodeInline(admin.TabularInline):
    model = Code
    fields = ["order", "code", "name", "parent"]
    extra = 0


@admin.register(CodeList)
class CodeListAdmin(admin.ModelAdmin):
    """The national code lists declarations choose from; a province adds its communes here."""

    list_display = ["key", "name"]
    inlines = [CodeInline]
