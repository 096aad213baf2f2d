"""Checking an uploaded file by its content, not its name: type, emptiness, size."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Leading bytes of the types a dossier accepts, and the extensions each answers to.
SIGNATURES = [
    (b"%PDF-", "application/pdf", {"pdf"}),
    (b"\xff\xd8\xff", "image/jpeg", {"jpg", "jpeg"}),
    (b"\x89PNG\r\n\x1a\n", "image/png", {"png"}),
    (b"II*\x00", "image/tiff", {"tif", "tiff"}),
    (b"MM\x00*", "image/tiff", {"tif", "tiff"}),
]
DEFAULT_TYPES = ["pdf", "jpg", "jpeg", "png"]
DEFAULT_MAX_MB = 10


def sniff(head: bytes) -> tuple[str, set[str]] | None:
    for magic, content_type, extensions in SIGNATURES:
        if head.startswith(magic):
            return content_type, extensions
    return None


def check_upload(uploaded, *, requirement=None) -> tuple[str, bytes]:
    """Return (content type, bytes) of an acceptable file, or raise ValidationError saying why not."""
    accepted = requirement.accepted_type_list if requirement is not None else DEFAULT_TYPES
    max_mb = requirement.max_size_mb if requirement is not None else DEFAULT_MAX_MB
    name = getattr(uploaded, "name", "") or ""
    size = getattr(uploaded, "size", None)
    if size is not None and size > max_mb * 1024 * 1024:
        raise ValidationError(
            {"file": _("%(name)s is larger than %(max)s MB.") % {"name": name, "max": max_mb}}, code="too_large"
        )
    content = uploaded.read()
    if not content:
        raise ValidationError({"file": _("%(name)s is empty.") % {"name": name}}, code="empty")
    if len(content) > max_mb * 1024 * 1024:
        raise ValidationError(
            {"file": _("%(name)s is larger than %(max)s MB.") % {"name": name, "max": max_mb}}, code="too_large"
        )
    found = sniff(content[:16])
    if found is None or not (found[1] & set(accepted)):
        raise ValidationError(
            {"file": _("%(name)s is not an accepted file (accepted: %(types)s), whatever its name says.")
             % {"name": name, "types": ", ".join(accepted).upper()}},
            code="type",
        )
    return found[0], content


def photo_to_pdf(name: str, content_type: str, content: bytes) -> tuple[str, str, bytes]:
    """Turn a phone photo (JPEG, PNG, TIFF) into a one-page PDF: citizens should not have to make PDFs.

    Returns (name, content type, bytes); a PDF comes back unchanged. A photo that cannot be decoded is
    refused with a clear message.
    """
    if content_type == "application/pdf":
        return name, content_type, content
    import io
    from pathlib import PurePath

    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(content)) as image:
            image = ImageOps.exif_transpose(image)  # phones store the rotation in EXIF
            frames = [image.convert("RGB")]
    except (UnidentifiedImageError, OSError, ValueError) as error:
        raise ValidationError(
            {"file": _("%(name)s cannot be read as a picture: take the photo again.") % {"name": name}},
            code="unreadable",
        ) from error
    output = io.BytesIO()
    frames[0].save(output, "PDF", resolution=150.0)
    return f"{PurePath(name).stem or 'anh'}.pdf", "application/pdf", output.getvalue()
