"""Keys, certificates and PDF signatures: a demo certificate authority, agency certificates, signing a
result (PAdES with pyHanko) and validating a signed PDF against the trusted roots.

pyHanko takes asn1crypto objects; keys and certificates made or loaded with ``cryptography`` cross over
through DER. Validity is decided on pyHanko's ``bottom_line`` (intact, valid and trusted), never on
``valid`` alone: after a byte changes inside the signed range ``valid`` can stay true while ``intact``
turns false.
"""

import asyncio
import datetime as dt
import hashlib
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from io import BytesIO

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class KeyPair:
    key_pem: bytes
    cert_pem: bytes

    @property
    def certificate(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.cert_pem)


def _fit(text: str, limit: int = 64) -> str:
    """``text`` cut to ``limit`` UTF-8 bytes (the limit X.509 puts on a name's parts)."""
    while len(text.encode()) > limit:
        text = text[:-1]
    return text


def _name(common_name: str, organization: str, unit: str = "") -> x509.Name:
    common_name, organization = _fit(common_name), _fit(organization)
    parts = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"), x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization)]
    if unit:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit))
    parts.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(parts)


def _pem_key(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def authority_create(*, name: str, years: int = 10) -> KeyPair:
    """A self-signed root authority (ECDSA P-256) that may sign agency certificates."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    subject = _name(name, name)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                          data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                          encipher_only=False, decipher_only=False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return KeyPair(_pem_key(key), cert.public_bytes(serialization.Encoding.PEM))


def agency_certificate_create(*, authority: KeyPair, agency_name: str, agency_code: str, years: int = 3) -> KeyPair:
    """A signing certificate for an agency, issued by ``authority``."""
    issuer_key = serialization.load_pem_private_key(authority.key_pem, password=None)
    issuer = authority.certificate
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(agency_name, agency_name, agency_code))
        .issuer_name(issuer.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(min(now + dt.timedelta(days=365 * years), issuer.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                          data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                          encipher_only=False, decipher_only=False),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.public_key()), critical=False
        )
        .sign(issuer_key, hashes.SHA256())
    )
    return KeyPair(_pem_key(key), cert.public_bytes(serialization.Encoding.PEM))


def fingerprint(cert_pem: bytes | str) -> str:
    cert = x509.load_pem_x509_certificate(cert_pem.encode() if isinstance(cert_pem, str) else cert_pem)
    return cert.fingerprint(hashes.SHA256()).hex()


def subject_text(cert: x509.Certificate) -> str:
    return cert.subject.rfc4514_string()


def pem_certificates(text: str) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(text.encode()) if text.strip() else []


def _asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def sign_pdf(pdf: bytes, *, key_pem: bytes, cert_pem: str, chain_pem: str = "", reason: str = "", location: str = "") -> bytes:
    """``pdf`` with a PAdES baseline signature by the given key and certificate (one incremental update)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    key = serialization.load_pem_private_key(key_pem, password=None)
    signing_key = asn1_keys.PrivateKeyInfo.load(
        key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    cert = _asn1_cert(x509.load_pem_x509_certificate(cert_pem.encode()))
    chain = [_asn1_cert(c) for c in pem_certificates(chain_pem)]
    signer = signers.SimpleSigner(
        signing_cert=cert, signing_key=signing_key, cert_registry=SimpleCertificateStore.from_certs(chain)
    )
    meta = signers.PdfSignatureMetadata(
        field_name="ChuKyCoQuan", subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256",
        reason=reason or None, location=location or None,
    )
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    output = _off_the_event_loop(signers.PdfSigner(meta, signer=signer).sign_pdf, writer)
    return output.getvalue()


def _off_the_event_loop(function, *args, **kwargs):
    """Call one of pyHanko's synchronous functions, which run their coroutines with ``asyncio.run``: that
    refuses to start where an event loop already runs in this thread (an ASGI server, a Playwright session),
    so there it runs in a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args, **kwargs).result()


@dataclass(frozen=True)
class SignatureCheck:
    """What a signed PDF's first signature says, against the trusted roots."""

    signed: bool
    intact: bool = False
    trusted: bool = False
    whole_file: bool = False
    signer: str = ""
    signer_serial: str = ""
    signed_at: dt.datetime | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.signed and self.intact and self.trusted and self.whole_file


def signature_check(pdf: bytes, *, trust_roots_pem: list[str]) -> SignatureCheck:
    """Validate the first signature of ``pdf``: intact (the signed bytes are unchanged), trusted (its
    certificate chains to one of ``trust_roots_pem``), covering the whole file (nothing appended)."""
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as error:
        return SignatureCheck(signed=False, problem=str(error)[:200])
    if not signatures:
        return SignatureCheck(signed=False)
    roots = [_asn1_cert(c) for pem in trust_roots_pem for c in pem_certificates(pem)]
    try:
        status = _off_the_event_loop(
            validate_pdf_signature, signatures[0], ValidationContext(trust_roots=roots, allow_fetching=False)
        )
    except Exception as error:  # a malformed signature is a "no", whatever pyHanko raises for it
        logger.info("signature could not be validated: %s", error)
        return SignatureCheck(signed=True, problem=str(error)[:200])
    cert = status.signing_cert
    return SignatureCheck(
        signed=True,
        intact=bool(status.intact and status.valid),
        trusted=bool(status.bottom_line),
        whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        signer=_common_name(cert) if cert is not None else "",
        signer_serial=format(cert.serial_number, "x") if cert is not None else "",
        signed_at=status.signer_reported_dt,
    )


def _common_name(cert) -> str:
    return cert.subject.native.get("common_name") or cert.subject.human_friendly


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()
