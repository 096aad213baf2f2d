"""The whole journey of one dossier in headless Chromium, through the pages only.

A citizen submits online with a real PDF; the reception clerk receives it, forwards it and completes
the reception step; the specialist appraises it; the leader approves it; the clerk returns the result;
the citizen sees "Đã trả kết quả" on their dossier and in the public lookup. Every user logs in on the
login page and logs out with the menu's button. Screenshots: var/screenshots/journey-NN-*.png.
"""

import datetime as dt
import re
from pathlib import Path

import pytest

from accounts.models import StaffMembership, User
from cases.models import Dossier

from .catalog_data import build_catalog

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parent.parent / "var" / "screenshots"
STAFF_PASSWORD = "x-password-123"  # noqa: S105 (a test account)
CITIZEN_PASSWORD = "mat-khau-rat-dai-1"  # noqa: S105 (a test account)
MENU = "Trình đơn chính"  # the header's navigation, by its Vietnamese label


def small_pdf() -> bytes:
    """A one-page PDF with a real page tree and cross-reference table (not just a header)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 420 595] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        None,  # the content stream, below
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    stream = b"BT /F1 14 Tf 40 540 Td (To khai dang ky khai sinh) Tj ET"
    objects[3] = b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream)
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


@pytest.fixture
def world(transactional_db):
    from accounts.services import citizen_register

    catalog = build_catalog()
    citizen = citizen_register(
        username="an", password=CITIZEN_PASSWORD, email="an@example.com", full_name="Nguyễn Văn An",
        id_number="048090001234", date_of_birth=dt.date(1990, 5, 12), gender="male", address="12 Lê Duẩn",
    )
    staff = {}
    for role, (last, first) in {
        "reception_clerk": ("Phạm", "Thị Lan"), "specialist": ("Trần", "Văn Minh"), "leader": ("Lê", "Quang Hải"),
    }.items():
        user = User.objects.create_user(username=f"ward-{role}", password=STAFF_PASSWORD, last_name=last, first_name=first)
        StaffMembership.objects.create(user=user, agency=catalog["ward"], role=role)
        staff[role] = user
    return {**catalog, "citizen": citizen, **staff}


class Journey:
    """The browser page, the live server and the numbered screenshots of one journey."""

    def __init__(self, page, base_url):
        self.page = page
        self.base = base_url
        self.n = 0

    def shot(self, name):
        self.n += 1
        self.page.screenshot(path=str(SHOTS / f"journey-{self.n:02d}-{name}.png"), full_page=True)

    def login(self, username, password):
        page = self.page
        page.goto(self.base + "/")
        page.get_by_role("navigation", name=MENU).get_by_role("link", name="Đăng nhập").click()
        page.wait_for_url("**/tai-khoan/dang-nhap/**")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.locator("main button[type=submit]").click()
        page.wait_for_url(lambda url: "/dang-nhap/" not in url)
        assert page.get_by_role("button", name="Đăng xuất").is_visible()

    def logout(self):
        page = self.page
        page.get_by_role("button", name="Đăng xuất").click()
        page.wait_for_load_state()
        nav = page.get_by_role("navigation", name=MENU)
        nav.get_by_role("link", name="Đăng nhập").wait_for()
        assert page.get_by_role("button", name="Đăng xuất").count() == 0

    def open_in_workspace(self, dossier, queue):
        """From the menu to the workspace, the queue's tab, then the dossier's row."""
        page = self.page
        page.get_by_role("navigation", name=MENU).get_by_role("link", name="Không gian làm việc").click()
        page.wait_for_url("**/ho-so/can-bo/")
        page.locator(f"[data-queue={queue}]").click()
        page.wait_for_url(f"**queue={queue}*")
        row = page.locator("tr.ws-row", has=page.get_by_role("link", name=dossier.code))
        assert row.count() == 1, f"{dossier.code} is not in the {queue!r} queue"
        return row

    def open_dossier(self, dossier):
        page = self.page
        page.get_by_role("link", name=dossier.code).click()
        page.wait_for_url(re.compile(rf"/ho-so/can-bo/{dossier.pk}/(#.*)?$"))
        page.get_by_role("heading", level=1).wait_for()
        assert page.get_by_role("heading", level=1).inner_text().startswith(dossier.code)

    def act(self, dossier, action, *, fill=None, shot=None):
        """Open an action's panel, fill it, take a screenshot, send it, and wait for the success message."""
        page = self.page
        page.locator(f"#action-{action} > summary").click()
        form = page.locator(f"form[data-action={action}]")
        if fill:
            fill(form)
        if shot:
            self.shot(shot)
        form.locator("button[type=submit]").click()
        page.wait_for_url(re.compile(rf"/ho-so/can-bo/{dossier.pk}/(#.*)?$"))
        page.locator(".message-success").wait_for()


