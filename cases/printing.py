"""The printed forms of a dossier: the six forms of Circular 01/2018/TT-VPCP, the notice that processing
stopped, and the fee receipt of an online payment.

The Circular numbers its forms 01 to 06 and so do we (the number is printed in each footer, "Mẫu số 0N"):

    01 Giấy tiếp nhận hồ sơ và hẹn trả kết quả          A5 portrait   render_form(form="01")
    02 Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ          A5 portrait   render_form(form="02")
    03 Phiếu từ chối tiếp nhận giải quyết hồ sơ         A5 portrait   render_form(form="03")
    04 Phiếu xin lỗi và hẹn lại ngày trả kết quả        A5 portrait   render_form(form="04")
    05 Phiếu kiểm soát quá trình giải quyết hồ sơ       A4 portrait   render_form(form="05"), from the event log
    06 Sổ theo dõi hồ sơ                                A4 landscape  render_tracking_book(agency=..., dossiers=...)

The notice that processing stopped (Thông báo dừng xử lý hồ sơ) is a notice of its own, outside the
Circular's numbering: ``render_form(form=STOP_NOTICE)``, its footer names it and no number.

Form 06 is an agency's register, kept as one book per day of reception: a dossier's entry is the day it
was received and its place among that agency's receptions of the day (``book_entry``), printed on its
receipt (01: "Vào Sổ theo dõi hồ sơ, quyển số ..., số thứ tự ...") and in the book. ``render_form(form="06")``
raises ``FormNotAvailable``: a book of one dossier is not the book, and printing one that looked like it
would mislead an auditor.

The fixed wording of these forms is written here directly in Vietnamese, not through gettext: they are
official one-stop forms, legal documents handed to the applicant in Vietnamese whatever language the page
that asked for them is in. Only the message of ``FormNotAvailable``, which is shown to the person asking,
goes through translation.

The fonts, the text and date helpers, the styles and the building blocks are the portal's PDF kit,
``core.pdf`` (DejaVu Sans embedded, every string NFC-normalized).
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from django.db.models import Prefetch, Q
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4, A5, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle

from core.pdf import (
    FONT,
    FRAME_PADDING,
    TZ,
    QrFlowable,
    Styles,
    build,
    esc,
    fmt_date,
    fmt_datetime,
    fmt_money,
    fmt_prose_datetime,
    grid,
    heading,
    line,
    nfc,
    register_fonts,
    sign,
)
from procedures.models import Agency

from .actions import ACTIONS
from .models import Dossier, DossierEvent, ResultDelivery
from .workflow import State

DEFAULT_BASE_URL = "http://127.0.0.1:8000"

STOP_NOTICE = "stop-notice"  # the stop notice's name where a form has a number (the API's URL, render_form)
TRACKING_BOOK = "06"

TITLES = {
    "01": "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
    "02": "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
    "03": "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
    "04": "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
    "05": "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
    "06": "SỔ THEO DÕI HỒ SƠ",
    STOP_NOTICE: "THÔNG BÁO DỪNG XỬ LÝ HỒ SƠ",
}

# The event log's actions as the control sheet (05) names them (declared with each action).
ACTION_NAMES = {name: action.printed_name for name, action in ACTIONS.items()}

DELIVERY_NAMES = {
    ResultDelivery.COUNTER: "Nhận trực tiếp tại Bộ phận tiếp nhận và trả kết quả",
    ResultDelivery.POST: "Qua dịch vụ bưu chính công ích",
    ResultDelivery.ONLINE: "Trực tuyến (kết quả điện tử)",
}

COUNTER = "Bộ phận tiếp nhận và trả kết quả"
RECEIPT_SUFFIX = "TNHS"  # the receipt's number: "Số: 3/TNHS" (tiếp nhận hồ sơ), with its date


class FormNotAvailable(Exception):
    """The form does not apply to this dossier (its event has not happened): the API answers 404.

    Its message is lazy: forms are built under Vietnamese, but the message reads in the language of
    whoever turns it into text (the API, in the requester's language).
    """


# --- the dossier on the page ---------------------------------------------------------------------------


def lookup_url(base_url: str, code: str) -> str:
    return f"{(base_url or DEFAULT_BASE_URL).rstrip('/')}/tra-cuu/{code}/"


def state_label(value: str) -> str:
    if not value:
        return ""
    try:
        return nfc(State(value).label)
    except ValueError:
        return nfc(value)


def _code_block(dossier: Dossier, base_url: str, width: float, s: Styles) -> Table:
    """The dossier code and where to follow it, beside a QR code of that lookup address."""
    url = lookup_url(base_url, dossier.code or "")
    qr_size = 20 * mm
    text = [
        Paragraph(f"Mã hồ sơ: <b>{esc(dossier.code)}</b>", s.left),
        Spacer(1, 1 * mm),
        Paragraph("Tra cứu tình trạng hồ sơ bằng mã QR bên cạnh hoặc tại:", s.small),
        Paragraph(esc(url), s.small),
    ]
    table = Table([[text, QrFlowable(url, qr_size)]], colWidths=[width - qr_size - 2 * mm, qr_size + 2 * mm])
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("ALIGN", (1, 0), (1, 0), "RIGHT"),
    ]))
    return table


def _day_words(value) -> str:
    """'ngày 08 tháng 9 năm 2026', as an official document dates itself (Asia/Ho_Chi_Minh): a day below 10 and
    the months 1 and 2 take a leading zero, other months none (Decree 30/2020/NĐ-CP on documents)."""
    text = fmt_date(value)
    if not text:
        return "ngày … tháng … năm …"
    day, month, year = text.split("/")
    return f"ngày {day} tháng {month if int(month) <= 2 else int(month)} năm {year}"


def _number_and_date(number: str, when, width: float, s: Styles) -> Table:
    """The line under the heading, as on the Circular's forms: the form's number ("Số: ...") on the left, its
    date on the right."""
    date_style = ParagraphStyle("date", parent=s.head, fontSize=s.body.fontSize - 0.5)
    left = Paragraph(f"Số: {esc(number)}", s.head) if number else ""
    right = Paragraph(esc(_day_words(when)[0].upper() + _day_words(when)[1:]), date_style)
    table = Table([[left, right]], colWidths=[width * 0.42, width * 0.58])
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 0.8 * mm),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
    ]))
    return table


# --- reading the dossier -----------------------------------------------------------------------------


def _last_event(dossier: Dossier, *actions: str):
    return dossier.events.filter(action__in=actions).order_by("-seq").first()


def _require(event, message: str | Promise):
    if event is None:
        raise FormNotAvailable(message)
    return event


def _procedure(dossier: Dossier, *, limit: int | None = None) -> str:
    name = nfc(dossier.version.name)
    if limit and len(name) > limit:
        name = name[: limit - 1].rstrip() + "…"
    return f"{name} (mã thủ tục {nfc(dossier.procedure.code)})"


def _contact(dossier: Dossier, s: Styles) -> Paragraph:
    """'Số điện thoại: ...   Email: ...' on one line, a blank to fill for what the dossier does not hold."""
    phone, email = nfc(dossier.applicant_phone), nfc(dossier.applicant_email)
    return Paragraph(
        f"Số điện thoại: {f'<b>{esc(phone)}</b>' if phone else '…'}&nbsp;&nbsp;&nbsp;&nbsp; "
        f"Email: {f'<b>{esc(email)}</b>' if email else '…'}", s.item,
    )


def _applicant_lines(dossier: Dossier, s: Styles) -> list:
    return [
        line("Ông/bà (tổ chức)", dossier.applicant_name, s),
        line("Số định danh cá nhân / mã số thuế", dossier.applicant_id_number, s),
        line("Địa chỉ", dossier.applicant_address, s),
        _contact(dossier, s),
    ]


def _lateness(dossier: Dossier) -> str:
    if dossier.is_overdue:
        return "Quá hạn"
    if dossier.resolved_at and dossier.due_at and dossier.resolved_at > dossier.due_at:
        return "Trễ hạn"
    return ""


def _local_day(value) -> dt.date:
    return timezone.localtime(value, TZ).date()


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time.min, tzinfo=TZ)
    return start, dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=TZ)


def book_entry(dossier: Dossier) -> tuple[dt.date, int] | None:
    """The dossier's entry in the tracking book (06) of its receiving agency: the day it was received (the
    book, "quyển") and its place among that agency's dossiers received that day, in order of reception
    ("số thứ tự", from 1). None before reception. Stable: a reception time is set once and never changes."""
    if dossier.received_at is None:
        return None
    day = _local_day(dossier.received_at)
    start, end = _day_bounds(day)
    earlier = Dossier.objects.filter(
        Q(received_at__lt=dossier.received_at) | Q(received_at=dossier.received_at, pk__lt=dossier.pk),
        agency_id=dossier.agency_id, received_at__gte=start, received_at__lt=end,
    ).count()
    return day, earlier + 1


def _book_numbers(dossiers: list[Dossier]) -> dict[int, tuple[dt.date, int]]:
    """``book_entry`` of every received dossier of ``dossiers``, in one query."""
    received = [d for d in dossiers if d.received_at is not None]
    if not received:
        return {}
    first, _end = _day_bounds(min(_local_day(d.received_at) for d in received))
    _start, last = _day_bounds(max(_local_day(d.received_at) for d in received))
    rows = (
        Dossier.objects.filter(agency_id__in={d.agency_id for d in received}, received_at__gte=first,
                               received_at__lt=last)
        .order_by("agency_id", "received_at", "pk")
        .values_list("pk", "agency_id", "received_at")
    )
    numbers: dict[int, tuple[dt.date, int]] = {}
    counts: dict[tuple[int, dt.date], int] = {}
    for pk, agency_id, received_at in rows:
        key = (agency_id, _local_day(received_at))
        counts[key] = counts.get(key, 0) + 1
        numbers[pk] = (key[1], counts[key])
    return numbers


def _book_line(entry: tuple[dt.date, int] | None) -> str:
    if entry is None:
        return "Vào Sổ theo dõi hồ sơ, quyển số: …, số thứ tự: …"
    day, number = entry
    return f"Vào Sổ theo dõi hồ sơ, quyển số: <b>{esc(fmt_date(day))}</b>, số thứ tự: <b>{number}</b>"


def _receipt_number(entry: tuple[dt.date, int] | None) -> str:
    return f"{entry[1]}/{RECEIPT_SUFFIX}" if entry else f"…/{RECEIPT_SUFFIX}"


# --- the forms -------------------------------------------------------------------------------------------


class Body(NamedTuple):
    """What a form's builder gives: the number and date printed under the heading, and the form's body."""

    number: str
    when: dt.datetime | str | None
    story: list


def _form_01(dossier, s, width):
    event = _require(
        _last_event(dossier, "receive", "intake"),
        _("This dossier has not been received yet: there is no receipt to print."),
    )
    agency = dossier.agency
    entry = book_entry(dossier)
    story = [
        Paragraph(f"{COUNTER} của {esc(agency.name)} tiếp nhận hồ sơ của:", s.body),
        *_applicant_lines(dossier, s),
        Paragraph(f"Nội dung yêu cầu giải quyết: <b>{esc(_procedure(dossier))}</b>", s.item),
        Spacer(1, 2 * mm),
        Paragraph("<b>Thành phần hồ sơ nộp gồm:</b>", s.left),
    ]
    head = ["STT", "Tên giấy tờ", "Hình thức (bản chính, bản sao, bản điện tử)", "Số lượng"]
    rows = [[Paragraph(h, s.cell_head) for h in head]]
    documents = list(dossier.documents.select_related("requirement"))
    if documents:
        for n, document in enumerate(documents, 1):
            name = document.requirement.name if document.requirement else "Giấy tờ khác"
            rows.append([
                Paragraph(str(n), s.cell_center), Paragraph(esc(name), s.cell),
                Paragraph(f"Bản điện tử: {esc(document.original_name)} ({esc(document.get_source_display())})", s.cell),
                Paragraph("01", s.cell_center),
            ])
    else:
        for n, requirement in enumerate(dossier.version.documents.all(), 1):
            kinds = [kind for count, kind in ((requirement.originals, "bản chính"), (requirement.copies, "bản sao")) if count]
            total = (requirement.originals or 0) + (requirement.copies or 0)
            rows.append([
                Paragraph(str(n), s.cell_center), Paragraph(esc(requirement.name), s.cell),
                Paragraph(esc(", ".join(kinds).capitalize() or "Bản giấy"), s.cell),
                Paragraph(f"{max(total, 1):02d}", s.cell_center),
            ])
    story.append(grid(rows, [8 * mm, width * 0.45, width * 0.55 - 22 * mm, 14 * mm], s))
    story.append(Spacer(1, 2 * mm))
    fees = dossier.fees()
    fee_text = "; ".join(
        f"{nfc(f.name)}: {fmt_money(f.amount) if f.amount else 'không thu'}" for f in fees
    ) or "Không thu"
    story += [
        line("Số lượng hồ sơ", "01 bộ", s),
        line("Phí, lệ phí", fee_text, s),
        line("Thời gian giải quyết theo quy định", dossier.processing_time_text or "—", s),
        line("Thời gian nhận hồ sơ", fmt_prose_datetime(dossier.received_at or event.at), s),
        line("Thời gian hẹn trả kết quả", fmt_prose_datetime(dossier.due_at), s),
    ]
    delivery = DELIVERY_NAMES.get(dossier.delivery, nfc(dossier.get_delivery_display()))
    if dossier.delivery == ResultDelivery.POST and dossier.delivery_address:
        delivery += f", đến địa chỉ: {nfc(dossier.delivery_address)}"
    story.append(line("Đăng ký nhận kết quả", delivery, s))
    story.append(Paragraph(_book_line(entry), s.item))
    sign(story, width, s, ("NGƯỜI NỘP HỒ SƠ", dossier.applicant_name), ("NGƯỜI TIẾP NHẬN HỒ SƠ", event.actor_name))
    return Body(_receipt_number(entry), dossier.received_at or event.at, story)


def _form_02(dossier, s, width):
    event = _require(
        _last_event(dossier, "request_supplement"), _("No supplement was requested for this dossier.")
    )
    agency = dossier.handling_agency or dossier.agency
    # Asked before reception (an online dossier still waiting), the dossier was submitted, not received.
    verb, since = ("tiếp nhận", dossier.received_at) if dossier.received_at else ("nhận được", dossier.submitted_at)
    story = [
        Paragraph(
            f"Ngày {esc(fmt_date(since))}, {esc(agency.name)} {verb} hồ sơ của ông/bà "
            f"<b>{esc(dossier.applicant_name)}</b>.", s.body,
        ),
        line("Địa chỉ", dossier.applicant_address, s),
        _contact(dossier, s),
        Paragraph(f"Nội dung yêu cầu giải quyết: <b>{esc(_procedure(dossier))}</b>", s.item),
        Spacer(1, 1.5 * mm),
        Paragraph(
            "Sau khi xem xét, hồ sơ của ông/bà cần được bổ sung, hoàn thiện các nội dung sau:", s.body
        ),
    ]
    rows = [[Paragraph("STT", s.cell_head), Paragraph("Giấy tờ, nội dung cần bổ sung", s.cell_head),
             Paragraph("Hướng dẫn", s.cell_head)]]
    for n, item in enumerate(event.data.get("items") or [], 1):
        item = item if isinstance(item, dict) else {"guidance": item}
        rows.append([Paragraph(str(n), s.cell_center), Paragraph(esc(item.get("document", "")), s.cell),
                     Paragraph(esc(item.get("guidance", "")), s.cell)])
    story.append(grid(rows, [9 * mm, width * 0.4, width * 0.6 - 9 * mm], s))
    story.append(Spacer(1, 2 * mm))
    if nfc(event.reason).strip():
        story.append(Paragraph(f"Lý do: {esc(event.reason)}", s.body))
    story += [
        Paragraph(f"Thời gian yêu cầu bổ sung: {esc(fmt_prose_datetime(event.at))}.", s.body),
        Paragraph(
            "Thời gian bổ sung, hoàn thiện hồ sơ không tính vào thời hạn giải quyết. Ông/bà bổ sung đủ các nội "
            f"dung trên trong một lần, trực tuyến hoặc tại {COUNTER}.", s.body,
        ),
    ]
    who = f"{esc(event.actor_name)}, {esc(agency.name)}" if nfc(event.actor_name) else esc(agency.name)
    phone = f", số điện thoại {esc(agency.phone)}," if nfc(agency.phone) else ""
    story.append(Paragraph(
        f"Trong quá trình hoàn thiện hồ sơ, nếu có vướng mắc, ông/bà liên hệ {who}{phone} để được hướng dẫn./.",
        s.body,
    ))
    sign(story, width, s, ("", ""), ("NGƯỜI HƯỚNG DẪN", event.actor_name))
    return Body("", event.at, story)


def _form_03(dossier, s, width):
    event = _require(_last_event(dossier, "refuse"), _("This dossier was not refused."))
    agency = dossier.agency
    story = [
        Paragraph(f"{COUNTER} của {esc(agency.name)} tiếp nhận hồ sơ của:", s.body),
        *_applicant_lines(dossier, s),
        Paragraph(f"Nội dung yêu cầu giải quyết: <b>{esc(_procedure(dossier))}</b>", s.item),
        Spacer(1, 2 * mm),
        Paragraph(
            f"Sau khi nghiên cứu, đối chiếu với các quy định hiện hành, {esc(agency.name)} từ chối tiếp nhận, "
            "giải quyết hồ sơ này với lý do cụ thể như sau:", s.body,
        ),
        Paragraph(f"<b>{esc(event.reason)}</b>", s.item),
        Spacer(1, 2 * mm),
        Paragraph(f"Thời gian: {esc(fmt_prose_datetime(event.at))}.", s.body),
        Paragraph("Xin thông báo để ông/bà được biết và thực hiện./.", s.body),
    ]
    sign(story, width, s, ("", ""), ("NGƯỜI TIẾP NHẬN HỒ SƠ", event.actor_name))
    return Body("", event.at, story)


def _sign_letter(story: list, width: float, s: Styles, dossier: Dossier, signer: str) -> None:
    """End a letter the agency signs as a Vietnamese official letter ends: "Nơi nhận" (the applicant, the
    dossier's file) on the left, the signature of the agency's representative on the right; kept on one page
    with the letter's last paragraph."""
    recipients = [
        Paragraph("<b>Nơi nhận:</b>", s.small),
        Paragraph(f"- Ông/bà {esc(dossier.applicant_name)};", s.small),
        Paragraph(f"- Lưu: hồ sơ {esc(dossier.code)}.", s.small),
    ]
    signature = [
        Paragraph("<b>ĐẠI DIỆN CƠ QUAN, ĐƠN VỊ</b>", s.center),
        Paragraph("(Ký, ghi rõ họ tên và đóng dấu)", ParagraphStyle("sig", parent=s.small, alignment=TA_CENTER)),
        Spacer(1, 14 * mm),
        Paragraph(f"<b>{esc(signer)}</b>" if nfc(signer) else "", s.center),
    ]
    table = Table([[recipients, signature]], colWidths=[width * 0.45, width * 0.55])
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (0, 0), 0),
        ("TOPPADDING", (0, 0), (0, 0), 4 * mm),
    ]))
    story.append(KeepTogether([story.pop(), Spacer(1, 3 * mm), table]))


