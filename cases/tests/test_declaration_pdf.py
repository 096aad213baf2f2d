"""The printed declaration (cases.declaration_pdf): the birth registration example of the demo catalog, filed on
a dossier, read back with pdftotext: the declared values with their diacritics, code lists by name (not
code), dates dd/mm/yyyy, the repeatable groups as tables, conditional sections only when answered; and its
close: the signature blocks the UI lists (both parties of a marriage, side by side) or the applicant's one,
on a page that holds some of the form."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from cases.declaration_pdf import COMMITMENT, NoDeclaration, render_declaration
from procedures.declaration_check import declaration_problems, layout_notes
from procedures.models import Code, CodeList

from .factories import DossierFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils (pdftotext) is not installed"),
]

DECLARATIONS = Path(__file__).resolve().parents[2] / "procedures" / "fixtures" / "declarations"


def declaration(code: str) -> tuple[dict, dict, dict]:
    """(schema, ui, the filled example) of a demo declaration."""
    files = json.loads((DECLARATIONS / f"{code}.json").read_text(encoding="utf-8"))
    example = json.loads((DECLARATIONS / "examples" / f"{code}.json").read_text(encoding="utf-8"))
    return files["schema"], files["ui"], example


def pdf_pages(pdf: bytes, tmp_path, *, layout: bool = False) -> list[str]:
    """The text of each page in the order it is drawn (a table cell's lines together); with ``layout``, lines
    as printed (blocks side by side on one line)."""
    path = tmp_path / "to-khai.pdf"
    path.write_bytes(pdf)
    command = [shutil.which("pdftotext"), "-layout" if layout else "-raw", str(path), "-"]
    text = subprocess.run(command, capture_output=True, check=True).stdout.decode()  # noqa: S603 - fixed tool and args
    return text.split("\f")[:-1]


def pdf_text(pdf: bytes, tmp_path) -> str:
    return re.sub(r"\s+", " ", "\n".join(pdf_pages(pdf, tmp_path)))


DATE_LINE = re.compile(r"Đà Nẵng, ngày \d\d tháng (0[12]|[3-9]|1[0-2]) năm \d{4}")


def signature_lines(pdf: bytes, tmp_path) -> list[str]:
    """The lines from the place and date on, as printed: the signature blocks."""
    lines = "\n".join(pdf_pages(pdf, tmp_path, layout=True)).splitlines()
    start = next(i for i, line in enumerate(lines) if DATE_LINE.search(line))
    return [line.strip() for line in lines[start + 1:] if line.strip() and "Trang " not in line]


def closing_text(pdf: bytes, tmp_path) -> str:
    """The text from the place and date on, one space between words."""
    return DATE_LINE.split(pdf_text(pdf, tmp_path), maxsplit=1)[-1]


def filed(code: str, *, data: dict | None = None, ui: dict | None = None, state: str = "submitted"):
    """A dossier whose version carries the demo declaration ``code`` (or its ``ui``), answered with its example
    (or ``data``)."""
    schema, demo_ui, example = declaration(code)
    ui = demo_ui if ui is None else ui
    dossier = DossierFactory(state=state)
    dossier.agency.address = "270 Trưng Nữ Vương, phường Hải Châu, thành phố Đà Nẵng"
    dossier.agency.save(update_fields=["address"])
    version = dossier.version
    version.form_schema, version.form_ui = schema, ui
    version.save(update_fields=["form_schema", "form_ui"])
    dossier.form_data = example if data is None else data
    dossier.save(update_fields=["form_data"])
    return dossier


@pytest.fixture
def code_lists():
    """The names the example's codes stand for (the lists a migration loads; made here if missing)."""
    names = {
        "sex": [("1", "Nam"), ("2", "Nữ")],
        "ethnicity": [("01", "Kinh")],
        "nationality": [("VN", "Việt Nam")],
        "relationship": [("07", "Mẹ đẻ")],
        "province": [("48", "Thành phố Đà Nẵng")],
        "commune": [("20194", "Phường Hải Châu")],
    }
    for key, entries in names.items():
        code_list, _created = CodeList.objects.get_or_create(key=key, defaults={"name": key})
        for code, name in entries:
            Code.objects.update_or_create(code_list=code_list, code=code,
                                          defaults={"name": name, "parent": "48" if key == "commune" else ""})
    return names


def test_birth_registration_prints_the_declared_values_by_name(tmp_path, code_lists):
    dossier = filed("1.001193")
    text = pdf_text(render_declaration(dossier=dossier), tmp_path)

    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert "TỜ KHAI ĐĂNG KÝ KHAI SINH" in text
    assert "Thông tư số 04/2024/TT-BTP" in text
    assert f"Kính gửi: {dossier.agency.name}" in text
    # The child, with diacritics, date dd/mm/yyyy, the code lists by name.
    assert "Họ, chữ đệm, tên: TRẦN MINH KHÔI" in text
    assert "Ngày, tháng, năm sinh: 20/11/2026" in text
    assert "Giới tính: Nam" in text
    assert "Dân tộc: Kinh" in text
    assert "Quốc tịch: Việt Nam" in text
    assert "Nơi sinh (tên cơ sở y tế hoặc nơi sinh): Bệnh viện Phụ sản - Nhi Đà Nẵng" in text
    assert "402 Lê Văn Hiến, phường Hải Châu, thành phố Đà Nẵng" in text
    # The requester and the parents.
    assert "Quan hệ với người được khai sinh: Mẹ đẻ" in text
    assert "NGUYỄN THỊ HOA" in text and "TRẦN VĂN ĐỨC" in text
    assert "Ngày, tháng, năm sinh: 03/09/1988" in text
    assert "Số bản sao đề nghị cấp: 2" in text
    # Codes never print where a name exists.
    for code in (": 1 ", ": 01 ", ": VN ", ": 07 ", " 20194", ", 48"):
        assert code not in text, code
    assert COMMITMENT in text
    assert "NGƯỜI YÊU CẦU" in text and dossier.applicant_name in text
    assert re.search(r"Đà Nẵng, ngày \d\d tháng (0[12]|[3-9]|1[0-2]) năm \d{4}", text)


def test_an_unanswered_conditional_section_is_left_out(tmp_path, code_lists):
    _schema, _ui, example = declaration("1.001193")
    data = {**example, "father_declared": False}
    data.pop("father")
    text = pdf_text(render_declaration(dossier=filed("1.001193", data=data)), tmp_path)
    assert "Người mẹ" in text and "NGUYỄN THỊ HOA" in text
    assert "Người cha" not in text and "TRẦN VĂN ĐỨC" not in text
    assert "Khai thông tin người cha" not in text


def test_repeatable_groups_print_as_tables_and_money_in_dong(tmp_path, code_lists):
    text = pdf_text(render_declaration(dossier=filed("1.001612")), tmp_path)
    assert "GIẤY ĐỀ NGHỊ ĐĂNG KÝ HỘ KINH DOANH" in text
    assert "Vốn kinh doanh (đồng): 150.000.000 đồng" in text
    for cell in ("STT", "Tên ngành", "Mã ngành (cấp 4)", "Nhà hàng và các dịch vụ ăn uống phục vụ lưu động", "5610",
                 "Dịch vụ phục vụ đồ uống", "5630", "Có", "Không"):
        assert cell in text, cell
    assert "Hộ kinh doanh Quán Cơm Hoa" in text
    assert "CHỦ HỘ KINH DOANH" in text  # who signs this form


def test_fixed_choices_and_yes_no_print_their_labels(tmp_path, code_lists):
    text = pdf_text(render_declaration(dossier=filed("3.000333")), tmp_path)
    assert "Loại Phiếu lý lịch tư pháp yêu cầu cấp: Phiếu lý lịch tư pháp số 1" in text
    assert "Yêu cầu xác nhận về việc cấm đảm nhiệm chức vụ, thành lập, quản lý doanh nghiệp, hợp tác xã: Không" in text
    assert "Kỹ sư phần mềm" in text and "Công ty TNHH Phần mềm Sông Hàn" in text
    assert "19/07/1999" in text


def test_a_version_without_a_declaration_has_nothing_to_print():
    dossier = DossierFactory(state="draft")
    assert dossier.version.form_schema == {}
    with pytest.raises(NoDeclaration):
        render_declaration(dossier=dossier)


def test_the_marriage_registration_is_signed_by_both_parties_side_by_side(tmp_path, code_lists):
    dossier = filed("1.000894")
    pdf = render_declaration(dossier=dossier)

    lines = signature_lines(pdf, tmp_path)
    assert re.fullmatch(r"BÊN NỮ\s{2,}BÊN NAM", lines[0]), lines
    assert re.fullmatch(r"\(Ký, ghi rõ họ, chữ đệm, tên\)\s{2,}\(Ký, ghi rõ họ, chữ đệm, tên\)", lines[1]), lines
    assert re.fullmatch(r"PHẠM THỊ LAN\s{2,}HOÀNG ĐÌNH PHÚC", lines[2]), lines  # each under their own block
    closing = closing_text(pdf, tmp_path)
    assert "NGƯỜI YÊU CẦU" not in closing and dossier.applicant_name not in closing
    # Both commit, in the form's own words.
    text = pdf_text(pdf, tmp_path)
    assert ("Chúng tôi cam đoan những lời khai trên đây là đúng sự thật, việc kết hôn của chúng tôi là tự nguyện, "
            "không vi phạm quy định của Luật Hôn nhân và gia đình Việt Nam.") in text
    assert COMMITMENT not in text


def test_a_declaration_without_signatures_closes_with_the_applicants_block(tmp_path, code_lists):
    _schema, ui, _example = declaration("1.000894")
    plain = {key: value for key, value in ui.items() if key not in ("signatures", "commitment")}
    dossier = filed("1.000894", ui=plain)
    pdf = render_declaration(dossier=dossier)

    assert signature_lines(pdf, tmp_path) == ["NGƯỜI YÊU CẦU", "(Ký, ghi rõ họ, chữ đệm, tên)", dossier.applicant_name]
    assert COMMITMENT in pdf_text(pdf, tmp_path)


def test_signature_blocks_repeat_over_a_group_and_follow_their_conditions(tmp_path, code_lists):
    _schema, _ui, example = declaration("1.013834")
    partners = [{**example["partners"][0], "full_name": name} for name in ("TRẦN THỊ THANH", "LÊ VĂN HÙNG")]
    closing = closing_text(render_declaration(dossier=filed("1.013834", data={**example, "partners": partners})),
                           tmp_path)
    assert closing.count("NGƯỜI ĐỀ NGHỊ") == 1 and closing.count("CÔNG CHỨNG VIÊN HỢP DANH") == 2, closing
    assert closing.index("LÊ MINH TUẤN") < closing.index("TRẦN THỊ THANH") < closing.index("LÊ VĂN HÙNG"), closing

    private = {key: value for key, value in example.items() if key != "partners"} | {"office_type": "tu_nhan"}
    closing = closing_text(render_declaration(dossier=filed("1.013834", data=private)), tmp_path)
    assert "NGƯỜI ĐỀ NGHỊ" in closing and "LÊ MINH TUẤN" in closing
    assert "HỢP DANH" not in closing and "TRẦN THỊ THANH" not in closing

    # The residence form: the guardian's opinion only for a minor; the owner's with no name (they write it in).
    _schema, _ui, example = declaration("1.004194")
    adult = closing_text(render_declaration(dossier=filed("1.004194")), tmp_path)
    minor = {**example, "is_minor": True,
             "guardian_consent": {"full_name": "NGUYỄN VĂN BÌNH", "id_number": "048080000111", "consent": True}}
    lines = signature_lines(render_declaration(dossier=filed("1.004194", data=minor)), tmp_path)
    assert "NGƯỜI GIÁM HỘ" not in adult and "NGƯỜI KÊ KHAI" in adult and "CHỦ SỞ HỮU CHỖ Ở HỢP PHÁP" in adult
    assert re.match(r"Ý KIẾN CỦA CHA, MẸ HOẶC\s{2,}Ý KIẾN CỦA CHỦ HỘ, CHỦ\s{2,}NGƯỜI KÊ KHAI", lines[0]), lines
    assert re.fullmatch(r"NGUYỄN VĂN BÌNH\s{2,}NGUYỄN THỊ HOA", lines[-1]), lines


def form_above_the_signatures(pdf: bytes, tmp_path) -> str:
    """What of the form the page of the signatures holds above the commitment (its footer left out)."""
    page = next(page for page in pdf_pages(pdf, tmp_path) if DATE_LINE.search(page))
    lines = [line for line in page.splitlines() if " · " not in line and not re.fullmatch(r"Trang \d+", line)]
    return re.sub(r"\s+", " ", re.split(r"Tôi cam đoan|Chúng tôi cam đoan", "\n".join(lines))[0]).strip()


@pytest.mark.parametrize("code", [path.stem for path in sorted(DECLARATIONS.glob("*.json"))])
def test_each_demo_declaration_is_signed_on_a_page_of_the_form(tmp_path, code_lists, code):
    # A form a little longer than a page took its last section over to the signatures (construction permits,
    # land registration, social allowance): never the commitment and the signatures alone.
    assert form_above_the_signatures(render_declaration(dossier=filed(code)), tmp_path)


@pytest.mark.parametrize("members", range(2, 9))
def test_a_long_last_table_runs_on_to_the_signatures_page(tmp_path, code_lists, members):
    """However long the last table, the page of the signatures holds some of it, under its header repeated."""
    _schema, _ui, example = declaration("1.001612")
    member = {**example["members"][0], "full_name": "NGUYỄN THỊ THANH HƯƠNG XUÂN MAI PHƯƠNG"}
    data = {**example, "activities": example["activities"] * 4, "members": [member] * members}
    above = form_above_the_signatures(render_declaration(dossier=filed("1.001612", data=data)), tmp_path)

    assert above
    if "XUÂN MAI PHƯƠNG" in above:
        assert "STT Họ, chữ đệm, tên" in above


@pytest.mark.parametrize("path", sorted(DECLARATIONS.glob("*.json")), ids=lambda path: path.stem)
def test_each_demo_declaration_closes_as_the_checker_accepts(path):
    files = json.loads(path.read_text(encoding="utf-8"))
    assert declaration_problems(files["schema"], files["ui"]) == []
    assert layout_notes(files["schema"], files["ui"]) == []
