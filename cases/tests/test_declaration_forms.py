"""The declaration on the page: the tree rendered from a schema and its UI, a POST parsed back into
``form_data``, the wizard's step 2 with it, and the answers shown as labelled sections."""

import copy
import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import declaration_forms as forms
from cases.declarations import declaration_errors
from cases.services import dossier_draft_create
from procedures.models import ProcedureVersion

pytestmark = pytest.mark.django_db

# Every field kind of docs/declarations.md, in sections; "father" only when declared.
SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "TỜ KHAI THỬ",
    "description": "Mẫu thử ban hành kèm theo Thông tư số 01/2099/TT-TEST",
    "type": "object",
    "properties": {
        "applicant": {
            "type": "object", "title": "Người yêu cầu",
            "properties": {
                "full_name": {"type": "string", "title": "Họ, chữ đệm, tên", "maxLength": 200,
                              "x-prefill": "profile.full_name"},
                "id_number": {"type": "string", "format": "vn-id-number", "title": "Số định danh cá nhân",
                              "x-prefill": "profile.id_number"},
                "phone": {"type": "string", "format": "vn-phone", "title": "Số điện thoại"},
                "email": {"type": "string", "format": "email", "title": "Thư điện tử"},
                "address": {"$ref": "#/$defs/address", "title": "Nơi cư trú"},
            },
            "required": ["full_name", "id_number"],
        },
        "child": {
            "type": "object", "title": "Người được khai sinh",
            "properties": {
                "full_name": {"type": "string", "title": "Họ tên trẻ", "maxLength": 200},
                "date_of_birth": {"type": "string", "format": "date", "title": "Ngày sinh"},
                "sex": {"type": "string", "title": "Giới tính", "x-codelist": "sex"},
                "ethnicity": {"type": "string", "title": "Dân tộc", "x-codelist": "ethnicity"},
                "birth_order": {"type": "integer", "minimum": 1, "title": "Con thứ"},
            },
            "required": ["full_name", "date_of_birth", "sex"],
        },
        "father_declared": {"type": "boolean", "title": "Khai thông tin người cha"},
        "father": {
            "type": "object", "title": "Người cha",
            "properties": {"full_name": {"type": "string", "title": "Họ tên cha", "maxLength": 200}},
            "required": ["full_name"],
        },
        "members": {
            "type": "array", "title": "Thành viên hộ", "minItems": 0, "maxItems": 6,
            "items": {
                "type": "object", "title": "Người",
                "properties": {
                    "full_name": {"type": "string", "title": "Họ tên", "maxLength": 200},
                    "relationship": {"type": "string", "title": "Quan hệ", "x-codelist": "relationship"},
                    "disabled": {"type": "boolean", "title": "Khuyết tật"},
                },
                "required": ["full_name"],
            },
        },
        "income": {"type": "integer", "minimum": 0, "maximum": 1000000000000, "x-kind": "money",
                   "title": "Thu nhập bình quân"},
        "purpose": {"type": "string", "enum": ["ban_than", "gia_dinh", "khac"], "title": "Mục đích"},
        "request": {"type": "string", "maxLength": 4000, "title": "Nội dung đề nghị"},
        "commitment": {"type": "boolean", "title": "Tôi cam đoan lời khai là đúng"},
    },
    "required": ["applicant", "child", "father_declared"],
    "if": {"properties": {"father_declared": {"const": True}}, "required": ["father_declared"]},
    "then": {"required": ["father"]},
    "$defs": {
        "address": {
            "type": "object", "title": "Địa chỉ",
            "properties": {
                "province": {"type": "string", "title": "Tỉnh, thành phố", "x-codelist": "province"},
                "commune": {"type": "string", "title": "Xã, phường", "x-codelist": "commune", "x-parent": "province"},
                "street": {"type": "string", "title": "Số nhà, đường", "maxLength": 200},
            },
            "required": ["province", "commune"],
        },
    },
}
UI = {
    "sections": [
        {"title": "Người yêu cầu", "fields": ["applicant"]},
        {"title": "Người được khai sinh", "fields": ["child"]},
        {"title": "Cha", "fields": ["father_declared", "father"]},
        {"title": "Hộ gia đình", "fields": ["members", "income"]},
        {"title": "Đề nghị", "fields": ["purpose", "request", "commitment"]},
    ],
    "fields": {
        "child.full_name": {"help": "Ghi bằng chữ in hoa, có dấu", "placeholder": "NGUYỄN VĂN A"},
        "father": {"show_if": {"field": "father_declared", "equals": True}},
        "request": {"widget": "textarea"},
        "purpose": {"choices": {"ban_than": "Cho bản thân", "gia_dinh": "Cho gia đình", "khac": "Khác"}},
        "commitment": {"widget": "checkbox"},
    },
}

