"""Checking an uploaded file by its content, not its name: type, emptiness, size, and no active content."""

from django.conf import settings
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


SCANNER_TYPES = ["tif", "tiff"]  # what a counter scanner writes, accepted from officials whatever the requirement says


def check_upload(uploaded, *, requirement=None, scan: bool = False) -> tuple[str, bytes]:
    """Return (content type, bytes) of an acceptable file, or raise ValidationError saying why not.

    ``scan``: a counter scan by an official, who may also give TIFF (the scanner's own format)."""
    accepted = requirement.accepted_type_list if requirement is not None else DEFAULT_TYPES
    if scan:
        accepted = [*accepted, *SCANNER_TYPES]
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
    if found[0] == "application/pdf":
        active = pdf_active_content(content)
        if active:
            raise ValidationError(
                {"file": _("%(name)s contains %(what)s, which a dossier document may not carry. Print it to a new "
                           "PDF (or scan the paper) and upload that.") % {"name": name, "what": active}},
                code="active_content",
            )
    return found[0], content


def pdf_active_content(content: bytes) -> str:
    """What makes a PDF act rather than show (scripts, launching programs, files inside it, XFA forms): what
    active content it carries ("JavaScript", "embedded files", …), or "" when none (or when it
    cannot be read: a broken PDF is digitization's to refuse, with its reason). ADR 0028: refused, not
    rebuilt, so the file kept is the file given (a signed PDF stays signed)."""
    import io

    import pikepdf

    try:
        pdf = pikepdf.open(io.BytesIO(content))
    except (pikepdf.PdfError, pikepdf.PasswordError, ValueError):
        return ""
    found: list[str] = []
    with pdf:
        acroform = pdf.Root.get("/AcroForm")
        if isinstance(acroform, pikepdf.Dictionary) and "/XFA" in acroform:
            found.append(_("an XFA form"))
        names = pdf.Root.get("/Names")
        if isinstance(names, pikepdf.Dictionary):
            if "/JavaScript" in names:
                found.append("JavaScript")
            if "/EmbeddedFiles" in names:
                found.append(_("embedded files"))
        for obj in _dictionaries(pdf, pikepdf):
            kind = str(obj.get("/S", ""))
            if kind == "/JavaScript" or "/JS" in obj:
                found.append("JavaScript")
            elif kind == "/Launch":
                found.append(_("a command to launch a program"))
            if str(obj.get("/Type", "")) == "/EmbeddedFile" or "/EF" in obj:
                found.append(_("embedded files"))
    return ", ".join(dict.fromkeys(found))


def _dictionaries(pdf, pikepdf):
    """Every dictionary of the PDF: each indirect object's, and those written inside it (an /OpenAction is
    often a dictionary inside the catalog, not an object of its own)."""
    stack = [obj for obj in pdf.objects if isinstance(obj, pikepdf.Dictionary | pikepdf.Array)]
    while stack:
        node = stack.pop()
        children = node.values() if isinstance(node, pikepdf.Dictionary) else list(node)
        if isinstance(node, pikepdf.Dictionary):
            yield node
        stack.extend(child for child in children
                     if isinstance(child, pikepdf.Dictionary | pikepdf.Array) and not child.is_indirect)


MAX_SCAN_PAGES = 50


def photo_to_pdf(name: str, content_type: str, content: bytes) -> tuple[str, str, bytes]:
    """Turn a phone photo (JPEG, PNG) or a scan (TIFF, every page) into a PDF: citizens should not have
    to make PDFs. The image's own resolution sizes the page (a 300 dpi A4 scan stays A4).

    Returns (name, content type, bytes); a PDF comes back unchanged. A picture that cannot be decoded (or
    decodes to more pixels than Pillow's bomb limit) is refused with a clear message.
    """
    if content_type == "application/pdf":
        return name, content_type, content
    import io
    from pathlib import PurePath

    from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

    limit = settings.UPLOAD_MAX_IMAGE_PIXELS
    try:
        with Image.open(io.BytesIO(content)) as image:  # reads the header only: nothing decoded yet
            dpi = image.info.get("dpi") or (150, 150)
            frames = []
            for frame in ImageSequence.Iterator(image):
                if len(frames) == MAX_SCAN_PAGES:
                    break
                if frame.width * frame.height > limit:  # before decoding it: a 32 kB PNG may hold 144 MP
                    raise ValidationError(
                        {"file": _("%(name)s is a picture of %(mp)s megapixels; at most %(max)s are accepted. "
                                   "Take the photo again with the phone's usual settings.")
                         % {"name": name, "mp": round(frame.width * frame.height / 1e6), "max": limit // 10**6}},
                        code="too_many_pixels",
                    )
                frames.append(ImageOps.exif_transpose(frame).convert("RGB"))  # phones store the rotation in EXIF
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as error:
        raise ValidationError(
            {"file": _("%(name)s cannot be read as a picture: take the photo again.") % {"name": name}},
            code="unreadable",
        ) from error
    resolution = float(dpi[0]) if 50 <= float(dpi[0] or 0) <= 1200 else 150.0
    output = io.BytesIO()
    frames[0].save(output, "PDF", resolution=resolution, save_all=True, append_images=frames[1:])
    return f"{PurePath(name).stem or 'anh'}.pdf", "application/pdf", output.getvalue()