def _form_04(dossier, s, width):
    event = _require(_last_event(dossier, "extend"), _("This dossier's appointment date was not extended."))
    agency = dossier.handling_agency or dossier.agency
    name = esc(agency.name)
    story = [
        Paragraph(f"Kính gửi: ông/bà <b>{esc(dossier.applicant_name)}</b>.", s.center),
        Paragraph(f"Địa chỉ: {esc(dossier.applicant_address) or '…'}", s.center),
        Spacer(1, 2 * mm),
        Paragraph(
            f"Ngày {esc(fmt_date(dossier.received_at))}, {name} tiếp nhận giải quyết hồ sơ của ông/bà, "
            f"nội dung yêu cầu giải quyết: <b>{esc(_procedure(dossier))}</b>.", s.body,
        ),
        Paragraph(
            "Thời gian hẹn trả kết quả giải quyết hồ sơ: "
            f"<b>{esc(fmt_prose_datetime(event.data.get('old_due_at')))}</b>.", s.body,
        ),
        Paragraph(
            f"Tuy nhiên đến nay, {name} chưa trả kết quả giải quyết hồ sơ cho ông/bà, lý do: "
            f"<b>{esc(event.reason)}</b>.", s.body,
        ),
        Paragraph(
            "Sự chậm trễ này đã gây phiền hà, tốn kém chi phí, công sức của ông/bà. "
            f"{name} xin lỗi ông/bà và sẽ trả kết quả giải quyết hồ sơ cho ông/bà vào "
            f"<b>{esc(fmt_prose_datetime(event.data.get('new_due_at')))}</b>.", s.body,
        ),
        Paragraph("Xin trân trọng cảm ơn sự hợp tác của ông/bà./.", s.body),
    ]
    _sign_letter(story, width, s, dossier, event.actor_name)
    return Body("", event.at, story)


