"""The printed forms 01–06 of Circular 01/2018/TT-VPCP and the stop notice: built from dossiers taken through the
real services, read back from the PDF. (Each form's fields one by one: ``test_forms_circular.py``.)"""

import datetime as dt
import re
import shutil
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from cases.actions import perform
from cases.models import Dossier
from cases.printing import STOP_NOTICE, FormNotAvailable, book_entry, render_form, render_tracking_book
from cases.services import dossier_intake

from .conftest import PDF

pytestmark = pytest.mark.django_db

needs_poppler = pytest.mark.skipif(
    not (shutil.which("pdftotext") and shutil.which("pdffonts")),
    reason="poppler-utils (pdftotext, pdffonts) is not installed",
)
APPLICANT = {"name": "Nguyễn Văn An", "id_number": "048090001234", "phone": "0905123456", "address": "12 Lê Duẩn, Hải Châu"}
ITEMS = [
    {"document": "Tờ khai đăng ký khai sinh", "guidance": "Ghi rõ quê quán của người mẹ"},
    {"document": "Giấy chứng sinh", "guidance": "Nộp bản chính do cơ sở y tế cấp"},
    {"document": "Giấy ủy quyền", "guidance": "Có chứng thực chữ ký của người ủy quyền"},
]


def poppler(tool: str, *args: str) -> str:
    """Run a poppler-utils tool found on PATH with a fixed argument list; its standard output."""
    command = [shutil.which(tool), *args]
    return subprocess.run(command, capture_output=True, check=True).stdout.decode()  # noqa: S603 - fixed tool and args


