"""Ratings, feedback (PAKN) and the Decision 766 index."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SatisfactionConfig(AppConfig):
    name = "satisfaction"
    verbose_name = _("Satisfaction")

    def ready(self) -> None:
        from cases import extensions

        from . import consumers

        extensions.staff_dossier_context.register(consumers.staff_dossier_context)
        extensions.citizen_dossier_context.register(consumers.citizen_dossier_context)