def _stop_notice(dossier, s, width):
    event = _require(_last_event(dossier, "suspend"), _("Processing of this dossier was not stopped."))
    agency = dossier.handling_agency or dossier.agency
    story = [
        Paragraph(f"Kính gửi: ông/bà <b>{esc(dossier.applicant_name)}</b>.", s.center),
        Spacer(1, 2 * mm),
        Paragraph(f"{esc(agency.name)} thông báo dừng xử lý hồ sơ sau:", s.body),
        line("Số định danh cá nhân / mã số thuế", dossier.applicant_id_number, s),
        line("Địa chỉ", dossier.applicant_address, s),
        _contact(dossier, s),
        line("Nội dung yêu cầu giải quyết", _procedure(dossier), s),
        line("Ngày tiếp nhận", fmt_date(dossier.received_at), s),
        line("Dừng xử lý kể từ", fmt_prose_datetime(event.at), s),
        Spacer(1, 2 * mm),
        Paragraph("Lý do dừng xử lý:", s.body),
        Paragraph(f"<b>{esc(event.reason)}</b>", s.item),
        Spacer(1, 2 * mm),
        Paragraph(
            f"Hồ sơ không tiếp tục được giải quyết. Ông/bà có thể liên hệ {COUNTER} để nhận lại hồ sơ hoặc "
            "được hướng dẫn.", s.body,
        ),
        Paragraph("Xin thông báo để ông/bà được biết./.", s.body),
    ]
    _sign_letter(story, width, s, dossier, event.actor_name)
    return Body("", event.at, story)


