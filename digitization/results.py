"""The electronic result of a dossier as a PDF (A4, reportlab): the national heading, the agency, the
number and symbol, the title and body from the procedure's result template, the signer's block, and a QR
code to the public verification page. It is signed afterwards (``digitization.pki.sign_pdf``).

The wording is Vietnamese whatever the language of the page that triggered it: it is a legal document.
"""

from django.conf import settings
from django.template import Context, Engine
from django.utils import timezone
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from core.pdf import FONT, FRAME_PADDING, QrFlowable, Styles, build, esc, fmt_date, heading, nfc

from .defaults import DEFAULT_BODY

_engine = Engine(autoescape=False)


def place_name(province: str) -> str:
    """'Thành phố Đà Nẵng' → 'Đà Nẵng': a document is dated at a place, not at an administrative title."""
    name = " ".join(province.split())
    for title in ("thành phố ", "tỉnh "):
        if name.lower().startswith(title):
            return name[len(title):]
    return name


def verify_url(base_url: str, code: str, key: str) -> str:
    return f"{base_url.rstrip('/')}/xac-minh/{code}/?k={key}"


def render_result(*, document, dossier, template, base_url: str) -> bytes:
    """The unsigned PDF of ``document`` (a DigitizedDocument of kind result, its code allocated)."""
    s = Styles(11)
    width = A4[0] - 2 * 20 * mm - 2 * FRAME_PADDING
    agency = dossier.handling_agency or dossier.agency
    issued = document.issue_date or timezone.localdate()
    values = {
        "applicant_name": dossier.applicant_name, "id_number": dossier.applicant_id_number,
        "address": dossier.applicant_address or "…", "procedure": dossier.version.name,
        "result_name": document.document_type_name, "number_symbol": document.number_symbol,
        "dossier_code": dossier.code, "received_on": fmt_date(dossier.received_at), "issued_on": fmt_date(issued),
        "agency": agency.name,
    }
    body_text = _engine.from_string(template.body if template else DEFAULT_BODY).render(Context(values))
    title = nfc(template.title if template and template.title else document.document_type_name).upper()
    right = ParagraphStyle("right", parent=s.center, fontSize=10)
    number_row = Table(
        [[Paragraph(f"Số: {esc(document.number_symbol)}", s.center),
          Paragraph(f"<i>{esc(place_name(settings.PORTAL_PROVINCE))}, "
                    f"ngày {issued:%d} tháng {issued:%m} năm {issued:%Y}</i>", right)]],
        colWidths=[width * 0.42, width * 0.58],
    )
    number_row.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                    ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    story = [heading(agency, width, s), Spacer(1, 2 * mm), number_row, Spacer(1, 6 * mm),
             Paragraph(esc(title), s.title), Spacer(1, 4 * mm)]
    for paragraph in [p.strip() for p in body_text.split("\n\n") if p.strip()]:
        story.append(Paragraph(esc(" ".join(paragraph.split())), s.body))
        story.append(Spacer(1, 2 * mm))
    if document.valid_until:
        story.append(Paragraph(f"Văn bản có giá trị đến ngày {fmt_date(document.valid_until)}.", s.body))
    url = verify_url(base_url, document.code, document.verify_key)
    qr_size = 28 * mm
    signer = [
        Paragraph(f"<b>{esc((template.signer_title if template else 'THỦ TRƯỞNG CƠ QUAN').upper())}</b>", s.center),
        Paragraph("(Đã ký số)", s.center),
        Spacer(1, 10 * mm),
        Paragraph(f"<b>{esc(document.signer)}</b>", s.center),
    ]
    qr = [QrFlowable(url, qr_size), Paragraph("Mã văn bản: " + esc(document.code), s.small),
          Paragraph("Mã xác minh: <b>" + esc(document.verify_key) + "</b>", s.small),
          Paragraph(esc(url), s.small)]
    closing = Table([[qr, signer]], colWidths=[width * 0.45, width * 0.55])
    closing.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONTNAME", (0, 0), (-1, -1), FONT),
                                 ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    story += [Spacer(1, 8 * mm), closing]
    return build(A4, story, title=f"{title} {document.code}", author=agency.name,
                 footer=f"{document.code} · hồ sơ {dossier.code}", margins=20 * mm)
