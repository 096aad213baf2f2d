"""The printed declaration (tờ khai) of a dossier: its structured answers laid out as the official form.

The national heading, the declaration's title and the legal text that issues it, "Kính gửi" the receiving
agency, then the sections of the version's ``form_ui`` in order, each field with its label as the schema
names it (docs/declarations.md): code-list values by name, dates dd/mm/yyyy, money with thousand
separators and "đồng", yes/no as "Có"/"Không", fixed choices by their labels, an address as one line,
repeatable groups as tables. A field whose ``show_if`` does not hold, and a section left with nothing
answered, are left out. The commitment, the place and date, and the signature blocks close it: those the UI's
``signatures`` lists (both parties of a marriage, side by side), else the one block of the applicant.

The wording is Vietnamese, written directly (not gettext), as the other printed forms (``cases.printing``):
a declaration is a legal document in Vietnamese whatever the language of the page that asked for it.
"""

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import CondPageBreak, KeepTogether, Paragraph, Spacer, Table, TableStyle

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
SIGN_NOTE = "(Ký, ghi rõ họ, chữ đệm, tên)"
SIGNATURES_PER_ROW = 3  # more signature blocks than this go on several rows
FOOTER_TITLE = 80  # characters of the title in the footer, beside the dossier code and the page number
TEXT_COLUMN_FLOOR = 32 * mm  # a table's text column gets this much (if it needs it) before the others grow
KEEP_WITH_CLOSING = 60 * mm  # at most this much of the form's end goes to the signatures' page with them
SECTION_SPACE = 3 * mm  # above a section's title
SECTION_START = 50 * mm  # a section opening with a long table starts on a page only if this much is left


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

    def names_at(self, dotted: str) -> list[str]:
        """The answer at ``dotted`` as text: one, or one per item when the path runs through a repeatable
        group ("partners.full_name": every partner's; none when the group is empty)."""

        def walk(node: Any, value: Any, parts: list[str]) -> list[str]:
            node = self.field(node)
            if node.get("type") == "array":
                items = value if isinstance(value, list) else []
                return [text for item in items for text in walk(node.get("items"), item, parts)]
            if not parts:
                return ["" if value is None or isinstance(value, dict | list) else nfc(value).strip()]
            sub = (node.get("properties") or {}).get(parts[0])
            return walk(sub, value.get(parts[0]) if isinstance(value, dict) else None, parts[1:])

        return walk(self.schema, self.data, dotted.split("."))

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
    value, and the rest of the line shared by the text columns: each first gets up to ``TEXT_COLUMN_FLOOR``
    (a name stays on one line beside a long address), then what is left in proportion to what it lacks."""
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
    floors = [min(w, TEXT_COLUMN_FLOOR) for w in flexible]
    left = available - fixed - sum(floors)
    wanting = sum(flexible) - sum(floors)
    if left < 0 or wanting <= 0:
        share = (available - fixed) / sum(flexible)
        texts = iter([w * share for w in flexible])
    else:
        texts = iter([floor + min(left, wanting) * (w - floor) / wanting + max(left - wanting, 0) * w / sum(flexible)
                      for w, floor in zip(flexible, floors, strict=True)])
    return [number_width, *(w if is_short else next(texts) for w, is_short in zip(natural, short, strict=True))]


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
    # The space above the title is a Spacer, not the title's own space before: reportlab's KeepTogether leaves
    # the latter out of the height it checks, and the section's first lines could then fall onto the next page.
    return [Spacer(1, SECTION_SPACE), title, *body]


def _height(flowable, width: float) -> float:
    _width, tall = flowable.wrap(width, A4[1])
    return tall + flowable.getSpaceBefore() + flowable.getSpaceAfter()


def _kept(flowables: list, width: float) -> list:
    """A section's flowables with its title on the page of its first lines: kept together with them or, when
    they hold a long table, started on this page only if ``SECTION_START`` is left (the table then runs on to
    the next page under its header repeated, rather than leaving this one's end blank)."""
    if not flowables:
        return []
    head = _head(flowables)
    if sum(_height(flowable, width) for flowable in flowables[:head]) <= SECTION_START:
        return [KeepTogether(flowables[:head]), *flowables[head:]]
    return [CondPageBreak(SECTION_START), *flowables]


def _head(flowables: list) -> int:
    """How many of a section's ``flowables`` open it: its title and its first two answers (a line, a group's
    label, a table), with the spaces before and between them."""
    seen = 0
    for count, flowable in enumerate(flowables, start=1):
        seen += not isinstance(flowable, Spacer)
        if seen == 3:
            return count
    return len(flowables)


def _tail(flowables: list, width: float) -> int:
    """How many of the last ``flowables`` (the form's last section) go to the signatures' page with them, so
    that a signature never stands alone on a page: as many as fit in ``KEEP_WITH_CLOSING``, none when even the
    last one is taller (a long table or text: see ``_carry``). The section's title and first lines stay
    together on either side."""
    height, count = 0.0, 0
    for flowable in reversed(flowables):
        tall = _height(flowable, width)
        if height + tall > KEEP_WITH_CLOSING:
            break
        height, count = height + tall, count + 1
    head = _head(flowables)
    if 0 < len(flowables) - count < head:
        count = max(len(flowables) - head, 0)
    return count


def _carry(flowables: list, width: float) -> tuple[list, list]:
    """``flowables`` (the form's last section) cut for the signatures' page: the end of its last long answer (a
    table's last rows under its header repeated, a text's last lines; ``KEEP_WITH_CLOSING`` or half of it) goes
    there with them, or the whole section when that answer cannot be cut and the section is not long."""
    index = next((i for i in range(len(flowables) - 1, -1, -1) if not isinstance(flowables[i], Spacer)), None)
    if index is None:
        return flowables, []
    answer = flowables[index]
    tall = _height(answer, width)
    parts = answer.split(width, tall - min(KEEP_WITH_CLOSING, tall / 2))
    if len(parts) == 2:
        return [*flowables[:index], parts[0]], [parts[1], *flowables[index + 1:]]
    if sum(_height(flowable, width) for flowable in flowables) <= 2 * KEEP_WITH_CLOSING:
        return [], flowables
    return flowables, []


class _PageMark(Spacer):
    """A mark of no size that notes the page it lands on in ``pages[key]`` (a space of nothing, so that what
    looks for the answers of a section passes it by)."""

    _ZEROSIZE = True  # reportlab's flag: it fits even at the very foot of a full page, where the answer ended

    def __init__(self, pages: dict[str, int], key: str):
        super().__init__(0, 0)
        self.pages, self.key = pages, key

    def draw(self):
        self.pages[self.key] = self.canv.getPageNumber()


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


@dataclass(frozen=True)
class _Signer:
    """One signature block: who signs, as the form names them; the note under it; the name printed under
    the space (empty: a blank the signer writes in)."""

    title: str
    note: str
    name: str


def _signers(form: _Form, dossier, schema: dict) -> list[_Signer]:
    """Who signs: the UI's ``signatures`` whose ``show_if`` holds, in order, one block per item when a
    ``name`` runs through a repeatable group; without them, the applicant, named as the kind of form names
    its author (``SIGNERS``)."""
    signers: list[_Signer] = []
    declared = form.ui.get("signatures")
    for entry in declared if isinstance(declared, list) else []:
        if not isinstance(entry, dict) or not nfc(entry.get("title")).strip():
            continue
        if not isinstance(entry.get("show_if") or {}, dict) or not _shown(entry.get("show_if"), form.data):
            continue
        title, note = nfc(entry["title"]).strip(), nfc(entry.get("note") or SIGN_NOTE)
        path = entry.get("name")
        names = form.names_at(path) if isinstance(path, str) and path else [""]
        signers += [_Signer(title, note, name) for name in names]
    if signers:
        return signers
    kind = nfc(schema.get("title", "")).upper()
    who = next((who for words, who in SIGNERS if words in kind), "NGƯỜI YÊU CẦU")
    return [_Signer(who, SIGN_NOTE, nfc(dossier.applicant_name))]


def _signature_blocks(dossier, signers: list[_Signer], width: float, s: Styles) -> list:
    """The place and date, and the signature blocks under it. One block stands at the right of the page; several
    stand side by side (the official marriage form: "Bên nữ" left, "Bên nam" right) under the date, at most
    ``SIGNATURES_PER_ROW`` to a row, a short last row to the right (where the declarant signs)."""
    when = dossier.submitted_at or dossier.created_at or timezone.now()
    small = ParagraphStyle("sig", parent=s.small, alignment=TA_CENTER)
    date = Paragraph(f"<i>{esc(_place(dossier.agency))}, {esc(_day_words(when))}</i>", s.center)
    style = TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONTNAME", (0, 0), (-1, -1), FONT)])

    def block(signer: _Signer) -> list:
        return [
            Paragraph(f"<b>{esc(signer.title)}</b>", s.center),
            Paragraph(esc(signer.note), small),
            Spacer(1, 16 * mm),
            Paragraph(f"<b>{esc(signer.name)}</b>", s.center),
        ]

    if len(signers) == 1:
        return [Table([["", [date, *block(signers[0])]]], colWidths=[width * 0.45, width * 0.55], style=style)]
    rows = math.ceil(len(signers) / SIGNATURES_PER_ROW)
    columns = math.ceil(len(signers) / rows)
    flowables: list = [Table([["", date]], colWidths=[width / 2, width / 2], style=style)]
    for start in range(0, len(signers), columns):
        group = [None] * (columns - len(signers[start:start + columns])) + signers[start:start + columns]
        # Titles, notes, the space and the names each on one line of the table: a title on two lines does not
        # push its own block's name below its neighbours'.
        parts = [block(signer) if signer else ["", "", "", ""] for signer in group]
        table = Table([[cell[line] for cell in parts] for line in range(4)], colWidths=[width / columns] * columns,
                      style=style)
        table.setStyle(TableStyle([("TOPPADDING", (0, 1), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -2), 0)]))
        flowables.append(table)
    return flowables


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
        "section": ParagraphStyle("decl_section", parent=s.left, spaceAfter=1 * mm),
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
    sections: list[list] = []
    for section in ui.get("sections") or []:
        flowables = _section(form, section, width, s, styles, len(sections) + 1)
        if flowables:
            sections.append(flowables)
    last = sections.pop() if sections else []
    signers = _signers(form, dossier, schema)
    commitment = ui.get("commitment")
    commitment = nfc(commitment).strip() if isinstance(commitment, str) and commitment.strip() else COMMITMENT

    kept = _tail(last, width)

    def closed(*, carry: bool, pages: dict[str, int]) -> list:
        """The sections and the closing (the commitment, the date, the signatures), kept on one page with the
        end of the last section: its last lines, or with ``carry`` the end of its last long answer."""
        body, tail = last[:len(last) - kept], last[len(last) - kept:]
        if carry and not tail:
            body, tail = _carry(body, width)
        # The form's mark right after its last answer (before any space that would go over the page with it).
        end = next((i + 1 for i in range(len(body) - 1, -1, -1) if not isinstance(body[i], Spacer)), 0)
        body = [*body[:end], _PageMark(pages, "form"), *body[end:]]
        out: list = []
        for flowables in [*sections, body]:
            out += _kept(flowables, width)
        closing = [*tail, Spacer(1, 3 * mm), Paragraph(esc(commitment), s.body), Spacer(1, 3 * mm),
                   *_signature_blocks(dossier, signers, width, s)]
        # reportlab leaves the space before a group's first flowable out of the height it checks, yet draws it
        # on a page that is not empty: the same space at the end makes the check true (the signatures would
        # otherwise fall alone onto the next page when the group fits within that space).
        return [*out, KeepTogether([_PageMark(pages, "closing"), *closing,
                                    Spacer(1, closing[0].getSpaceBefore())])]

    short = title.capitalize()
    if len(short) > FOOTER_TITLE:
        short = short[: FOOTER_TITLE - 1].rstrip(" ,") + "…"
    footer = f"{short} · {dossier.code or 'hồ sơ chưa nộp'}"
    meta = {"title": f"{title} {dossier.code or ''}".strip(), "author": nfc(dossier.applicant_name),
            "footer": footer, "margins": MARGIN}
    pages: dict[str, int] = {}
    pdf = build(A4, [*story, *closed(carry=False, pages=pages)], **meta)
    if pages.get("closing", 0) > pages.get("form", 0) and not kept:
        # The signatures went to a page with nothing of the form on it: laid out again, the end of the last
        # long answer going with them (a split table repeats its header there).
        pdf = build(A4, [*story, *closed(carry=True, pages={})], **meta)
    return pdf
