"""Ratings, follow-ups and feedback, read-only in the admin (the citizen rates and sends feedback, the agency's
officials close follow-ups and handle feedback on their own pages, through the services)."""

from django.contrib import admin

from .models import Feedback, FeedbackEvent, FollowUp, Rating


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    list_display = ["dossier", "level", "agency", "created_at", "updated_at", "changes"]
    list_filter = ["level"]
    search_fields = ["dossier__code", "agency__code"]
    readonly_fields = [f.name for f in Rating._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FollowUp)
class FollowUpAdmin(admin.ModelAdmin):
    list_display = ["rating", "agency", "status", "opened_at", "closed_at", "closed_by"]
    list_filter = ["status"]
    search_fields = ["rating__dossier__code"]
    readonly_fields = [f.name for f in FollowUp._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class FeedbackEventInline(admin.TabularInline):
    model = FeedbackEvent
    fields = ["seq", "at", "action", "actor_name", "from_state", "to_state", "text", "data"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["seq"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    """Feedback as it stands, with its history: changes go through the officials' pages and the services."""

    list_display = ["code", "state", "kind", "agency", "title", "submitted_at", "answer_due_at", "finished_at", "published_at"]
    list_filter = ["state", "kind", ("published_at", admin.EmptyFieldListFilter)]
    list_select_related = ["agency"]
    search_fields = ["code", "title", "sender_name", "agency__code"]
    date_hierarchy = "submitted_at"
    readonly_fields = [f.name for f in Feedback._meta.fields]
    inlines = [FeedbackEventInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
