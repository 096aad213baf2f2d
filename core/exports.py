"""Any report table as a download: CSV that Excel opens with its Vietnamese intact, or a real XLSX workbook.

One function, ``table_response``: a title, a file name, the column headers and the rows (str, int, float,
Decimal, date, datetime, bool or None), CSV or XLSX. A header may be a ``Column`` to say how its values
are shown (a fraction as a percentage, say); a plain string guesses from each value's type.
"""

import csv
import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO
from itertools import chain, islice
from typing import Literal
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .text import fold

Format = Literal["csv", "xlsx"]
FORMATS: tuple[Format, ...] = ("csv", "xlsx")

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

# Excel's number formats, Vietnamese order for dates (day/month/year).
NUMBER_FORMATS = {
    "integer": "#,##0",
    "decimal": "#,##0.00",
    "percent": "0.0%",
    "date": "DD/MM/YYYY",
    "datetime": "DD/MM/YYYY HH:MM",
}
KINDS = ("auto", "text", *NUMBER_FORMATS)

WIDTH_SAMPLE_ROWS = 200  # rows read ahead to size the columns (a write-only sheet sets widths before any row)
MIN_WIDTH, MAX_WIDTH = 8, 60
EXCEL_CELL_LIMIT = 32767
# A text cell starting with one of these is a formula to Excel or LibreOffice: a reason typed as
# "=HYPERLINK(...)" must stay text (CSV injection, OWASP).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    """A header and how its values are shown: ``auto`` (by type), ``text``, ``integer``, ``decimal``,
    ``percent`` (a fraction, 0.25 shown as 25.0%), ``date`` or ``datetime``; ``width`` in characters."""

    title: str
    kind: str = "auto"
    width: int | None = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")


def table_response(
    *,
    title: str,
    filename: str,
    columns: Sequence[str | Column],
    rows: Iterable[Sequence],
    fmt: Format,
) -> HttpResponse:
    """A download of the table: ``fmt`` "csv" or "xlsx", named ``filename`` (its extension added if missing).

    CSV: UTF-8 with a byte order mark (so Excel reads Vietnamese correctly), comma-separated, quoted where
    needed, CRLF line ends (RFC 4180); dates as YYYY-MM-DD and times in local time, percentages as "25.0%".
    XLSX: one sheet named after ``title``, a bold frozen header with a filter, widths from the header and
    the first rows, number, percent and date formats. Rows are consumed once, in order, and written as they
    come (openpyxl's write-only mode keeps no cell objects), so a queryset's ``iterator()`` is a good
    argument. Text that Excel would run as a formula is kept as text. ValueError for another ``fmt``.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    described = [c if isinstance(c, Column) else Column(str(c)) for c in columns]
    name = filename if filename.lower().endswith(f".{fmt}") else f"{filename}.{fmt}"
    response = HttpResponse(content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = content_disposition(name)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    if fmt == "csv":
        _write_csv(response, described, rows)
    else:
        response.write(_xlsx_bytes(title, described, rows))
    return response


def content_disposition(filename: str, *, attachment: bool = True) -> str:
    """``attachment; filename="ascii"; filename*=UTF-8''percent-encoded`` (RFC 6266 and RFC 5987): every
    browser gets a name, and those that read ``filename*`` (all current ones) get the Vietnamese one."""
    fallback = ascii_filename(filename)
    value = f'{"attachment" if attachment else "inline"}; filename="{fallback}"'
    if fallback != filename:
        value += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return value


def ascii_filename(filename: str) -> str:
    """The file name without diacritics (đ → d), quotes, slashes or control characters."""
    bare = fold(filename).encode("ascii", "ignore").decode()
    bare = re.sub(r'[\x00-\x1f\x7f"\\/;:*?<>|]+', "-", bare).strip(" .-")
    return bare or "export"


# --- CSV -----------------------------------------------------------------------------------------------------


def _write_csv(out, columns: list[Column], rows: Iterable[Sequence]) -> None:
    out.write("\ufeff")
    writer = csv.writer(out)  # excel dialect: comma, "" escaping, minimal quoting, \r\n
    writer.writerow([_csv_text(c.title) for c in columns])
    for row in rows:
        writer.writerow([_csv_value(value, column) for value, column in zip(row, _padded(columns, row), strict=False)])


def _padded(columns: list[Column], row: Sequence) -> list[Column]:
    """A row longer than the header still gets a column description for each value."""
    return columns if len(row) <= len(columns) else columns + [Column("")] * (len(row) - len(columns))


def _csv_value(value, column: Column) -> str:
    if value is None:
        return ""
    if column.kind == "percent" and isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return f"{float(value) * 100:.1f}%"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, dt.datetime):
        return _local(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int | float | Decimal):
        return str(value)
    return _csv_text(str(value))


def _csv_text(text: str) -> str:
    # A leading apostrophe makes a spreadsheet show the cell as text; the apostrophe itself is not shown.
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


# --- XLSX ----------------------------------------------------------------------------------------------------

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="EEF1F4")  # the pages' table header colour
HEADER_ALIGNMENT = Alignment(vertical="top", wrap_text=True)