def test_a_dossier_from_online_submission_to_returned_result(world, live_server, page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob("journey-*.png"):
        old.unlink()
    page.set_viewport_size({"width": 1280, "height": 900})
    j = Journey(page, live_server.url)

    # --- the citizen submits online ------------------------------------------------------------------
    j.login("an", CITIZEN_PASSWORD)
    page.goto(live_server.url + "/thu-tuc/1.001193/")
    assert page.locator("html").get_attribute("lang") == "vi"
    assert page.get_by_role("heading", level=1).inner_text() == "Thủ tục đăng ký khai sinh"
    j.shot("procedure")
    page.get_by_role("link", name="Nộp hồ sơ trực tuyến").first.click()

    page.wait_for_url("**/ho-so/nop/1.001193/")
    assert "Nguyễn Văn An" in page.locator(".cz-prefilled").inner_text()
    page.locator("input[name=agency]").first.check()
    page.locator("input[name=delivery][value=counter]").check()
    j.shot("citizen-applicant")
    page.locator("form.cz-form button[type=submit]").click()

    page.wait_for_url("**/sua/noi-dung/")
    page.locator("textarea[name=request_details]").fill("Đăng ký khai sinh cho con gái Nguyễn Ngọc Bích, sinh ngày 02/11/2026.")
    j.shot("citizen-details")
    page.locator("form.cz-form button[type=submit]").click()

    page.wait_for_url("**/sua/giay-to/")
    dossier = Dossier.objects.get()
    form_doc = dossier.version.documents.get(mandatory=True)
    page.set_input_files(f"#file_{form_doc.pk}", files=[
        {"name": "to-khai-khai-sinh.pdf", "mimeType": "application/pdf", "buffer": small_pdf()}])
    j.shot("citizen-documents")
    page.locator("button[name=continue]").click()

    page.wait_for_url("**/sua/kiem-tra/")
    assert page.get_by_text("to-khai-khai-sinh.pdf").first.is_visible()
    assert page.locator(".cz-review-docs .is-missing").count() == 0
    j.shot("citizen-review")
    page.locator(".cz-submit button[type=submit]").click()

    page.wait_for_url("**/da-nop/")
    code = page.locator(".cz-big-code").inner_text().strip()
    dossier.refresh_from_db()
    assert code == dossier.code and dossier.state == "submitted"
    assert re.fullmatch(r"000\.11\.31\.H48-\d{6}-\d{4}", code)
    j.shot("citizen-receipt")
    j.logout()

    # --- the reception clerk receives, forwards and completes the reception step ---------------------
    j.login("ward-reception_clerk", STAFF_PASSWORD)
    j.open_in_workspace(dossier, "new")
    j.shot("clerk-new-queue")
    j.open_dossier(dossier)
    assert page.get_by_role("link", name="to-khai-khai-sinh.pdf").is_visible()

    def tick_everything(form):
        boxes = form.locator("input[type=checkbox]")
        for i in range(boxes.count()):
            boxes.nth(i).check()

    j.act(dossier, "receive", fill=tick_everything, shot="clerk-receive-checklist")
    dossier.refresh_from_db()
    assert dossier.state == "received" and dossier.due_at is not None
    j.act(dossier, "forward", fill=lambda f: f.locator("textarea").fill("Chuyển xử lý theo quy trình."))
    dossier.refresh_from_db()
    assert dossier.state == "processing" and dossier.current_step.name == "Tiếp nhận"
    j.act(dossier, "complete_step", fill=lambda f: f.locator("textarea").fill("Hồ sơ đầy đủ, hợp lệ."),
          shot="clerk-complete-reception-step")
    dossier.refresh_from_db()
    assert dossier.current_step.name == "Thẩm định"
    j.shot("clerk-done")
    j.logout()

    # --- the specialist appraises ---------------------------------------------------------------------
    j.login("ward-specialist", STAFF_PASSWORD)
    j.open_in_workspace(dossier, "my_step")
    j.open_dossier(dossier)
    j.act(dossier, "complete_step",
          fill=lambda f: f.locator("textarea").fill("Đủ điều kiện đăng ký khai sinh. Đề nghị lãnh đạo phê duyệt."),
          shot="specialist-appraisal")
    dossier.refresh_from_db()
    assert dossier.state == "processing" and dossier.current_step.name == "Phê duyệt"
    j.logout()

    # --- the leader approves --------------------------------------------------------------------------
    j.login("ward-leader", STAFF_PASSWORD)
    j.open_in_workspace(dossier, "my_step")
    j.open_dossier(dossier)
    j.act(dossier, "approve",
          fill=lambda f: f.locator("textarea").fill("Giấy khai sinh số 125/2026, quyển 01."), shot="leader-approve")
    dossier.refresh_from_db()
    assert dossier.state == "resolved" and dossier.outcome == "approved"
    j.shot("leader-approved")
    j.logout()

    # --- the clerk returns the result at the counter --------------------------------------------------
    j.login("ward-reception_clerk", STAFF_PASSWORD)
    j.open_in_workspace(dossier, "all")
    j.open_dossier(dossier)
    j.act(dossier, "return_result",
          fill=lambda f: f.locator("input[name=return_result-delivery][value=counter]").check(),
          shot="clerk-return-result")
    dossier.refresh_from_db()
    assert dossier.state == "returned" and dossier.returned_at is not None
    assert page.locator(".ws-state").first.inner_text() == "Đã trả kết quả"
    j.shot("clerk-returned")
    assert [e.action for e in dossier.events.order_by("seq")] == [
        "submit", "receive", "forward", "complete_step", "complete_step", "approve", "return_result"]
    j.logout()

    # --- the citizen sees the result returned, on their page and in the public lookup ---------------
    j.login("an", CITIZEN_PASSWORD)
    page.get_by_role("navigation", name=MENU).get_by_role("link", name="Hồ sơ của tôi").click()
    page.wait_for_url("**/ho-so/")
    page.get_by_role("link", name=code).first.click()
    page.wait_for_url(f"**/ho-so/{dossier.pk}/")
    assert code in page.get_by_role("heading", level=1).inner_text()
    assert page.locator(".cz-state").first.inner_text() == "Đã trả kết quả"
    j.shot("citizen-dossier-returned")

    page.goto(live_server.url + "/tra-cuu/")
    page.locator("input[name=code]").fill(code)
    page.locator("form.cz-lookup button[type=submit]").click()
    page.wait_for_url(f"**/tra-cuu/{code}/")
    result = page.locator(".cz-lookup-result")
    assert code in result.get_by_role("heading", level=2).inner_text()
    assert result.locator(".cz-state").first.inner_text() == "Đã trả kết quả"
    assert "Nguyễn Văn An" not in page.locator("main").inner_text()
    j.shot("public-lookup")
