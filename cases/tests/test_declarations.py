"""The declaration's one validator (the page, the counter and the API alike), its prefill, and the API."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from accounts import population
from cases.declarations import PREFILL_KEYS, declaration_errors, prefill, prefill_fields
from cases.models import Dossier
from procedures.catalog_convert import demo_catalog_records
from procedures.models import ProcedureVersion
from procedures.services import catalog_import

pytestmark = pytest.mark.django_db

ADDRESS = {
    "type": "object",
    "properties": {
        "province": {"type": "string", "title": "Tỉnh, thành phố", "x-codelist": "province"},
        "commune": {"type": "string", "title": "Xã, phường", "x-codelist": "commune", "x-parent": "province"},
        "street": {"type": "string", "title": "Số nhà, đường", "maxLength": 200},
    },
    "required": ["province", "commune"],
}

SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Tờ khai thử nghiệm",
    "description": "Mẫu thử nghiệm",
    "type": "object",
    "$defs": {"address": ADDRESS},
    "properties": {
        "applicant": {"type": "object", "title": "Người yêu cầu", "properties": {
            "full_name": {"type": "string", "title": "Họ, chữ đệm, tên", "minLength": 1, "maxLength": 100,
                          "x-prefill": "profile.full_name"},
            "id_number": {"type": "string", "title": "Số định danh cá nhân", "format": "vn-id-number",
                          "x-prefill": "profile.id_number"},
            "phone": {"type": "string", "title": "Số điện thoại", "format": "vn-phone"},
            "email": {"type": "string", "title": "Thư điện tử", "format": "email"},
            "address": {"$ref": "#/$defs/address", "title": "Nơi cư trú", "x-prefill": "population.permanent_address"},
            "ethnicity": {"type": "string", "title": "Dân tộc", "x-codelist": "ethnicity", "x-prefill": "population.ethnicity"},
        }, "required": ["full_name", "id_number"]},
        "child": {"type": "object", "title": "Người được khai sinh", "properties": {
            "full_name": {"type": "string", "title": "Họ, chữ đệm, tên", "minLength": 1},
            "date_of_birth": {"type": "string", "title": "Ngày sinh", "format": "date"},
            "sex": {"type": "string", "title": "Giới tính", "x-codelist": "sex"},
            "weight_grams": {"type": "integer", "minimum": 0, "maximum": 10000},
        }, "required": ["full_name", "date_of_birth", "sex"]},
        "fee_paid": {"type": "integer", "minimum": 0, "x-kind": "money"},
        "father_declared": {"type": "boolean", "title": "Khai thông tin cha"},
        "father": {"type": "object", "title": "Cha", "properties": {
            "full_name": {"type": "string", "minLength": 1}}, "required": ["full_name"]},
        "members": {"type": "array", "maxItems": 5, "items": {"type": "object", "properties": {
            "full_name": {"type": "string", "minLength": 1},
            "relationship": {"type": "string", "x-codelist": "relationship"}}, "required": ["full_name"]}},
    },
    "required": ["applicant", "child"],
    "if": {"properties": {"father_declared": {"const": True}}, "required": ["father_declared"]},
    "then": {"required": ["father"]},
}


def answers(**changes):
    data = {
        "applicant": {"full_name": "Nguyễn Văn An", "id_number": "048090001234", "phone": "0905123456",
                      "email": "an@example.com", "ethnicity": "01",
                      "address": {"province": "48", "commune": "20194", "street": "12 Lê Duẩn"}},
        "child": {"full_name": "Nguyễn Gia Bảo", "date_of_birth": "2026-11-30", "sex": "1"},
    }
    data.update(changes)
    return data


def test_a_complete_declaration_has_no_errors():
    assert declaration_errors(SCHEMA, answers()) == {}


def test_each_wrong_answer_is_named_by_its_path_in_vietnamese():
    data = answers(child={"full_name": "", "date_of_birth": "30/11/2026", "sex": "9", "weight_grams": 3.2})
    data["applicant"]["id_number"] = "12345"
    data["applicant"]["email"] = "khong-phai-thu"
    errors = declaration_errors(SCHEMA, data)
    assert errors["child.date_of_birth"] == ["Nhập ngày theo dạng NNNN-TT-NN."]
    assert errors["child.full_name"] == ["Trường này là bắt buộc."]
    assert errors["child.sex"] == ["Hãy chọn một giá trị trong danh sách."]
    assert errors["child.weight_grams"] == ["Hãy nhập một số nguyên."]
    assert "12 chữ số" in errors["applicant.id_number"][0]
    assert errors["applicant.email"] == ["Địa chỉ thư điện tử không hợp lệ."]


def test_a_missing_answer_is_named_by_its_own_path():
    data = answers()
    del data["child"]["date_of_birth"]
    assert declaration_errors(SCHEMA, data) == {"child.date_of_birth": ["Trường này là bắt buộc."]}
    # A draft being filled in may still miss it; a wrong form of answer is an error even then.
    assert declaration_errors(SCHEMA, data, complete=False) == {}
    data["child"]["sex"] = "9"
    assert list(declaration_errors(SCHEMA, data, complete=False)) == ["child.sex"]


def test_a_conditional_section_is_required_only_when_shown():
    assert declaration_errors(SCHEMA, answers(father_declared=False)) == {}
    assert declaration_errors(SCHEMA, answers(father_declared=True)) == {"father": ["Trường này là bắt buộc."]}
    assert declaration_errors(SCHEMA, answers(father_declared=True, father={"full_name": "Nguyễn Văn Cường"})) == {}


def test_a_repeatable_group_of_none_and_of_five():
    assert declaration_errors(SCHEMA, answers(members=[])) == {}
    five = [{"full_name": f"Người {i}", "relationship": "04"} for i in range(5)]
    assert declaration_errors(SCHEMA, answers(members=five)) == {}
    six = [*five, {"full_name": "Người 6"}]
    assert declaration_errors(SCHEMA, answers(members=six)) == {"members": ["Tối đa 5."]}
    five[2] = {"relationship": "04"}
    assert declaration_errors(SCHEMA, answers(members=five)) == {"members.2.full_name": ["Trường này là bắt buộc."]}


def test_a_commune_must_be_of_the_province_chosen():
    data = answers()
    data["applicant"]["address"]["province"] = "01"  # Hà Nội, with a ward of Đà Nẵng
    assert declaration_errors(SCHEMA, data) == {"applicant.address.commune": ["Hãy chọn xã, phường thuộc tỉnh đã chọn."]}


def test_prefill_from_the_profile_and_the_population_record(office, monkeypatch):
    citizen = office["citizen"]
    record = population.Record(
        id_number="048090001234", full_name="Nguyễn Văn An", date_of_birth=dt.date(1990, 5, 12), gender="male",
        ethnicity="Kinh", nationality="Việt Nam", permanent_residence="12 Lê Duẩn, phường Hải Châu, thành phố Đà Nẵng",
        current_residence="", head_of_household="Nguyễn Văn An", household=(), fetched_at=dt.datetime.now(dt.UTC),
    )
    monkeypatch.setattr(type(citizen.citizen_profile), "is_verified", property(lambda self: True))
    monkeypatch.setattr(population, "for_user", lambda user: record)
    found = prefill(SCHEMA, user=citizen)
    assert found["applicant.full_name"].value == "Nguyễn Văn An" and not found["applicant.full_name"].verified
    # The population database's values are verified; names become codes, an address its province and commune.
    assert (found["applicant.ethnicity"].value, found["applicant.ethnicity"].verified) == ("01", True)
    assert found["applicant.address"].value == {"street": record.permanent_residence, "province": "48", "commune": "20194"}


def test_every_prefill_key_of_the_demo_declarations_is_known():
    records = [r for r in demo_catalog_records() if "TOKHAI" in r]
    for record in records:
        for path, sources, _field in prefill_fields(record["TOKHAI"]["schema"]):
            assert {s.key for s in sources} <= set(PREFILL_KEYS), (record["MATTHC"], path, sources)


# --- the API ------------------------------------------------------------------------------------------------


def with_declaration(procedure):
    ProcedureVersion.objects.filter(pk=procedure.current_version_id).update(form_schema=SCHEMA, form_ui={
        "sections": [{"title": "Người yêu cầu", "fields": ["applicant"]},
                     {"title": "Người được khai sinh", "fields": ["child", "fee_paid"]},
                     {"title": "Cha", "fields": ["father_declared", "father"]},
                     {"title": "Thành viên", "fields": ["members"]}]})


def test_the_procedure_form_endpoint_and_its_link(office):
    api = APIClient()
    assert api.get("/api/v1/procedures/1.001193/form/").status_code == 404  # no declaration yet
    assert api.get("/api/v1/procedures/1.001193/").json()["form"] is None
    with_declaration(office["birth"])
    body = api.get("/api/v1/procedures/1.001193/form/").json()
    assert body["schema"]["title"] == "Tờ khai thử nghiệm" and body["ui"]["sections"][0]["fields"] == ["applicant"]
    assert api.get("/api/v1/procedures/1.001193/").json()["form"].endswith("/api/v1/procedures/1.001193/form/")


def test_a_draft_with_a_wrong_field_is_a_400_with_its_path(office):
    with_declaration(office["birth"])
    api = APIClient()
    api.force_authenticate(office["citizen"])
    bad = answers(child={"full_name": "Bảo", "date_of_birth": "30/11/2026", "sex": "1"})
    response = api.post("/api/v1/dossiers/", {"procedure": "1.001193", "agency": "000.11.31.H48", "form_data": bad},
                        format="json")
    assert response.status_code == 400
    assert response.json() == {"form_data": {"child.date_of_birth": ["Nhập ngày theo dạng NNNN-TT-NN."]}}
    assert not Dossier.objects.exists()

    # An unfinished draft is saved (the child's data to come); a wrong answer in a PATCH is refused.
    partial = answers()
    del partial["child"]
    created = api.post("/api/v1/dossiers/", {"procedure": "1.001193", "agency": "000.11.31.H48",
                                             "form_data": partial}, format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    response = api.patch(f"/api/v1/dossiers/{pk}/", {"form_data": bad}, format="json")
    assert response.status_code == 400 and "child.date_of_birth" in response.json()["form_data"]
    assert Dossier.objects.get(pk=pk).form_data == partial
    # Submitting it without the child's data is refused, naming what is missing.
    response = api.post(f"/api/v1/dossiers/{pk}/submit/")
    assert response.status_code == 400
    assert response.json()["form_data"] == {"child": ["Trường này là bắt buộc."]}
    assert api.patch(f"/api/v1/dossiers/{pk}/", {"form_data": answers()}, format="json").status_code == 200
    assert Dossier.objects.get(pk=pk).form_data == answers()


def test_the_catalog_import_keeps_a_declaration_and_refuses_a_bad_one(office):
    record = next(r for r in demo_catalog_records() if r["MATTHC"] == "1.001193")
    record["TOKHAI"] = {"schema": SCHEMA, "ui": {}}
    report = catalog_import(records=[record])
    assert report.ok
    assert ProcedureVersion.objects.get(procedure__code="1.001193", number=2).form_schema["title"] == "Tờ khai thử nghiệm"
    record["TOKHAI"] = {"schema": {"type": "không-phải-kiểu"}, "ui": {}}
    report = catalog_import(records=[record])
    assert not report.ok and "TOKHAI.schema" in str(report.errors[0])


def test_a_supplement_may_correct_the_declaration_and_keeps_what_it_replaced(office):
    from cases.actions import perform
    from cases.tests.factories import DossierFactory

    dossier = DossierFactory(procedure=office["birth"], agency=office["ward"], owner=office["citizen"], state="processing")
    with_declaration(office["birth"])  # (the version is the dossier's own: as if filed with this declaration)
    Dossier.objects.filter(pk=dossier.pk).update(form_data=answers())
    perform(dossier=dossier, action="request_supplement", actor=office["specialist"],
            items=[{"document": "Tờ khai", "guidance": "Ngày sinh của cháu ghi sai"}])
    corrected = answers(child={"full_name": "Nguyễn Gia Bảo", "date_of_birth": "2026-11-29", "sex": "1"})
    event = perform(dossier=Dossier.objects.get(pk=dossier.pk), action="supplement", actor=office["citizen"],
                    form_data=corrected)
    assert event.data["form_data_before"]["child"]["date_of_birth"] == "2026-11-30"
    assert Dossier.objects.get(pk=dossier.pk).form_data == corrected


def test_the_counter_intake_checks_the_declaration_whole(office):
    with_declaration(office["birth"])
    api = APIClient()
    api.force_authenticate(office["clerk"])
    body = {"procedure": "1.001193", "agency": "000.11.31.H48", "applicant_name": "Nguyễn Văn An",
            "applicant_id_number": "048090001234"}
    partial = answers()
    del partial["child"]
    response = api.post("/api/v1/dossiers/intake/", {**body, "form_data": partial}, format="json")
    assert response.status_code == 400 and response.json() == {"form_data": {"child": ["Trường này là bắt buộc."]}}
    assert not Dossier.objects.exists()
    response = api.post("/api/v1/dossiers/intake/", {**body, "form_data": answers()}, format="json")
    assert response.status_code == 201, response.content
    assert Dossier.objects.get().form_data == answers()


def test_the_declaration_prints_for_who_may_see_the_dossier(office):
    from cases.tests.factories import DossierFactory

    dossier = DossierFactory(procedure=office["birth"], agency=office["ward"], owner=office["citizen"], state="submitted")
    api = APIClient()
    api.force_authenticate(office["citizen"])
    assert api.get(f"/api/v1/dossiers/{dossier.pk}/declaration.pdf").status_code == 404  # no declaration
    with_declaration(office["birth"])
    Dossier.objects.filter(pk=dossier.pk).update(form_data=answers())
    response = api.get(f"/api/v1/dossiers/{dossier.pk}/declaration.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    other = APIClient()
    other.force_authenticate(office["other"])
    assert other.get(f"/api/v1/dossiers/{dossier.pk}/declaration.pdf").status_code == 404


def test_a_prefill_list_falls_back_to_the_account(office):
    # Not verified with VNeID: no population record, so the account's own name and address are offered
    # (editable), where the form asks for the population database's first.
    schema = {"type": "object", "$defs": {"address": ADDRESS}, "properties": {
        "full_name": {"type": "string", "x-prefill": ["population.full_name", "profile.full_name"]},
        "address": {"$ref": "#/$defs/address", "x-prefill": ["population.current_address", "profile.address"]}}}
    found = prefill(schema, user=office["citizen"])
    assert (found["full_name"].value, found["full_name"].source, found["full_name"].verified) == (
        "Nguyễn Văn An", "profile", False)
    assert found["address"].value["street"] == "12 Lê Duẩn"


# --- who is who in the applicant's household ------------------------------------------------------------------

AN_HOUSE = "12 Lê Duẩn, phường Hải Châu, thành phố Đà Nẵng"


def _record(relation_to_head: str, *household: population.Relative, name="Nguyễn Văn An", gender="male"):
    return population.Record(
        id_number="048090001234", full_name=name, date_of_birth=dt.date(1990, 5, 12), gender=gender,
        ethnicity="Kinh", nationality="Việt Nam", permanent_residence=AN_HOUSE, current_residence=AN_HOUSE,
        head_of_household="", household=household, fetched_at=dt.datetime.now(dt.UTC), relation_to_head=relation_to_head,
    )


HEAD = population.Relative("Chủ hộ", "Nguyễn Văn An", "048090001234", "1990-05-12", "male")
WIFE = population.Relative("Vợ", "Lê Thị Mai", "048195007788", "1995-02-20", "female")
CHILD = population.Relative("Con", "Nguyễn Minh Khang", "048220012345", "2022-03-09", "male")
KIN = {"type": "object", "properties": {
    role: {"type": "object", "properties": {
        "full_name": {"type": "string", "x-prefill": f"population.{role}.full_name"},
        "born": {"type": "string", "x-prefill": f"population.{role}.date_of_birth"}}}
    for role in ("spouse", "father", "mother")}}


@pytest.mark.parametrize(("record", "expected"), [
    # The head: his "Vợ" is his spouse.
    (_record("Chủ hộ", WIFE, CHILD), {"spouse": "Lê Thị Mai"}),
    # The head's wife: her spouse is the head (the register relates her to him, not him to her).
    (_record("Vợ", HEAD, CHILD, name="Lê Thị Mai", gender="female"), {"spouse": "Nguyễn Văn An"}),
    # The head's child: the head and the head's wife, told apart by sex, are the father and the mother.
    (_record("Con", HEAD, WIFE, name="Nguyễn Minh Khang"), {"father": "Nguyễn Văn An", "mother": "Lê Thị Mai"}),
    # The head living with his parents.
    (_record("Chủ hộ", population.Relative("Mẹ", "Trần Thị Lan", "048160000001", "1960-01-01", "female")),
     {"mother": "Trần Thị Lan"}),
])
def test_the_household_tells_the_applicants_spouse_and_parents(office, monkeypatch, record, expected):
    monkeypatch.setattr(type(office["citizen"].citizen_profile), "is_verified", property(lambda self: True))
    monkeypatch.setattr(population, "for_user", lambda user: record)
    found = prefill(KIN, user=office["citizen"])
    assert {path.split(".")[0]: f.value for path, f in found.items() if path.endswith("full_name")} == expected
    assert all(f.verified for f in found.values())


def test_the_birth_form_fills_in_the_parents_by_who_the_applicant_is(office, monkeypatch):
    schema = {r["MATTHC"]: r for r in demo_catalog_records()}["1.001193"]["TOKHAI"]["schema"]
    monkeypatch.setattr(type(office["citizen"].citizen_profile), "is_verified", property(lambda self: True))
    monkeypatch.setattr(population, "for_user", lambda user: _record("Chủ hộ", WIFE, CHILD))

    def parents(relationship):
        found = prefill(schema, user=office["citizen"], data={"requester": {"relationship": relationship}})
        return {path: f.value for path, f in found.items() if path.split(".")[0] in ("mother", "father")}

    # The applicant is the father ("06"): he is the father, his wife the mother; her residence is the
    # household's permanent address, her ethnicity and nationality are not in his record (typed).
    as_father = parents("06")
    assert as_father["father.full_name"] == "Nguyễn Văn An" and as_father["father.ethnicity"] == "01"
    assert as_father["mother.full_name"] == "Lê Thị Mai" and as_father["mother.id_number"] == "048195007788"
    assert as_father["mother.residence"]["commune"] == "20194" and "mother.ethnicity" not in as_father
    # The mother files ("07", here as the same record for the test): the roles swap.
    assert parents("07")["mother.full_name"] == "Nguyễn Văn An" and parents("07")["father.full_name"] == "Lê Thị Mai"
    # A grandparent ("11") or nobody yet: the parents are typed.
    assert parents("11") == {} and parents(None) == {}