COMPLETE = {
    "applicant.full_name": "Nguyễn Văn An", "applicant.id_number": "048090001234",
    "applicant.phone": "0905123456", "applicant.email": "an@example.com",
    "applicant.address.province": "48", "applicant.address.commune": "20194", "applicant.address.street": "12 Lê Duẩn",
    "child.full_name": "NGUYỄN NGỌC BÍCH", "child.date_of_birth": "2026-11-02", "child.sex": "2",
    "child.ethnicity": "01", "child.birth_order": "2", "father_declared": "false",
    "income": "1.500.000", "purpose": "gia_dinh", "request": "Cấp bản sao", "commitment": "true",
}


def member(i, name):
    return {f"members.{i}.full_name": name, f"members.{i}.relationship": "04"}


# --- parsing ---------------------------------------------------------------------------------------------

def test_a_post_becomes_nested_form_data_of_typed_values():
    data, errors, raw = forms.parse(SCHEMA, UI, COMPLETE)
    assert errors == {}
    assert data == {
        "applicant": {"full_name": "Nguyễn Văn An", "id_number": "048090001234", "phone": "0905123456",
                      "email": "an@example.com", "address": {"province": "48", "commune": "20194", "street": "12 Lê Duẩn"}},
        "child": {"full_name": "NGUYỄN NGỌC BÍCH", "date_of_birth": "2026-11-02", "sex": "2", "ethnicity": "01",
                  "birth_order": 2},
        "father_declared": False, "income": 1500000, "purpose": "gia_dinh", "request": "Cấp bản sao",
        "commitment": True,
    }
    assert declaration_errors(SCHEMA, data) == {}
    assert raw["income"] == "1.500.000"


def test_empty_is_absent_and_a_wrong_type_is_an_error_at_its_field_keeping_what_was_typed():
    post = {**COMPLETE, "child.birth_order": "hai", "income": "một triệu", "applicant.email": "  ",
            "child.date_of_birth": "02/11/2026", "father_declared": ""}
    data, errors, raw = forms.parse(SCHEMA, UI, post)
    assert "email" not in data["applicant"] and "birth_order" not in data["child"] and "income" not in data
    assert "father_declared" not in data
    assert data["child"]["date_of_birth"] == "2026-11-02"  # dd/mm/yyyy as Vietnamese write it
    assert set(errors) == {"child.birth_order", "income"}
    assert raw["child.birth_order"] == "hai" and raw["income"] == "một triệu"
    decl = forms.build(SCHEMA, UI, data=data, raw=raw, errors=forms.merge_errors(errors, declaration_errors(SCHEMA, data)))
    assert decl.nodes["child.birth_order"].raw == "hai"
    assert decl.nodes["child.birth_order"].errors == errors["child.birth_order"]
    assert decl.nodes["father_declared"].errors  # required, in Vietnamese from the validator


@pytest.mark.parametrize("typed, amount", [("1.500.000", 1500000), ("1500000", 1500000), ("1 500 000 đ", 1500000),
                                           ("2,000,000", 2000000), ("0", 0)])
def test_money_with_thousand_separators(typed, amount):
    data, errors, _raw = forms.parse(SCHEMA, UI, {**COMPLETE, "income": typed})
    assert errors == {} and data["income"] == amount


def test_a_repeatable_group_of_zero_and_of_five():
    data, errors, _raw = forms.parse(SCHEMA, UI, {**COMPLETE, "members.0.full_name": "", "members.0.relationship": ""})
    assert "members" not in data and errors == {}
    assert declaration_errors(SCHEMA, data) == {}
    post = dict(COMPLETE)
    for i, name in enumerate(["An", "Bình", "Chi", "Dung", "Em"]):
        post.update(member(i, name))
    post.update({"members.5.full_name": "", "members.5.relationship": ""})  # the page's empty row
    data, errors, _raw = forms.parse(SCHEMA, UI, post)
    assert [m["full_name"] for m in data["members"]] == ["An", "Bình", "Chi", "Dung", "Em"]
    assert errors == {} and declaration_errors(SCHEMA, data) == {}
    decl = forms.build(SCHEMA, UI, data=data)
    rows = decl.nodes["members"].items
    assert len(rows) == 6 and rows[-1].blank and not rows[0].blank  # the five, and one empty to fill
    assert decl.nodes["members.4.full_name"].raw == "Em"


