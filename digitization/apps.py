"""Digitized documents and the citizen data store."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DigitizationConfig(AppConfig):
    name = "digitization"
    verbose_name = _("Digitization")

    def ready(self) -> None:
        from cases import extensions

        from . import consumers

        extensions.event_appended.register(consumers.on_dossier_event)
        extensions.staff_dossier_context.register(consumers.staff_dossier_context)
        extensions.citizen_dossier_context.register(consumers.citizen_dossier_context)
        extensions.workspace_context.register(consumers.workspace_context)
        extensions.document_opened.register(consumers.document_opened)
        extensions.draft_documents_context.register(consumers.draft_documents_context)
