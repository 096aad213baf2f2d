"""No dossier file is served from the media folder by its path, in any mode (``make run`` runs with DEBUG):
files go out only through the views that check who asks."""

import importlib

import pytest
from django.test import override_settings
from django.urls import clear_url_caches


@pytest.fixture
def debug_urls(settings):
    """The URLs as ``make run`` loads them (DEBUG on when the module is imported)."""
    import dvc_portal.urls

    with override_settings(DEBUG=True):
        importlib.reload(dvc_portal.urls)
        clear_url_caches()
        yield
    importlib.reload(dvc_portal.urls)
    clear_url_caches()


def test_a_stored_file_is_not_served_by_its_path(debug_urls, settings, client, db):
    folder = settings.MEDIA_ROOT / "dossiers" / "2026" / "12"
    folder.mkdir(parents=True)
    (folder / "0123456789abcdef.pdf").write_bytes(b"%PDF-1.4 private")
    response = client.get("/media/dossiers/2026/12/0123456789abcdef.pdf")
    assert response.status_code == 404
