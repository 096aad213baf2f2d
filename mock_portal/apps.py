"""The mock National Public Service Portal (filled in by the integration issue)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MockPortalConfig(AppConfig):
    name = "mock_portal"
    verbose_name = _("Mock national portal")