# --- form 05, the control sheet ----------------------------------------------------------------------------

# The actions by which the dossier passes from one unit to another: the control sheet's hand-over rows.
HANDOVER_ACTIONS = ("forward", "complete_step", "transfer", "approve", "deny", "return_result")
STEP_ACTIONS = ("complete_step", "transfer", "approve", "deny")  # handed on from a workflow step
EARLY, ON_TIME, LATE = "Trước hạn", "Đúng hạn", "Quá hạn"


def timeliness(done, due, *, late: bool | None = None) -> str:
    """Trước hạn (done before the due day), Đúng hạn (on the due day, by the due time) or Quá hạn (after the due
    time); "" without a deadline. ``late``: the service's own verdict, recorded on the event, wins."""
    if done is None or due is None:
        return ""
    done, due = timezone.localtime(_moment(done), TZ), timezone.localtime(_moment(due), TZ)
    if late or (late is None and done > due):
        return LATE
    return EARLY if done.date() < due.date() else ON_TIME


def _moment(value) -> dt.datetime:
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else value


def _event_note(event) -> str:
    """What the control sheet says an event produced, besides its reason."""
    data = event.data or {}
    parts = []
    if event.action == "request_supplement":
        documents = [nfc(i.get("document", "")) for i in data.get("items") or [] if isinstance(i, dict)]
        parts.append("Yêu cầu bổ sung: " + "; ".join(d for d in documents if d))
    elif event.action == "transfer" and data.get("agency_name"):
        parts.append(f"Chuyển đến: {nfc(data['agency_name'])}")
    elif event.action == "extend":
        parts.append(f"Hẹn trả mới: {fmt_datetime(data.get('new_due_at'))}")
    elif event.action == "request_payment":
        fees = [f"{nfc(f.get('name', ''))} {fmt_money(f.get('amount', 0))}" for f in data.get("fees") or []
                if isinstance(f, dict)]
        parts.append("; ".join(fees))
    elif event.action == "confirm_payment" and data.get("proof"):
        parts.append(f"Chứng từ: {nfc(data['proof'])}")
    elif event.action == "return_result" and data.get("tracking_number"):
        parts.append(f"Mã bưu gửi: {nfc(data['tracking_number'])}")
    elif event.action == "intake" and data.get("documents") is not None:
        parts.append(f"{data['documents']} thành phần hồ sơ")
    if nfc(event.reason).strip():
        parts.append(nfc(event.reason))
    return ". ".join(p for p in parts if p)


@dataclass
class Handover:
    """One row of the control sheet: who handed the dossier to whom, when, and how the giver kept its time."""

    giver_unit: str
    receiver_unit: str
    at: dt.datetime | None = None  # None: not handed over yet (a row to fill in by hand)
    giver: str = ""
    receiver: str = ""
    result: str = ""
    note: str = ""