def text_of(pdf: bytes, tmp_path, *, layout: bool = False, raw: bool = False, name: str = "form") -> str:
    """The PDF's text: in reading order (each paragraph whole), with -layout (each table row on a line), or with
    -raw (in drawing order: each table cell whole, however its lines wrap)."""
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    options = (["-layout"] if layout else []) + (["-raw"] if raw else [])
    return poppler("pdftotext", *options, str(path), "-")


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def fonts_of(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    return poppler("pdffonts", str(path))


def page_size_mm(pdf: bytes) -> tuple[int, int]:
    box = re.search(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    return round(float(box.group(1)) / 72 * 25.4), round(float(box.group(2)) / 72 * 25.4)


@pytest.fixture
def desk(office):
    clerk = office["clerk"]
    clerk.first_name, clerk.last_name = "Bình", "Trần Thị"
    clerk.save()
    office["leader"].first_name, office["leader"].last_name = "Cường", "Phạm Văn"
    office["leader"].save()
    procedure = office["birth"]
    requirement = procedure.current_version.documents.get(order=1)

    def intake(name="Nguyễn Văn An"):
        return dossier_intake(
            clerk=clerk, procedure=procedure, agency=office["ward"], applicant={**APPLICANT, "name": name},
            scans=[(requirement, SimpleUploadedFile("to-khai-khai-sinh.pdf", PDF, content_type="application/pdf"))],
        )

    def act(dossier, action, who, reason="", data=None):
        return perform(dossier=dossier, action=action, actor=office[who], reason=reason, **(data or {}))

    return {**office, "intake": intake, "act": act}


@needs_poppler
def test_receipt_01_prints_the_applicant_documents_and_appointment_in_vietnamese(desk, tmp_path):
    dossier = desk["intake"]()
    pdf = render_form(dossier=dossier, form="01", base_url="https://dichvucong.danang.gov.vn")

    assert pdf.startswith(b"%PDF-")
    assert page_size_mm(pdf) == (148, 210)  # A5 portrait
    text = text_of(pdf, tmp_path)
    day, number = book_entry(dossier)
    assert text.count("\f") == 1  # one page
    for expected in [
        "Mẫu số 01", f"Số: {number}/TNHS", f"Vào Sổ theo dõi hồ sơ, quyển số: {day:%d/%m/%Y}, số thứ tự: {number}",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "UBND THÀNH PHỐ ĐÀ NẴNG",
        "ỦY BAN NHÂN DÂN PHƯỜNG HẢI CHÂU", "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", dossier.code,
        "Nguyễn Văn An", "048090001234", "12 Lê Duẩn, Hải Châu", "0905123456", "Thủ tục đăng ký khai sinh",
        "1.001193", "Tờ khai theo mẫu", "to-khai-khai-sinh.pdf", "Lệ phí: không thu", "3 ngày làm việc",
        "Trần Thị Bình", "Nhận trực tiếp tại Bộ phận tiếp nhận và trả kết quả",
        f"https://dichvucong.danang.gov.vn/tra-cuu/{dossier.code}/",
    ]:
        assert expected in flat(text), expected
    due = timezone.localtime(dossier.due_at)
    assert f"{due:%H} giờ {due:%M} phút, ngày {due:%d/%m/%Y}" in flat(text)
    fonts = fonts_of(pdf, tmp_path)
    assert re.search(r"DejaVuSans\s.*\byes\b", fonts), fonts
    assert re.search(r"DejaVuSans-Bold\s.*\byes\b", fonts), fonts
    assert "Helvetica" not in fonts


@needs_poppler
def test_supplement_request_02_lists_every_item_with_its_guidance(desk, tmp_path):
    dossier = desk["intake"]()
    with pytest.raises(FormNotAvailable):
        render_form(dossier=dossier, form="02")
    desk["act"](dossier, "request_supplement", "clerk", reason="Hồ sơ chưa đầy đủ", data={"items": ITEMS})

    text = text_of(render_form(dossier=dossier, form="02"), tmp_path)
    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in text
    assert "Mẫu số 02" in text
    assert APPLICANT["address"] in text and APPLICANT["phone"] in text
    for item in ITEMS:
        assert item["document"] in text
        assert item["guidance"] in flat(text)
    assert "Hồ sơ chưa đầy đủ" in text
    assert "Trần Thị Bình" in text


@needs_poppler
def test_refusal_03_prints_the_reason(desk, tmp_path):
    dossier = desk["intake"]()
    with pytest.raises(FormNotAvailable):
        render_form(dossier=dossier, form="03")
    desk["act"](dossier, "refuse", "clerk", reason="Không thuộc thẩm quyền giải quyết của UBND phường")

    text = flat(text_of(render_form(dossier=dossier, form="03"), tmp_path))
    assert "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" in text
    assert "Mẫu số 03" in text
    assert "Không thuộc thẩm quyền giải quyết của UBND phường" in text
    assert "Nguyễn Văn An" in text


@needs_poppler
def test_apology_04_prints_the_old_and_new_dates_and_the_apology(desk, tmp_path):
    dossier = desk["intake"]()
    with pytest.raises(FormNotAvailable):
        render_form(dossier=dossier, form="04")
    old_due = timezone.localtime(dossier.due_at)
    new_due = old_due + dt.timedelta(days=7)
    desk["act"](dossier, "forward", "clerk")
    desk["act"](dossier, "extend", "leader", reason="Cần xác minh thông tin tại nơi cư trú",
                data={"new_due_at": new_due.isoformat()})

    text = flat(text_of(render_form(dossier=dossier, form="04"), tmp_path))
    assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in text
    assert "Mẫu số 04" in text
    assert f"{old_due:%H} giờ {old_due:%M} phút, ngày {old_due:%d/%m/%Y}" in text
    assert f"{new_due:%H} giờ {new_due:%M} phút, ngày {new_due:%d/%m/%Y}" in text
    assert "Cần xác minh thông tin tại nơi cư trú" in text
    assert "xin lỗi ông/bà" in text
    assert "Phạm Văn Cường" in text


@needs_poppler
def test_the_stop_notice_prints_the_reason_and_is_no_numbered_form(desk, tmp_path):
    dossier = desk["intake"]()
    with pytest.raises(FormNotAvailable):
        render_form(dossier=dossier, form=STOP_NOTICE)
    desk["act"](dossier, "forward", "clerk")
    desk["act"](dossier, "suspend", "leader", reason="Có tranh chấp về quyền nuôi con")

    text = flat(text_of(render_form(dossier=dossier, form=STOP_NOTICE), tmp_path))
    assert "THÔNG BÁO DỪNG XỬ LÝ HỒ SƠ" in text
    assert "Có tranh chấp về quyền nuôi con" in text
    assert dossier.code in text
    assert "Phạm Văn Cường" in text
    assert "Mẫu số" not in text  # outside the Circular's numbering
    assert f"Thông báo dừng xử lý hồ sơ · {dossier.code}" in text
    assert "PHIẾU KIỂM SOÁT" in flat(text_of(render_form(dossier=dossier, form="05"), tmp_path, name="05"))


@needs_poppler
def test_control_sheet_05_has_a_row_per_handover_and_lists_the_other_events(desk, tmp_path):
    dossier = desk["intake"]()
    act = desk["act"]
    act(dossier, "forward", "clerk")
    act(dossier, "complete_step", "clerk", reason="Hồ sơ hợp lệ")
    act(dossier, "complete_step", "specialist", reason="Đủ điều kiện đăng ký")
    act(dossier, "approve", "leader", reason="Giấy khai sinh số 125/2026")
    act(dossier, "return_result", "clerk")
    events = list(dossier.events.order_by("seq"))
    assert len(events) == 6

    pdf = render_form(dossier=Dossier.objects.get(pk=dossier.pk), form="05")
    assert page_size_mm(pdf) == (210, 297)  # A4 portrait: the hand-over rows need the width
    text = text_of(pdf, tmp_path, layout=True)
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in text
    assert "Mẫu số 05" in text
    # forward, complete_step ×2, approve, return_result: five hand-overs, each "1. Giao ... 2. Nhận ..."
    assert len(re.findall(r"1\. Giao:", text)) == 5 and len(re.findall(r"2\. Nhận:", text)) == 5
    assert text.count("Người giao") == 5 and text.count("Người nhận") == 5
    flattened = flat(text_of(pdf, tmp_path))
    for event in events[1:]:
        at = timezone.localtime(event.at)
        assert f"{at:%H} giờ {at:%M} phút, ngày {at:%d/%m/%Y}" in flattened
    # The one event that hands nothing over, the intake, is in the list of the other events.
    for expected in ["Tiếp nhận hồ sơ tại quầy", "Bản nháp → Đã tiếp nhận", "Hồ sơ hợp lệ", "Trần Thị Bình",
                     "Phạm Văn Cường", "Giấy khai sinh số 125/2026", "Người nộp hồ sơ: Nguyễn Văn An"]:
        assert expected in flattened, expected


def test_a_draft_has_no_forms_and_06_is_the_agency_book(desk):
    dossier = Dossier.objects.create(
        procedure=desk["birth"], version=desk["birth"].current_version, owner=desk["citizen"],
        applicant_name="Nguyễn Văn An", applicant_id_number="048090001234", agency=desk["ward"],
    )
    for form in ["01", "02", "03", "04", "05", "06", STOP_NOTICE, "07", "08", ""]:
        with pytest.raises(FormNotAvailable):
            render_form(dossier=dossier, form=form)
    received = desk["intake"]()
    with translation.override("en"), pytest.raises(FormNotAvailable, match="tracking book is printed for an agency"):
        render_form(dossier=received, form="06")
    with translation.override("en"), pytest.raises(FormNotAvailable, match="no printed form with this number"):
        render_form(dossier=received, form="07")


@needs_poppler
def test_tracking_book_06_is_a4_landscape_with_one_row_per_dossier(desk, tmp_path):
    on_time = desk["intake"]()
    refused = desk["intake"](name="Lê Thị Mai")
    desk["act"](refused, "refuse", "clerk", reason="Sai thẩm quyền")
    late = desk["intake"](name="Hoàng Đức Thắng")
    Dossier.objects.filter(pk=late.pk).update(due_at=timezone.now() - dt.timedelta(hours=2))

    pdf = render_tracking_book(agency=desk["ward"], dossiers=Dossier.objects.filter(agency=desk["ward"]).order_by("code"))
    assert page_size_mm(pdf) == (297, 210)
    text = text_of(pdf, tmp_path, layout=True)
    assert "SỔ THEO DÕI HỒ SƠ" in text
    assert "Mẫu số 06" in text and "Mẫu số 07" not in text
    for dossier in (on_time, refused, late):
        assert dossier.code in text
    flattened = flat(text_of(pdf, tmp_path, raw=True))
    for expected in ["Nguyễn Văn An", "Lê Thị Mai", "Hoàng Đức Thắng", "Không được tiếp nhận", "Đã tiếp nhận"]:
        assert expected in flattened, expected
    rows = re.split(r"\n(?=\s*\d+\s+000\.)", text)  # one block of lines per row, from its number and code
    overdue = [row for row in rows if "Quá hạn" in row]
    assert len(overdue) == 1 and late.code in overdue[0]


@needs_poppler
def test_decomposed_input_prints_precomposed_and_markup_characters_print_as_text(desk, tmp_path):
    import unicodedata

    dossier = desk["intake"](name=unicodedata.normalize("NFD", "Nguyễn Văn An"))
    assert "Nguyễn Văn An" in text_of(render_form(dossier=dossier, form="01"), tmp_path)

    business = desk["intake"](name="Công ty A & B <TNHH>")
    assert "Công ty A & B <TNHH>" in text_of(render_form(dossier=business, form="01"), tmp_path)


@needs_poppler
def test_long_texts_and_many_rows_flow_onto_more_pages_with_the_table_heading_repeated(desk, tmp_path):
    from procedures.models import ProcedureVersion

    long_name = "Thủ tục cấp giấy chứng nhận quyền sử dụng đất, quyền sở hữu nhà ở và tài sản khác gắn liền với đất " * 18
    ProcedureVersion.objects.filter(pk=desk["birth"].current_version_id).update(name=long_name[:2000])
    dossiers = [desk["intake"](name=f"Người nộp thứ {n}") for n in range(1, 31)]
    items = [{"document": f"Giấy tờ số {n}", "guidance": "Bổ sung bản sao có chứng thực, ghi rõ ngày cấp " * 4}
             for n in range(1, 26)]
    desk["act"](dossiers[0], "request_supplement", "clerk", data={"items": items})

    supplement = text_of(render_form(dossier=Dossier.objects.get(pk=dossiers[0].pk), form="02"), tmp_path, layout=True, name="supplement")
    assert supplement.count("\f") >= 2  # more than one page
    assert all(f"Giấy tờ số {n}" in supplement for n in range(1, 26))

    book = render_tracking_book(agency=desk["ward"], dossiers=Dossier.objects.order_by("code"))
    book = text_of(book, tmp_path, layout=True, name="book")
    pages = [page for page in book.split("\f") if page.strip()]
    assert 2 <= len(pages) <= 6  # long names are cut in the book: a row stays a row
    assert "…" in book
    assert all("Mã hồ sơ" in page and "Ghi chú" in page for page in pages)
    assert all(dossier.code in book for dossier in dossiers)


def test_the_api_serves_a_form_as_pdf_and_answers_404_with_the_reason_when_it_does_not_apply(desk):
    from django.utils import translation
    from rest_framework.test import APIClient

    dossier = desk["intake"]()
    api = APIClient()
    api.force_authenticate(desk["clerk"])

    response = api.get(f"/api/v1/dossiers/{dossier.pk}/forms/01.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")

    missing = api.get(f"/api/v1/dossiers/{dossier.pk}/forms/02.pdf", HTTP_ACCEPT_LANGUAGE="vi")
    assert missing.status_code == 404
    with translation.override("vi"), pytest.raises(FormNotAvailable) as caught:
        render_form(dossier=dossier, form="02")
    with translation.override("vi"):
        assert missing.json()["detail"] == str(caught.value)  # the reason, in the requester's language
    with translation.override("en"), pytest.raises(FormNotAvailable, match="No supplement was requested"):
        render_form(dossier=dossier, form="02")


@needs_poppler
def test_the_api_follows_the_circulars_numbers_and_serves_the_stop_notice_by_name(desk, tmp_path):
    from rest_framework.test import APIClient

    def reason(form):
        with translation.override("vi"), pytest.raises(FormNotAvailable) as caught:
            render_form(dossier=Dossier.objects.get(pk=dossier.pk), form=form)
        return str(caught.value)

    dossier = desk["intake"]()
    api = APIClient()
    api.force_authenticate(desk["clerk"])
    base = f"/api/v1/dossiers/{dossier.pk}/forms"

    control = api.get(f"{base}/05.pdf")  # 05 is the control sheet now, no longer the stop notice
    assert control.status_code == 200 and control["Content-Type"] == "application/pdf"
    assert f'filename="{dossier.code}-05.pdf"' in control["Content-Disposition"]
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in text_of(control.content, tmp_path, name="05")
    book = api.get(f"{base}/06.pdf", HTTP_ACCEPT_LANGUAGE="vi")  # the book is an agency's, not a dossier's
    assert book.status_code == 404 and book.json()["detail"] == reason("06")
    assert api.get(f"{base}/07.pdf").status_code == 404  # the old numbering is gone
    assert api.get(f"{base}/00.pdf").status_code == 404

    not_yet = api.get(f"{base}/stop-notice.pdf", HTTP_ACCEPT_LANGUAGE="vi")
    assert not_yet.status_code == 404 and not_yet.json()["detail"] == reason(STOP_NOTICE)
    desk["act"](dossier, "forward", "clerk")
    desk["act"](dossier, "suspend", "leader", reason="Có tranh chấp về quyền nuôi con")
    notice = api.get(f"{base}/stop-notice.pdf")
    assert notice.status_code == 200 and notice["Content-Type"] == "application/pdf"
    assert f'filename="{dossier.code}-stop-notice.pdf"' in notice["Content-Disposition"]
    text = flat(text_of(notice.content, tmp_path, name="notice"))
    assert "THÔNG BÁO DỪNG XỬ LÝ HỒ SƠ" in text and "Mẫu số" not in text

    outsider = APIClient()
    outsider.force_authenticate(desk["clerk_elsewhere"])  # another agency's clerk: not theirs to see
    assert outsider.get(f"{base}/stop-notice.pdf").status_code == 404
    assert outsider.get(f"{base}/01.pdf").status_code == 404


def test_the_form_urls_reverse_to_the_new_numbers():
    from django.urls import reverse

    assert reverse("api-dossier-form", kwargs={"pk": 7, "form": "05"}) == "/api/v1/dossiers/7/forms/05.pdf"
    assert reverse("api-dossier-stop-notice", kwargs={"pk": 7}) == "/api/v1/dossiers/7/forms/stop-notice.pdf"


def test_the_qr_code_points_to_the_public_lookup_page(desk, monkeypatch):
    import cases.printing as printing

    drawn = []

    class Recording(printing.QrFlowable):
        def __init__(self, value, size):
            drawn.append(value)
            super().__init__(value, size)

    monkeypatch.setattr(printing, "QrFlowable", Recording)
    dossier = desk["intake"]()
    render_form(dossier=dossier, form="01", base_url="https://dvc.example.gov.vn/")
    assert drawn == [f"https://dvc.example.gov.vn/tra-cuu/{dossier.code}/"]


@needs_poppler
def test_an_online_dossier_asked_before_reception_then_received_prints_02_and_01(desk, tmp_path):
    from cases.services import dossier_document_add, dossier_draft_create, dossier_submit

    procedure = desk["birth"]
    draft = dossier_draft_create(user=desk["citizen"], procedure=procedure, agency=desk["ward"])
    requirement = procedure.current_version.documents.get(order=1)
    dossier_document_add(dossier=draft, actor=desk["citizen"], requirement=requirement,
                         uploaded=SimpleUploadedFile("tờ-khai.pdf", PDF, content_type="application/pdf"))
    dossier = dossier_submit(dossier=draft, actor=desk["citizen"])
    with pytest.raises(FormNotAvailable):
        render_form(dossier=dossier, form="01")
    desk["act"](dossier, "request_supplement", "clerk", data={"items": ITEMS[:1]})

    supplement = flat(text_of(render_form(dossier=Dossier.objects.get(pk=dossier.pk), form="02"), tmp_path))
    assert "nhận được hồ sơ của ông/bà Nguyễn Văn An" in supplement
    assert ITEMS[0]["guidance"] in supplement

    dossier_document_add(dossier=Dossier.objects.get(pk=dossier.pk), actor=desk["citizen"], requirement=requirement,
                         uploaded=SimpleUploadedFile("tờ-khai-bổ-sung.pdf", PDF, content_type="application/pdf"))
    desk["act"](dossier, "supplement", "citizen")
    desk["act"](dossier, "receive", "clerk")
    receipt = flat(text_of(render_form(dossier=Dossier.objects.get(pk=dossier.pk), form="01"), tmp_path))
    assert "tờ-khai.pdf" in receipt and "tờ-khai-bổ-sung.pdf" in receipt
    assert "Công dân tải lên" in receipt
    assert "Trần Thị Bình" in receipt  # the official who received it, from the 'receive' event
