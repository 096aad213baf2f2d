"""Each printed form with the fields of its template in Circular 01/2018/TT-VPCP (01 receipt, 02 supplement
request, 03 refusal, 04 apology, 05 control sheet, 06 tracking book) and the stop notice: dossiers filed online
by a citizen with a phone, an e-mail and an address, taken to the state the form needs through the services,
read back from the PDF with pdftotext."""

import datetime as dt
import re
import shutil
import subprocess

import pytest
from django.utils import timezone

from accounts.tests.factories import CitizenFactory
from cases import services
from cases.models import Dossier
from cases.printing import STOP_NOTICE, FormNotAvailable, book_entry, render_form, render_tracking_book, timeliness

from .factories import DossierFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils (pdftotext) is not installed"),
]


def pdf_text(pdf: bytes, tmp_path, *, layout: bool = False, raw: bool = False) -> str:
    """The PDF's text: in reading order, with -layout (a table's row on a line), or -raw (in the order it is
    drawn: each table cell whole)."""
    path = tmp_path / "form.pdf"
    path.write_bytes(pdf)
    command = [shutil.which("pdftotext"), *(["-layout"] if layout else []), *(["-raw"] if raw else []), str(path), "-"]
    return subprocess.run(command, capture_output=True, check=True).stdout.decode()  # noqa: S603 - fixed tool and args


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def prose(value) -> str:
    """A moment as the forms write it in running text."""
    local = timezone.localtime(value)
    return f"{local:%H} giờ {local:%M} phút, ngày {local:%d/%m/%Y}"


@pytest.fixture
def desk(office):
    """The ward's officials with names, the ward's phone, and a citizen with a phone, e-mail and address."""
    for key, (first, last) in {"clerk": ("Bình", "Trần Thị"), "specialist": ("Dũng", "Võ Quốc"),
                               "leader": ("Cường", "Phạm Văn")}.items():
        office[key].first_name, office[key].last_name = first, last
        office[key].save()
    office["ward"].phone = "0236 3821 234"
    office["ward"].save()
    staff = {key: office[key] for key in ("clerk", "specialist", "leader")}

    def dossier(state: str, **kwargs) -> Dossier:
        owner = CitizenFactory(full_name="Đặng Thị Hương", phone="0912345678", email="huong.dang@example.vn",
                               address="45 Nguyễn Văn Linh, phường Hải Châu, thành phố Đà Nẵng")
        made = DossierFactory(procedure=office["birth"], agency=office["ward"], owner=owner, staff=staff, state=state,
                              **kwargs)
        return Dossier.objects.get(pk=made.pk)

    return {**office, "dossier": dossier}


def assert_contact(dossier: Dossier, text: str) -> None:
    """The applicant's contact as the dossier holds it, each value real (not a blank to fill)."""
    assert dossier.applicant_phone == "0912345678" and dossier.applicant_email == "huong.dang@example.vn"
    for value in (dossier.applicant_address, dossier.applicant_phone, dossier.applicant_email):
        assert value and value in text, value


def test_01_has_its_number_the_book_line_and_the_applicants_contact(desk, tmp_path):
    first = desk["dossier"]("received")
    dossier = desk["dossier"]("received")
    text = flat(pdf_text(render_form(dossier=dossier, form="01"), tmp_path))

    day, number = book_entry(dossier)
    assert day == timezone.localtime(dossier.received_at).date()
    assert book_entry(first) == (day, number - 1)  # the second dossier received that day
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text and "Mẫu số 01" in text
    assert f"Số: {number}/TNHS" in text
    assert f"Vào Sổ theo dõi hồ sơ, quyển số: {day:%d/%m/%Y}, số thứ tự: {number}" in text
    month = f"{day:%m}" if day.month <= 2 else str(day.month)
    assert f"Ngày {day:%d} tháng {month} năm {day:%Y}" in text  # the receipt's date, as official papers write it
    assert f"Mã hồ sơ: {dossier.code}" in text
    assert "Ông/bà (tổ chức): Đặng Thị Hương" in text and dossier.applicant_id_number in text
    assert_contact(dossier, text)
    assert f"Số điện thoại: {dossier.applicant_phone} Email: {dossier.applicant_email}" in text
    assert f"Thời gian nhận hồ sơ: {prose(dossier.received_at)}" in text
    assert f"Thời gian hẹn trả kết quả: {prose(dossier.due_at)}" in text
    assert "Thành phần hồ sơ nộp gồm" in text and "Số lượng hồ sơ: 01 bộ" in text
    assert "NGƯỜI NỘP HỒ SƠ" in text and "NGƯỜI TIẾP NHẬN HỒ SƠ" in text and "Trần Thị Bình" in text