class _Places:
    """Where a dossier can be, named as the control sheet names it: the one-stop counter of the receiving
    agency, a workflow step at an agency, the applicant."""

    def __init__(self, dossier: Dossier, events: list[DossierEvent]):
        self.dossier = dossier
        ids = {e.data.get("step_agency") for e in events if isinstance(e.data, dict)} - {None}
        ids |= {dossier.agency_id, dossier.holder_id, *(step.unit_id for step in dossier.steps())} - {None}
        self.agencies = dict(Agency.objects.filter(pk__in=ids).values_list("pk", "name"))

    def counter(self) -> str:
        return f"{COUNTER} ({nfc(self.agencies.get(self.dossier.agency_id, ''))})"

    def step(self, name: str, agency_id) -> str:
        agency = nfc(self.agencies.get(agency_id, ""))
        name = nfc(name)
        return f"{name} ({agency})" if name and agency else name or agency or "…"

    def of_event(self, event: DossierEvent) -> str:
        """The step an event handed the dossier on from (recorded on it by the service)."""
        return self.step(event.data.get("step_name", ""), event.data.get("step_agency"))

    def current(self) -> str:
        step = self.dossier.current_step
        return self.step(step.name if step else "", self.dossier.holder_id)

    def applicant(self) -> str:
        return f"Người nộp hồ sơ: {nfc(self.dossier.applicant_name)}"


def _returned_to(dossier: Dossier, event: DossierEvent) -> str:
    delivery = (event.data or {}).get("delivery") or dossier.delivery
    if delivery == ResultDelivery.ONLINE:
        return "Nhận trực tuyến"
    if delivery == ResultDelivery.POST:
        return "Qua bưu chính"
    return nfc(dossier.applicant_name)


def handovers(dossier: Dossier, events: list[DossierEvent]) -> list[Handover]:
    """The control sheet's rows from the event log: each hand-over of the dossier, from the counter to the
    first step, step to step (or to another agency), the last step back to the counter with the result, and
    the counter to the applicant. The receiver of one hand-over is the giver of the next; a step's result
    (early, on time, late) is read from the step's deadline recorded on the event. An open dossier ends with
    the hand-over it waits for, to be filled in by hand."""
    places = _Places(dossier, events)
    moves = [e for e in events if e.action in HANDOVER_ACTIONS]
    rows = []
    for n, event in enumerate(moves):
        later = moves[n + 1] if n + 1 < len(moves) else None
        data = event.data or {}
        if event.action == "forward":
            giver_unit, result = places.counter(), ""
        elif event.action == "return_result":
            giver_unit, result = places.counter(), timeliness(dossier.resolved_at, dossier.due_at)
        else:
            giver_unit = places.of_event(event)
            result = timeliness(event.at, data.get("step_due_at"), late=data.get("late"))
        if event.action in ("approve", "deny"):
            receiver_unit = places.counter()
        elif event.action == "return_result":
            receiver_unit = places.applicant()
        elif later is not None and later.action in STEP_ACTIONS:
            receiver_unit = places.of_event(later)
        elif event.action == "transfer":
            receiver_unit = nfc(data.get("agency_name", "")) or places.current()
        else:
            receiver_unit = places.current()
        receiver = _returned_to(dossier, event) if event.action == "return_result" else (
            nfc(later.actor_name) if later is not None else ""
        )
        note = _event_note(event)
        if data.get("step_due_at"):
            note = ". ".join(p for p in (note, f"Hạn xử lý bước: {fmt_datetime(data['step_due_at'])}") if p)
        rows.append(Handover(giver_unit, receiver_unit, event.at, nfc(event.actor_name) or "Hệ thống", receiver,
                             result, note))
    waiting = _next_handover(dossier, places)
    if waiting is not None:
        rows.append(waiting)
    return rows


def _next_handover(dossier: Dossier, places: _Places) -> Handover | None:
    """The hand-over an open dossier waits for (its row is left blank to fill in by hand), or None."""
    if dossier.state == State.RECEIVED:
        first = dossier.first_step()
        if first is None:
            return Handover(places.counter(), "…")
        return Handover(places.counter(), places.step(first.name, first.unit_id or dossier.agency_id))
    if dossier.state == State.PROCESSING:
        following = dossier.next_step()
        receiver = places.step(following.name, following.unit_id or dossier.holder_id) if following else places.counter()
        return Handover(places.current(), receiver)
    if dossier.state == State.RESOLVED:
        return Handover(places.counter(), places.applicant())
    return None


def _handover_table(rows: list[Handover], width: float, s: Styles) -> Table:
    """The Circular's table: TÊN CƠ QUAN (1. Giao, 2. Nhận) | THỜI GIAN GIAO, NHẬN HỒ SƠ (the time; Người giao,
    Người nhận, each with room to sign) | KẾT QUẢ (trước hạn/đúng hạn/quá hạn) | GHI CHÚ."""
    unit_w, result_w, note_w = width * 0.27, width * 0.15, width * 0.2
    time_w = width - unit_w - result_w - note_w
    small_center = ParagraphStyle("sign", parent=s.cell_center, fontSize=s.cell.fontSize - 0.5)
    head = [
        Paragraph("TÊN CƠ QUAN, BỘ PHẬN", s.cell_head),
        Paragraph("THỜI GIAN GIAO, NHẬN HỒ SƠ", s.cell_head),
        Paragraph("KẾT QUẢ GIẢI QUYẾT HỒ SƠ<br/>(Trước hạn/đúng hạn/quá hạn)", s.cell_head),
        Paragraph("GHI CHÚ", s.cell_head),
    ]
    table_rows = [head]
    for row in rows:
        when = fmt_prose_datetime(row.at) if row.at else "… giờ … phút, ngày …/…/……"

        def person(role: str, name: str) -> list:
            return [Paragraph(f"<b>{role}</b>", s.cell_center), Paragraph("(Ký)", small_center), Spacer(1, 7 * mm),
                    Paragraph(esc(name), s.cell_center)]

        inner = Table(
            [[Paragraph(esc(when), s.cell_center), ""], [person("Người giao", row.giver), person("Người nhận", row.receiver)]],
            colWidths=[time_w / 2, time_w / 2],
        )
        inner.setStyle(TableStyle([
            ("FONTNAME", (0, 0), (-1, -1), FONT),
            ("SPAN", (0, 0), (1, 0)),
            ("LINEBELOW", (0, 0), (1, 0), 0.5, colors.black),
            ("LINEAFTER", (0, 1), (0, 1), 0.5, colors.black),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 2),
            ("RIGHTPADDING", (0, 0), (-1, -1), 2),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ]))
        table_rows.append([
            [Paragraph(f"<b>1. Giao:</b> {esc(row.giver_unit)}", s.cell), Spacer(1, 2 * mm),
             Paragraph(f"<b>2. Nhận:</b> {esc(row.receiver_unit)}", s.cell)],
            inner,
            Paragraph(f"<b>{esc(row.result)}</b>" if row.result else "", s.cell_center),
            Paragraph(esc(row.note), s.cell),
        ])
    table = grid(table_rows, [unit_w, time_w, result_w, note_w], s)
    # The time column is drawn by its inner table, edge to edge with the outer rules.
    table.setStyle(TableStyle([
        ("LEFTPADDING", (1, 1), (1, -1), 0), ("RIGHTPADDING", (1, 1), (1, -1), 0),
        ("TOPPADDING", (1, 1), (1, -1), 0), ("BOTTOMPADDING", (1, 1), (1, -1), 0),
    ]))
    return table


