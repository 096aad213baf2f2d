"""The version admin's declaration editor in headless Chromium: a syntax error shown under the field with its
line and column while typing, the "Reformat" button keeping the keys' order, the live preview following the
typing (and the demo answers filled in on demand)."""

import importlib
import json
import re
from pathlib import Path

import pytest
from django.apps import apps
from playwright.sync_api import expect

from accounts.models import User
from procedures import services
from procedures.models import ProcedureVersion
from tests.browser import log_in
from tests.catalog_data import build_catalog

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parent.parent.parent / "var" / "screenshots"
BIRTH = json.loads((Path(__file__).resolve().parents[2] / "procedures" / "fixtures" / "declarations"
                    / "1.001193.json").read_text(encoding="utf-8"))


@pytest.fixture
def draft(transactional_db):
    # A transactional test's flush removed the code lists the migration loaded: load them again.
    importlib.import_module("procedures.migrations.0007_code_lists_data").load(apps, None)
    birth = build_catalog()["birth"]
    version = services.procedure_version_new_draft(version=birth.current_version)
    ProcedureVersion.objects.filter(pk=version.pk).update(form_schema=BIRTH["schema"], form_ui=BIRTH["ui"])
    User.objects.create_superuser(username="quantri", password="mat-khau-quan-tri-1", email="qt@example.vn")
    return version


def test_editing_a_declaration_with_its_live_preview(draft, live_server, page):
    page.set_viewport_size({"width": 1440, "height": 900})
    change = f"/quan-tri/procedures/procedureversion/{draft.pk}/change/"
    log_in(page, live_server.url, "quantri", "mat-khau-quan-tri-1", change)
    frame = page.frame_locator("iframe[data-preview-frame]")
    expect(frame.locator("#f-child-full_name")).to_be_visible()
    expect(frame.locator(".dc-section-title").first).to_have_text(BIRTH["ui"]["sections"][0]["title"])

    # A syntax error: said under the field with its line and column; the preview waits.
    ui = page.locator("textarea[name=form_ui]")
    ui.fill('{\n  "sections": [\n    {"title": "A", "fields": ["child"]},\n  ]\n}')
    error = page.locator("#id_form_ui_json")
    expect(error).to_contain_text(re.compile(r"\b3\b.*\b40\b"))
    expect(page.locator("[data-preview-status]")).not_to_be_empty()

    # Reformat: laid out with an indent of 2, keys in the order written (JSON.parse would put "10" first).
    ui.fill('{"sections": [{"title": "Người được khai sinh", "fields": ["child"]}], '
            '"fields": {"child.sex": {"choices": {"b": "Bê", "10": "Mười"}}}}')
    page.locator(".field-form_ui [data-json-format]").click()
    expected = {"sections": [{"title": "Người được khai sinh", "fields": ["child"]}],
                "fields": {"child.sex": {"choices": {"b": "Bê", "10": "Mười"}}}}
    assert ui.input_value() == json.dumps(expected, ensure_ascii=False, indent=2)
    expect(error).to_be_empty()
    # The preview follows: one section now, the others' fields after it.
    expect(frame.locator(".dc-section-title")).to_have_count(1)
    expect(frame.locator("#preview-notes")).to_be_visible()

    # The demo answers, on demand.
    ui.fill(json.dumps(BIRTH["ui"], ensure_ascii=False, indent=2))
    page.locator("[data-preview-example]").check()
    expect(frame.locator("#f-child-full_name")).to_have_value("TRẦN MINH KHÔI")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("fieldset.dc-admin-declaration").screenshot(path=str(SHOTS / "declaration-admin-preview.png"))

    # A schema the page cannot be built from: the reasons, in the preview.
    schema = page.locator("textarea[name=form_schema]")
    schema.fill('{"type": "object", "properties": {"a": {"type": "strin"}}}')
    expect(frame.locator("#preview-problems")).to_contain_text("$.properties.a.type")