def test_removing_a_row_renumbers_the_others_and_an_item_missing_its_name_is_reported_at_it():
    post = {**COMPLETE, **member(0, "An"), **member(1, "Bình"), **member(2, ""), "_remove": "members.0"}
    data, _errors, _raw = forms.parse(SCHEMA, UI, post)
    assert data["members"] == [{"full_name": "Bình", "relationship": "04"}, {"relationship": "04"}]
    assert declaration_errors(SCHEMA, data)["members.1.full_name"]


def test_the_conditional_section_is_required_only_when_shown():
    data, _errors, _raw = forms.parse(SCHEMA, UI, {**COMPLETE, "father.full_name": "Trần Văn Ba"})
    assert "father" not in data  # not declared: what was typed in the hidden section is not kept
    assert declaration_errors(SCHEMA, data) == {}
    assert not forms.build(SCHEMA, UI, data=data).nodes["father"].required
    data, _errors, _raw = forms.parse(SCHEMA, UI, {**COMPLETE, "father_declared": "true"})
    assert "father" in declaration_errors(SCHEMA, data)
    decl = forms.build(SCHEMA, UI, data=data, errors=declaration_errors(SCHEMA, data))
    assert decl.nodes["father"].required and decl.nodes["father"].errors
    assert decl.nodes["father"].show_if["holds"]
    data, _errors, _raw = forms.parse(SCHEMA, UI, {**COMPLETE, "father_declared": "true", "father.full_name": "Trần Văn Ba"})
    assert data["father"] == {"full_name": "Trần Văn Ba"} and declaration_errors(SCHEMA, data) == {}


def test_an_unticked_box_is_no():
    data, _errors, _raw = forms.parse(SCHEMA, UI, {**COMPLETE, "commitment": "false"})
    assert data["commitment"] is False
    post = forms_multi({**COMPLETE}, "commitment", ["false", "true"])
    assert forms.parse(SCHEMA, UI, post)[0]["commitment"] is True


def forms_multi(data, key, values):
    from django.http import QueryDict

    q = QueryDict(mutable=True)
    for k, v in data.items():
        if k != key:
            q[k] = v
    q.setlist(key, values)
    return q


# --- the tree -------------------------------------------------------------------------------------------

def test_the_tree_has_every_kind_in_the_ui_order_with_labels_help_and_required():
    decl = forms.build(SCHEMA, UI, data={})
    assert [s.title for s in decl.sections] == ["Người yêu cầu", "Người được khai sinh", "Cha", "Hộ gia đình", "Đề nghị"]
    kinds = {path: node.kind for path, node in decl.nodes.items() if not re.search(r"\.\d+\.", path)}
    assert kinds["applicant"] == "group" and kinds["members"] == "repeat"
    assert kinds["child.full_name"] == "text" and kinds["request"] == "textarea"
    assert kinds["child.birth_order"] == "integer" and kinds["income"] == "money"
    assert kinds["child.date_of_birth"] == "date" and kinds["father_declared"] == "boolean"
    assert kinds["child.sex"] == "codelist" and kinds["purpose"] == "enum"
    nodes = decl.nodes
    assert nodes["child.full_name"].label == "Họ tên trẻ"
    assert nodes["child.full_name"].help == "Ghi bằng chữ in hoa, có dấu"
    assert nodes["child.full_name"].placeholder == "NGUYỄN VĂN A"
    assert nodes["child.full_name"].required and not nodes["child.birth_order"].required
    assert nodes["applicant.address.province"].required  # from the $ref'd address
    assert nodes["purpose"].choices == [("ban_than", "Cho bản thân"), ("gia_dinh", "Cho gia đình"), ("khac", "Khác")]
    assert ("2", "Nữ") in nodes["child.sex"].choices
    commune = nodes["applicant.address.commune"]
    assert commune.parent_field == "applicant.address.province"
    assert commune.groups[0][0] == "Thành phố Đà Nẵng" and ("20194", "Phường Hải Châu", "48") in commune.groups[0][1]
    assert nodes["father"].show_if["label"] == "Khai thông tin người cha"


