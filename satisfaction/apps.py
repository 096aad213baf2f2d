"""Ratings, feedback (PAKN) and the Decision 766 index."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SatisfactionConfig(AppConfig):
    name = "satisfaction"
    verbose_name = _("Satisfaction")

    def ready(self) -> None:
        from cases import extensions
        from integrations import extensions as integrations_extensions

        from . import consumers, desk_figures

        extensions.staff_dossier_context.register(consumers.staff_dossier_context)
        extensions.citizen_dossier_context.register(consumers.citizen_dossier_context)
        integrations_extensions.desk_figures.register(desk_figures.desk_figures)
