"""OCR of a scanned Vietnamese document comes back with its diacritics, as a searchable PDF/A.

Tolerance: a character error rate of at most 2 % (difflib edits over the expected length, on NFC text with
white space collapsed), for a clean 300 dpi scan and for a degraded one (200 dpi, turned 1°, JPEG quality
40). Tesseract 5 with Debian's `vie` data reads both without a single error on this machine; 2 % leaves
room for another build of Tesseract, and is far below what a reading without diacritics would score (the
test below checks that such a reading would fail).

Each scan is read once (OCR takes seconds) and every assertion is made on that one reading.
"""

import io
import resource
import subprocess
import sys
import unicodedata

import pikepdf
import pypdfium2
import pytest

from digitization import ocr
from digitization.ocr import OcrFailed, make_searchable

from .scans import CERTIFICATE, character_error_rate, needs_tesseract, normalized, scan_pdf

MAX_CER = 0.02


def _without_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


SCANS = {
    "clean": {"dpi": 300},
    "degraded": {"dpi": 200, "angle": 1.0, "jpeg_quality": 40},
}


def test_the_tolerance_would_catch_a_reading_without_diacritics():
    assert character_error_rate(CERTIFICATE, _without_marks(CERTIFICATE)) > 10 * MAX_CER
    assert character_error_rate(CERTIFICATE, CERTIFICATE.replace("\n", "  \n ")) == 0


def _text_layer(pdf: bytes) -> str:
    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[0]
        textpage = page.get_textpage()
        layer = textpage.get_text_bounded()
        textpage.close()
        page.close()
        return layer
    finally:
        document.close()


@needs_tesseract
@pytest.mark.parametrize("scan", list(SCANS))
def test_a_scan_comes_back_as_a_searchable_pdfa_with_its_diacritics(scan):
    # One OCR run per scan, every assertion on it (a module fixture would be read again by each xdist worker).
    result = make_searchable(scan_pdf(CERTIFICATE, **SCANS[scan]))

    assert character_error_rate(CERTIFICATE, result.text) <= MAX_CER, result.text
    marked = {c for c in normalized(CERTIFICATE) if ord(c) > 127}
    assert marked <= set(normalized(result.text)), sorted(marked - set(normalized(result.text)))
    for words in ("Nguyễn Thị Hương", "Độc lập - Tự do - Hạnh phúc", "Ủy ban nhân dân", "Phạm Quốc Dũng"):
        assert words in normalized(result.text)
    assert result.pages == 1

    with pikepdf.open(io.BytesIO(result.pdf)) as document:
        assert len(document.pages) == 1
        assert document.open_metadata().pdfa_status.startswith("2")  # PDF/A-2 for keeping
    # The text layer is in the file itself, not only in the child's report.
    layer = _text_layer(result.pdf)
    assert "Nguyễn Thị Hương" in normalized(layer)
    assert character_error_rate(CERTIFICATE, layer) <= MAX_CER


def test_without_tesseract_the_failure_says_so_and_may_pass(monkeypatch, tmp_path):
    # A PATH with Python's folder only: the child starts, and finds no tesseract.
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(OcrFailed) as failure:
        make_searchable(scan_pdf("Giấy tờ", dpi=100))
    assert str(failure.value) == ocr._messages()[ocr.MISSING_TOOL]
    assert failure.value.permanent is False  # installing Tesseract fixes it: a retry may then succeed


def test_the_memory_limit_is_the_setting_and_binds_the_child_alone():
    # Set after fork in the child: it must come from the setting (the child's os.environ at that moment
    # is still the parent's, so a value passed through the command's env would not be seen).
    limited = subprocess.run(
        [sys.executable, "-c", "import resource; print(resource.getrlimit(resource.RLIMIT_AS)[0])"],
        preexec_fn=ocr._limits(300), capture_output=True, check=True,
    )
    assert int(limited.stdout) == 300 * 1024 * 1024
    assert resource.getrlimit(resource.RLIMIT_AS)[0] != 300 * 1024 * 1024
