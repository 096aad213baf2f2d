"""Ratings, feedback and the Decision 766 index (filled in by the satisfaction issue)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SatisfactionConfig(AppConfig):
    name = "satisfaction"
    verbose_name = _("Satisfaction")