def test_verified_prefill_is_read_only_and_wins_over_the_post():
    from cases.declarations import Prefilled

    known = {"applicant.full_name": Prefilled("Nguyễn Văn An", "population", True),
             "applicant.phone": Prefilled("0905123456", "profile", False),
             "applicant.address": Prefilled({"province": "48", "commune": "20194", "street": "12 Lê Duẩn"}, "population", True)}
    decl = forms.build(SCHEMA, UI, data={}, prefilled=known)
    assert decl.nodes["applicant.full_name"].readonly and decl.nodes["applicant.full_name"].raw == "Nguyễn Văn An"
    assert not decl.nodes["applicant.phone"].readonly and decl.nodes["applicant.phone"].raw == "0905123456"
    assert decl.nodes["applicant.address.commune"].readonly
    assert decl.nodes["applicant.address.commune"].display == "Phường Hải Châu"
    data, _e, _r = forms.parse(SCHEMA, UI, {**COMPLETE, "applicant.full_name": "Tên Khác"}, prefilled=known)
    assert data["applicant"]["full_name"] == "Nguyễn Văn An"


# --- showing the answers ---------------------------------------------------------------------------------

def test_answers_are_labelled_sections_with_names_dates_money_and_words():
    data, _e, _r = forms.parse(SCHEMA, UI, {**COMPLETE, **member(0, "An")})
    sections = forms.answers(SCHEMA, UI, data)
    assert [s["title"] for s in sections] == ["Người yêu cầu", "Người được khai sinh", "Cha", "Hộ gia đình", "Đề nghị"]
    text = repr(sections)
    for shown in ("Phường Hải Châu", "Thành phố Đà Nẵng", "02/11/2026", "1.500.000 đồng", "Nữ", "Kinh", "Cho gia đình",
                  "Con đẻ"):
        assert shown in text
    assert "20194" not in text and "gia_dinh" not in text and "2026-11-02" not in text


def test_changes_between_two_answers():
    before, _e, _r = forms.parse(SCHEMA, UI, COMPLETE)
    after = copy.deepcopy(before)
    after["child"]["date_of_birth"] = "2026-11-03"
    after["income"] = 2000000
    rows = forms.changes(SCHEMA, UI, before, after)
    assert [(r["label"], r["before"], r["after"]) for r in rows] == [
        ("Người được khai sinh › Ngày sinh", "02/11/2026", "03/11/2026"),
        ("Thu nhập bình quân", "1.500.000 đồng", "2.000.000 đồng"),
    ]


# --- the wizard's step 2 -------------------------------------------------------------------------------------

def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def declared(office):
    version = office["birth"].current_version
    ProcedureVersion.objects.filter(pk=version.pk).update(form_schema=SCHEMA, form_ui=UI)
    office["birth"].refresh_from_db()
    return office


@pytest.fixture
def draft(declared):
    return dossier_draft_create(user=declared["citizen"], procedure=declared["birth"], agency=declared["ward"])


@pytest.fixture
def an(client, declared):
    client.force_login(declared["citizen"])
    return english(client)


def url(dossier):
    return reverse("cases:draft-details", args=[dossier.pk])


def test_step_two_renders_the_declaration_not_the_free_text_box(an, draft):
    page = an.get(url(draft)).content.decode()
    assert 'name="request_details"' not in page
    for name in ("applicant.full_name", "child.date_of_birth", "members.0.full_name", "income", "commitment"):
        assert f'name="{name}"' in page
    assert 'type="date"' in page and "<optgroup label=\"Thành phố Đà Nẵng\">" in page
    assert 'data-parent-field="applicant.address.province"' in page
    assert "data-show-if=" in page and "Only if “Khai thông tin người cha” is “Yes”" in page
    assert "declaration.js" in page
    # The citizen's own details prefill from the profile (not verified: editable).
    assert re.search(r'name="applicant.full_name"[^>]*value="Nguyễn Văn An"', page)