def test_02_has_the_applicants_address_phone_and_email_and_every_item(desk, tmp_path):
    dossier = desk["dossier"]("supplement_requested")
    text = flat(pdf_text(render_form(dossier=dossier, form="02"), tmp_path))

    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in text and "Mẫu số 02" in text
    assert f"Mã hồ sơ: {dossier.code}" in text and "Đặng Thị Hương" in text
    assert_contact(dossier, text)
    assert "Tờ khai" in text and "Ký và ghi rõ họ tên." in text  # the item asked for, with its guidance
    assert "Võ Quốc Dũng, Ủy ban nhân dân phường Hải Châu, số điện thoại 0236 3821 234" in text
    assert "NGƯỜI HƯỚNG DẪN" in text


def test_03_has_the_applicant_and_the_reason(desk, tmp_path):
    dossier = desk["dossier"]("refused")
    text = flat(pdf_text(render_form(dossier=dossier, form="03"), tmp_path))

    assert "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" in text and "Mẫu số 03" in text
    assert dossier.code in text and "Đặng Thị Hương" in text
    assert_contact(dossier, text)
    assert "Không thuộc thẩm quyền giải quyết." in text


def test_04_has_the_old_and_new_dates_the_address_and_the_agencys_signature(desk, tmp_path):
    dossier = desk["dossier"]("processing")
    old_due = dossier.due_at
    new_due = timezone.localtime(old_due) + dt.timedelta(days=5)
    services.dossier_extend(dossier=dossier, actor=desk["leader"], reason="Cần xác minh tại nơi cư trú",
                            new_due_at=new_due)
    text = flat(pdf_text(render_form(dossier=Dossier.objects.get(pk=dossier.pk), form="04"), tmp_path))

    assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in text and "Mẫu số 04" in text
    assert "Kính gửi: ông/bà Đặng Thị Hương" in text and dossier.applicant_address in text
    assert prose(old_due) in text and prose(new_due) in text
    assert "Cần xác minh tại nơi cư trú" in text
    assert "ĐẠI DIỆN CƠ QUAN, ĐƠN VỊ" in text and "Phạm Văn Cường" in text
    assert "Nơi nhận" in text and f"Lưu: hồ sơ {dossier.code}" in text


def test_the_stop_notice_has_the_applicant_the_reason_and_no_form_number(desk, tmp_path):
    dossier = desk["dossier"]("suspended")
    text = flat(pdf_text(render_form(dossier=dossier, form=STOP_NOTICE), tmp_path))

    assert "THÔNG BÁO DỪNG XỬ LÝ HỒ SƠ" in text
    assert "Mẫu số" not in text and f"Thông báo dừng xử lý hồ sơ · {dossier.code}" in text
    assert "Kính gửi: ông/bà Đặng Thị Hương" in text
    assert_contact(dossier, text)
    assert "Có tranh chấp, tạm dừng để xác minh." in text
    suspended = dossier.events.get(action="suspend")
    assert f"Dừng xử lý kể từ: {prose(suspended.at)}" in text


