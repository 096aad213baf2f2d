"""Folding text for diacritic-insensitive search."""

from hypothesis import given
from hypothesis import strategies as st

from procedures.search import fold, search_terms


def test_fold_strips_vietnamese_diacritics_and_case():
    assert fold("Thủ tục Đăng ký khai sinh") == "thu tuc dang ky khai sinh"
    assert fold("ĐĂNG KÝ KẾT HÔN") == "dang ky ket hon"
    assert fold("Chứng thực   bản sao\u00a0từ bản chính") == "chung thuc ban sao tu ban chinh"


def test_fold_handles_decomposed_input():
    decomposed = "Đăng ký".encode().decode()  # NFC source
    import unicodedata

    assert fold(unicodedata.normalize("NFD", decomposed)) == "dang ky"


def test_search_terms():
    assert search_terms("  Đăng-ký, khai sinh! ") == ["dang", "ky", "khai", "sinh"]
    assert search_terms("1.001193") == ["1.001193"]
    assert search_terms("") == []


@given(st.text())
def test_fold_is_idempotent(text):
    assert fold(fold(text)) == fold(text)
