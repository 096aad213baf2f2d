"""The printed forms of a dossier (01–06, A5 portrait), an agency's tracking book (07, A4 landscape), and
the fee receipt of an online payment (A5).

The fixed wording of these forms is written here directly in Vietnamese, not through gettext: they are
the official one-stop forms (the set of Circular 01/2018/TT-VPCP), legal documents handed to the
applicant in Vietnamese whatever language the page that asked for them is in. Only the message of
``FormNotAvailable``, which is shown to the person asking, goes through translation.

Form 07, the tracking book (Sổ theo dõi hồ sơ), is a register of an agency's dossiers, printed with
``render_tracking_book(agency=..., dossiers=...)``. ``render_form(form="07")`` raises
``FormNotAvailable``: a book of one dossier is not the book, and printing one that looked like it would
mislead an auditor.

The fonts, the text and date helpers, the styles and the building blocks are the portal's PDF kit,
``core.pdf`` (DejaVu Sans embedded, every string NFC-normalized).
"""

from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, A5, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from core.pdf import (
    FONT,
    FRAME_PADDING,
    QrFlowable,
    Styles,
    build,
    esc,
    fmt_date,
    fmt_datetime,
    fmt_days,
    fmt_money,
    fmt_prose_datetime,
    grid,
    heading,
    line,
    nfc,
    register_fonts,
    sign,
)

from .actions import ACTIONS
from .models import Dossier, ResultDelivery
from .workflow import State

DEFAULT_BASE_URL = "http://127.0.0.1:8000"

TITLES = {
    "01": "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
    "02": "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
    "03": "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
    "04": "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
    "05": "THÔNG BÁO DỪNG XỬ LÝ HỒ SƠ",
    "06": "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
    "07": "SỔ THEO DÕI HỒ SƠ",
}

# The event log's actions as the control sheet (06) names them (declared with each action).
ACTION_NAMES = {name: action.printed_name for name, action in ACTIONS.items()}

DELIVERY_NAMES = {
    ResultDelivery.COUNTER: "Nhận trực tiếp tại Bộ phận tiếp nhận và trả kết quả",
    ResultDelivery.POST: "Qua dịch vụ bưu chính công ích",
    ResultDelivery.ONLINE: "Trực tuyến (kết quả điện tử)",
}


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
    url = lookup_url(base_url, dossier.code)
    qr_size = 24 * mm
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


# --- reading the dossier -----------------------------------------------------------------------------


def _last_event(dossier: Dossier, *actions: str):
    return dossier.events.filter(action__in=actions).order_by("-seq").first()


def _require(event, message: str):
    if event is None:
        raise FormNotAvailable(message)
    return event


def _procedure(dossier: Dossier, *, limit: int | None = None) -> str:
    name = nfc(dossier.version.name)
    if limit and len(name) > limit:
        name = name[: limit - 1].rstrip() + "…"
    return f"{name} (mã thủ tục {nfc(dossier.procedure.code)})"


def _applicant_lines(dossier: Dossier, s: Styles) -> list:
    return [
        line("Ông/bà (tổ chức)", dossier.applicant_name, s),
        line("Số định danh cá nhân / mã số thuế", dossier.applicant_id_number, s),
        line("Địa chỉ", dossier.applicant_address, s),
        line("Số điện thoại", dossier.applicant_phone, s),
    ]


def _lateness(dossier: Dossier) -> str:
    if dossier.is_overdue:
        return "Quá hạn"
    if dossier.resolved_at and dossier.due_at and dossier.resolved_at > dossier.due_at:
        return "Trễ hạn"
    return ""


# --- the forms -------------------------------------------------------------------------------------------


