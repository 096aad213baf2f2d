"""Digitized documents and the citizen data store (filled in by the digitization issue)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DigitizationConfig(AppConfig):
    name = "digitization"
    verbose_name = _("Digitization")
