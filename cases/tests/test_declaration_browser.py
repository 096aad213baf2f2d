"""Step 2 of the wizard with a declaration, in headless Chromium on a phone: required fields, a conditional
section that follows the answer, a commune list that follows the province, a row added, on to the documents."""

import datetime as dt
import importlib
import json
from pathlib import Path

import pytest
from django.apps import apps

from cases.models import Dossier
from procedures.models import ProcedureVersion
from tests.browser import log_in
from tests.catalog_data import build_catalog

from .test_declaration_forms import SCHEMA, UI

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parent.parent.parent / "var" / "screenshots"
WIDE = (
    "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)"
    ".map(e => e.tagName + '.' + e.className).slice(0, 5)"
)


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """A Vietnamese phone: dates are typed and shown dd/mm/yyyy."""
    return {**browser_context_args, "locale": "vi-VN", "timezone_id": "Asia/Ho_Chi_Minh"}


@pytest.fixture
def world(transactional_db):
    from accounts.services import citizen_register

    # A transactional test's flush removed the code lists the migration loaded: load them again.
    importlib.import_module("procedures.migrations.0007_code_lists_data").load(apps, None)
    catalog = build_catalog()
    ProcedureVersion.objects.filter(pk=catalog["birth"].current_version_id).update(form_schema=SCHEMA, form_ui=UI)
    citizen = citizen_register(
        username="an", password="mat-khau-rat-dai-1", email="an@example.com", full_name="Nguyễn Văn An",
        id_number="048090001234", date_of_birth=dt.date(1990, 5, 12), gender="male", address="12 Lê Duẩn",
    )
    return {**catalog, "citizen": citizen}


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)
    assert page.evaluate(WIDE) == [], f"{name}: the page scrolls sideways"


def test_step_two_with_a_declaration_on_a_phone(world, live_server, page):
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server.url, "an", "mat-khau-rat-dai-1", "/ho-so/nop/1.001193/")
    page.locator("input[name=delivery][value=counter]").check()
    page.locator("form.cz-form button[type=submit]").click()
    page.wait_for_url("**/sua/noi-dung/")
    dossier = Dossier.objects.get()

    # Prefilled from the profile; the father's section waits for its answer.
    assert page.locator("#f-applicant-full_name").input_value() == "Nguyễn Văn An"
    father = page.locator("#f-father-wrap")
    assert not father.is_visible()
    page.locator("#f-father_declared-0").check()  # "yes"
    assert father.is_visible()
    page.fill("#f-father-full_name", "TRẦN VĂN BA")
    page.locator("#f-father_declared-1").check()  # "no": the section goes away again
    assert not father.is_visible()

    # The commune list shows the communes of the province chosen.
    page.select_option("#f-applicant-address-province", "01")
    assert page.locator("#f-applicant-address-commune option[value='20194']").is_disabled()
    page.select_option("#f-applicant-address-province", "48")
    page.select_option("#f-applicant-address-commune", "20194")

    page.fill("#f-child-full_name", "NGUYỄN NGỌC BÍCH")
    page.fill("#f-child-date_of_birth", "2026-11-02")
    page.select_option("#f-child-sex", "2")
    page.fill("#f-income", "1500000")
    page.locator("#f-child-full_name").focus()
    assert page.locator("#f-income").input_value() == "1.500.000"
    shot(page, "declaration-1-step2-phone.png")

    # Rows added and removed in place (no reload), the focus on the new row.
    page.evaluate("window.stillHere = true")
    page.fill("#f-members-0-full_name", "Nguyễn Văn An")
    page.locator("button[name=_add]").click()
    page.locator("button[name=_add]").click()
    assert page.evaluate("window.stillHere === true")
    assert page.evaluate("document.activeElement.id") == "f-members-2-full_name"
    assert page.locator("#f-members-0-full_name").input_value() == "Nguyễn Văn An"
    assert page.locator("#f-members-2-full_name").input_value() == ""
    page.locator("#f-members-1 button[name=_remove]").click()
    assert page.locator(".dc-item").count() == 2
    assert page.locator(".dc-item-number").all_inner_texts() == ["1", "2"]
    page.fill("#f-members-2-full_name", "Lê Thị Mai")
    page.select_option("#f-members-2-relationship", "02")

    # Continue without a required answer: the error is at its field, the summary links to it.
    page.locator("#f-child-full_name").fill("")
    page.locator(".form-actions button[value=continue]").click()
    page.wait_for_selector(".error-summary")
    assert page.locator("#f-child-full_name").get_attribute("aria-invalid") == "true"
    assert page.locator("#f-child-full_name-error").is_visible()
    shot(page, "declaration-2-step2-errors-phone.png")
    page.fill("#f-child-full_name", "NGUYỄN NGỌC BÍCH")
    page.set_viewport_size({"width": 1366, "height": 900})
    shot(page, "declaration-3-step2-desktop.png")
    page.locator(".form-actions button[value=continue]").click()
    page.wait_for_url("**/sua/giay-to/")

    dossier.refresh_from_db()
    data = dossier.form_data
    assert data["child"] == {"full_name": "NGUYỄN NGỌC BÍCH", "date_of_birth": "2026-11-02", "sex": "2"}
    assert data["father_declared"] is False and "father" not in data
    assert data["income"] == 1500000
    assert [m["full_name"] for m in data["members"]] == ["Nguyễn Văn An", "Lê Thị Mai"]
    assert data["applicant"]["address"] == {"province": "48", "commune": "20194"}

    # "Check your answers" reads the declaration back in words.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/ho-so/{dossier.pk}/sua/kiem-tra/")
    answers = page.locator(".dc-answers").inner_text()
    for shown in ("NGUYỄN NGỌC BÍCH", "02/11/2026", "Nữ", "Phường Hải Châu", "1.500.000 đồng", "Lê Thị Mai"):
        assert shown in answers
    shot(page, "declaration-8-review-phone.png")


