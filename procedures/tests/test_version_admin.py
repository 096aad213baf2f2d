"""The declaration in the version admin: JSON editors laid out in the order written, the live preview's panel
(the cases app renders it), a schema or layout the page cannot be built from refused with the reasons."""

import json
import re
from html import unescape
from pathlib import Path

import pytest
from django.utils import translation

from procedures import services
from procedures.declaration_check import declaration_problems, layout_notes
from procedures.models import ProcedureVersion
from tests.catalog_data import build_catalog

pytestmark = pytest.mark.django_db

BIRTH = json.loads((Path(__file__).resolve().parent.parent / "fixtures" / "declarations" / "1.001193.json")
                   .read_text(encoding="utf-8"))
# Keys whose order a sorted dump would change: "b" before "a", "10" before "2".
SCHEMA = {"type": "object", "title": "TỜ KHAI", "properties": {
    "b_name": {"type": "string", "title": "Họ và tên", "maxLength": 100},
    "a_kind": {"type": "string", "title": "Loại", "enum": ["10", "2"]},
}}
UI = {"sections": [{"title": "Người khai", "fields": ["b_name", "a_kind"]}],
      "fields": {"a_kind": {"choices": {"10": "Mười", "2": "Hai"}}}}


@pytest.fixture
def draft():
    catalog = build_catalog()
    published = catalog["birth"].current_version
    version = services.procedure_version_new_draft(version=published)
    ProcedureVersion.objects.filter(pk=version.pk).update(form_schema=SCHEMA, form_ui=UI)
    version.refresh_from_db()
    return version


def url(version) -> str:
    return f"/quan-tri/procedures/procedureversion/{version.pk}/change/"


def textarea(page: str, name: str) -> str:
    found = re.search(rf'<textarea name="{name}"[^>]*>\n?(.*?)</textarea>', page, re.S)
    assert found, f"no textarea {name}"
    return unescape(found.group(1))


def test_the_change_page_shows_json_editors_and_the_preview_panel(admin_client, draft):
    response = admin_client.get(url(draft))
    page = response.content.decode()

    assert response.status_code == 200
    # Pretty-printed, Vietnamese as it is, keys in the order written.
    assert textarea(page, "form_schema") == json.dumps(SCHEMA, ensure_ascii=False, indent=2)
    assert textarea(page, "form_ui") == json.dumps(UI, ensure_ascii=False, indent=2)
    assert "Họ và tên" in textarea(page, "form_schema")
    assert page.count("data-json-editor ") == 2 and 'class="json-editor-input"' in page
    assert "js/json_editor.js" in page and "css/declaration_admin.css" in page
    # The preview: the cases app's URL (by name), this version, a sandboxed frame; the birth registration's
    # demo answers may be filled in.
    assert "data-declaration-preview" in page and 'data-url="/ho-so/quan-tri/to-khai/xem-truoc/"' in page
    assert f'data-version="{draft.pk}"' in page
    assert 'sandbox="allow-scripts"' in page and "js/declaration_preview.js" in page
    assert "data-preview-example" in page


def test_saving_keeps_the_order_the_administrator_wrote(admin_client, draft):
    reordered = {"type": "object", "properties": {"z": {"type": "string"}, "a": {"type": "integer"}}}
    data = _post_data(admin_client.get(url(draft)))
    data.update(form_schema=json.dumps(reordered, ensure_ascii=False, indent=2),
                form_ui=json.dumps({"sections": [{"title": "Chung", "fields": ["z", "a"]}]}, ensure_ascii=False))

    response = admin_client.post(url(draft), data)

    assert response.status_code == 302, _errors(response)
    draft.refresh_from_db()
    assert list(draft.form_schema["properties"]) == ["z", "a"]
    assert draft.form_ui["sections"][0]["title"] == "Chung"