def test_timeliness_is_early_before_the_due_day_on_time_on_it_and_late_after_the_due_time():
    due = dt.datetime(2026, 11, 24, 17, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    assert timeliness(due - dt.timedelta(days=1), due) == "Trước hạn"
    assert timeliness(due.replace(hour=8), due) == "Đúng hạn"
    assert timeliness(due, due) == "Đúng hạn"
    assert timeliness(due + dt.timedelta(minutes=1), due) == "Quá hạn"
    assert timeliness(due - dt.timedelta(days=1), due.isoformat(), late=True) == "Quá hạn"  # the event's verdict
    assert timeliness(due, None) == "" and timeliness(None, due) == ""  # no deadline: neither


def _step_due(dossier: Dossier, due: dt.datetime) -> Dossier:
    Dossier.objects.filter(pk=dossier.pk).update(step_due_at=due)
    return Dossier.objects.get(pk=dossier.pk)


def test_05_has_a_handover_row_per_passage_with_times_people_and_each_steps_result(desk, tmp_path):
    dossier = desk["dossier"]("processing")  # forwarded by the clerk: at step 1, "Tiếp nhận"
    now = timezone.localtime()
    # Step 1 done days before its deadline, step 2 after it, step 3 on its last day.
    services.dossier_complete_step(dossier=_step_due(dossier, now + dt.timedelta(days=3)), actor=desk["clerk"],
                                   reason="Hồ sơ hợp lệ")
    services.dossier_complete_step(dossier=_step_due(dossier, now - dt.timedelta(hours=2)), actor=desk["specialist"],
                                   reason="Đủ điều kiện")
    end_of_day = now.replace(hour=23, minute=59, second=59, microsecond=0)
    services.dossier_approve(dossier=_step_due(dossier, end_of_day), actor=desk["leader"], reason="125/2026/KS")
    services.dossier_return_result(dossier=Dossier.objects.get(pk=dossier.pk), actor=desk["clerk"])
    dossier = Dossier.objects.get(pk=dossier.pk)
    pdf = render_form(dossier=dossier, form="05")
    layout, text = pdf_text(pdf, tmp_path, layout=True), flat(pdf_text(pdf, tmp_path))

    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in text and "Mẫu số 05" in text
    day, number = book_entry(dossier)
    assert f"Kèm theo Giấy tiếp nhận hồ sơ và hẹn trả kết quả số {number}/TNHS" in text
    assert "Cơ quan (bộ phận) giải quyết hồ sơ: Ủy ban nhân dân phường Hải Châu" in text
    for heading in ("TÊN CƠ QUAN, BỘ PHẬN", "THỜI GIAN GIAO, NHẬN HỒ SƠ", "GHI CHÚ"):
        assert heading in text, heading
    assert "KẾT QUẢ GIẢI QUYẾT HỒ SƠ (Trước hạn/đúng hạn/quá hạn)" in text
    moves = list(dossier.events.filter(action__in=["forward", "complete_step", "approve", "return_result"])
                 .order_by("seq"))
    assert len(moves) == 5 and layout.count("Người giao") == 5 and layout.count("Người nhận") == 5
    for event in moves:
        assert prose(event.at) in text  # each hand-over's time, to the minute
    # Who gave and who received, unit by unit: the counter, each step, the counter again, the applicant.
    counter = "Bộ phận tiếp nhận và trả kết quả (Ủy ban nhân dân phường Hải Châu)"
    for unit in (f"1. Giao: {counter}", "2. Nhận: Tiếp nhận (Ủy ban nhân dân phường Hải Châu)",
                 "1. Giao: Thẩm định (Ủy ban nhân dân phường Hải Châu)", "2. Nhận: Phê duyệt",
                 f"2. Nhận: {counter}", "2. Nhận: Người nộp hồ sơ: Đặng Thị Hương"):
        assert unit in text, unit
    for person in ("Trần Thị Bình", "Võ Quốc Dũng", "Phạm Văn Cường", "Đặng Thị Hương"):
        assert person in text, person
    # The result column, row by row: forward (none), step 1, step 2, step 3, and the dossier as returned.
    results = re.findall(r"(Trước hạn|Đúng hạn|Quá hạn)(?!/)", layout)
    assert results == ["Trước hạn", "Quá hạn", "Đúng hạn", "Trước hạn"]
    assert "Hồ sơ hợp lệ" in text and "Đủ điều kiện" in text and "125/2026/KS" in text  # the notes


def test_05_of_an_open_dossier_ends_with_the_handover_it_waits_for_and_needs_a_reception(desk, tmp_path):
    with pytest.raises(FormNotAvailable):
        render_form(dossier=desk["dossier"]("submitted"), form="05")
    dossier = desk["dossier"]("received")
    text = flat(pdf_text(render_form(dossier=dossier, form="05"), tmp_path))
    assert "1. Giao: Bộ phận tiếp nhận và trả kết quả" in text and "2. Nhận: Tiếp nhận" in text
    assert "… giờ … phút, ngày …/…/……" in text  # to be filled in by hand when it is handed over
    assert "Tiếp nhận hồ sơ" in text and "Nộp hồ sơ trực tuyến" in text  # the other events of its log


def test_a_transfer_shows_on_05_and_06_as_the_agency_that_handles_it(desk, tmp_path):
    dossier = desk["dossier"]("processing")
    services.dossier_transfer(dossier=dossier, actor=desk["specialist"], agency=desk["justice"].code,
                              reason="Thuộc thẩm quyền của Sở Tư pháp")
    dossier = Dossier.objects.get(pk=dossier.pk)
    control = flat(pdf_text(render_form(dossier=dossier, form="05"), tmp_path))
    assert "Cơ quan (bộ phận) giải quyết hồ sơ: Sở Tư pháp" in control
    assert "Cơ quan phối hợp giải quyết hồ sơ: Ủy ban nhân dân phường Hải Châu" in control
    assert "2. Nhận: Sở Tư pháp" in control or "(Sở Tư pháp)" in control

    transferred = dossier.events.get(action="transfer")
    book = flat(pdf_text(render_tracking_book(agency=desk["ward"], dossiers=Dossier.objects.filter(pk=dossier.pk)),
                         tmp_path))
    assert "Sở Tư pháp" in book  # the handling agency's column
    assert f"Chuyển Sở Tư pháp ngày {timezone.localtime(transferred.at):%d/%m/%Y}" in book


def test_06_has_the_circulars_columns_and_each_dossier_at_its_receipts_number(desk, tmp_path):
    returned = desk["dossier"]("returned")
    online = desk["dossier"]("returned", delivery="online")
    processing = desk["dossier"]("processing")
    refused = desk["dossier"]("refused")
    dossiers = [returned, online, processing, refused]
    pdf = render_tracking_book(agency=desk["ward"], dossiers=Dossier.objects.filter(pk__in=[d.pk for d in dossiers])
                               .order_by("received_at", "pk"))
    layout, text = pdf_text(pdf, tmp_path, layout=True), flat(pdf_text(pdf, tmp_path, raw=True))

    assert "SỔ THEO DÕI HỒ SƠ" in text and "Mẫu số 06" in text
    for column in ("TT", "Mã hồ sơ", "Tên thủ tục hành chính", "Số lượng hồ sơ (bộ)", "Tên cá nhân, tổ chức",
                   "Địa chỉ, số điện thoại", "Cơ quan chủ trì giải quyết", "Ngày, tháng, năm", "Nhận hồ sơ",
                   "Hẹn trả kết quả", "Chuyển hồ sơ đến cơ quan giải quyết", "Nhận kết quả từ cơ quan giải quyết",
                   "Trả kết quả", "Ký nhận", "Ghi chú"):
        assert column in text, column
    blocks = re.split(r"\n(?=\s*(?:\d+\s+)?000\.)", layout)  # a block of lines per row, from its number and code
    rows = {found.group(1): block for block in blocks if (found := re.match(r"\s*(?:\d+\s+)?(000\.\S+)", block))}
    # Refused at reception, the online dossier was never received: listed apart, with no number.
    assert book_entry(refused) is None and "Hồ sơ chưa tiếp nhận" in text
    assert re.match(rf"\s*{re.escape(refused.code)}", rows[refused.code])
    assert "Không được" in rows[refused.code] and "Không được tiếp nhận" in text  # its state, in the notes
    for dossier in (returned, online, processing):
        day, number = book_entry(dossier)
        assert f"Quyển số {day:%d/%m/%Y}" in text
        row = rows[dossier.code]
        assert re.match(rf"\s*{number}\s+{re.escape(dossier.code)}", row)  # the number its receipt gives
        assert "Ủy ban nhân" in row  # the handling agency (its name wraps in the narrow column)
        assert dossier.applicant_phone in row
        assert f"{dossier.applicant_address} {dossier.applicant_phone}" in text  # one cell: address, then phone
        assert fmt(dossier.received_at) in row and fmt(dossier.due_at) in row
    forwarded = returned.events.get(action="forward")
    returned_row = rows[returned.code]
    assert returned_row.count(fmt(forwarded.at)) >= 1  # ngày chuyển: sent from the counter to the handling unit
    assert fmt(returned.resolved_at) in returned_row and fmt(returned.returned_at) in returned_row
    assert "Trực tuyến" in rows[online.code]  # ký nhận: collected online, nothing to sign
    assert "Trực tuyến" not in returned_row  # collected at the counter: the applicant signs here
    assert "Đang xử lý" in rows[processing.code]


def fmt(value) -> str:
    return f"{timezone.localtime(value):%d/%m/%Y}"