def test_step_two_works_without_javascript(world, live_server, browser):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    log_in(page, live_server.url, "an", "mat-khau-rat-dai-1", "/ho-so/nop/1.001193/")
    page.locator("input[name=delivery][value=counter]").check()
    page.locator("form.cz-form button[type=submit]").click()
    page.wait_for_url("**/sua/noi-dung/")
    assert page.locator("#f-father-wrap").is_visible()  # every section shown, the condition said
    assert page.locator("#f-father-cond").is_visible()
    page.locator("#f-father_declared-0").check()
    page.fill("#f-father-full_name", "TRẦN VĂN BA")
    page.select_option("#f-applicant-address-province", "48")
    page.select_option("#f-applicant-address-commune", "20194")
    page.fill("#f-child-full_name", "NGUYỄN NGỌC BÍCH")
    page.fill("#f-child-date_of_birth", "2026-11-02")
    page.select_option("#f-child-sex", "1")
    page.fill("#f-members-0-full_name", "Nguyễn Văn An")
    page.locator("button[name=_add]").click()  # saves, and the page comes back with an empty row
    page.wait_for_selector("#f-members-1-full_name")
    assert page.locator("#f-members-1-full_name").evaluate("e => e === document.activeElement")
    assert Dossier.objects.get().form_data["members"] == [{"full_name": "Nguyễn Văn An"}]
    shot(page, "declaration-4-step2-nojs-phone.png")
    page.locator(".form-actions button[value=continue]").click()
    page.wait_for_url("**/sua/giay-to/")
    dossier = Dossier.objects.get()
    assert dossier.form_data["father"] == {"full_name": "TRẦN VĂN BA"}
    context.close()


FORMS = Path(__file__).resolve().parent.parent.parent / "procedures" / "fixtures" / "declarations"
RECORD = dict(
    id_number="048090001234", full_name="Nguyễn Văn An", date_of_birth=dt.date(1990, 5, 12), gender="male",
    ethnicity="Kinh", nationality="Việt Nam", permanent_residence="12 Lê Duẩn, phường Hải Châu, thành phố Đà Nẵng",
    current_residence="12 Lê Duẩn, phường Hải Châu, thành phố Đà Nẵng", head_of_household="Nguyễn Văn An",
)