def test_a_version_without_a_declaration_keeps_the_free_text_box(client, office):
    client.force_login(office["citizen"])
    dossier = dossier_draft_create(user=office["citizen"], procedure=office["birth"], agency=office["ward"])
    page = english(client).get(url(dossier)).content.decode()
    assert 'name="request_details"' in page and "dc-form" not in page and "declaration.js" not in page


def test_an_incomplete_declaration_is_saved_and_every_error_shown_at_its_field(an, draft):
    post = {**COMPLETE, "child.full_name": "", "child.birth_order": "hai", "applicant.email": "khong-phai-email",
            "action": "continue"}
    response = an.post(url(draft), post)
    assert response.status_code == 200
    page = response.content.decode()
    draft.refresh_from_db()
    saved = draft.form_data
    assert saved["child"]["date_of_birth"] == "2026-11-02" and saved["income"] == 1500000
    assert "full_name" not in saved["child"] and "birth_order" not in saved["child"]
    assert "email" not in saved["applicant"]  # refused by its format: not saved, but shown as typed
    assert 'value="khong-phai-email"' in page and 'value="hai"' in page
    for field_id in ("f-child-full_name", "f-child-birth_order", "f-applicant-email"):
        assert re.search(rf'id="{field_id}"[^>]*aria-invalid="true"', page), field_id
        assert re.search(rf'id="{field_id}"[^>]*aria-describedby="[^"]*{field_id}-error', page), field_id
        assert f'href="#{field_id}"' in page  # the summary links to it
        assert f'id="{field_id}-error"' in page
    assert re.search(r'id="f-child-full_name-error"><li>This field is required.</li>', page)
    an.cookies[settings.LANGUAGE_COOKIE_NAME] = "vi"  # the default: Vietnamese, next to the field
    page = an.post(url(draft), post).content.decode()
    assert re.search(r'id="f-child-full_name-error"><li>Trường này là bắt buộc.</li>', page)


def test_continue_goes_to_the_documents_only_without_errors(an, draft):
    response = an.post(url(draft), {**COMPLETE, **member(0, "An"), "action": "continue"})
    assert response.status_code == 302 and response["Location"] == reverse("cases:draft-documents", args=[draft.pk])
    draft.refresh_from_db()
    assert draft.form_data["members"] == [{"full_name": "An", "relationship": "04"}]
    assert draft.form_data["commitment"] is True
    response = an.post(url(draft), {**COMPLETE, "action": "save"})
    assert response.status_code == 302 and response["Location"] == url(draft)
    draft.refresh_from_db()
    assert "members" not in draft.form_data  # the row emptied is gone


def test_add_a_person_saves_and_shows_one_more_empty_row(an, draft):
    response = an.post(url(draft), {**COMPLETE, **member(0, "An"), "_add": "members"})
    assert response.status_code == 200
    page = response.content.decode()
    draft.refresh_from_db()
    assert draft.form_data["members"] == [{"full_name": "An", "relationship": "04"}]
    assert 'name="members.1.full_name"' in page and 'name="members.2.full_name"' not in page
    assert re.search(r'id="f-members-1-full_name"[^>]*autofocus', page)
    assert "errorlist" not in page  # adding a row is not the moment to list what is missing
    response = an.post(url(draft), {**COMPLETE, **member(0, "An"), **member(1, ""), "_add": "members"})
    assert 'name="members.2.full_name"' in response.content.decode()  # the empty row, and one more
    response = an.post(url(draft), {**COMPLETE, **member(0, "An"), **member(1, "Bình"), "_remove": "members.0"})
    draft.refresh_from_db()
    assert draft.form_data["members"] == [{"full_name": "Bình", "relationship": "04"}]


def test_step_two_costs_the_same_whatever_the_number_of_fields(an, declared, draft):
    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert an.get(url(draft)).status_code == 200
        return len(ctx.captured_queries)

    few = queries()
    many = copy.deepcopy(SCHEMA)
    for i in range(40):  # forty more fields, each choosing from a code list
        many["properties"][f"extra_{i}"] = {"type": "string", "title": f"Thêm {i}", "x-codelist": "ethnicity" if i % 2 else "province"}
    ui = copy.deepcopy(UI)
    ui["sections"].append({"title": "Thêm", "fields": [f"extra_{i}" for i in range(40)]})
    ProcedureVersion.objects.filter(pk=draft.version_id).update(form_schema=many, form_ui=ui)
    assert queries() == few
