"""The PDF kit of the portal's printed documents (reportlab): fonts, text, dates and money as the forms write
them, the paragraph styles, the agency heading, tables, signatures, a QR code, and the document itself.

The printed forms (``cases.printing``) and the signed electronic results (``digitization.results``) are
drawn with it. The fixed wording here is Vietnamese, not gettext: these are legal documents handed over
in Vietnamese whatever the language of the page that asked for them.

Fonts: DejaVu Sans, shipped in ``core/fonts`` (the built-in PDF fonts have no Vietnamese), registered once
per process and embedded (subset) in every PDF. Every string is NFC-normalized first: reportlab does no
shaping, and decomposed combining marks would print stacked beside their letters.
"""

import datetime as dt
import threading
import unicodedata
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

import qrcode
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Flowable,
    HRFlowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from core.moments import aware_moment

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT, FONT_BOLD = "DejaVuSans", "DejaVuSans-Bold"
FRAME_PADDING = 6  # points: SimpleDocTemplate's frame pads each side, so a full-width table is this much narrower

# --- fonts and text -------------------------------------------------------------------------------------

_fonts_lock = threading.Lock()
_fonts_ready = False


def register_fonts() -> None:
    """Register DejaVu Sans (regular and bold, as one family for <b>) once per process."""
    global _fonts_ready
    if _fonts_ready:
        return
    with _fonts_lock:
        if _fonts_ready:
            return
        pdfmetrics.registerFont(TTFont(FONT, str(FONT_DIR / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont(FONT_BOLD, str(FONT_DIR / "DejaVuSans-Bold.ttf")))
        # No oblique face is shipped: italic prints upright rather than failing.
        pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)
        _fonts_ready = True


def nfc(value) -> str:
    return unicodedata.normalize("NFC", "" if value is None else str(value))


def esc(value) -> str:
    """NFC text made safe for Paragraph markup."""
    return escape(nfc(value))


def _local(value) -> dt.datetime | None:
    moment = aware_moment(value, tz=TZ)
    return moment.astimezone(TZ) if moment is not None else None


def fmt_date(value) -> str:
    """dd/mm/yyyy in Asia/Ho_Chi_Minh; a datetime, an ISO string or a date."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return f"{value:%d/%m/%Y}"
    local = _local(value)
    return f"{local:%d/%m/%Y}" if local else ""


def fmt_datetime(value) -> str:
    """HH:MM dd/mm/yyyy in Asia/Ho_Chi_Minh."""
    local = _local(value)
    return f"{local:%H:%M} {local:%d/%m/%Y}" if local else ""


def fmt_prose_datetime(value) -> str:
    """'08 giờ 30 phút, ngày 24/11/2026', as the forms write a time in running text."""
    local = _local(value)
    return f"{local:%H} giờ {local:%M} phút, ngày {local:%d/%m/%Y}" if local else "…"


def fmt_money(amount) -> str:
    return f"{int(amount):,}".replace(",", ".") + " đồng"


def fmt_days(days) -> str:
    value = Decimal(days).normalize()
    text = f"{value:f}".replace(".", ",")
    return f"{text} ngày làm việc"


# --- styles and building blocks ------------------------------------------------------------------------


class Styles:
    """The paragraph styles of a document whose body text is ``size`` points (registers the fonts)."""

    def __init__(self, size: float = 9):
        register_fonts()
        leading = size * 1.35
        self.body = ParagraphStyle(
            "body", fontName=FONT, fontSize=size, leading=leading, alignment=TA_JUSTIFY, spaceAfter=0.8 * mm
        )
        self.left = ParagraphStyle("left", parent=self.body, alignment=TA_LEFT)
        self.item = ParagraphStyle("item", parent=self.left, leftIndent=4 * mm, spaceBefore=1, spaceAfter=0)
        self.center = ParagraphStyle("center", parent=self.body, alignment=TA_CENTER)
        self.head = ParagraphStyle("head", parent=self.center, fontSize=size - 1.5, leading=(size - 1.5) * 1.3)
        self.title = ParagraphStyle(
            "title", parent=self.center, fontName=FONT_BOLD, fontSize=size + 2, leading=(size + 2) * 1.3,
            spaceBefore=3 * mm, spaceAfter=1 * mm,
        )
        self.small = ParagraphStyle("small", parent=self.left, fontSize=size - 2, leading=(size - 2) * 1.3)
        self.cell = ParagraphStyle("cell", parent=self.left, fontSize=size - 1.5, leading=(size - 1.5) * 1.3)
        self.cell_head = ParagraphStyle("cell_head", parent=self.cell, fontName=FONT_BOLD, alignment=TA_CENTER)
        self.cell_center = ParagraphStyle("cell_center", parent=self.cell, alignment=TA_CENTER)


def _short_parent_name(name: str) -> str:
    name = nfc(name)
    for long in ("Ủy ban nhân dân", "Uỷ ban nhân dân"):
        if name.lower().startswith(long.lower()):
            return "UBND" + name[len(long):]
    return name


def rule(width: float) -> HRFlowable:
    """The short line under a heading."""
    return HRFlowable(width=width, thickness=0.6, color=colors.black, spaceBefore=1, spaceAfter=0, hAlign="CENTER")


def heading(agency, width: float, s: Styles) -> Table:
    """Agency (under its parent) on the left, the national heading and motto on the right.

    ``agency`` is a ``procedures.Agency`` (a tree node: its manager answers ``get_parent``).
    """
    left = []
    parent = type(agency).objects.get_parent(agency)
    if parent is not None:
        left.append(Paragraph(esc(_short_parent_name(parent.name).upper()), s.head))
    left.append(Paragraph(f"<b>{esc(nfc(agency.name).upper())}</b>", s.head))
    left.append(rule(18 * mm))
    right = [
        Paragraph("<b>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</b>", s.head),
        Paragraph("<b><u>Độc lập - Tự do - Hạnh phúc</u></b>", s.head),
    ]
    table = Table([[left, right]], colWidths=[width * 0.42, width * 0.58])
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("ALIGN", (0, 0), (-1, -1), "CENTER"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
    ]))
    return table


class QrFlowable(Flowable):
    """A QR code drawn as filled squares on the page: vector, sharp at any zoom, and no font involved
    (reportlab's graphics widgets open a Helvetica state, which would put an unembedded font in the PDF)."""

    def __init__(self, value: str, size: float):
        super().__init__()
        # A quiet zone of 2 modules inside the flowable: the table around it adds the rest of the white.
        code = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
        code.add_data(value)
        code.make(fit=True)
        self.matrix = code.get_matrix()
        self.size = size

    def wrap(self, available_width, available_height):
        return self.size, self.size

    def draw(self):
        modules = len(self.matrix)
        step = self.size / modules
        canvas = self.canv
        canvas.setFillColor(colors.black)
        for row, line in enumerate(self.matrix):
            for col, dark in enumerate(line):
                if dark:
                    canvas.rect(col * step, self.size - (row + 1) * step, step, step, stroke=0, fill=1)


def sign(story: list, width: float, s: Styles, *blocks: tuple[str, str]) -> None:
    """End ``story`` with signature blocks side by side: (role, name); an empty role leaves its column blank.

    The form's last paragraph stays on the signature's page: a signature never stands alone on a page.
    """
    cells: list[str | list] = []  # a blank column, or the flowables of one signature
    for role, name in blocks:
        if not role:
            cells.append("")
            continue
        cells.append([
            Paragraph(f"<b>{esc(role)}</b>", s.center),
            Paragraph("(Ký và ghi rõ họ tên)", ParagraphStyle("sig", parent=s.small, alignment=TA_CENTER)),
            Spacer(1, 14 * mm),
            Paragraph(f"<b>{esc(name)}</b>" if name else "", s.center),
        ])
    table = Table([cells], colWidths=[width / len(cells)] * len(cells))
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONTNAME", (0, 0), (-1, -1), FONT)]))
    story.append(KeepTogether([story.pop(), Spacer(1, 4 * mm), table]))


def grid(rows, widths, s: Styles, *, repeat: int = 1) -> Table:
    """A ruled table whose first ``repeat`` rows are its shaded header, repeated on every page."""
    # splitInRow: a row with a very long text (a procedure name may run to 2,000 characters) continues on
    # the next page instead of failing the whole print.
    table = Table(rows, colWidths=widths, repeatRows=repeat, splitInRow=1)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, repeat - 1), colors.Color(0.92, 0.92, 0.92)),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]))
    return table


def line(label: str, value, s: Styles) -> Paragraph:
    """"Label: **value**", or "Label: …" when there is no value (a blank to fill on paper)."""
    return Paragraph(f"{esc(label)}: <b>{esc(value)}</b>" if nfc(value) else f"{esc(label)}: …", s.item)


def build(pagesize, story, *, title: str, author: str, footer: str, margins: float = 12 * mm) -> bytes:
    """The PDF of ``story``: embedded fonts only, ``footer`` and the page number at the foot of every page."""
    buffer = BytesIO()

    def on_page(canvas, doc):
        canvas.saveState()
        canvas.setFont(FONT, 6.5)
        canvas.drawString(margins, margins / 2, nfc(footer))
        canvas.drawRightString(pagesize[0] - margins, margins / 2, f"Trang {doc.page}")
        canvas.restoreState()

    doc = SimpleDocTemplate(
        buffer, pagesize=pagesize, leftMargin=margins, rightMargin=margins, topMargin=margins,
        bottomMargin=margins, title=nfc(title), author=nfc(author), subject=nfc(title), creator="DVC Portal",
        # The canvas would otherwise open each page in Helvetica: an unembedded font these forms never use.
        initialFontName=FONT, lang="vi",
    )
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue()