def test_every_demo_declaration_renders_on_a_phone_and_a_desk(world, live_server, page, monkeypatch):
    """Each demo form's step 2, for a VNeID-verified citizen (verified values read-only): no sideways
    scrolling at 390 px, a label for every input; screenshots of three of them at both sizes."""
    from django.utils import timezone

    from accounts import population
    from cases.services import dossier_draft_create

    relatives = (population.Relative("Vợ", "Lê Thị Mai", "048195007788", "1995-02-20"),)
    monkeypatch.setattr(population, "lookup", lambda number: population.Record(
        **RECORD, household=relatives, fetched_at=timezone.now()))
    profile = world["citizen"].citizen_profile
    profile.vneid_subject, profile.identity_verified_at, profile.assurance_level = "vn-an", timezone.now(), 2
    profile.save()
    version_id = world["birth"].current_version_id
    dossier = dossier_draft_create(user=world["citizen"], procedure=world["birth"], agency=world["ward"])
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server.url, "an", "mat-khau-rat-dai-1", f"/ho-so/{dossier.pk}/sua/noi-dung/")
    shown = ["1.001193", "1.000894", "1.004873"]
    for path in sorted(FORMS.glob("*.json")):
        form = json.loads(path.read_text(encoding="utf-8"))
        ProcedureVersion.objects.filter(pk=version_id).update(form_schema=form["schema"], form_ui=form["ui"])
        for width, height in ((390, 844), (1366, 900)) if path.stem in shown else ((390, 844),):
            page.set_viewport_size({"width": width, "height": height})
            page.goto(f"{live_server.url}/ho-so/{dossier.pk}/sua/noi-dung/")
            assert page.locator("form[data-declaration]").count() == 1, path.stem
            unlabelled = page.evaluate(
                "[...document.querySelectorAll('form[data-declaration] input:not([type=hidden]), "
                "form[data-declaration] select, form[data-declaration] textarea')]"
                ".filter(e => !e.labels.length && !e.closest('[aria-hidden=true]') && !e.getAttribute('aria-label'))"
                ".map(e => e.name || e.id)")
            assert unlabelled == [], f"{path.stem}: {unlabelled}"
            if path.stem in shown:
                shot(page, f"declaration-form-{path.stem}-{width}.png")
            else:
                assert page.evaluate(WIDE) == [], f"{path.stem}: the page scrolls sideways"


def test_a_clerk_types_the_declaration_at_the_counter_and_reads_it_back(world, live_server, page, tmp_path):
    from accounts.models import StaffMembership, User
    from cases.models import DossierEvent

    clerk = User.objects.create_user(username="clerk", password="x-password-123")
    StaffMembership.objects.create(user=clerk, agency=world["ward"], role="reception_clerk")
    scan = tmp_path / "to-khai.pdf"
    scan.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    page.set_viewport_size({"width": 1366, "height": 900})
    procedure = world["birth"]
    log_in(page, live_server.url, "clerk", "x-password-123", f"/ho-so/can-bo/tiep-nhan/?procedure={procedure.pk}")
    page.fill("input[name=full_name]", "Võ Thị Hoa")
    page.fill("input[name=id_number]", "048190004321")
    page.fill("#f-applicant-full_name", "Võ Thị Hoa")
    page.fill("#f-applicant-id_number", "048090001234")
    page.select_option("#f-applicant-address-province", "48")
    page.select_option("#f-applicant-address-commune", "20200")
    page.fill("#f-child-full_name", "TRẦN GIA HÂN")
    page.fill("#f-child-date_of_birth", "2026-11-20")
    page.select_option("#f-child-sex", "2")
    page.locator("#f-father_declared-0").check()
    page.fill("#f-father-full_name", "TRẦN VĂN BA")
    page.fill("#f-income", "3200000")
    page.locator("input[type=file]").first.set_input_files(str(scan))
    shot(page, "declaration-5-intake-desk.png")
    page.locator("button.button-large").click()
    page.wait_for_url("**/ho-so/can-bo/*/")
    dossier = Dossier.objects.get()
    assert dossier.state == "received"
    assert dossier.form_data["father"] == {"full_name": "TRẦN VĂN BA"} and dossier.form_data["income"] == 3200000
    text = page.locator(".ws-declaration").inner_text()
    for shown in ("TRẦN GIA HÂN", "20/11/2026", "Nữ", "Phường Hòa Cường", "3.200.000 đồng", "TRẦN VĂN BA"):
        assert shown in text

    # What a supplement changed, as the specialist sees it.
    before = dossier.form_data
    after = {**before, "child": {**before["child"], "date_of_birth": "2026-11-21"}}
    Dossier.objects.filter(pk=dossier.pk).update(form_data=after)
    seq = dossier.events.count() + 1
    DossierEvent.objects.create(dossier=dossier, seq=seq, action="supplement", from_state="supplement_requested",
                                to_state="processing", data={"form_data_before": before})
    page.reload()
    assert "21/11/2026" in page.locator(".dc-changes").inner_text()
    shot(page, "declaration-6-staff-dossier-desk.png")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "declaration-7-staff-dossier-phone.png")


