"""Signed results: a PAdES signature that pyHanko validates against the portal's trusted roots, and that
stops validating when one byte of the signed range changes; the public verification of a stored result by
its code and by its file (authentic, changed, revoked, unknown)."""

import io
import re

import pytest
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from django.core.exceptions import PermissionDenied, ValidationError
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from digitization import pki, selectors, services
from digitization.models import TrustRoot

from .factories import DigitizedDocumentFactory
from .scans import FONT_FILE

AGENCY = "Ủy ban nhân dân phường Hải Châu"


def byte_range(pdf: bytes) -> tuple[int, int, int, int]:
    found = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", pdf)
    return tuple(int(n) for n in found.groups())


def with_one_signed_byte_changed(pdf: bytes) -> bytes:
    """``pdf`` with one bit flipped in the middle of its first content stream: inside the signed range,
    and the file still parses (only the stream's data changes)."""
    start, length, _, _ = byte_range(pdf)
    stream = re.search(rb"stream\r?\n", pdf)
    position = stream.end() + 5
    assert start <= position < start + length, "the byte must be inside the signed range"
    changed = bytearray(pdf)
    changed[position] ^= 0x01
    return bytes(changed)


def _asn1(cert_pem: bytes) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(pem.unarmor(cert_pem)[2])


@pytest.fixture(scope="module")
def keys():
    authority = pki.authority_create(name="Test Root CA")
    agency = pki.agency_certificate_create(authority=authority, agency_name=AGENCY, agency_code="000.11.31.H48")
    return authority, agency


@pytest.fixture(scope="module")
def unsigned():
    pdfmetrics.registerFont(TTFont("DejaVuSans-test", str(FONT_FILE)))
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    page.setFont("DejaVuSans-test", 14)
    page.drawString(72, 760, "GIẤY KHAI SINH — Nguyễn Văn An")
    page.save()
    return buffer.getvalue()


@pytest.fixture(scope="module")
def signed(keys, unsigned):
    authority, agency = keys
    return pki.sign_pdf(unsigned, key_pem=agency.key_pem, cert_pem=agency.cert_pem.decode(),
                        chain_pem=authority.cert_pem.decode(), reason="Ký số kết quả", location=AGENCY)


def test_a_signed_pdf_validates_and_one_changed_byte_breaks_it(keys, signed):
    authority, _agency = keys
    roots = [authority.cert_pem.decode()]
    check = pki.signature_check(signed, trust_roots_pem=roots)
    assert check.ok and check.signed and check.intact and check.trusted and check.whole_file, check
    assert check.signer == AGENCY

    changed = with_one_signed_byte_changed(signed)
    assert len(changed) == len(signed) and changed != signed
    broken = pki.signature_check(changed, trust_roots_pem=roots)
    assert broken.signed and not broken.intact and not broken.ok, broken


def test_pyhanko_itself_says_the_same(keys, signed):
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    authority, _agency = keys

    def validate(pdf: bytes):
        signature = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures[0]
        context = ValidationContext(trust_roots=[_asn1(authority.cert_pem)], allow_fetching=False)
        return signature, pki._off_the_event_loop(validate_pdf_signature, signature, context)

    signature, status = validate(signed)
    assert status.bottom_line and status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.signing_cert.subject.native["common_name"] == AGENCY
    assert signature.field_name == "ChuKyCoQuan"
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES

    _signature, status = validate(with_one_signed_byte_changed(signed))
    assert not status.intact and not status.bottom_line


def test_an_untrusted_authority_an_appended_update_and_no_signature_are_not_ok(keys, unsigned, signed):
    authority, _agency = keys
    stranger = pki.authority_create(name="Somebody Else's CA")
    untrusted = pki.signature_check(signed, trust_roots_pem=[stranger.cert_pem.decode()])
    assert untrusted.intact and not untrusted.trusted and not untrusted.ok

    appended = pki.signature_check(signed + b"\n% added after signing\n", trust_roots_pem=[authority.cert_pem.decode()])
    assert appended.intact and not appended.whole_file and not appended.ok

    for content in (unsigned, b"%PDF-1.4 not a real one", b""):
        check = pki.signature_check(content, trust_roots_pem=[authority.cert_pem.decode()])
        assert not check.signed and not check.ok


# --- the public verification of a stored result ---------------------------------------------------------------


@pytest.fixture
def issued(desk, certificates, intake, approve):
    result = approve(intake())
    assert result.status == "done", result.failure_reason
    return result


def _content(document) -> bytes:
    with document.file.open("rb") as handle:
        return handle.read()


