"""Generated scans of Vietnamese paper documents, and files that should never be digitized.

The scans are drawn with Pillow in DejaVu Sans (the portal's own font, it has every Vietnamese letter) on
an A4 page, the way a counter scanner or a phone would deliver them; the hostile files are the ones a
worker meets in the wild: a "PDF" that is not one, an encrypted one, too many pages, a decompression bomb.
"""

import glob
import io
import os
import shutil
import unicodedata
import zlib
from difflib import SequenceMatcher
from pathlib import Path

import pytest

FONT_FILE = Path(__file__).resolve().parents[2] / "core" / "fonts" / "DejaVuSans.ttf"

needs_tesseract = pytest.mark.skipif(
    shutil.which("tesseract") is None or not glob.glob("/usr/share/tesseract-ocr/*/tessdata/vie.traineddata"),
    reason="OCR needs Debian's tesseract-ocr and tesseract-ocr-vie (scripts/system-deps.sh installs them)",
)

# A certificate of marital status: every tone mark and every modified vowel (ă â đ ê ô ơ ư) is in it.
CERTIFICATE = """CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
GIẤY XÁC NHẬN TÌNH TRẠNG HÔN NHÂN
Họ và tên: Nguyễn Thị Hương
Ngày sinh: 12 tháng 5 năm 1990
Nơi cư trú: số 24 đường Trần Phú, phường Hải Châu
Tình trạng hôn nhân: chưa đăng ký kết hôn với ai
Giấy này có giá trị sử dụng trong thời hạn sáu tháng
Người ký: Phạm Quốc Dũng, Chủ tịch Ủy ban nhân dân"""

RESIDENCE = """GIẤY XÁC NHẬN THÔNG TIN VỀ CƯ TRÚ
Công an phường Hải Châu xác nhận ông Nguyễn Văn An
thường trú tại số 12 đường Lê Duẩn, thành phố Đà Nẵng"""


def scan_pdf(text: str = CERTIFICATE, *, dpi: int = 300, angle: float = 0.0, jpeg_quality: int | None = None) -> bytes:
    """A one-page A4 PDF holding a picture of ``text`` at ``dpi``: optionally turned by ``angle`` degrees
    (a sheet laid askew on the glass) and passed through JPEG at ``jpeg_quality`` (a cheap phone)."""
    from PIL import Image, ImageDraw, ImageFont

    width, height = round(8.27 * dpi), round(11.69 * dpi)
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    size = round(12 * dpi / 72)  # 12 pt, as a typed letter
    font = ImageFont.truetype(str(FONT_FILE), size)
    y = dpi  # a one-inch top margin
    for line in text.splitlines():
        draw.text((round(0.9 * dpi), y), unicodedata.normalize("NFC", line), font=font, fill=0)
        y += round(size * 1.8)
    if angle:
        page = page.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)
    output = io.BytesIO()
    if jpeg_quality is None:
        page.save(output, "PDF", resolution=float(dpi))
    else:
        # Pillow stores a greyscale page in a PDF as a JPEG: at this quality, with its blocky artefacts.
        page.save(output, "PDF", resolution=float(dpi), quality=jpeg_quality)
    return output.getvalue()


def normalized(text: str) -> str:
    """NFC, with every run of white space (line ends, the page break) as one space."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def character_error_rate(expected: str, got: str) -> float:
    """Edits to turn ``expected`` into ``got`` (difflib's opcodes; a replaced run counts its longer side)
    over the length of ``expected``, both normalized."""
    expected, got = normalized(expected), normalized(got)
    matcher = SequenceMatcher(None, expected, got, autojunk=False)
    edits = sum(max(i2 - i1, j2 - j1) for op, i1, i2, j1, j2 in matcher.get_opcodes() if op != "equal")
    return edits / max(len(expected), 1)


# --- files that must fail cleanly -------------------------------------------------------------------------


def garbage_pdf() -> bytes:
    """Starts like a PDF (so the upload check lets it in), then random bytes."""
    return b"%PDF-1.7\n" + os.urandom(4000)


def encrypted_pdf() -> bytes:
    import pikepdf

    document = pikepdf.new()
    document.add_blank_page()
    output = io.BytesIO()
    document.save(output, encryption=pikepdf.Encryption(owner="a", user="b"))
    return output.getvalue()


def blank_pdf(pages: int) -> bytes:
    import pikepdf

    document = pikepdf.new()
    for _ in range(pages):
        document.add_blank_page()
    output = io.BytesIO()
    document.save(output)
    return output.getvalue()


def bomb_pdf(side: int) -> bytes:
    """A one-inch page showing a ``side`` × ``side`` greyscale image whose 2 KB stream inflates to
    ``side``² bytes: harmless to open, ruinous to render."""
    import pikepdf

    document = pikepdf.new()
    document.add_blank_page(page_size=(72, 72))
    compressor = zlib.compressobj(9)
    data = compressor.compress(b"\0" * (1 << 20)) + compressor.flush()
    image = pikepdf.Stream(document, data)
    image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    image.Width, image.Height = side, side
    image.ColorSpace, image.BitsPerComponent = pikepdf.Name.DeviceGray, 8
    image.Filter = pikepdf.Name.FlateDecode
    page = document.pages[0]
    page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
    page.Contents = pikepdf.Stream(document, b"q 72 0 0 72 0 0 cm /Im0 Do Q")
    output = io.BytesIO()
    document.save(output)
    return output.getvalue()

