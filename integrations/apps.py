"""The outbox, notifications, payments and the national-portal client."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = _("Integrations")

    def ready(self) -> None:
        from accounts import extensions as account_extensions
        from cases import extensions

        from . import consumers

        account_extensions.phone_code_issued.register(consumers.on_phone_code)
        extensions.event_appended.register(consumers.on_dossier_event)
        extensions.records_changed.register(consumers.on_records_changed)
        extensions.staff_dossier_context.register(consumers.staff_dossier_context)
        extensions.citizen_dossier_context.register(consumers.citizen_dossier_context)
