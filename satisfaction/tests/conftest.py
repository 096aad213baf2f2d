"""The dossier tests' office, and the integration tests' mock national portal (a real process)."""

from integrations.tests.conftest import (  # noqa: F401 - fixtures
    mock_portal,
    mock_portal_database,
    office,
    portal_settings,
    portal_token,
    templates,
)
