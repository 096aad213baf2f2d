"""Report tables as downloads: CSV bytes as Excel needs them, XLSX read back with openpyxl."""

import datetime as dt
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from core.exports import Column, ascii_filename, content_disposition, sheet_title, table_response

VN = ZoneInfo("Asia/Ho_Chi_Minh")
COLUMNS = ["Họ và tên", "Số hồ sơ", Column("Tỷ lệ trễ hạn", "percent"), "Phí (đồng)", "Ngày nhận", "Lúc xử lý", "Ghi chú"]
ROWS = [
    ["Nguyễn Văn An", 12, 0.25, Decimal("150000.50"), dt.date(2026, 11, 2),
     dt.datetime(2026, 11, 3, 2, 30, tzinfo=dt.UTC), "Đúng hạn"],
    ['Lê Thị "Mai", phường Hải Châu', 0, None, None, None, None, "=HYPERLINK(\"http://x\")"],
]


def _xlsx(rows=ROWS, columns=COLUMNS, title="Trách nhiệm giải trình: 11/2026"):
    response = table_response(title=title, filename="Trách nhiệm giải trình", columns=columns, rows=rows, fmt="xlsx")
    return response, openpyxl.load_workbook(io.BytesIO(response.content))


def test_csv_is_utf8_with_a_bom_comma_separated_and_quoted():
    response = table_response(title="Báo cáo", filename="Báo cáo tháng 11", columns=COLUMNS, rows=ROWS, fmt="csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")  # Excel reads the file as UTF-8 only with it
    expected = (
        "\ufeffHọ và tên,Số hồ sơ,Tỷ lệ trễ hạn,Phí (đồng),Ngày nhận,Lúc xử lý,Ghi chú\r\n"
        # 02:30 UTC is 09:30 in Hà Nội; a fraction in a percent column is written as a percentage.
        "Nguyễn Văn An,12,25.0%,150000.50,2026-11-02,2026-11-03 09:30,Đúng hạn\r\n"
        # A comma or a quote makes the field quoted, its quotes doubled; a formula is kept as text.
        '"Lê Thị ""Mai"", phường Hải Châu",0,,,,,"\'=HYPERLINK(""http://x"")"\r\n'
    )
    assert response.content.decode("utf-8") == expected


def test_content_disposition_has_an_ascii_name_and_the_vietnamese_one():
    response = table_response(title="x", filename="Báo cáo Đà Nẵng", columns=["a"], rows=[], fmt="csv")

    assert response["Content-Disposition"] == (
        "attachment; filename=\"Bao cao Da Nang.csv\"; "
        "filename*=UTF-8''B%C3%A1o%20c%C3%A1o%20%C4%90%C3%A0%20N%E1%BA%B5ng.csv"
    )
    assert content_disposition("report-2026.xlsx") == 'attachment; filename="report-2026.xlsx"'
    assert ascii_filename('a"b/c\\d;e\nf') == "a-b-c-d-e-f"
    assert ascii_filename("Đ/") == "D"


def test_xlsx_has_a_bold_frozen_header_and_the_values_with_their_types():
    response, workbook = _xlsx()

    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert 'filename="Trach nhiem giai trinh.xlsx"' in response["Content-Disposition"]
    sheet = workbook.active
    assert sheet.title == "Trách nhiệm giải trình 11 2026"  # ':' and '/' are not allowed in a sheet name
    assert workbook.properties.title == "Trách nhiệm giải trình: 11/2026"
    assert sheet.freeze_panes == "A2"
    header = list(sheet[1])
    assert [c.value for c in header] == [c if isinstance(c, str) else c.title for c in COLUMNS]
    assert all(c.font.b for c in header)

    first = list(sheet[2])
    assert [c.value for c in first] == [
        "Nguyễn Văn An", 12, 0.25, 150000.5, dt.datetime(2026, 11, 2), dt.datetime(2026, 11, 3, 9, 30), "Đúng hạn",
    ]
    assert not any(c.font.b for c in first)
    assert [c.data_type for c in first] == ["s", "n", "n", "n", "d", "d", "s"]
    assert [c.number_format for c in first[1:6]] == ["#,##0", "0.0%", "#,##0.00", "DD/MM/YYYY", "DD/MM/YYYY HH:MM"]

    second = list(sheet[3])
    assert second[0].value == 'Lê Thị "Mai", phường Hải Châu'
    assert second[1].value == 0
    assert [c.value for c in second[2:6]] == [None, None, None, None]
    assert second[6].value == '=HYPERLINK("http://x")'
    assert second[6].data_type == "s"  # text, never run as a formula
    assert sheet.max_row == 3


def test_xlsx_columns_are_sized_to_their_content():
    _response, workbook = _xlsx()
    widths = workbook.active.column_dimensions

    # The name column holds a 29-character text, the count column only its header.
    assert widths["A"].width == len('Lê Thị "Mai", phường Hải Châu') + 2
    assert widths["B"].width == len("Số hồ sơ") + 2
    assert widths["A"].width > widths["B"].width


def test_a_large_generator_is_written_whole():
    rows = ([f"Hồ sơ {n}", n, n / 1000] for n in range(5000))
    _response, workbook = _xlsx(rows=rows, columns=["Tên", "Số", Column("Tỷ lệ", "percent")])
    sheet = workbook.active

    assert sheet.max_row == 5001
    assert [c.value for c in sheet[5001]] == ["Hồ sơ 4999", 4999, 4.999]


def test_an_empty_table_is_its_header():
    response = table_response(title="Trống", filename="trong", columns=["Cột A", "Cột B"], rows=iter(()), fmt="csv")
    assert response.content.decode("utf-8") == "\ufeffCột A,Cột B\r\n"
    _response, workbook = _xlsx(rows=[], columns=["Cột A", "Cột B"])
    assert [[c.value for c in row] for row in workbook.active.iter_rows()] == [["Cột A", "Cột B"]]


def test_sheet_title_rules():
    assert sheet_title("Báo cáo [quý] IV/2026: chi tiết đầy đủ các cơ quan") == "Báo cáo quý IV 2026 chi tiết đầ"
    assert len(sheet_title("x" * 40)) == 31
    assert sheet_title("///") == "Sheet1"


def test_an_unknown_format_or_column_kind_is_refused():
    with pytest.raises(ValueError):
        table_response(title="x", filename="x", columns=["a"], rows=[], fmt="pdf")
    with pytest.raises(ValueError):
        Column("a", "money")