def _form_05(dossier, s, width):
    received = _require(
        _last_event(dossier, "receive", "intake"),
        _("This dossier has not been received yet: there is no control sheet to print."),
    )
    events = list(dossier.events.order_by("seq"))
    entry = book_entry(dossier)
    rows = handovers(dossier, events)
    main = dossier.handling_agency or dossier.agency
    helping = sorted({
        nfc(name) for name in Agency.objects.filter(
            pk__in={e.data.get("step_agency") for e in events if isinstance(e.data, dict)} - {None, main.pk}
        ).values_list("name", flat=True)
    } | ({nfc(dossier.agency.name)} if dossier.handling_agency_id else set()))
    story = [
        Paragraph(
            f"Kèm theo Giấy tiếp nhận hồ sơ và hẹn trả kết quả số <b>{esc(_receipt_number(entry))}</b>, "
            f"{esc(_day_words(dossier.received_at or received.at))}.", s.body,
        ),
        line("Người nộp hồ sơ", dossier.applicant_name, s),
        line("Nội dung yêu cầu giải quyết", _procedure(dossier), s),
        line("Cơ quan (bộ phận) giải quyết hồ sơ", main.name, s),
        line("Cơ quan phối hợp giải quyết hồ sơ", ", ".join(helping), s),
        line("Thời gian nhận hồ sơ", fmt_prose_datetime(dossier.received_at or received.at), s),
        line("Thời gian hẹn trả kết quả", fmt_prose_datetime(dossier.due_at), s),
        Spacer(1, 2 * mm),
        _handover_table(rows, width, s),
        Spacer(1, 1.5 * mm),
        Paragraph(
            "Trường hợp hồ sơ được chuyển qua dịch vụ bưu chính thì thời gian giao, nhận hồ sơ và việc ký nhận "
            "thể hiện trong hóa đơn của cơ quan bưu chính.", s.small,
        ),
    ]
    others = [e for e in events if e.action not in HANDOVER_ACTIONS]
    if others:
        story += [Spacer(1, 3 * mm), Paragraph("<b>Các việc khác trong quá trình giải quyết hồ sơ</b> "
                                               "(tiếp nhận, bổ sung, nghĩa vụ tài chính, gia hạn, dừng, rút):", s.left)]
        head = ["STT", "Công việc", "Người thực hiện", "Thời gian", "Trạng thái", "Kết quả, ghi chú"]
        table = [[Paragraph(h, s.cell_head) for h in head]]
        for n, event in enumerate(others, 1):
            before, after = state_label(event.from_state), state_label(event.to_state)
            states = f"{before} → {after}" if before and before != after else after
            table.append([
                Paragraph(str(n), s.cell_center),
                Paragraph(esc(ACTION_NAMES.get(event.action, event.action)), s.cell),
                Paragraph(esc(event.actor_name or "Hệ thống"), s.cell),
                Paragraph(esc(fmt_datetime(event.at)), s.cell),
                Paragraph(esc(states), s.cell),
                Paragraph(esc(_event_note(event)), s.cell),
            ])
        fixed = [8 * mm, 34 * mm, 30 * mm, 24 * mm, 36 * mm]
        story.append(grid(table, [*fixed, width - sum(fixed)], s))
    return Body("", dossier.received_at or received.at, story)


# --- the table of forms ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PrintedForm:
    """One printed form of a dossier: its name in the API and ``render_form``, its title, its builder, the
    Circular's number printed in its footer (None: not one of the Circular's forms), its page, and whether
    the agency handling the dossier (after a transfer) issues it rather than the receiving one."""

    key: str
    build: Callable[..., Body]
    number: str | None
    pagesize: tuple[float, float] = A5
    handling: bool = False
    margin: float = 10 * mm

    @property
    def title(self) -> str:
        return TITLES[self.key]

    def footer(self, dossier: Dossier) -> str:
        if self.number:
            return f"Mẫu số {self.number} · {dossier.code}"
        return f"{self.title.capitalize()} · {dossier.code}"


FORMS: dict[str, PrintedForm] = {form.key: form for form in (
    PrintedForm("01", _form_01, "01"),
    PrintedForm("02", _form_02, "02", handling=True),
    PrintedForm("03", _form_03, "03"),
    PrintedForm("04", _form_04, "04", handling=True),
    PrintedForm("05", _form_05, "05", pagesize=A4, margin=12 * mm),
    PrintedForm(STOP_NOTICE, _stop_notice, None, handling=True),
)}


def render_form(*, dossier: Dossier, form: str, base_url: str = DEFAULT_BASE_URL) -> bytes:
    """The PDF of printed form ``form`` for ``dossier``: "01".."05" (the Circular's numbers) or
    ``STOP_NOTICE``.

    Raises FormNotAvailable when the form does not apply: its event has not happened (02 for a dossier
    never asked for a supplement, ...), the form is unknown, or it is "06" (the tracking book is an
    agency's register: ``render_tracking_book``).
    """
    declared = FORMS.get(form)
    if declared is None:
        if form == TRACKING_BOOK:
            raise FormNotAvailable(_("The tracking book is printed for an agency, not for one dossier."))
        raise FormNotAvailable(_("There is no printed form with this number."))
    if not dossier.code:
        raise FormNotAvailable(_("This dossier has not been submitted yet."))
    register_fonts()
    with translation.override("vi"):
        s = Styles(9)
        page, margin = declared.pagesize, declared.margin
        width = page[0] - 2 * margin - 2 * FRAME_PADDING
        body = declared.build(dossier, s, width)
        agency = dossier.handling_agency if declared.handling and dossier.handling_agency else dossier.agency
        story = [
            heading(agency, width, s),
            _number_and_date(body.number, body.when, width, s),
            Paragraph(esc(declared.title), s.title),
            _code_block(dossier, base_url, width, s),
            Spacer(1, 2 * mm),
            *body.story,
        ]
        return build(page, story, title=f"{declared.title} {dossier.code}", author=agency.name,
                     footer=declared.footer(dossier), margins=margin)


