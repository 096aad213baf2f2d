"""Outbox and notification administration: deliveries with every attempt (filter by consumer, status,
failing or waiting; retry), the notification templates, and online payments (read-only)."""

import json

from django.contrib import admin, messages
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from cases.actions import ACTIONS

from . import outbox
from .models import Attempt, Delivery, MessageTemplate, Notification, Payment, Topic

TOPIC_NAMES = {**dict(Topic.choices), "digitized": _("Re-sync after digitization"), "reconcile": _("Re-sync after reconciliation")}


class AttemptInline(admin.TabularInline):
    model = Attempt
    extra = 0
    can_delete = False
    fields = ["at", "ok", "status_code", "duration_ms", "response"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class HealthFilter(admin.SimpleListFilter):
    """What an administrator looks for: failing now, waiting behind a given-up delivery, due, overdue."""

    title = _("situation")
    parameter_name = "situation"

    def lookups(self, request, model_admin):
        return [
            ("failing", _("Failing (pending, tried at least once)")),
            ("blocked", _("Waiting behind an earlier delivery of its dossier")),
            ("stuck", _("Leased by a worker that did not finish")),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        pending = queryset.filter(status=Delivery.Status.PENDING)
        if self.value() == "failing":
            return pending.filter(attempts__gt=0)
        if self.value() == "blocked":
            earlier = Delivery.objects.filter(
                dossier=OuterRef("dossier"), consumer=OuterRef("consumer"), id__lt=OuterRef("id")
            ).exclude(status=Delivery.Status.DELIVERED)
            return pending.filter(consumer__in=["portal"]).filter(Exists(earlier))
        if self.value() == "stuck":
            return pending.filter(claimed_until__lt=now)
        return queryset


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["id", "consumer", "what", "dossier", "status", "attempts", "next_attempt_at", "short_error", "created_at"]
    list_filter = ["status", "consumer", HealthFilter, "topic"]
    search_fields = ["dossier__code", "=id"]
    list_select_related = ["dossier"]
    date_hierarchy = "created_at"
    actions = ["retry"]
    inlines = [AttemptInline]
    fields = ["consumer", "topic", "dossier", "event", "status", "attempts", "next_attempt_at", "claimed_until",
              "created_at", "delivered_at", "last_error", "pretty_payload"]
    readonly_fields = fields
    show_full_result_count = False  # the count of a million-row table is not worth a sequential scan

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("what"), ordering="topic")
    def what(self, obj):
        return TOPIC_NAMES.get(obj.topic) or (ACTIONS[obj.topic].printed_name if obj.topic in ACTIONS else obj.topic)

    @admin.display(description=_("last error"))
    def short_error(self, obj):
        return obj.last_error[:120]

    @admin.display(description=_("payload"))
    def pretty_payload(self, obj):
        return format_html("<pre style='white-space:pre-wrap'>{}</pre>", json.dumps(obj.payload, ensure_ascii=False, indent=2))

    @admin.action(description=_("Deliver the selected again now"), permissions=["change"])
    def retry(self, request, queryset):
        count = outbox.delivery_retry(deliveries=list(queryset), actor=request.user)
        self.message_user(request, _("%(count)s deliveries queued again.") % {"count": count}, messages.SUCCESS)


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ["topic", "subject", "updated_at"]
    readonly_fields = ["updated_at"]

    def has_delete_permission(self, request, obj=None):
        return False  # every kind needs its wording: edit it, do not remove it


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "user", "topic", "created_at", "read_at"]
    list_filter = ["topic"]
    search_fields = ["user__username", "title"]
    readonly_fields = ["user", "dossier", "event", "topic", "title", "text", "created_at", "read_at"]

    def has_add_permission(self, request):
        return False


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ["reference", "dossier", "amount", "status", "response_code", "paid_at", "receipt_number"]
    list_filter = ["status"]
    search_fields = ["reference", "dossier__code", "transaction_no", "receipt_number"]
    readonly_fields = [f.name for f in Payment._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
