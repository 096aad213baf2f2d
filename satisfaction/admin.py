"""Ratings and follow-ups, read-only in the admin (the citizen rates, the agency's officials close follow-ups)."""

from django.contrib import admin

from .models import FollowUp, Rating


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