# --- the fee receipt (online payment) ------------------------------------------------------------------

RECEIPT_TITLE = "BIÊN LAI THU PHÍ, LỆ PHÍ"
_DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
_GROUPS = ("", "nghìn", "triệu", "tỷ", "nghìn tỷ", "triệu tỷ")


def _three_digits(number: int, *, inner: bool) -> str:
    """0–999 read in Vietnamese; ``inner``: a group after a higher one ("không trăm", "lẻ")."""
    hundreds, tens, units = number // 100, number // 10 % 10, number % 10
    words = []
    if hundreds or inner:
        words += [_DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units and words:
            words.append("lẻ")
    elif tens == 1:
        words.append("mười")
    else:
        words += [_DIGITS[tens], "mươi"]
    if units:
        if units == 1 and tens > 1:
            words.append("mốt")
        elif units == 4 and tens > 1:
            words.append("tư")
        elif units == 5 and tens > 0:
            words.append("lăm")
        else:
            words.append(_DIGITS[units])
    return " ".join(words)


def amount_in_words(amount: int) -> str:
    """8000 → "Tám nghìn đồng", 1050000 → "Một triệu không trăm năm mươi nghìn đồng" (Vietnamese
    receipts write the total in words too)."""
    amount = int(amount)
    if amount == 0:
        return "Không đồng"
    groups = []
    while amount:
        groups.append(amount % 1000)
        amount //= 1000
    words = []
    for index in range(len(groups) - 1, -1, -1):
        if groups[index] == 0:
            continue
        words.append(_three_digits(groups[index], inner=index < len(groups) - 1))
        if _GROUPS[index]:
            words.append(_GROUPS[index])
    text = " ".join(words)
    return text[0].upper() + text[1:] + " đồng"


def render_payment_receipt(*, payment, base_url: str = DEFAULT_BASE_URL) -> bytes:
    """The fee receipt (Biên lai thu phí, lệ phí, A5) of a paid online payment (``integrations.models.
    Payment``): issued in the name of the receiving agency, whose one-stop counter collects the fees, with the
    receipt number, payer, each fee, the total in figures and words, the gateway's transaction and time,
    and a QR code to the dossier's public status page."""
    dossier = payment.dossier
    register_fonts()
    with translation.override("vi"):
        s = Styles(9)
        page = A5
        margin = 12 * mm
        width = page[0] - 2 * margin - 2 * FRAME_PADDING
        agency = dossier.agency
        story = [
            heading(agency, width, s),
            Paragraph(esc(RECEIPT_TITLE), s.title),
            Paragraph(f"Số: <b>{esc(payment.receipt_number)}</b>", s.center),
            Spacer(1, 1 * mm),
            _code_block(dossier, base_url, width, s),
            Spacer(1, 2 * mm),
            line("Người nộp tiền", dossier.applicant_name, s),
            line("Số định danh cá nhân / mã số thuế", dossier.applicant_id_number, s),
            line("Địa chỉ", dossier.applicant_address, s),
            line("Nội dung thu", f"Phí, lệ phí giải quyết hồ sơ: {_procedure(dossier)}", s),
            Spacer(1, 1.5 * mm),
        ]
        rows = [[Paragraph("STT", s.cell_head), Paragraph("Khoản thu", s.cell_head), Paragraph("Số tiền", s.cell_head)]]
        right = ParagraphStyle("cell_right", parent=s.cell, alignment=TA_RIGHT)
        for n, item in enumerate(payment.items or [], 1):
            rows.append([Paragraph(str(n), s.cell_center), Paragraph(esc(item.get("name") or "Phí, lệ phí"), s.cell),
                         Paragraph(esc(fmt_money(item.get("amount") or 0)), right)])
        rows.append(["", Paragraph("<b>Tổng cộng</b>", s.cell), Paragraph(f"<b>{esc(fmt_money(payment.amount))}</b>", right)])
        story.append(grid(rows, [9 * mm, width * 0.62 - 9 * mm, width * 0.38], s))
        story += [
            Spacer(1, 2 * mm),
            line("Số tiền bằng chữ", amount_in_words(payment.amount), s),
            line("Hình thức thanh toán", "Trực tuyến, qua cổng thanh toán", s),
            line("Mã đơn hàng", payment.reference, s),
            line("Mã giao dịch", payment.transaction_no, s),
            line("Thời gian thanh toán", fmt_prose_datetime(payment.paid_at), s),
            Spacer(1, 3 * mm),
            Paragraph(
                f"Biên lai điện tử do {esc(agency.name)} lập khi cổng thanh toán xác nhận giao dịch; "
                "đối chiếu tình trạng hồ sơ bằng mã QR ở trên.", s.small,
            ),
        ]
        title = f"{RECEIPT_TITLE} {payment.receipt_number}"
        return build(page, story, title=title, author=agency.name,
                     footer=f"Biên lai {payment.receipt_number} · {dossier.code}", margins=margin)


def _book_moves(dossier: Dossier) -> list[DossierEvent]:
    moves = getattr(dossier, "book_moves", None)
    if moves is None:
        moves = list(dossier.events.filter(action__in=BOOK_ACTIONS).order_by("seq"))
    return moves


BOOK_ACTIONS = ("forward", "transfer")  # the dates the book records the dossier leaving the counter


def _book_row(dossier: Dossier, number: str, s: Styles, code_style: ParagraphStyle) -> list:
    """One row of the tracking book, its columns as the Circular's template has them."""
    moves = _book_moves(dossier)
    forwarded = next((e.at for e in moves if e.action == "forward"), None)
    notes = [state_label(dossier.state)]
    notes += [f"Chuyển {nfc(e.data.get('agency_name', ''))} ngày {fmt_date(e.at)}" for e in moves if e.action == "transfer"]
    late = _lateness(dossier)
    if dossier.returned_at is None:
        signed = ""
    elif dossier.delivery == ResultDelivery.ONLINE:
        signed = "Trực tuyến"
    elif dossier.delivery == ResultDelivery.POST:
        signed = f"Bưu chính {nfc(dossier.tracking_number)}".strip()
    else:
        signed = ""  # signed on paper by the applicant at the counter
    contact = "<br/>".join(esc(v) for v in (dossier.applicant_address, dossier.applicant_phone) if nfc(v))
    return [
        Paragraph(number, s.cell_center),
        Paragraph(esc(dossier.code or ""), code_style),
        # A register row stays a row: a name of up to 2,000 characters is cut in the book only.
        Paragraph(esc(_procedure(dossier, limit=120)), s.cell),
        Paragraph("01", s.cell_center),
        Paragraph(f"{esc(dossier.applicant_name)}<br/>{esc(dossier.applicant_id_number)}", s.cell),
        Paragraph(contact, s.cell),
        Paragraph(esc((dossier.handling_agency or dossier.agency).name), s.cell),
        Paragraph(esc(fmt_date(dossier.received_at)), s.cell_center),
        Paragraph(esc(fmt_date(dossier.due_at)), s.cell_center),
        Paragraph(esc(fmt_date(forwarded)), s.cell_center),
        Paragraph(esc(fmt_date(dossier.resolved_at)), s.cell_center),
        Paragraph(esc(fmt_date(dossier.returned_at)), s.cell_center),
        Paragraph(esc(signed), s.cell_center),
        Paragraph("<br/>".join([*(esc(n) for n in notes if n), *([f"<b>{esc(late)}</b>"] if late else [])]), s.cell),
    ]


def render_tracking_book(*, agency, dossiers, base_url: str = DEFAULT_BASE_URL) -> bytes:
    """Form 06, the tracking book (Sổ theo dõi hồ sơ) of ``agency``, A4 landscape, with the columns of the
    Circular's template: number, dossier code, procedure, number of sets, applicant, address and phone, the
    handling agency, the dates (received, appointment, transferred to the handling agency, result back
    from it, result returned), the applicant's signature on collection, and notes.

    One book ("quyển") per day of reception: the received dossiers of ``dossiers`` are listed day by day,
    each at its number in that day's book (``book_entry``, the number its receipt gives); dossiers not
    received come last, unnumbered. Dates in dd/mm/yyyy (Asia/Ho_Chi_Minh); the notes give the state, a
    transfer to another agency, and "Quá hạn" for a dossier past its appointment date and not yet
    resolved, "Trễ hạn" for one resolved after it.
    """
    register_fonts()
    if hasattr(dossiers, "select_related"):
        dossiers = dossiers.select_related("procedure", "version", "agency", "handling_agency").prefetch_related(
            Prefetch("events", queryset=DossierEvent.objects.filter(action__in=BOOK_ACTIONS).order_by("seq"),
                     to_attr="book_moves")
        )
    dossiers = list(dossiers)
    numbers = _book_numbers(dossiers)
    received = sorted((d for d in dossiers if d.pk in numbers), key=lambda d: (numbers[d.pk], d.agency_id))
    waiting = [d for d in dossiers if d.pk not in numbers]
    page = landscape(A4)
    margin = 12 * mm
    width = page[0] - 2 * margin - 2 * FRAME_PADDING
    with translation.override("vi"):
        s = Styles(8.5)
        code_style = ParagraphStyle("code", parent=s.cell, fontSize=s.cell.fontSize - 0.5)
        longest = max((stringWidth(nfc(d.code or ""), FONT, code_style.fontSize) for d in dossiers), default=0)
        now = timezone.now()
        story = [
            heading(agency, width, s),
            Paragraph("SỔ THEO DÕI HỒ SƠ", s.title),
            Paragraph(
                f"Cơ quan: {esc(agency.name)} · Lập ngày {esc(fmt_date(now))} · {len(dossiers)} hồ sơ · "
                f"Mỗi ngày tiếp nhận một quyển; số thứ tự như ghi trên Giấy tiếp nhận hồ sơ và hẹn trả kết quả · "
                f"Tra cứu từng hồ sơ tại {esc(lookup_url(base_url, '<mã hồ sơ>'))}", s.center,
            ),
            Spacer(1, 3 * mm),
        ]
        dates = ["Nhận hồ sơ", "Hẹn trả kết quả", "Chuyển hồ sơ đến cơ quan giải quyết",
                 "Nhận kết quả từ cơ quan giải quyết", "Trả kết quả"]
        first = ["TT", "Mã hồ sơ", "Tên thủ tục hành chính", "Số lượng hồ sơ (bộ)", "Tên cá nhân, tổ chức",
                 "Địa chỉ, số điện thoại", "Cơ quan chủ trì giải quyết", "Ngày, tháng, năm", "", "", "", "",
                 "Ký nhận", "Ghi chú"]
        rows = [[Paragraph(h, s.cell_head) if h else "" for h in first],
                [*[""] * 7, *(Paragraph(h, s.cell_head) for h in dates), "", ""]]
        spans: list[tuple] = [("SPAN", (c, 0), (c, 1)) for c in (*range(7), 12, 13)] + [("SPAN", (7, 0), (11, 0))]
        day = None
        for dossier in received:
            entry_day, number = numbers[dossier.pk]
            if entry_day != day:
                day = entry_day
                spans.append(("SPAN", (0, len(rows)), (-1, len(rows))))
                spans.append(("BACKGROUND", (0, len(rows)), (-1, len(rows)), colors.Color(0.96, 0.96, 0.96)))
                rows.append([Paragraph(f"<b>Quyển số {esc(fmt_date(day))}</b> (hồ sơ tiếp nhận ngày "
                                       f"{esc(fmt_date(day))})", s.cell), *[""] * 13])
            rows.append(_book_row(dossier, str(number), s, code_style))
        if waiting:
            spans.append(("SPAN", (0, len(rows)), (-1, len(rows))))
            rows.append([Paragraph("<b>Hồ sơ chưa tiếp nhận</b>", s.cell), *[""] * 13])
            rows += [_book_row(dossier, "", s, code_style) for dossier in waiting]
        date_w = 16 * mm
        fixed = [8 * mm, max(longest + 5, 24 * mm), 0, 10 * mm, 21 * mm, 26 * mm, 21 * mm, *[date_w] * 5, 16 * mm,
                 20 * mm]
        fixed[2] = width - sum(fixed)
        table = grid(rows, fixed, s, repeat=2)
        table.setStyle(TableStyle([*spans, ("VALIGN", (0, 0), (-1, 1), "MIDDLE")]))
        story.append(table)
        return build(page, story, title=f"Sổ theo dõi hồ sơ {agency.name}", author=agency.name,
                     footer=f"Mẫu số {TRACKING_BOOK} · Sổ theo dõi hồ sơ · {agency.name}", margins=margin)
