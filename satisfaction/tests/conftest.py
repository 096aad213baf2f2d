"""The dossier tests' office, the integration tests' mock national portal (a real process), and the sync
desk tests' world."""

from integrations.tests.conftest import (  # noqa: F401 - fixtures
    mock_portal,
    mock_portal_database,
    office,
    portal_settings,
    portal_token,
    templates,
)
from integrations.tests.test_desk import world  # noqa: F401 - fixture
