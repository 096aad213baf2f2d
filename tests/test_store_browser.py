"""Provide once, in headless Chromium: a citizen whose ID card was scanned and digitized at the counter
starts a new online dossier, is offered the card from their data store, uses it instead of an upload,
and submits; then opens "Kho dữ liệu của tôi". Screenshots: /tmp/store-*.png and /tmp/store.png."""

import datetime as dt
import importlib
import re

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import StaffMembership, User
from cases.models import Dossier, DossierDocument
from cases.services import dossier_intake
from digitization.models import DigitizedDocument, DocumentAccess
from digitization.tests.scans import needs_tesseract, normalized, scan_pdf
from procedures.models import RequiredDocument

from .catalog_data import build_catalog

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), needs_tesseract]

CITIZEN_PASSWORD = "mat-khau-rat-dai-1"  # noqa: S105 (a test account)
ID_CARD = """CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
CĂN CƯỚC CÔNG DÂN
Số: 048090001234
Họ và tên: Nguyễn Văn An
Ngày sinh: 12/05/1990"""


@pytest.fixture
def world(transactional_db):
    """The catalog; the birth procedure also asks for the applicant's ID card (type CCCD), and its form
    is optional here so that the card is all the citizen gives; An; the ward's clerk."""
    from accounts.services import citizen_register

    catalog = build_catalog()
    # Seeded by a migration, which the transactional flush undid.
    importlib.import_module("digitization.migrations.0002_document_types").seed(apps, None)
    version = catalog["birth"].current_version
    version.documents.filter(order=1).update(mandatory=False)
    id_card = RequiredDocument.objects.create(
        version=version, order=3, name="Thẻ căn cước công dân của người đi đăng ký", copies=1, mandatory=True,
        document_type_code="CCCD",
    )
    citizen = citizen_register(
        username="an", password=CITIZEN_PASSWORD, email="an@example.com", full_name="Nguyễn Văn An",
        id_number="048090001234", date_of_birth=dt.date(1990, 5, 12), gender="male", address="12 Lê Duẩn",
    )
    clerk = User.objects.create_user(username="ward-clerk", password="x-password-123")  # noqa: S106
    StaffMembership.objects.create(user=clerk, agency=catalog["ward"], role="reception_clerk")
    return {**catalog, "citizen": citizen, "clerk": clerk, "id_card": id_card}


@pytest.fixture
def stored_card(world):
    """An's ID card, scanned at the ward's counter for an earlier dossier and digitized (one OCR run: the
    intake queues it after commit, and tests run the task in-process)."""
    scan = SimpleUploadedFile("cccd.pdf", scan_pdf(ID_CARD), content_type="application/pdf")
    earlier = dossier_intake(
        clerk=world["clerk"], procedure=world["birth"], agency=world["ward"],
        applicant={"name": "Nguyễn Văn An", "id_number": "048090001234", "address": "12 Lê Duẩn"},
        scans=[(world["id_card"], scan)],
    )
    card = DigitizedDocument.objects.get(dossier=earlier)
    assert card.status == "done", card.failure_reason
    assert card.document_type == "CCCD" and card.code == "048090001234.1.001193.CCCD.01"
    assert "Nguyễn Văn An" in normalized(card.ocr_text)
    return card


def test_a_citizen_gives_their_stored_id_card_instead_of_uploading_it(world, stored_card, live_server, page):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + "/thu-tuc/1.001193/")
    page.get_by_role("link", name="Nộp hồ sơ trực tuyến").click()
    page.wait_for_url("**/dang-nhap/**")
    page.fill("input[name=username]", "an")
    page.fill("input[name=password]", CITIZEN_PASSWORD)
    page.locator("main button[type=submit]").click()

    page.wait_for_url("**/ho-so/nop/1.001193/")
    page.locator("input[name=delivery][value=counter]").check()
    page.locator("form.cz-form button[type=submit]").click()
    page.wait_for_url("**/sua/noi-dung/")
    draft = Dossier.objects.get(state="draft")
    page.locator("textarea[name=request_details]").fill("Đăng ký khai sinh cho con trai Nguyễn Minh Khang.")
    page.locator("form.cz-form button[type=submit]").click()

    # The documents step offers the card from the store, at the card's requirement only.
    page.wait_for_url("**/sua/giay-to/")
    offer = page.locator(".cz-reuse")
    assert offer.count() == 1
    card_row = page.locator("li.cz-doc", has=page.locator(f"#file_{world['id_card'].pk}"))
    assert card_row.locator(".cz-reuse").count() == 1
    assert "Bạn đã có giấy tờ này trong Kho dữ liệu" in offer.inner_text()
    page.screenshot(path="/tmp/store-1-offer.png", full_page=True)
    card_row.get_by_role("button", name=re.compile(r"^Dùng giấy tờ này")).click()

    page.wait_for_url("**/sua/giay-to/")
    page.locator(".message-success").wait_for()
    assert "Đã thêm giấy tờ từ Kho dữ liệu của bạn." in page.locator(".message-success").inner_text()
    files = card_row.locator(".cz-files")
    assert "từ Kho dữ liệu của bạn" in files.inner_text()
    assert stored_card.file_name in files.inner_text()
    assert page.locator(".cz-reuse").count() == 0  # offered only while the requirement has no file
    page.screenshot(path="/tmp/store-2-reused.png", full_page=True)
    page.locator("button[name=continue]").click()

    page.wait_for_url("**/sua/kiem-tra/")
    review = page.locator(".cz-review-docs")
    assert "từ Kho dữ liệu của bạn" in review.inner_text()
    assert review.locator(".is-missing").count() == 0
    page.locator(".cz-submit button[type=submit]").click()
    page.wait_for_url("**/da-nop/")

    draft.refresh_from_db()
    assert draft.state == "submitted" and draft.code
    given = DossierDocument.objects.get(dossier=draft)
    assert given.reused_from == stored_card and given.requirement == world["id_card"]
    assert given.source == "reuse" and given.sha256 == stored_card.sha256
    # Reused, not digitized again: the store still holds the one card.
    assert list(DigitizedDocument.objects.filter(owner_id_number="048090001234")) == [stored_card]
    assert DocumentAccess.objects.get(document=stored_card).action == "reuse"

    # The data store, in Vietnamese, with the card and its one use.
    page.goto(live_server.url + "/kho-du-lieu/")
    assert page.get_by_role("heading", level=1).inner_text() == "Kho dữ liệu của tôi"
    tabs = page.locator(".st-tabs").inner_text()
    assert "Tất cả (1)" in tabs and "Kết quả (0)" in tabs and "Giấy tờ đã số hóa (1)" in tabs
    item = page.locator(".st-item")
    assert item.count() == 1
    text = item.inner_text()
    assert stored_card.code in text and "Thẻ căn cước công dân của người đi đăng ký" in text
    assert "Vĩnh viễn" in text and "1 lần" in text
    page.screenshot(path="/tmp/store.png", full_page=True)

    item.get_by_role("link", name=re.compile(r"^Chi tiết")).click()
    page.wait_for_url(f"**/kho-du-lieu/{stored_card.pk}/")
    log = page.locator("table.ws-table tbody").inner_text()
    assert "Nguyễn Văn An" in log and "Dùng lại trong hồ sơ" in log
    page.screenshot(path="/tmp/store-3-detail.png", full_page=True)
