"""Fixtures of the outbox tests: the office of the dossier tests (catalog, citizens, the ward's staff), the
notification templates, and the mock national portal as a real process (its own settings, port and
database), started with the token its ``portal_token`` fixture gives (override it to start another)."""

import importlib
import os
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from django.apps import apps

# Fixture functions imported into this conftest are this folder's fixtures too (pytest_plugins is only
# allowed in the root conftest).
from digitization.tests.conftest import desk, intake, office  # noqa: F401

from .live import manage, mock_env, mock_process

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def templates(db):
    """The notification wording of migration 0002 (a transactional test's flush removes it)."""
    importlib.import_module("integrations.migrations.0002_message_templates").seed(apps, None)


# --- the mock national portal ----------------------------------------------------------------------------


@dataclass
class MockPortal:
    """A running mock portal: its address and token, its fault controls, and (for assertions only) its
    database, read directly: what it stored and how many repeats it absorbed."""

    url: str
    token: str
    database: Path
    log: Path

    def call(self, method: str, path: str, **kwargs) -> httpx.Response:
        return httpx.request(method, f"{self.url}{path}", headers={"Authorization": f"Bearer {self.token}"},
                             timeout=30, **kwargs)

    def faults(self, **faults) -> dict:
        """``faults(failure_rate=0.3, latency_ms=0, outage=False)``: what its API answers with from now on."""
        response = self.call("POST", "/_faults/", json=faults)
        assert response.status_code == 200, response.text
        return response.json()["data"]

    def lookup(self, code: str) -> dict | None:
        """TraCuuHoSo: the latest sync of ``code`` with its progress records in stored order (None: unknown)."""
        response = self.call("GET", "/api/TraCuuHoSo", params={"MaHoSo": code})
        if response.status_code == 404:
            return None
        assert response.status_code == 200, response.text
        return response.json()["data"]

    def records(self, code: str | None = None) -> list[dict]:
        """Every record it stored (of ``code``), oldest first, with its count of repeats."""
        with sqlite3.connect(self.database, timeout=20) as db:
            db.row_factory = sqlite3.Row
            query = "SELECT id, kind, ma_ho_so, status, duplicates FROM mock_portal_record"
            rows = db.execute(query + (" WHERE ma_ho_so = ?" if code else "") + " ORDER BY id", (code,) if code else ())
            return [dict(row) for row in rows]


def _mock_env(token: str, database: Path) -> dict:
    return mock_env(MOCK_PORTAL_TOKEN=token, MOCK_PORTAL_DATABASE_URL=f"sqlite:///{database}")


@pytest.fixture(scope="session")
def mock_portal_database(tmp_path_factory) -> Path:
    """An empty, migrated database of the mock portal, copied for each one started."""
    database = tmp_path_factory.mktemp("mock-portal-template") / "mock.sqlite3"
    manage(_mock_env("unused", database), "migrate", "--noinput", "-v0")
    return database


@pytest.fixture
def portal_token() -> str:
    return "outbox-test-token-" + os.urandom(4).hex()


@pytest.fixture
def mock_portal(portal_token, mock_portal_database, tmp_path) -> MockPortal:
    """The mock portal started as docker-compose starts it (gunicorn: Django's runserver answers a kept-alive
    connection ~40 ms late, which alone would make thousands of deliveries take minutes), on a free port
    with a fresh database of its own (one per test: dossier codes start again at 0001 after a
    transactional test's flush). Threads let it hold a slow call and still answer the fault controls."""
    folder = tmp_path / "mock-portal"
    folder.mkdir()
    # Its database in memory-backed files where there are (/dev/shm): its commits' fsyncs would otherwise be
    # half of each call's time, and what is under test is the portal's outbox, not the mock's disk.
    shm = Path("/dev/shm")
    store = Path(tempfile.mkdtemp(prefix="mock-portal-", dir=shm)) if shm.is_dir() and os.access(shm, os.W_OK) else folder
    database = store / "mock.sqlite3"
    shutil.copy(mock_portal_database, database)
    log = folder / "server.log"
    try:
        with mock_process(_mock_env(portal_token, database), log, threads=8) as url:
            yield MockPortal(url=url, token=portal_token, database=database, log=log)
    finally:
        if store != folder:
            shutil.rmtree(store, ignore_errors=True)


@pytest.fixture
def portal_settings(settings, mock_portal):
    """The portal's settings pointed at ``mock_portal``: the national portal and the SMS and Zalo gateways."""
    settings.NATIONAL_PORTAL_URL = mock_portal.url
    settings.NATIONAL_PORTAL_TOKEN = mock_portal.token
    settings.SMS_GATEWAY_URL = f"{mock_portal.url}/sms/send"
    settings.ZALO_GATEWAY_URL = f"{mock_portal.url}/zalo/send"
    settings.SMS_GATEWAY_TOKEN = settings.ZALO_GATEWAY_TOKEN = mock_portal.token
    return settings
