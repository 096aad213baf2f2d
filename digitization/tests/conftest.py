"""The office of the dossier tests (catalog, two citizens, the ward's staff), signing keys in a temporary
folder, and dossiers driven to the points where the data store acts: taken at the counter, approved."""

import importlib

import pytest
from django.apps import apps

from cases.actions import perform
from cases.services import dossier_intake
from cases.tests import conftest as cases_conftest
from digitization.models import DigitizedDocument

from .factories import AN

office = cases_conftest.office  # the same office as the dossier tests


@pytest.fixture(autouse=True)
def _signing_dir(settings, tmp_path):
    """Keys are written under SIGNING_DIR: never the checkout's var/pki in a test."""
    settings.SIGNING_DIR = tmp_path / "pki"
    settings.PORTAL_BASE_URL = "https://dichvucong.danang.gov.vn"


@pytest.fixture
def desk(office):
    """The office with the document types and the default result template of migration 0002 (a
    transactional test's flush removes them; seeding again is a no-op otherwise)."""
    importlib.import_module("digitization.migrations.0002_document_types").seed(apps, None)
    return office


@pytest.fixture
def certificates(desk):
    """A demo certificate for the ward, from a demo authority the portal trusts."""
    from digitization.services import demo_certificates_issue

    return demo_certificates_issue(agencies=[desk["ward"]])


@pytest.fixture
def intake(desk):
    """``intake(applicant=AN, scans=[(requirement, uploaded)], procedure="birth")``: a dossier taken at the
    ward's counter (birth or marriage)."""

    def take(applicant=AN, scans=(), procedure="birth"):
        return dossier_intake(clerk=desk["clerk"], procedure=desk[procedure], agency=desk["ward"],
                              applicant=dict(applicant), scans=scans)

    return take


@pytest.fixture
def approve(desk, django_capture_on_commit_callbacks):
    """``approve(dossier, run=True)``: forward, both steps, the leader's approval; the result row it made.

    ``run=False`` leaves the after-commit queueing of the result unrun (the row stays pending)."""

    def act(dossier, *, number="125/2026/QĐ-UBND", run=True):
        for action, role in [("forward", "clerk"), ("complete_step", "clerk"), ("complete_step", "specialist")]:
            perform(dossier=dossier, action=action, actor=desk[role])
        with django_capture_on_commit_callbacks(execute=run):
            perform(dossier=dossier, action="approve", actor=desk["leader"], reason=number)
        return DigitizedDocument.objects.get(dossier=dossier, kind=DigitizedDocument.Kind.RESULT)

    return act


@pytest.fixture
def stored_files(settings):
    """``stored_files()``: every file under the data store's folder of MEDIA_ROOT."""

    def files() -> list:
        root = settings.MEDIA_ROOT / "store"
        return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []

    return files