@pytest.mark.django_db
def test_a_stored_result_is_authentic_by_its_code_and_by_its_file(issued):
    by_code = selectors.verify_code(issued.code, issued.verify_key)
    assert by_code.authentic and by_code.found and by_code.hash_matches and not by_code.revoked
    assert by_code.document == issued and by_code.signature.signer == "Ủy ban nhân dân phường Hải Châu"
    public = by_code.public_fields()
    assert public["authentic"] and public["code"] == issued.code and public["signature_trusted"]
    assert public["owner"] == "Nguyễn V. A." and public["owner_id_number"] == "048******234"  # no lookup of people

    by_file = selectors.verify_file(_content(issued))
    assert by_file.authentic and by_file.document == issued


@pytest.mark.django_db
def test_a_result_with_one_byte_changed_is_not_authentic(issued):
    changed = with_one_signed_byte_changed(_content(issued))
    by_file = selectors.verify_file(changed)
    assert not by_file.authentic and not by_file.found and not by_file.signature.intact

    with open(issued.file.path, "wb") as handle:  # someone edits the stored file itself
        handle.write(changed)
    by_code = selectors.verify_code(issued.code, issued.verify_key)
    assert by_code.found and not by_code.authentic
    assert not by_code.hash_matches and not by_code.signature.intact


@pytest.mark.django_db
def test_a_revoked_result_is_not_authentic_and_only_a_leader_revokes(desk, issued):
    for actor in (desk["citizen"], desk["clerk"], desk["specialist"], desk["clerk_elsewhere"]):
        with pytest.raises(PermissionDenied):
            services.document_revoke(document=issued, actor=actor, reason="Cấp nhầm")
    with pytest.raises(ValidationError):
        services.document_revoke(document=issued, actor=desk["leader"], reason="  ")
    assert selectors.verify_code(issued.code, issued.verify_key).authentic  # nothing changed by the refusals

    revoked = services.document_revoke(document=issued, actor=desk["leader"], reason="Cấp nhầm người")
    assert revoked.revoked_at is not None and revoked.revoked_reason == "Cấp nhầm người"
    by_code = selectors.verify_code(issued.code, issued.verify_key)
    assert by_code.found and by_code.revoked and not by_code.authentic
    assert by_code.signature.ok and by_code.hash_matches  # the file is fine: the revocation is why
    assert by_code.public_fields()["revoked_at"] is not None
    by_file = selectors.verify_file(_content(issued))
    assert by_file.revoked and not by_file.authentic

    again = services.document_revoke(document=issued, actor=desk["leader"], reason="Lần hai")
    assert (again.revoked_at, again.revoked_reason) == (revoked.revoked_at, "Cấp nhầm người")


@pytest.mark.django_db
def test_unknown_codes_components_and_files_are_not_found(desk, issued):
    for code in ("", "khong-co", issued.code + "0", issued.code.rsplit(".", 1)[0] + ".02"):
        answer = selectors.verify_code(code, issued.verify_key)
        assert not answer.found and not answer.authentic
        assert answer.public_fields()["code"] is None
    # The right code without its verification key tells nothing either: a code is an ID number and a
    # procedure code, and alone it would tell anyone who holds which results.
    for key in ("", "00000000", issued.verify_key[:-1]):
        assert not selectors.verify_code(issued.code, key).found
    assert selectors.verify_code(issued.code, issued.verify_key.lower()).authentic  # typed in lower case
    component = DigitizedDocumentFactory(dossier=issued.dossier)  # a digitized component is no issued result
    assert not selectors.verify_code(component.code, component.verify_key).found
    assert not selectors.verify_file(b"%PDF-1.4 anything").found


@pytest.mark.django_db
def test_trust_comes_from_the_portal_roots_and_a_missing_file_is_not_authentic(issued):
    TrustRoot.objects.all().delete()
    untrusted = selectors.verify_code(issued.code, issued.verify_key)
    assert untrusted.found and untrusted.signature.intact and not untrusted.signature.trusted
    assert not untrusted.authentic

    issued.file.storage.delete(issued.file.name)
    missing = selectors.verify_code(issued.code, issued.verify_key)
    assert missing.found and missing.problem == "file-missing" and not missing.authentic


def test_signing_and_checking_work_where_an_event_loop_runs(keys, unsigned):
    """pyHanko runs its coroutines with asyncio.run, which refuses inside a running loop (an ASGI server, a
    browser test earlier in the same process): the portal's calls still work there."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    authority, agency = keys

    async def inside_a_loop():
        pdf = pki.sign_pdf(unsigned, key_pem=agency.key_pem, cert_pem=agency.cert_pem.decode(),
                           chain_pem=authority.cert_pem.decode())
        return pki.signature_check(pdf, trust_roots_pem=[authority.cert_pem.decode()])

    # In a thread of its own: a browser test earlier in this worker may have left Playwright's loop running
    # in this one, where asyncio.run would refuse to start the test's own.
    with ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(asyncio.run, inside_a_loop()).result().ok
