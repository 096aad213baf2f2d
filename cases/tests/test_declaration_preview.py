"""The version admin's live preview of a declaration: the page of the applicant's step 2 for the schema and layout
typed so far, or what to correct (400, in the user's language); only for those who may see versions in the admin,
only by POST, never a 500."""

import json
from html import unescape
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import translation

from accounts.models import User
from procedures.catalog_convert import declaration_example
from tests.catalog_data import build_catalog

pytestmark = pytest.mark.django_db

URL = "/ho-so/quan-tri/to-khai/xem-truoc/"
BIRTH = json.loads((Path(__file__).resolve().parents[2] / "procedures" / "fixtures" / "declarations"
                    / "1.001193.json").read_text(encoding="utf-8"))


def post(client, schema, ui=None, **extra):
    text = schema if isinstance(schema, str) else json.dumps(schema, ensure_ascii=False, indent=2)
    ui_text = ui if isinstance(ui, str) else json.dumps(ui or {}, ensure_ascii=False)
    return client.post(URL, {"form_schema": text, "form_ui": ui_text, **extra})


def vi(message: str, **params) -> str:
    with translation.override("vi"):
        return translation.gettext(message) % params


def titles(schema, node=None):
    """Every field label of a schema (its ``$defs`` followed)."""
    node = schema if node is None else node
    if "$ref" in node:
        node = {**schema["$defs"][node["$ref"].rsplit("/", 1)[1]], **{k: v for k, v in node.items() if k != "$ref"}}
    if node.get("type") == "array":
        node = node["items"]
    for sub in (node.get("properties") or {}).values():
        yield sub.get("title") or schema["$defs"].get(sub.get("$ref", "").rsplit("/", 1)[-1], {}).get("title")
        yield from titles(schema, sub)


def test_the_preview_is_the_applicants_step_two(admin_client):
    response = post(admin_client, BIRTH["schema"], BIRTH["ui"])
    page = unescape(response.content.decode())

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert BIRTH["schema"]["title"] in page and BIRTH["schema"]["description"] in page
    for section in BIRTH["ui"]["sections"]:
        assert section["title"] in page
    labels = [t for t in titles(BIRTH["schema"]) if t]
    assert len(labels) > 20
    missing = [label for label in labels if label not in page]
    assert not missing, missing
    # The wizard's own templates and styles; its fields, but nothing to send them with.
    assert 'class="cz-form dc-form" data-declaration' in page and 'id="f-child-full_name"' in page
    assert "css/declaration.css" in page and "js/declaration.js" in page
    assert 'value="continue"' not in page and "csrfmiddlewaretoken" not in page


def test_the_example_is_filled_in_when_asked(admin_client):
    birth = build_catalog()["birth"]
    example = declaration_example("1.001193")
    assert example["child"]["full_name"]

    plain = post(admin_client, BIRTH["schema"], BIRTH["ui"], version=birth.current_version_id)
    filled = post(admin_client, BIRTH["schema"], BIRTH["ui"], version=birth.current_version_id, example="1")

    assert example["child"]["full_name"] not in plain.content.decode()
    assert f'value="{example["child"]["full_name"]}"' in filled.content.decode()


def test_an_empty_schema_says_there_is_no_declaration(admin_client):
    response = post(admin_client, "", "")

    assert response.status_code == 200
    page = unescape(response.content.decode())
    assert 'id="preview-empty"' in page
    assert vi("This procedure has no declaration: at step 2 the applicant describes the request in a text box.") in page


@pytest.mark.parametrize(("schema", "ui", "expected"), [
    ('{"type": "object",\n "properties": {\n  "a": {"type": "string"}\n  "b": {}}}', "{}",
     ["The schema is not valid JSON (line %(line)s, column %(column)s).", {"line": 4, "column": 3}]),
    ('{"type": "object"}', '{"sections": [}', ["The layout is not valid JSON (line %(line)s, column %(column)s).",
                                               {"line": 1, "column": 15}]),
    ('[1, 2]', "{}", ["The declaration's schema must be a JSON object.", {}]),
    ('{"type": "object", "properties": {"a": {"type": "strin"}}}', "{}",
     ["The declaration is not valid JSON Schema at %(where)s: %(reason)s",
      {"where": "$.properties.a.type", "reason": "'strin' is not valid under any of the given schemas"}]),
    ('{"type": "object", "properties": {"a": {"$ref": "#/$defs/address"}}}', "{}",
     ["“%(ref)s” points at nothing in the schema.", {"ref": "#/$defs/address"}]),
    ('{"type": "object"}', '{"sections": [{"title": "A", "fields": "a"}]}',
     ["The “fields” of section %(n)s must be a list of field names.", {"n": 1}]),
])
def test_what_to_correct_comes_back_with_400_in_the_users_language(admin_client, schema, ui, expected):
    response = post(admin_client, schema, ui)

    assert response.status_code == 400
    page = unescape(response.content.decode())
    assert 'id="preview-problems"' in page
    message, params = expected
    assert vi(message, **params) in page, page
    assert 'lang="vi"' in page


@pytest.mark.parametrize("schema", [
    {"type": "object", "properties": {"a": {"type": "string", "x-codelist": 5}}},
    {"type": "object", "properties": {"a": {"type": "string", "x-codelist": "no-such-list"}}},
    {"type": "object", "properties": {"a": {"type": ["null"]}, "b": {"type": "array", "items": False}}},
    {"type": "object", "properties": {"a": {"$ref": "#"}}},
    {"type": "object", "if": True, "then": {"required": ["x"]}, "properties": {"x": {"enum": [None, {"a": 1}]}}},
])
def test_odd_schemas_never_make_a_500(admin_client, schema):
    ui = {"sections": [{"title": "A", "fields": ["a", "x"]}], "fields": {"a": {"show_if": {"field": "a", "in": []}}}}
    response = post(admin_client, schema, ui, example="1", version="x")

    assert response.status_code in (200, 400)


def test_a_document_nested_too_deeply_is_refused_not_a_500(admin_client):
    response = post(admin_client, "[" * 100_000 + "]" * 100_000, "{}")

    assert response.status_code == 400


def test_a_body_past_the_bound_is_refused(admin_client):
    big = {"type": "object", "description": "x" * 600_000}

    response = post(admin_client, big)

    assert response.status_code == 413


def test_only_by_post(admin_client):
    assert admin_client.get(URL).status_code == 405


@pytest.mark.parametrize("who", ["anonymous", "citizen", "staff without the permission"])
def test_refused_to_whoever_may_not_see_versions_in_the_admin(client, who):
    if who == "citizen":
        client.force_login(User.objects.create_user(username="an", password="x-password-123"))
    elif who != "anonymous":
        client.force_login(User.objects.create_user(username="clerk", password="x-password-123", is_staff=True))

    response = post(client, BIRTH["schema"], BIRTH["ui"])

    assert response.status_code == 403
    assert BIRTH["schema"]["title"] not in response.content.decode()


def test_staff_who_may_see_versions_get_it():
    clerk = User.objects.create_user(username="catalog", password="x-password-123", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_procedureversion"))
    client = Client()
    client.force_login(clerk)

    assert post(client, BIRTH["schema"], BIRTH["ui"]).status_code == 200


def test_the_csrf_token_is_needed(admin_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)

    assert post(client, BIRTH["schema"], BIRTH["ui"]).status_code == 403
