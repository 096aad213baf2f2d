"""OCR of a scanned component into a searchable PDF, in a child process with limits.

``make_searchable(pdf)`` runs ``python -m digitization.ocr`` on a temporary copy: the child checks the
file (a PDF, not encrypted, not too many pages), runs OCRmyPDF with Vietnamese (tesseract-ocr-vie), and
prints a JSON line. The parent gives it a time limit and a memory limit: a PDF bomb, a crash in a C
library or a file that takes forever kills the child, never the Celery worker, and comes back as an
``OcrFailed`` whose message says what was wrong with the file, in Vietnamese.

Settings that matter, from the OCRmyPDF recipe verified on these machines (docs NOTES): ``deskew`` (without
it words at line ends come back out of order on a skewed scan), ``image_dpi`` for images without DPI,
PDF/A output, one job (the worker's process is the unit of parallelism).
"""

import contextlib
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

BASE_DIR = Path(__file__).resolve().parent.parent

# Exit reasons the child reports; the parent turns each into a message for the official.
DAMAGED, ENCRYPTED, TOO_MANY_PAGES, TOO_LARGE, MISSING_TOOL, OCR_ERROR = (
    "damaged", "encrypted", "too_many_pages", "too_large", "missing_tool", "ocr_error",
)


class OcrFailed(Exception):
    """The file could not be digitized; the message says why. ``permanent``: retrying will not help."""

    def __init__(self, message: str, *, permanent: bool = True):
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class OcrResult:
    pdf: bytes
    text: str
    pages: int


def _messages() -> dict[str, str]:
    return {
        DAMAGED: _("The file is damaged or is not really a PDF or an image: scan the paper again."),
        ENCRYPTED: _("The PDF is password-protected: ask for a copy without a password."),
        TOO_MANY_PAGES: _("The file has more than %(pages)s pages: split it into several documents.")
        % {"pages": settings.OCR_MAX_PAGES},
        TOO_LARGE: _("The file needs more memory than allowed to read (it may be a hostile or broken file)."),
        MISSING_TOOL: _("OCR is not installed on this server (tesseract-ocr with Vietnamese): tell the administrator."),
        OCR_ERROR: _("OCR could not read this file."),
    }


def _limits(memory_mb: int):
    """The function that sets the child's limits after fork, before exec. The value is bound here, in the
    parent: the forked child's ``os.environ`` is the parent's, not the ``env`` given to the command."""
    memory = int(memory_mb) * 1024 * 1024

    def apply():
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply


def make_searchable(pdf: bytes) -> OcrResult:
    """A searchable PDF/A of ``pdf`` with its recognized text; raises OcrFailed."""
    with tempfile.TemporaryDirectory(prefix="dvc-ocr-") as folder:
        source, target = Path(folder) / "in.pdf", Path(folder) / "out.pdf"
        source.write_bytes(pdf)
        # The child's own temporary files (OCRmyPDF's work folder) go in this folder too, so a child killed
        # at the time limit leaves no copy of the document behind.
        env = {**os.environ, "OMP_THREAD_LIMIT": "1", "TMPDIR": folder}
        # Its own session, so that a timeout stops the whole group (tesseract, ghostscript), not the child only.
        child = subprocess.Popen(  # noqa: S603 - our own module and temporary paths, no shell
            [sys.executable, "-m", "digitization.ocr", str(source), str(target), str(settings.OCR_MAX_PAGES)],
            cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            preexec_fn=_limits(settings.OCR_MEMORY_MB), start_new_session=True,
        )
        try:
            stdout, _stderr = child.communicate(timeout=settings.OCR_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired as error:
            _stop(child)
            raise OcrFailed(
                _("OCR took longer than %(seconds)s seconds and was stopped.") % {"seconds": settings.OCR_TIMEOUT_SECONDS},
                permanent=False,
            ) from error
        except BaseException:  # the task's own time limit, a shutdown: leave no OCR running behind
            _stop(child)
            raise
        completed = subprocess.CompletedProcess(child.args, child.returncode, stdout, b"")
        report = _report(completed.stdout)
        if completed.returncode == 0 and report.get("ok") and target.exists():
            return OcrResult(pdf=target.read_bytes(), text=report.get("text", ""), pages=int(report.get("pages", 0)))
        reason = report.get("reason") or (TOO_LARGE if completed.returncode < 0 else OCR_ERROR)
        message = _messages().get(reason, _messages()[OCR_ERROR])
        raise OcrFailed(message, permanent=reason != MISSING_TOOL)


def _stop(child: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signal.SIGKILL)
    child.communicate()


def _report(stdout: bytes) -> dict:
    for line in reversed(stdout.decode("utf-8", "replace").splitlines()):
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return {}


# --- the child ----------------------------------------------------------------------------------------


def _child(source: str, target: str, max_pages: int) -> dict:
    import logging
    import shutil

    import ocrmypdf
    import pikepdf
    from ocrmypdf import exceptions

    logging.disable(logging.CRITICAL)
    if not shutil.which("tesseract"):
        return {"ok": False, "reason": MISSING_TOOL}
    try:
        with pikepdf.open(source) as document:
            if document.is_encrypted:
                return {"ok": False, "reason": ENCRYPTED}
            pages = len(document.pages)
    except pikepdf.PasswordError:
        return {"ok": False, "reason": ENCRYPTED}
    except MemoryError:
        return {"ok": False, "reason": TOO_LARGE}
    except Exception:  # anything pikepdf cannot open is a damaged file, whatever it raises for it
        return {"ok": False, "reason": DAMAGED}
    if pages == 0:
        return {"ok": False, "reason": DAMAGED}
    if pages > max_pages:
        return {"ok": False, "reason": TOO_MANY_PAGES}
    try:
        ocrmypdf.ocr(
            source, target, language="vie", output_type="auto", pdfa_backend="internal", rasterizer="pypdfium",
            deskew=True, mode="skip", image_dpi=300,
            progress_bar=False, jobs=1, max_image_mpixels=200,
        )
    except exceptions.EncryptedPdfError:
        return {"ok": False, "reason": ENCRYPTED}
    except exceptions.MissingDependencyError:
        return {"ok": False, "reason": MISSING_TOOL}
    except (exceptions.InputFileError, exceptions.DigitalSignatureError, exceptions.UnsupportedImageFormatError):
        return {"ok": False, "reason": DAMAGED}
    except MemoryError:
        return {"ok": False, "reason": TOO_LARGE}
    except Exception as error:  # noqa: BLE001 - reported to the parent, which decides what the official sees
        text = str(error).lower()
        return {"ok": False, "reason": TOO_LARGE if "decompression" in text or "pixels" in text else OCR_ERROR}
    return {"ok": True, "pages": pages, "text": _text(target)}


def _text(path: str) -> str:
    import pypdfium2

    document = pypdfium2.PdfDocument(path)
    try:
        parts = []
        for page in document:
            textpage = page.get_textpage()
            parts.append(textpage.get_text_bounded().replace("\r\n", "\n"))
            textpage.close()
            page.close()
        return "\n\f".join(parts).strip()
    finally:
        document.close()


if __name__ == "__main__":
    try:
        result = _child(sys.argv[1], sys.argv[2], int(sys.argv[3]))
    except MemoryError:
        result = {"ok": False, "reason": TOO_LARGE}
    sys.stdout.write("\n" + json.dumps(result, ensure_ascii=False) + "\n")
    sys.exit(0 if result.get("ok") else 3)
