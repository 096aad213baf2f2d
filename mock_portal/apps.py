"""The mock National Public Service Portal: installed only by its own settings (mock_portal/settings.py)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MockPortalConfig(AppConfig):
    name = "mock_portal"
    verbose_name = _("Mock national portal")
