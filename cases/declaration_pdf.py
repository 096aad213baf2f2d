"""The printed declaration (tờ khai) of a dossier: its structured answers laid out as the official form.

The national heading, the declaration's title and the legal text that issues it, "Kính gửi" the receiving
agency, then the sections of the version's ``form_ui`` in order, each field with its label as the schema
names it (docs/declarations.md): code-list values by name, dates dd/mm/yyyy, money with thousand
separators and "đồng", yes/no as "Có"/"Không", fixed choices by their labels, an address as one line,
repeatable groups as tables. A field whose ``show_if`` does not hold, and a section left with nothing
answered, are left out. The commitment, the place and date, and the applicant's signature close it.

The wording is Vietnamese, written directly (not gettext), as the other printed forms (``cases.printing``):
a declaration is a legal document in Vietnamese whatever the language of the page that asked for it.
"""

import datetime as dt
from typing import Any

from django.utils import timezone
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle

from core.pdf import (
    FONT,
    FONT_BOLD,
    FRAME_PADDING,
    Styles,
    build,
    esc,
    fmt_date,
    fmt_money,
    grid,
    nfc,
    register_fonts,
    rule,
)
from procedures.selectors import code_lists

COMMITMENT = ("Tôi cam đoan những nội dung khai trên đây là đúng sự thật và chịu trách nhiệm trước pháp luật "
              "về cam đoan của mình.")
MARGIN = 15 * mm
# Who signs, as the official forms name them (by words of the title): the owner of a household business, the
# declarant of a residence form, the author of an application ("đơn"), who asks in a request form ("giấy đề
# nghị"); anyone else requesting in a declaration ("tờ khai").
SIGNERS = (
    ("HỘ KINH DOANH", "CHỦ HỘ KINH DOANH"),
    ("THÔNG TIN CƯ TRÚ", "NGƯỜI KÊ KHAI"),
    ("TRỢ GIÚP XÃ HỘI", "NGƯỜI KHAI"),
    ("ĐƠN ", "NGƯỜI LÀM ĐƠN"),
    ("GIẤY ĐỀ NGHỊ", "NGƯỜI ĐỀ NGHỊ"),
)
FOOTER_TITLE = 80  # characters of the title in the footer, beside the dossier code and the page number


class NoDeclaration(Exception):
    """The dossier's procedure version has no declaration (an empty ``form_schema``): nothing to print."""


# --- reading the schema ----------------------------------------------------------------------------------


