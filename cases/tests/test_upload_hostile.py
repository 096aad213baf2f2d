"""Uploads that would act or exhaust: a PDF with active content is refused (ADR 0028), a picture of too many
pixels is refused before it is decoded."""

import io

import pikepdf
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from cases.uploads import check_upload, pdf_active_content, photo_to_pdf


def _pdf(**root) -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    for key, value in root.items():
        pdf.Root[f"/{key}"] = value
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def _javascript_on_open() -> bytes:
    return _pdf(OpenAction=pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)")))


def test_a_plain_pdf_passes():
    assert pdf_active_content(_pdf()) == ""
    assert check_upload(SimpleUploadedFile("to-khai.pdf", _pdf()))[0] == "application/pdf"


@pytest.mark.parametrize(("make", "named"), [
    (_javascript_on_open, "JavaScript"),
    (lambda: _pdf(OpenAction=pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String("cmd.exe"))), "launch"),
    (lambda: _pdf(AcroForm=pikepdf.Dictionary(Fields=pikepdf.Array(), XFA=pikepdf.Array())), "XFA"),
    (lambda: _pdf(Names=pikepdf.Dictionary(EmbeddedFiles=pikepdf.Dictionary(Names=pikepdf.Array()))), "embedded"),
])
def test_a_pdf_with_active_content_is_refused_saying_what(make, named, settings):
    settings.LANGUAGE_CODE = "en"
    from django.utils import translation

    with translation.override("en"), pytest.raises(ValidationError) as refused:
        check_upload(SimpleUploadedFile("giay-to.pdf", make()))
    assert named in refused.value.message_dict["file"][0] and "giay-to.pdf" in refused.value.message_dict["file"][0]


def test_a_broken_pdf_is_left_to_digitization():
    assert pdf_active_content(b"%PDF-1.4\nnot really\n%%EOF") == ""


def test_a_picture_over_the_pixel_limit_is_refused_before_decoding(settings):
    settings.UPLOAD_MAX_IMAGE_PIXELS = 60_000_000
    out = io.BytesIO()
    Image.new("1", (12_000, 12_000)).save(out, "PNG", optimize=True)  # 144 MP in a few dozen kB
    content = out.getvalue()
    assert len(content) < 100_000
    with pytest.raises(ValidationError) as refused:
        photo_to_pdf("anh.png", "image/png", content)
    assert "144" in refused.value.message_dict["file"][0]


def test_a_phone_photo_still_becomes_a_pdf(settings):
    out = io.BytesIO()
    Image.new("RGB", (400, 300), "white").save(out, "JPEG")
    name, content_type, pdf = photo_to_pdf("anh.jpg", "image/jpeg", out.getvalue())
    assert (name, content_type) == ("anh.pdf", "application/pdf") and pdf.startswith(b"%PDF")