def _form_01(dossier, s, width):
    event = _require(
        _last_event(dossier, "receive", "intake"),
        _("This dossier has not been received yet: there is no receipt to print."),
    )
    agency = dossier.agency
    story = [Paragraph(f"{esc(agency.name)} đã tiếp nhận hồ sơ của:", s.body), *_applicant_lines(dossier, s)]
    story.append(Paragraph(f"Nội dung yêu cầu giải quyết: <b>{esc(_procedure(dossier))}</b>", s.item))
    story.append(Spacer(1, 2 * mm))
    story.append(Paragraph("<b>Thành phần hồ sơ đã nhận:</b>", s.left))
    rows = [[Paragraph("STT", s.cell_head), Paragraph("Tên giấy tờ", s.cell_head), Paragraph("Tệp, hình thức", s.cell_head)]]
    documents = list(dossier.documents.select_related("requirement"))
    if documents:
        for n, document in enumerate(documents, 1):
            name = document.requirement.name if document.requirement else "Giấy tờ khác"
            rows.append([
                Paragraph(str(n), s.cell_center), Paragraph(esc(name), s.cell),
                Paragraph(f"{esc(document.original_name)} ({esc(document.get_source_display())})", s.cell),
            ])
    else:
        for n, requirement in enumerate(dossier.version.documents.all(), 1):
            counts = []
            if requirement.originals:
                counts.append(f"{requirement.originals} bản chính")
            if requirement.copies:
                counts.append(f"{requirement.copies} bản sao")
            rows.append([
                Paragraph(str(n), s.cell_center), Paragraph(esc(requirement.name), s.cell),
                Paragraph(esc(", ".join(counts) or "Bản giấy"), s.cell),
            ])
    story.append(grid(rows, [9 * mm, width * 0.55, width * 0.45 - 9 * mm], s))
    story.append(Spacer(1, 2 * mm))
    fees = list(dossier.version.fees.all())
    fee_text = "; ".join(
        f"{nfc(f.name)}: {fmt_money(f.amount) if f.amount else 'không thu'}" for f in fees
    ) or "Không thu"
    story += [
        line("Số lượng hồ sơ", "01 bộ", s),
        line("Phí, lệ phí", fee_text, s),
        line("Thời gian giải quyết theo quy định", fmt_days(dossier.version.processing_days), s),
        line("Thời gian nhận hồ sơ", fmt_prose_datetime(dossier.received_at or event.at), s),
        line("Thời gian hẹn trả kết quả", fmt_prose_datetime(dossier.due_at), s),
    ]
    delivery = DELIVERY_NAMES.get(dossier.delivery, nfc(dossier.get_delivery_display()))
    if dossier.delivery == ResultDelivery.POST and dossier.delivery_address:
        delivery += f", đến địa chỉ: {nfc(dossier.delivery_address)}"
    story.append(line("Hình thức nhận kết quả", delivery, s))
    sign(story, width, s, ("NGƯỜI NỘP HỒ SƠ", dossier.applicant_name), ("NGƯỜI TIẾP NHẬN HỒ SƠ", event.actor_name))
    return story


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
        Paragraph(f"Nội dung yêu cầu giải quyết: <b>{esc(_procedure(dossier))}</b>.", s.body),
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
            "Thời gian ông/bà bổ sung, hoàn thiện hồ sơ không tính vào thời hạn giải quyết; ngày hẹn trả kết "
            "quả được lùi tương ứng. Ông/bà bổ sung đủ các nội dung trên trong một lần, trực tuyến hoặc tại "
            "Bộ phận tiếp nhận và trả kết quả.", s.body,
        ),
    ]
    if agency.phone:
        story.append(Paragraph(
            f"Nếu có vướng mắc, ông/bà liên hệ số điện thoại {esc(agency.phone)} để được hướng dẫn.", s.body
        ))
    sign(story, width, s, ("", ""), ("NGƯỜI HƯỚNG DẪN", event.actor_name))
    return story