def test_a_schema_or_layout_the_page_cannot_be_built_from_is_refused(admin_client, draft):
    data = _post_data(admin_client.get(url(draft)))
    data.update(form_schema='{"type": "object", "properties": {"x": {"type": "strin"}}}',
                form_ui='{"sections": "Người khai"}')

    response = admin_client.post(url(draft), data)

    assert response.status_code == 200
    errors = _errors(response)
    assert "$.properties.x.type" in errors and "sections" in errors
    draft.refresh_from_db()
    assert draft.form_schema == SCHEMA  # nothing saved
    # What was typed comes back as typed, not laid out again.
    assert textarea(response.content.decode(), "form_ui") == '{"sections": "Người khai"}'


def test_an_empty_text_is_no_declaration(admin_client, draft):
    data = _post_data(admin_client.get(url(draft)))
    data.update(form_schema="", form_ui="")

    response = admin_client.post(url(draft), data)

    assert response.status_code == 302, _errors(response)
    draft.refresh_from_db()
    assert draft.form_schema == {} and draft.form_ui == {}


def test_a_published_version_shows_its_declaration_read_only_with_its_preview(admin_client, draft):
    published = ProcedureVersion.objects.get(procedure=draft.procedure, number=1)
    ProcedureVersion.objects.filter(pk=published.pk).update(form_schema=SCHEMA, form_ui=UI)

    page = admin_client.get(url(published)).content.decode()

    assert 'name="form_schema"' not in page and "data-json-editor" not in page
    block = re.search(r'<pre class="json-readonly" data-json-source="form_schema">(.*?)</pre>', page, re.S)
    assert block and unescape(block.group(1)) == json.dumps(SCHEMA, ensure_ascii=False, indent=2)
    assert 'data-json-source="form_ui"' in page and "data-declaration-preview" in page


@translation.override("en")
def test_the_check_the_admin_and_the_preview_share():
    assert declaration_problems(BIRTH["schema"], BIRTH["ui"]) == []
    assert layout_notes(BIRTH["schema"], BIRTH["ui"]) == []
    assert declaration_problems({}, {}) == []
    assert declaration_problems([], []) == ["The declaration's schema must be a JSON object.",
                                            "The layout must be a JSON object."]
    dangling = {"type": "object", "properties": {"a": {"$ref": "#/$defs/nowhere"}, "b": {"$ref": "http://x/y"}}}
    problems = declaration_problems(dangling, {"fields": {"a": {"show_if": "b"}, "c": {"choices": [1, 2]}}})
    assert len(problems) == 4, problems
    assert "#/$defs/nowhere" in problems[0] and "http://x/y" in problems[1]
    assert "fields.a.show_if" in problems[2] and "fields.c.choices" in problems[3]
    notes = layout_notes(SCHEMA, {"sections": [{"title": "A", "fields": ["b_name", "b_name", "ghost"]}],
                                  "fields": {"nothing": {}, "b_name": {"show_if": {"field": "missing"}}}})
    assert notes == [
        "“b_name” is listed in more than one section.",
        "Section “A” lists “ghost”, which the schema does not have.",
        "“a_kind” is in no section: it is shown after the sections.",
        "The layout describes “nothing”, which the schema does not have.",
        "“b_name” is shown only depending on “missing”, which the schema does not have.",
    ]


def _post_data(response) -> dict:
    """What the change page posts back unchanged: its form's and its inlines' values, management forms included."""
    data: dict = {}

    def put(bound):
        value = bound.value()
        if value is None or value is False:
            return
        if value is True:
            value = "on"
        data[bound.html_name] = [str(v) for v in value] if isinstance(value, (list, tuple)) else value

    form = response.context["adminform"].form
    for name in form.fields:
        put(form[name])
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name in formset.management_form.fields:
            put(formset.management_form[name])
        for item in formset.forms:
            for name in item.fields:
                put(item[name])
    return data


def _errors(response) -> str:
    page = response.content.decode()
    return " ".join(unescape(e) for e in re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', page, re.S))