def _resolve(node: Any, root: dict) -> dict:
    """A field's schema with a local ``$ref`` ("#/$defs/address") followed; the label written beside the
    ``$ref`` wins over the definition's own."""
    if not isinstance(node, dict):
        return {}
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        target = (root.get("$defs") or {}).get(ref.removeprefix("#/$defs/"), {})
        return {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def _lists_of(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        if isinstance(node.get("x-codelist"), str):
            found.add(node["x-codelist"])
        for value in node.values():
            found |= _lists_of(value)
    elif isinstance(node, list):
        for value in node:
            found |= _lists_of(value)
    return found


UNIT_KINDS = ("Phường ", "Xã ", "Đặc khu ", "Thành phố ", "Tỉnh ")


def _in_line(name: str) -> str:
    """A unit's name inside an address line: its kind in lower case ("12 Lê Duẩn, phường Hải Châu, thành phố
    Đà Nẵng"), as Vietnamese writes it after a comma."""
    for kind in UNIT_KINDS:
        if name.startswith(kind):
            return kind.lower() + name[len(kind):]
    return name


def _is_address(field: dict) -> bool:
    props = field.get("properties") or {}
    return field.get("type") == "object" and "province" in props and "commune" in props


def _empty(value: Any) -> bool:
    if value is None or value == "" or value == [] or value == {}:
        return True
    if isinstance(value, dict):
        return all(_empty(v) for v in value.values())
    return False


def _get(data: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    return data


def _shown(condition: dict | None, data: dict) -> bool:
    if not condition:
        return True
    value = _get(data, condition.get("field", ""))
    if "equals" in condition:
        return value == condition["equals"]
    return value in (condition.get("in") or [])


class _Form:
    """One declaration being printed: its schema, layout, answers and the names of its code lists."""

    def __init__(self, schema: dict, ui: dict, data: dict):
        self.schema, self.ui, self.data = schema, ui, data
        self.ui_fields: dict[str, dict] = ui.get("fields") or {}
        self.names = code_lists(_lists_of(schema))
        self.triggers = {(o.get("show_if") or {}).get("field") for o in self.ui_fields.values()} - {None}

    def field(self, node: Any) -> dict:
        return _resolve(node, self.schema)

    def label(self, node: dict, name: str) -> str:
        return nfc(node.get("title") or name)

    def code_name(self, key: str, code: Any) -> str:
        entry = self.names.get(key, {}).get(str(code))
        return nfc(entry[0]) if entry else nfc(code)

    def text(self, field: dict, value: Any, path: str) -> str:
        """A scalar or an address as the form prints it."""
        if value is None:
            return ""
        if _is_address(field):
            value = value if isinstance(value, dict) else {}
            parts = [nfc(value.get("street") or "").strip()]
            props = field.get("properties") or {}
            for part in ("commune", "province"):
                if value.get(part):
                    parts.append(_in_line(self.code_name(props[part].get("x-codelist", part), value[part])))
            return ", ".join(p for p in parts if p)
        if field.get("x-codelist"):
            return self.code_name(field["x-codelist"], value)
        if isinstance(value, bool):
            return "Có" if value else "Không"
        if field.get("enum") is not None:
            choices = self.ui_fields.get(path, {}).get("choices") or {}
            return nfc(choices.get(value, value))
        if field.get("x-kind") == "money" and isinstance(value, int):
            return fmt_money(value)
        if field.get("format") == "date" and isinstance(value, str):
            try:
                return fmt_date(dt.date.fromisoformat(value))
            except ValueError:
                return nfc(value)
        return nfc(value)


# --- laying it out ---------------------------------------------------------------------------------------


def _value_line(label: str, value: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(f"{esc(label)}: <b>{esc(value)}</b>", style)


class _Short:
    """A short answer (a code, a date, a number, yes/no) that may share its line with the next ones, as the
    official forms print "Giới tính: ... Dân tộc: ... Quốc tịch: ..."."""

    def __init__(self, label: str, value: str):
        self.label, self.value = label, value

    def width(self, size: float) -> float:
        return stringWidth(f"{self.label}: ", FONT, size) + stringWidth(self.value, FONT_BOLD, size) + 8 * mm


def _is_short(field: dict) -> bool:
    if _is_address(field) or field.get("type") in ("object", "array"):
        return False
    return bool(field.get("x-codelist") or field.get("format") or field.get("enum") is None and
                field.get("type") in ("integer", "boolean"))


def _pack(items: list, width: float, style: ParagraphStyle) -> list:
    """The flowables of ``items``: runs of short answers packed side by side while they fit the line."""
    out: list = []
    row: list[_Short] = []
    usable = width - style.leftIndent

    def flush():
        if not row:
            return
        if len(row) == 1:
            out.append(_value_line(row[0].label, row[0].value, style))
        else:
            cell = ParagraphStyle("decl_cell", parent=style, leftIndent=0)
            widths = [item.width(style.fontSize) for item in row]
            widths[-1] = usable - sum(widths[:-1])
            table = Table([[_value_line(item.label, item.value, cell) for item in row]], colWidths=widths,
                          hAlign="RIGHT")
            table.setStyle(TableStyle([
                ("FONTNAME", (0, 0), (-1, -1), FONT), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
            ]))
            out.append(table)
        row.clear()

    for item in items:
        if isinstance(item, _Short):
            if row and sum(r.width(style.fontSize) for r in row) + item.width(style.fontSize) > usable:
                flush()
            row.append(item)
        else:
            flush()
            out.append(item)
    flush()
    return out


def _table(form: _Form, field: dict, rows: list, path: str, width: float, s: Styles) -> Table:
    item = form.field(field.get("items"))
    columns = list((item.get("properties") or {}).items())
    head = [Paragraph("STT", s.cell_head)] + [Paragraph(esc(form.label(form.field(c), n)), s.cell_head)
                                             for n, c in columns]
    body = []
    for number, row in enumerate(rows, 1):
        row = row if isinstance(row, dict) else {}
        cells = [Paragraph(str(number), s.cell_center)]
        for name, column in columns:
            sub = form.field(column)
            cells.append(Paragraph(esc(form.text(sub, row.get(name), f"{path}.{name}")), s.cell))
        body.append(cells)
    return grid([head, *body], _column_widths(form, columns, rows, path, width, s), s)


def _column_widths(form: _Form, columns: list, rows: list, path: str, width: float, s: Styles) -> list[float]:
    """The number column, short columns (codes, dates, ID numbers, yes/no) at the width of their longest
    value, and the rest of the line shared by the text columns in proportion to their content."""
    size, pad = s.cell.fontSize, 5
    number_width = 9 * mm
    natural, short = [], []
    for name, column in columns:
        sub = form.field(column)
        label = form.label(sub, name)
        values = [form.text(sub, (row or {}).get(name), f"{path}.{name}") for row in rows if isinstance(row, dict)]
        longest_word = max((stringWidth(w, FONT_BOLD, size) for w in label.split()), default=0)
        whole_label = min(stringWidth(label, FONT_BOLD, size), 24 * mm)  # a header wraps on two lines at most
        longest_value = max((stringWidth(v, FONT, size) for v in values), default=0)
        natural.append(max(longest_word, whole_label, min(longest_value, 70 * mm)) + pad)
        short.append(_is_short(sub))
    available = width - number_width
    fixed = sum(w for w, is_short in zip(natural, short, strict=True) if is_short)
    flexible = [w for w, is_short in zip(natural, short, strict=True) if not is_short]
    if not flexible or fixed > available * 0.7:
        scale = available / sum(natural)
        return [number_width, *(w * scale for w in natural)]
    share = (available - fixed) / sum(flexible)
    return [number_width, *(w if is_short else w * share for w, is_short in zip(natural, short, strict=True))]


def _field_flowables(form: _Form, node: Any, name: str, value: Any, path: str, width: float, s: Styles,
                     styles: dict, *, heading: bool = True) -> list:
    """What one answered field prints: a line, an object's lines under its label, or a table."""
    field = form.field(node)
    label = form.label(field, name)
    if not _shown(form.ui_fields.get(path, {}).get("show_if"), form.data) or _empty(value):
        return []
    kind = field.get("type")
    if kind == "array":
        return [*([Paragraph(f"{esc(label)}:", styles["line"])] if heading else []), Spacer(1, 1 * mm),
                _table(form, field, value if isinstance(value, list) else [], path, width, s), Spacer(1, 1.5 * mm)]
    if kind == "object" and not _is_address(field):
        inner = []
        for sub_name, sub in (field.get("properties") or {}).items():
            inner += _field_flowables(form, sub, sub_name, (value or {}).get(sub_name), f"{path}.{sub_name}",
                                      width, s, styles)
        if not inner:
            return []
        inner = _pack(inner, width, styles["line"])
        return ([Paragraph(f"<b>{esc(label)}</b>", styles["line"])] if heading else []) + inner
    text = form.text(field, value, path)
    if _is_short(field):
        return [_Short(label, text)]
    return [_value_line(label, text, styles["line"])]


def _section(form: _Form, section: dict, width: float, s: Styles, styles: dict, number: int) -> list:
    props = form.schema.get("properties") or {}
    names = [n for n in section.get("fields") or [] if n in props]
    shown = [n for n in names if _shown(form.ui_fields.get(n, {}).get("show_if"), form.data)
             and not _empty(form.data.get(n))]
    # A section whose only answers are the switches of its hidden parts ("khai thông tin người cha: Không")
    # was not filled in: it is left out, switch and all.
    if not [n for n in shown if n not in form.triggers]:
        return []
    objects = [n for n in shown if n not in form.triggers]
    # A section of one group prints the group's lines (or table) under the section's title alone.
    flatten = len(objects) == 1 and form.field(props[objects[0]]).get("type") in ("object", "array")
    body: list = []
    section_title = nfc(section.get("title") or "").lower()
    for name in shown:
        if flatten and name in form.triggers:
            continue  # the section printed below says it: its switch is implied
        # A group whose label repeats its section's title goes without it.
        repeats = form.label(form.field(props[name]), name).lower().startswith(section_title)
        body += _field_flowables(form, props[name], name, form.data.get(name), name, width, s, styles,
                                 heading=not (flatten or repeats))
    body = _pack(body, width, styles["line"])
    if not body:
        return []
    title = Paragraph(f"<b>{number}. {esc(section.get('title') or '')}</b>", styles["section"])
    return [KeepTogether([title, *body[:2]]), *body[2:]]


def _place(agency) -> str:
    """The place a declaration is dated at: the receiving agency's province ("Đà Nẵng")."""
    address = nfc(getattr(agency, "address", "") or "")
    last = address.rsplit(",", 1)[-1].strip() if address else ""
    for prefix in ("thành phố ", "tỉnh ", "Thành phố ", "Tỉnh "):
        if last.startswith(prefix):
            return last[len(prefix):]
    return last or "…"


def _day_words(moment) -> str:
    """'ngày 08 tháng 9 năm 2026', as a Vietnamese document dates itself: a day below 10 and the months 1 and 2
    take a leading zero, other months none (as the other printed forms, Decree 30/2020/NĐ-CP)."""
    local = timezone.localtime(moment) if isinstance(moment, dt.datetime) else moment
    month = f"{local:%m}" if local.month <= 2 else str(local.month)
    return f"ngày {local:%d} tháng {month} năm {local:%Y}"


def _national_heading(width: float, s: Styles) -> list:
    return [
        Paragraph("<b>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</b>", s.center),
        Paragraph("<b>Độc lập - Tự do - Hạnh phúc</b>", s.center),
        rule(45 * mm),
    ]


def _signature(dossier, schema: dict, width: float, s: Styles) -> Table:
    when = dossier.submitted_at or dossier.created_at or timezone.now()
    title = nfc(schema.get("title", "")).upper()
    signer = next((who for words, who in SIGNERS if words in title), "NGƯỜI YÊU CẦU")
    small = ParagraphStyle("sig", parent=s.small, alignment=TA_CENTER)
    right = [
        Paragraph(f"<i>{esc(_place(dossier.agency))}, {esc(_day_words(when))}</i>", s.center),
        Paragraph(f"<b>{signer}</b>", s.center),
        Paragraph("(Ký, ghi rõ họ, chữ đệm, tên)", small),
        Spacer(1, 16 * mm),
        Paragraph(f"<b>{esc(dossier.applicant_name)}</b>", s.center),
    ]
    table = Table([["", right]], colWidths=[width * 0.45, width * 0.55])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONTNAME", (0, 0), (-1, -1), FONT)]))
    return table


def render_declaration(*, dossier) -> bytes:
    """The PDF (A4) of ``dossier``'s declaration: its version's ``form_schema`` and ``form_ui`` filled with
    its ``form_data``. Raises NoDeclaration when the version has none. Code-list names are read in one
    query."""
    version = dossier.version
    schema, ui = version.form_schema or {}, version.form_ui or {}
    if not schema:
        raise NoDeclaration(f"{dossier.procedure.code}: no declaration")
    register_fonts()
    s = Styles(10)
    width = A4[0] - 2 * MARGIN - 2 * FRAME_PADDING
    styles = {
        "line": ParagraphStyle("decl_line", parent=s.left, leftIndent=4 * mm, spaceBefore=0.6 * mm),
        "section": ParagraphStyle("decl_section", parent=s.left, spaceBefore=3 * mm, spaceAfter=1 * mm),
    }
    form = _Form(schema, ui, dossier.form_data or {})
    title = nfc(schema.get("title") or "TỜ KHAI")
    story: list = [
        *_national_heading(width, s),
        Spacer(1, 4 * mm),
        Paragraph(esc(title.upper()), ParagraphStyle("decl_title", parent=s.title, fontSize=13, leading=17)),
    ]
    if schema.get("description"):
        story.append(Paragraph(f"<i>({esc(schema['description'])})</i>",
                               ParagraphStyle("decl_legal", parent=s.small, alignment=TA_CENTER)))
    story += [
        Spacer(1, 3 * mm),
        Paragraph(f"Kính gửi: <b>{esc(dossier.agency.name)}</b>", s.center),
        Spacer(1, 2 * mm),
    ]
    number = 0
    for section in ui.get("sections") or []:
        flowables = _section(form, section, width, s, styles, number + 1)
        if flowables:
            number += 1
            story += flowables
    story.append(KeepTogether([
        Spacer(1, 3 * mm),
        Paragraph(esc(COMMITMENT), s.body),
        Spacer(1, 3 * mm),
        _signature(dossier, schema, width, s),
    ]))
    short = title.capitalize()
    if len(short) > FOOTER_TITLE:
        short = short[: FOOTER_TITLE - 1].rstrip(" ,") + "…"
    footer = f"{short} · {dossier.code or 'hồ sơ chưa nộp'}"
    return build(A4, story, title=f"{title} {dossier.code or ''}".strip(), author=nfc(dossier.applicant_name),
                 footer=footer, margins=MARGIN)