def sheet_title(title: str) -> str:
    """A valid sheet name: at most 31 characters, none of ``[]:*?/\\``, not empty."""
    cleaned = re.sub(r"[\[\]:*?/\\\s]+", " ", ILLEGAL_CHARACTERS_RE.sub("", title)).strip().strip("'")
    return cleaned[:31].strip() or "Sheet1"


def _xlsx_bytes(title: str, columns: list[Column], rows: Iterable[Sequence]) -> bytes:
    workbook = Workbook(write_only=True)
    workbook.properties.title = title
    sheet = workbook.create_sheet(sheet_title(title))
    rows = iter(rows)
    sample = list(islice(rows, WIDTH_SAMPLE_ROWS))
    width_count = max([len(columns), *(len(r) for r in sample)])
    for index in range(width_count):
        column = columns[index] if index < len(columns) else Column("")
        sheet.column_dimensions[get_column_letter(index + 1)].width = column.width or _width(index, column, sample)
    sheet.freeze_panes = "A2"
    if columns:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}1"
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=_xlsx_text(column.title))
        cell.data_type = "s"
        cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, HEADER_ALIGNMENT
        header.append(cell)
    sheet.append(header)
    for row in chain(sample, rows):
        sheet.append([_xlsx_cell(sheet, value, column) for value, column in zip(row, _padded(columns, row), strict=False)])
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(sheet, value, column: Column):
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    kind = column.kind
    if isinstance(value, dt.datetime):
        value = _local(value).replace(tzinfo=None, microsecond=0)  # Excel has no time zones: local time, as on the pages
        kind = kind if kind in ("date", "datetime") else "datetime"
    elif isinstance(value, dt.date):
        kind = "date"
    elif isinstance(value, int | float | Decimal):
        if kind not in ("integer", "decimal", "percent"):
            kind = "integer" if isinstance(value, int) or (isinstance(value, Decimal) and value == value.to_integral()) else "decimal"
    else:
        cell = WriteOnlyCell(sheet, value=_xlsx_text(str(value)))
        cell.data_type = "s"  # never a formula, whatever it starts with
        return cell
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = NUMBER_FORMATS[kind]
    return cell


def _xlsx_text(text: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", text)[:EXCEL_CELL_LIMIT]


def _width(index: int, column: Column, sample: list[Sequence]) -> float:
    longest = max([len(column.title), *(_shown_length(r[index], column) for r in sample if index < len(r))])
    return float(min(MAX_WIDTH, max(MIN_WIDTH, longest + 2)))


def _shown_length(value, column: Column) -> int:
    if value is None:
        return 0
    if isinstance(value, dt.datetime):
        return 16
    if isinstance(value, dt.date):
        return 10
    if column.kind == "percent":
        return 7
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return len(f"{value:,}") if isinstance(value, int) else len(f"{float(value):,.2f}")
    # The longest line, for a text with line breaks.
    return max((len(line) for line in str(value).splitlines()), default=0)


def _local(value: dt.datetime) -> dt.datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value
