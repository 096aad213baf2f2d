"""An official's day in headless Chromium: log in, open the workspace, receive and forward a dossier."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.utils import timezone

from accounts.models import StaffMembership, User
from cases.models import Dossier

from .catalog_data import build_catalog

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parent.parent / "var" / "screenshots"


@pytest.fixture
def world(transactional_db):
    catalog = build_catalog()
    clerk = User.objects.create_user(username="clerk", password="x-password-123", last_name="Phạm", first_name="Thị Lan")
    StaffMembership.objects.create(user=clerk, agency=catalog["ward"], role="reception_clerk")
    citizen = User.objects.create_user(username="citizen", password="x-password-123")
    procedure = catalog["birth"]
    now = timezone.now()
    dossiers = []
    for i, (name, state, due) in enumerate([
        ("Nguyễn Văn An", "submitted", None),
        ("Trần Thị Bình", "received", dt.timedelta(hours=2)),
        ("Lê Văn Cường", "processing", -dt.timedelta(days=2)),
    ], start=1):
        dossier = Dossier.objects.create(
            procedure=procedure, version=procedure.current_version, owner=citizen, applicant_name=name,
            applicant_id_number=f"04809000{i:04d}", agency=catalog["ward"], code=f"000.11.31.H48-{now - dt.timedelta(days=3):%y%m%d}-{i:04d}",
            submitted_at=now - dt.timedelta(days=3),
        )
        Dossier.objects.filter(pk=dossier.pk).update(
            state=state, due_at=now + due if due else None, received_at=None if state == "submitted" else now,
            current_step=procedure.current_version.steps.order_by("order").first() if state == "processing" else None,
        )
        dossiers.append(dossier)
    return {"clerk": clerk, "dossiers": dossiers}


def test_a_clerk_receives_and_forwards_a_dossier(world, live_server, page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + "/ho-so/can-bo/")
    page.wait_for_url("**/dang-nhap/**")
    page.fill("input[name=username]", "clerk")
    page.fill("input[name=password]", "x-password-123")
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/ho-so/can-bo/")
    page.locator("[data-queue=all]").click()
    page.wait_for_url("**queue=all*")
    late_row = page.locator("tr.ws-late")
    assert late_row.count() == 1 and "Lê Văn Cường" in late_row.inner_text()
    page.screenshot(path=str(SHOTS / "staff-workspace.png"), full_page=True)

    submitted = world["dossiers"][0]
    page.locator("[data-queue=new]").click()
    page.get_by_role("link", name=submitted.code).click()
    page.wait_for_url(re.compile(rf"/ho-so/can-bo/{submitted.pk}/(#.*)?$"))
    assert page.get_by_role("heading", level=1).inner_text().startswith(submitted.code)
    page.locator("#action-receive > summary").click()
    page.locator("#action-receive input[type=checkbox]").first.check()
    page.screenshot(path=str(SHOTS / "staff-dossier-receive.png"), full_page=True)
    page.locator("form[data-action=receive] button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/ho-so/can-bo/{submitted.pk}/(#.*)?$"))
    assert page.locator(".message-success").count() == 1
    submitted.refresh_from_db()
    assert submitted.state == "received" and submitted.due_at is not None

    page.locator("#action-forward > summary").click()
    page.locator("form[data-action=forward] button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/ho-so/can-bo/{submitted.pk}/(#.*)?$"))
    submitted.refresh_from_db()
    assert submitted.state == "processing"
    assert page.locator(".ws-timeline > li").count() == 2
    page.screenshot(path=str(SHOTS / "staff-dossier-forwarded.png"), full_page=True)

    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(live_server.url + "/ho-so/can-bo/?queue=all")
    page.screenshot(path=str(SHOTS / "staff-workspace-phone.png"), full_page=True)
    page.goto(live_server.url + f"/ho-so/can-bo/{submitted.pk}/")
    page.locator("#action-complete_step > summary").click()
    page.screenshot(path=str(SHOTS / "staff-dossier-phone.png"), full_page=True)
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 376)"
        ".map(e => e.tagName + '.' + e.className).slice(0, 5)"
    )
    assert wide == [], f"the page scrolls sideways on a phone: {wide}"


def test_a_clerk_takes_a_walk_in_dossier_with_a_scan(world, live_server, page, tmp_path):
    SHOTS.mkdir(parents=True, exist_ok=True)
    scan = tmp_path / "to-khai.pdf"
    scan.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + "/tai-khoan/dang-nhap/?next=/ho-so/can-bo/tiep-nhan/")
    page.fill("input[name=username]", "clerk")
    page.fill("input[name=password]", "x-password-123")
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/ho-so/can-bo/tiep-nhan/")
    page.select_option("select[name=procedure]", label="Thủ tục đăng ký khai sinh (1.001193)")
    page.locator("form.ws-chooser button[type=submit]").click()
    page.wait_for_url("**tiep-nhan/?procedure=*")
    page.fill("input[name=full_name]", "Võ Thị Hoa")
    page.fill("input[name=id_number]", "048190004321")
    page.fill("input[name=phone]", "0905111222")
    mandatory = page.locator("input[type=file]").first
    mandatory.set_input_files(str(scan))
    page.screenshot(path=str(SHOTS / "staff-intake.png"), full_page=True)
    page.locator("form[enctype='multipart/form-data'] button[type=submit]").click()
    page.wait_for_url("**/ho-so/can-bo/*/")
    dossier = Dossier.objects.get(applicant_id_number="048190004321")
    assert dossier.state == "received" and dossier.code
    assert dossier.code in page.locator(".message-success").inner_text()
    page.screenshot(path=str(SHOTS / "staff-intake-done.png"), full_page=True)
