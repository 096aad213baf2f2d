"""The printed declaration (cases.declaration_pdf): the birth registration example of the demo catalog, filed on
a dossier, read back with pdftotext: the declared values with their diacritics, code lists by name (not
code), dates dd/mm/yyyy, the repeatable groups as tables, conditional sections only when answered."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from cases.declaration_pdf import COMMITMENT, NoDeclaration, render_declaration
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


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "to-khai.pdf"
    path.write_bytes(pdf)
    command = [shutil.which("pdftotext"), str(path), "-"]
    text = subprocess.run(command, capture_output=True, check=True).stdout.decode()  # noqa: S603 - fixed tool and args
    return re.sub(r"\s+", " ", text)


def filed(code: str, *, data: dict | None = None, state: str = "submitted"):
    """A dossier whose version carries the demo declaration ``code``, answered with its example (or ``data``)."""
    schema, ui, example = declaration(code)
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