def test_the_birth_registration_journey_types_only_what_the_state_does_not_know(world, live_server, page, monkeypatch):
    """The real birth declaration (1.001193) for a VNeID-verified father on a phone: he says who he is to the
    child and the page fills in both parents from the population record (his own, and his wife's from the
    household); he types the child's name, date and place of birth and chooses the rest. The declaration is
    printed and filed with the dossier (nothing to upload for it)."""
    from django.utils import timezone

    from accounts import population
    from procedures.models import RequiredDocument

    household = (population.Relative("Vợ", "Lê Thị Mai", "048195007788", "1995-02-20", "female"),
                 population.Relative("Con", "Nguyễn Minh Khang", "048220012345", "2022-03-09", "male"))
    monkeypatch.setattr(population, "lookup", lambda number: population.Record(
        **RECORD, household=household, fetched_at=timezone.now(), relation_to_head="Chủ hộ"))
    profile = world["citizen"].citizen_profile
    profile.vneid_subject, profile.identity_verified_at, profile.assurance_level = "vn-an", timezone.now(), 2
    profile.save()
    form = json.loads((FORMS / "1.001193.json").read_text(encoding="utf-8"))
    version = world["birth"].current_version
    ProcedureVersion.objects.filter(pk=version.pk).update(form_schema=form["schema"], form_ui=form["ui"])
    RequiredDocument.objects.filter(version=version, name="Tờ khai theo mẫu").update(is_declaration=True)
    typed, chosen = [], []

    def type_in(selector, text):
        page.fill(selector, text)
        typed.append(selector)

    def choose(selector, value):
        page.select_option(selector, value)
        chosen.append(selector)

    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server.url, "an", "mat-khau-rat-dai-1", "/ho-so/nop/1.001193/")
    page.locator("input[name=delivery][value=counter]").check()
    chosen.append("delivery")
    page.locator("form.cz-form button[type=submit]").click()
    page.wait_for_url("**/sua/noi-dung/")

    # The requester is known (name, number, residence from the population record: read-only).
    assert page.locator("#f-requester-full_name").inner_text() == "Nguyễn Văn An"
    with page.expect_navigation():  # "I am the child's father": the page fills the parents in
        choose("#f-requester-relationship", "06")
    assert page.locator("#f-father-full_name").inner_text() == "Nguyễn Văn An"
    assert page.locator("#f-mother-full_name").inner_text() == "Lê Thị Mai"
    assert page.locator("#f-mother-id_number").inner_text() == "048195007788"
    assert page.evaluate("document.activeElement.id") == "f-requester-relationship"

    type_in("#f-child-full_name", "NGUYỄN NGỌC BÍCH")
    type_in("#f-child-date_of_birth", "2026-11-20")
    choose("#f-child-sex", "2")
    choose("#f-child-ethnicity", "01")
    choose("#f-child-nationality", "VN")
    type_in("#f-child-place_of_birth", "Bệnh viện Phụ sản - Nhi Đà Nẵng")
    choose("#f-child-place_of_birth_address-province", "48")
    choose("#f-child-place_of_birth_address-commune", "20194")
    choose("#f-mother-ethnicity", "01")  # not in his record: his wife's ethnicity and nationality are asked
    choose("#f-mother-nationality", "VN")
    page.locator("#f-father_declared").check()
    chosen.append("father_declared")
    shot(page, "declaration-5-birth-journey-phone.png")
    page.locator(".form-actions button[value=continue]").click()
    page.wait_for_url("**/sua/giay-to/")

    # Nothing to upload for the declaration: the portal prints and files it.
    assert page.locator(".cz-declared").count() == 1
    page.locator("button[name=continue]").click()
    page.wait_for_url("**/sua/kiem-tra/")
    page.locator(".cz-submit button[type=submit]").click()
    page.wait_for_url("**/da-nop/")

    dossier = Dossier.objects.get()
    assert dossier.state == "submitted"
    data = dossier.form_data
    assert (data["father"]["full_name"], data["mother"]["full_name"]) == ("Nguyễn Văn An", "Lê Thị Mai")
    assert data["mother"]["residence"]["commune"] == "20194" and data["child"]["sex"] == "2"
    assert dossier.documents.get().source == "printed"
    # Typed: the child's name, date and place of birth (3). Chosen: the delivery, who he is to the child, the
    # child's sex, ethnicity, nationality, province and commune of birth, the mother's ethnicity and
    # nationality, "declare the father" (1 + 1 + 3 + 2 + 2 + 1 = 10). Everything else came from the state.
    assert (len(typed), len(chosen)) == (3, 10)