def _form_03(dossier, s, width):
    event = _require(_last_event(dossier, "refuse"), _("This dossier was not refused."))
    agency = dossier.agency
    story = [Paragraph(f"{esc(agency.name)} tiếp nhận hồ sơ của:", s.body), *_applicant_lines(dossier, s)]
    story += [
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
    return story


def _form_04(dossier, s, width):
    event = _require(_last_event(dossier, "extend"), _("This dossier's appointment date was not extended."))
    agency = dossier.handling_agency or dossier.agency
    name = esc(agency.name)
    story = [
        Paragraph(f"Kính gửi: ông/bà <b>{esc(dossier.applicant_name)}</b>.", s.center),
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
        Spacer(1, 1 * mm),
        Paragraph(f"Ngày lập phiếu: {esc(fmt_date(event.at))}.", s.small),
    ]
    sign(story, width, s, ("", ""), ("ĐẠI DIỆN CƠ QUAN", event.actor_name))
    return story


def _form_05(dossier, s, width):
    event = _require(_last_event(dossier, "suspend"), _("Processing of this dossier was not stopped."))
    agency = dossier.handling_agency or dossier.agency
    story = [
        Paragraph(f"Kính gửi: ông/bà <b>{esc(dossier.applicant_name)}</b>.", s.center),
        Spacer(1, 2 * mm),
        Paragraph(f"{esc(agency.name)} thông báo dừng xử lý hồ sơ sau:", s.body),
        line("Mã hồ sơ", dossier.code, s),
        line("Người nộp", dossier.applicant_name, s),
        line("Nội dung yêu cầu giải quyết", _procedure(dossier), s),
        line("Ngày tiếp nhận", fmt_date(dossier.received_at), s),
        line("Dừng xử lý kể từ", fmt_prose_datetime(event.at), s),
        Spacer(1, 2 * mm),
        Paragraph("Lý do dừng xử lý:", s.body),
        Paragraph(f"<b>{esc(event.reason)}</b>", s.item),
        Spacer(1, 2 * mm),
        Paragraph(
            "Hồ sơ không tiếp tục được giải quyết. Ông/bà có thể liên hệ Bộ phận tiếp nhận và trả kết quả "
            "để nhận lại hồ sơ hoặc được hướng dẫn.", s.body,
        ),
        Paragraph("Xin thông báo để ông/bà được biết./.", s.body),
    ]
    sign(story, width, s, ("", ""), ("ĐẠI DIỆN CƠ QUAN", event.actor_name))
    return story


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


def _form_06(dossier, s, width):
    events = list(dossier.events.order_by("seq"))
    if not events:
        raise FormNotAvailable(_("This dossier has no history yet."))
    story = [
        line("Người nộp", dossier.applicant_name, s),
        line("Thủ tục", _procedure(dossier), s),
        line("Ngày tiếp nhận", fmt_datetime(dossier.received_at), s),
        line("Ngày hẹn trả kết quả", fmt_datetime(dossier.due_at), s),
        Spacer(1, 2 * mm),
    ]
    head = ["STT", "Công việc", "Người thực hiện", "Thời gian", "Trạng thái", "Kết quả, ghi chú"]
    rows = [[Paragraph(h, s.cell_head) for h in head]]
    for n, event in enumerate(events, 1):
        before, after = state_label(event.from_state), state_label(event.to_state)
        states = f"{before} → {after}" if before and before != after else after
        rows.append([
            Paragraph(str(n), s.cell_center),
            Paragraph(esc(ACTION_NAMES.get(event.action, event.action)), s.cell),
            Paragraph(esc(event.actor_name or "Hệ thống"), s.cell),
            Paragraph(esc(fmt_datetime(event.at)), s.cell),
            Paragraph(esc(states), s.cell),
            Paragraph(esc(_event_note(event)), s.cell),
        ])
    fixed = [7 * mm, 23 * mm, 19 * mm, 17 * mm, 24 * mm]
    story.append(grid(rows, [*fixed, width - sum(fixed)], s))
    return story


FORM_BUILDERS = {"01": _form_01, "02": _form_02, "03": _form_03, "04": _form_04, "05": _form_05, "06": _form_06}


def render_form(*, dossier: Dossier, form: str, base_url: str = DEFAULT_BASE_URL) -> bytes:
    """The PDF of printed form ``form`` ("01".."06", A5 portrait) for ``dossier``.

    Raises FormNotAvailable when the form does not apply: its event has not happened (02 for a dossier
    never asked for a supplement, ...), the form is unknown, or it is "07" (the tracking book is an
    agency's register: ``render_tracking_book``).
    """
    builder = FORM_BUILDERS.get(form)
    if builder is None:
        if form == "07":
            raise FormNotAvailable(_("The tracking book is printed for an agency, not for one dossier."))
        raise FormNotAvailable(_("There is no printed form with this number."))
    if not dossier.code:
        raise FormNotAvailable(_("This dossier has not been submitted yet."))
    register_fonts()
    with translation.override("vi"):
        s = Styles(9)
        page = A5
        margin = 12 * mm
        width = page[0] - 2 * margin - 2 * FRAME_PADDING
        body = builder(dossier, s, width)
        title = TITLES[form]
        agency = dossier.handling_agency if form in ("02", "04", "05") and dossier.handling_agency else dossier.agency
        story = [
            heading(agency, width, s),
            Paragraph(esc(title), s.title),
            _code_block(dossier, base_url, width, s),
            Spacer(1, 2 * mm),
            *body,
        ]
        return build(page, story, title=f"{title} {dossier.code}", author=agency.name,
                     footer=f"Mẫu số {form} · {dossier.code}", margins=margin)


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


def render_tracking_book(*, agency, dossiers, base_url: str = DEFAULT_BASE_URL) -> bytes:
    """Form 07, the tracking book of ``agency`` (A4 landscape): one row per dossier, in the order given.

    Dates in dd/mm/yyyy (Asia/Ho_Chi_Minh); "Quá hạn" marks a dossier past its appointment date and not
    yet resolved, "Trễ hạn" one resolved after it.
    """
    register_fonts()
    if hasattr(dossiers, "select_related"):
        dossiers = dossiers.select_related("procedure", "version")
    dossiers = list(dossiers)
    page = landscape(A4)
    margin = 12 * mm
    width = page[0] - 2 * margin - 2 * FRAME_PADDING
    with translation.override("vi"):
        s = Styles(9)
        now = timezone.now()
        story = [
            heading(agency, width, s),
            Paragraph("SỔ THEO DÕI HỒ SƠ", s.title),
            Paragraph(
                f"Cơ quan: {esc(agency.name)} · Lập ngày {esc(fmt_date(now))} · {len(dossiers)} hồ sơ · "
                f"Tra cứu từng hồ sơ tại {esc(lookup_url(base_url, '<mã hồ sơ>'))}", s.center,
            ),
            Spacer(1, 3 * mm),
        ]
        head = ["STT", "Mã hồ sơ", "Người nộp", "Thủ tục", "Ngày nhận", "Hẹn trả", "Giải quyết xong",
                "Trả kết quả", "Trạng thái", "Quá hạn"]
        rows = [[Paragraph(h, s.cell_head) for h in head]]
        for n, dossier in enumerate(dossiers, 1):
            late = _lateness(dossier)
            rows.append([
                Paragraph(str(n), s.cell_center),
                Paragraph(esc(dossier.code or ""), s.cell),
                Paragraph(f"{esc(dossier.applicant_name)}<br/>{esc(dossier.applicant_id_number)}", s.cell),
                # A register row stays a row: a name of up to 2,000 characters is cut in the book only.
                Paragraph(esc(_procedure(dossier, limit=240)), s.cell),
                Paragraph(esc(fmt_date(dossier.received_at)), s.cell_center),
                Paragraph(esc(fmt_date(dossier.due_at)), s.cell_center),
                Paragraph(esc(fmt_date(dossier.resolved_at)), s.cell_center),
                Paragraph(esc(fmt_date(dossier.returned_at)), s.cell_center),
                Paragraph(esc(state_label(dossier.state)), s.cell),
                Paragraph(f"<b>{esc(late)}</b>" if late else "", s.cell_center),
            ])
        fixed = [10 * mm, 44 * mm, 40 * mm, 0, 20 * mm, 20 * mm, 21 * mm, 20 * mm, 27 * mm, 16 * mm]
        fixed[3] = width - sum(fixed)
        story.append(grid(rows, fixed, s))
        return build(page, story, title=f"Sổ theo dõi hồ sơ {agency.name}", author=agency.name,
                     footer=f"Mẫu số 07 · Sổ theo dõi hồ sơ · {agency.name}", margins=margin)
