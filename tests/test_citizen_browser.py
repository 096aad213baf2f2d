"""A citizen's submission in headless Chromium, on a phone: from the procedure page to the dossier code."""

import datetime as dt
from pathlib import Path

import pytest

from accounts.models import StaffMembership, User
from cases.actions import perform
from cases.models import Dossier

from .catalog_data import build_catalog

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parent.parent / "var" / "screenshots"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
WIDE = (
    "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)"
    ".map(e => e.tagName + '.' + e.className).slice(0, 5)"
)


@pytest.fixture
def world(transactional_db):
    from accounts.services import citizen_register

    catalog = build_catalog()
    citizen = citizen_register(
        username="an", password="mat-khau-rat-dai-1", email="an@example.com", full_name="Nguyễn Văn An",
        id_number="048090001234", date_of_birth=dt.date(1990, 5, 12), gender="male", address="12 Lê Duẩn",
    )
    return {**catalog, "citizen": citizen}


def shot(page, name):
    page.screenshot(path=str(SHOTS / name), full_page=True)
    wide = page.evaluate(WIDE)
    assert wide == [], f"{name}: the page scrolls sideways: {wide}"


def test_a_citizen_submits_a_dossier_on_a_phone(world, live_server, page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + "/thu-tuc/1.001193/")
    page.get_by_role("link", name="Nộp hồ sơ trực tuyến").click()
    page.wait_for_url("**/dang-nhap/**")
    page.fill("input[name=username]", "an")
    page.fill("input[name=password]", "mat-khau-rat-dai-1")
    page.locator("main button[type=submit]").click()

    # Step 1: the applicant comes from the profile; the only agency is already chosen.
    page.wait_for_url("**/ho-so/nop/1.001193/")
    assert page.locator(".cz-prefilled").inner_text().count("Nguyễn Văn An") == 1
    assert page.locator("input[name=agency]").first.is_checked()
    page.locator("input[name=delivery][value=counter]").check()
    shot(page, "citizen-1-applicant.png")
    page.locator("form.cz-form button[type=submit]").click()

    # Step 2: the request.
    page.wait_for_url("**/sua/noi-dung/")
    dossier = Dossier.objects.get()
    assert dossier.state == "draft"
    page.locator("textarea[name=request_details]").fill("Đăng ký khai sinh cho con gái Nguyễn Ngọc Bích.")
    shot(page, "citizen-2-details.png")
    page.locator("form.cz-form button[type=submit]").click()

    # Step 3: a refused file shows its reason at its document; then a real PDF is taken.
    page.wait_for_url("**/sua/giay-to/")
    form = dossier.version.documents.order_by("order").first()
    page.set_input_files(f"#file_{form.pk}", files=[{"name": "to-khai.pdf", "mimeType": "application/pdf",
                                                      "buffer": b"chi la van ban"}])
    page.locator("button[name=continue]").click()
    page.wait_for_load_state()
    assert page.locator(f"#file_{form.pk}_error").is_visible()
    assert page.locator(f"#file_{form.pk}").get_attribute("aria-invalid") == "true"
    shot(page, "citizen-3-documents-refused.png")
    page.set_input_files(f"#file_{form.pk}", files=[{"name": "to-khai.pdf", "mimeType": "application/pdf",
                                                      "buffer": PDF}])
    page.locator("button[name=continue]").click()

    # Step 4: check the answers, then submit.
    page.wait_for_url("**/sua/kiem-tra/")
    assert page.get_by_text("to-khai.pdf").is_visible()
    assert page.locator(".cz-review-docs .is-missing").count() == 0
    shot(page, "citizen-4-review.png")
    page.locator(".cz-submit button[type=submit]").click()

    page.wait_for_url("**/da-nop/")
    dossier.refresh_from_db()
    assert dossier.state == "submitted"
    assert page.locator(".cz-big-code").inner_text() == dossier.code
    shot(page, "citizen-5-receipt.png")

    page.locator(f"a[href='/ho-so/{dossier.pk}/']").first.click()
    page.wait_for_url(f"**/ho-so/{dossier.pk}/")
    assert dossier.code in page.get_by_role("heading", level=1).inner_text()
    shot(page, "citizen-6-dossier-phone.png")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(SHOTS / "citizen-7-dossier-desktop.png"), full_page=True)
    page.goto(live_server.url + "/ho-so/")
    assert page.get_by_text(dossier.code).is_visible()
    page.screenshot(path=str(SHOTS / "citizen-8-my-dossiers.png"), full_page=True)

    # The agency asks for a supplement: the citizen sees exactly what to fix, attaches it and sends it.
    clerk = User.objects.create_user(username="clerk", password="x-password-123")
    StaffMembership.objects.create(user=clerk, agency=world["ward"], role="reception_clerk")
    perform(dossier=dossier, action="request_supplement", actor=clerk, items=[
        {"document": form.name, "guidance": "Tờ khai chưa có chữ ký: ký và ghi rõ họ tên."}])
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + f"/ho-so/{dossier.pk}/")
    assert page.get_by_text("Tờ khai chưa có chữ ký: ký và ghi rõ họ tên.").first.is_visible()
    page.set_input_files(f"#supplement #file_{form.pk}", files=[{"name": "to-khai-da-ky.pdf",
                                                                 "mimeType": "application/pdf", "buffer": PDF}])
    shot(page, "citizen-9-supplement.png")
    page.locator("#supplement button[name=send]").click()
    page.wait_for_url(f"**/ho-so/{dossier.pk}/")
    dossier.refresh_from_db()
    assert dossier.state == "submitted"
    shot(page, "citizen-10-supplement-sent.png")

    page.goto(live_server.url + f"/tra-cuu/{dossier.code}/")
    assert "Nguyễn Văn An" not in page.locator("main").inner_text()
    shot(page, "citizen-11-lookup.png")
