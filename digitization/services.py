"""Every write to the data store: digitizing components, issuing signed results, reusing a stored document
in a new dossier, the officials' review, retries, revocation, the access log, and the certificates.

A digitization is a ``DigitizedDocument`` row created ``pending`` in the transaction of the dossier action
that calls for it (submission, intake, supplement, approval); a task is queued after commit and the beat
sweeper re-queues what waits too long, so a broker outage delays a digitization but never loses it.
``document_process`` is the work: it leases the row (``core.jobs``), does the slow part (OCR, or render and sign) outside
any transaction, and stores the result only if the row is still pending, so running it twice, even at
the same time, stores one file under one code.
"""

import datetime as dt
import logging
import secrets
from pathlib import Path

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import extensions
from cases.models import Dossier, DossierDocument
from cases.services import ActionRefused
from cases.workflow import State
from core.counters import counter_next
from core.jobs import lease_release, lease_take
from procedures.models import Agency, StaffRole

from . import pki
from .models import (
    DigitizedDocument,
    DocumentAccess,
    DocumentSequence,
    DocumentType,
    ResultTemplate,
    SigningCertificate,
    TrustRoot,
)
from .ocr import OcrFailed, make_searchable
from .selectors import reusable_documents

logger = logging.getLogger(__name__)

OTHER_TYPE = "KHAC"  # a component whose required document names no type
CLAIM_SECONDS = 15 * 60  # a worker's lease: once it runs out (the worker died mid-way) another takes the row over


class Retryable(Exception):
    """A digitization failed for a reason that may pass (a timeout, storage, the database): try again."""


# --- creating the jobs (inside the dossier action's transaction) ----------------------------------------


def _queue(document_ids: list[int]) -> None:
    if not document_ids:
        return
    from .tasks import digitize

    def send():
        for pk in document_ids:
            try:
                digitize.apply_async(args=[pk], task_id=f"digitize-{pk}-{timezone.now():%Y%m%d%H%M%S%f}")
            except Exception:  # the broker is down: the sweeper queues these later
                logger.warning("could not queue digitization %s; the sweeper will", pk, exc_info=True)
                break  # each try waits out the publish retries: do not make the clerk wait once per file

    transaction.on_commit(send)


def components_enqueue(*, dossier: Dossier, actor=None) -> list[DigitizedDocument]:
    """A pending digitization for each file of ``dossier`` that has none and was not reused from the store.

    Call inside the transaction that adds the files or submits the dossier; the tasks go after commit.
    """
    documents = (
        dossier.documents.filter(reused_from__isnull=True, digitized__isnull=True)
        .select_related("requirement")
        .order_by("pk")
    )
    created = []
    for component in documents:
        requirement = component.requirement
        created.append(DigitizedDocument.objects.create(
            kind=DigitizedDocument.Kind.COMPONENT,
            owner_id_number=dossier.applicant_id_number,
            owner_name=dossier.applicant_name,
            document_type=(requirement.document_type_code if requirement and requirement.document_type_code else OTHER_TYPE),
            document_type_name=(requirement.name if requirement else component.original_name),
            procedure_code=dossier.procedure.code,
            dossier=dossier,
            component=component,
            digitized_by=actor if getattr(actor, "pk", None) else component.uploaded_by,
        ))
    _queue([d.pk for d in created])
    return created


def _result_type(dossier: Dossier) -> tuple[str, str]:
    """(type code, name) of the dossier's result: the procedure's first result whose national code a
    document type lists (a refusal slip listed first is not the result), else its first result."""
    results = list(dossier.version.results.order_by("order", "id"))
    if not results:
        return "KQ", "Kết quả giải quyết thủ tục hành chính"
    types: dict[str, str] = {}
    for kind in DocumentType.objects.exclude(result_codes=""):
        for code in kind.result_code_list:
            types.setdefault(code, kind.code)
    for result in results:
        if result.code in types:
            return types[result.code], result.name
    # The national records list refusal slips among the results; an approval does not issue one.
    issued = [r for r in results if "từ chối" not in r.name.lower()] or results
    return (issued[0].code or "KQ"), issued[0].name


def result_template_for(procedure) -> ResultTemplate | None:
    return (
        ResultTemplate.objects.filter(procedure=procedure).first()
        or ResultTemplate.objects.filter(procedure__isnull=True).first()
    )


def result_enqueue(*, dossier: Dossier, actor, number_symbol: str) -> DigitizedDocument:
    """A pending electronic result for an approved dossier (inside the approval's transaction)."""
    existing = DigitizedDocument.objects.filter(dossier=dossier, kind=DigitizedDocument.Kind.RESULT).first()
    if existing is not None:
        return existing
    type_code, type_name = _result_type(dossier)
    template = result_template_for(dossier.procedure)
    today = timezone.localdate()
    valid_months = (template.valid_months if template else None) or getattr(
        DocumentType.objects.filter(code=type_code).first(), "valid_months", None
    )
    agency = dossier.handling_agency or dossier.agency
    document = DigitizedDocument.objects.create(
        kind=DigitizedDocument.Kind.RESULT,
        owner_id_number=dossier.applicant_id_number,
        owner_name=dossier.applicant_name,
        document_type=type_code,
        document_type_name=type_name,
        procedure_code=dossier.procedure.code,
        number_symbol=number_symbol.strip()[:100],
        issue_date=today,
        issuer=agency.name,
        signer=getattr(actor, "display_name", "") or "",
        summary=f"{type_name[:200]} cấp cho {dossier.applicant_name}",
        valid_until=today + relativedelta(months=valid_months) if valid_months else None,
        dossier=dossier,
        hidden_until_returned=bool(template and template.hidden_until_returned),
        digitized_by=actor if getattr(actor, "pk", None) else None,
        verify_key=secrets.token_hex(4).upper(),
    )
    _queue([document.pk])
    return document


# --- doing the work (a Celery task calls this) -----------------------------------------------------------


def _code_allocate(prefix: str) -> str:
    return f"{prefix}.{counter_next(DocumentSequence, prefix=prefix):02d}"


def _is_pending(document: DigitizedDocument) -> bool:
    return document.status == DigitizedDocument.Status.PENDING


def _claim(document_id: int) -> DigitizedDocument | None:
    """Lease a pending row to this run and allocate its code, in one transaction; None if there is nothing
    to do (done, failed, gone, or another worker's lease runs)."""
    with transaction.atomic():
        document = lease_take(
            DigitizedDocument.objects.select_related("dossier", "component"), pk=document_id,
            seconds=CLAIM_SECONDS, ready=_is_pending,
        )
        if document is not None and not document.code:
            document.code = _code_allocate(
                f"{document.owner_id_number}.{document.procedure_code}.{document.document_type}"
            )
            document.save(update_fields=["code"])
        return document


def _release(document_id: int) -> None:
    lease_release(DigitizedDocument.objects, pk=document_id)


def document_process(*, document_id: int) -> DigitizedDocument | None:
    """Digitize a pending component (OCR) or issue a pending result (render and sign).

    Idempotent: a row already done or failed is left as it is. Raises ``Retryable`` for a failure that
    may pass; a failure that will not (a damaged file, no certificate) is stored on the row.
    """
    document = _claim(document_id)
    if document is None:
        return DigitizedDocument.objects.filter(pk=document_id).first()
    try:
        if document.kind == DigitizedDocument.Kind.COMPONENT:
            content, fields = _component_work(document)
        else:
            content, fields = _result_work(document)
    except OcrFailed as error:
        if not error.permanent:
            _release(document.pk)
            raise Retryable(str(error)) from error
        return document_fail(document_id=document.pk, reason=str(error))
    except _Refused as error:
        return document_fail(document_id=document.pk, reason=str(error))
    except Exception:
        _release(document.pk)
        raise
    return _store(document.pk, content, fields)


class _Refused(Exception):
    pass


def _component_work(document: DigitizedDocument) -> tuple[bytes, dict]:
    component = document.component
    if component is None or not component.file:
        raise _Refused(_("The dossier file is gone: nothing to digitize."))
    try:
        with component.file.open("rb") as handle:
            original = handle.read()
    except OSError as error:
        raise Retryable(str(error)) from error
    result = make_searchable(original)
    first_lines = [line.strip() for line in result.text.splitlines() if len(line.strip()) > 3][:3]
    return result.pdf, {
        "ocr_text": result.text,
        "pages": result.pages,
        "summary": document.summary or " · ".join(first_lines)[:500],
    }


def _result_work(document: DigitizedDocument) -> tuple[bytes, dict]:
    from .results import render_result

    dossier = Dossier.objects.select_related("agency", "handling_agency", "version", "procedure").get(pk=document.dossier_id)
    agency = dossier.handling_agency or dossier.agency
    certificate = signing_certificate_for(agency)
    if certificate is None:
        raise _Refused(
            _("%(agency)s has no signing certificate in force: an administrator must load one, then retry.")
            % {"agency": agency.name}
        )
    try:
        key_pem = (Path(settings.SIGNING_DIR) / certificate.key_file).read_bytes()
    except OSError as error:
        raise _Refused(
            _("The private key of %(agency)s's certificate cannot be read: an administrator must check it.")
            % {"agency": agency.name}
        ) from error
    template = result_template_for(dossier.procedure)
    pdf = render_result(document=document, dossier=dossier, template=template, base_url=settings.PORTAL_BASE_URL)
    signed = pki.sign_pdf(
        pdf, key_pem=key_pem, cert_pem=certificate.certificate_pem, chain_pem=certificate.chain_pem,
        reason=f"Ký số kết quả hồ sơ {dossier.code}", location=agency.name,
    )
    return signed, {"certificate_id": certificate.pk, "pages": 1}


def _store(document_id: int, content: bytes, fields: dict) -> DigitizedDocument:
    """Write the file and finish the row, if it is still pending; otherwise keep nothing of this run."""
    written = None
    try:
        with transaction.atomic():
            document = DigitizedDocument.objects.select_for_update().get(pk=document_id)
            if document.status != DigitizedDocument.Status.PENDING:
                return document
            document.file.save(f"{document.code}.pdf", ContentFile(content), save=False)
            written = document.file.name
            document.sha256 = pki.sha256(content)
            document.size = len(content)
            for name, value in fields.items():
                setattr(document, name, value)
            document.status = DigitizedDocument.Status.DONE
            document.failure_reason = ""
            document.claimed_until = None
            document.digitized_at = timezone.now()
            document.save()
            _resync_when_settled(document)
            return document
    except Exception:
        if written:
            DigitizedDocument._meta.get_field("file").storage.delete(written)
        raise


def document_fail(*, document_id: int, reason: str) -> DigitizedDocument:
    """Mark a pending digitization failed with ``reason`` (shown on the dossier, with a retry button)."""
    with transaction.atomic():
        document = DigitizedDocument.objects.select_for_update().get(pk=document_id)
        if document.status == DigitizedDocument.Status.PENDING:
            document.status = DigitizedDocument.Status.FAILED
            document.failure_reason = reason[:2000]
            document.claimed_until = None
            document.save(update_fields=["status", "failure_reason", "claimed_until"])
            _resync_when_settled(document)
    return document


def _resync_when_settled(document: DigitizedDocument) -> None:
    """Once the last pending digitization of a dossier settles, the national portal gets the dossier again
    with its documents' digitized flags and its electronic results (one re-sync per batch, not per file)."""
    if document.dossier_id is None:
        return
    pending = DigitizedDocument.objects.filter(dossier_id=document.dossier_id, status=DigitizedDocument.Status.PENDING)
    if not pending.exclude(pk=document.pk).exists():
        extensions.records_changed(dossier=Dossier.objects.get(pk=document.dossier_id), why="digitized")


def _is_staff_of(user, document: DigitizedDocument, roles=None) -> bool:
    dossier = document.dossier
    agencies = {dossier.agency_id, dossier.handling_agency_id} - {None}
    return user.staff_memberships.filter(agency_id__in=agencies, role__in=roles or StaffRole.values).exists()


def document_retry(*, document: DigitizedDocument, actor) -> DigitizedDocument:
    """Send a failed digitization back to the queue (an official of the dossier's agencies)."""
    if not (actor.is_superuser or _is_staff_of(actor, document)):
        raise PermissionDenied(_("You may not take this action on this dossier."))
    with transaction.atomic():
        document = DigitizedDocument.objects.select_for_update().get(pk=document.pk)
        if document.status != DigitizedDocument.Status.FAILED:
            raise ValidationError(_("Only a failed digitization can be retried."))
        document.status = DigitizedDocument.Status.PENDING
        document.failure_reason = ""
        document.save(update_fields=["status", "failure_reason"])
        _queue([document.pk])
    return document


def sweep(*, older_than_seconds: int = 120) -> int:
    """Queue again every digitization pending for longer than it should (lost task, broker outage)."""
    now = timezone.now()
    cutoff = now - dt.timedelta(seconds=older_than_seconds)
    ids = list(
        DigitizedDocument.objects.filter(status=DigitizedDocument.Status.PENDING, created_at__lt=cutoff)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .values_list("pk", flat=True)[:500]
    )
    with transaction.atomic():
        _queue(ids)
    return len(ids)


# --- reuse ("provide once") --------------------------------------------------------------------------------


def dossier_document_reuse(*, dossier: Dossier, user, requirement, stored_id: int) -> DossierDocument:
    """Give a document of the applicant's data store for ``requirement`` instead of an upload ("provide
    once"): the dossier records which stored document it reused; the owner's access log says so when
    the dossier is sent (``reuses_record``), with its code.

    The stored document must be the applicant's, digitized, in force, not revoked, and of the type the
    requirement asks for. Giving the same one twice for the same requirement returns the first.
    """
    if not dossier.is_applicant(user):
        raise PermissionDenied(_("You may not take this action on this dossier."))
    if dossier.state not in (State.DRAFT, State.SUPPLEMENT_REQUESTED):
        raise ActionRefused(_("Documents can only be added to a draft or to answer a supplement request."))
    if requirement is None or requirement.version_id != dossier.version_id:
        raise ValidationError({"requirement": _("This document is not part of this procedure.")})
    stored = reusable_documents(dossier).filter(pk=stored_id).first()
    if stored is None:
        raise ValidationError({"document_id": _("This document is not in your data store, or is no longer valid.")})
    if not requirement.document_type_code or stored.document_type != requirement.document_type_code:
        raise ValidationError({"document_id": _("This stored document is not of the type this requirement asks for.")})
    with transaction.atomic():
        existing = dossier.documents.filter(requirement=requirement, reused_from=stored).first()
        if existing is not None:
            return existing
        document = DossierDocument.objects.create(
            dossier=dossier, requirement=requirement, file=stored.file.name, original_name=stored.file_name,
            content_type="application/pdf", size=stored.size, sha256=stored.sha256,
            source=DossierDocument.Source.REUSE, uploaded_by=user, reused_from=stored,
        )
    return document


# --- review, revocation, access ---------------------------------------------------------------------------

REVIEW_FIELDS = ("document_type", "number_symbol", "issue_date", "issuer", "valid_until", "summary")


def document_review(*, document: DigitizedDocument, actor, data: dict) -> DigitizedDocument:
    """An official of the dossier's agencies corrects a digitized component's details."""
    if not _is_staff_of(actor, document):
        raise PermissionDenied(_("You may not take this action on this dossier."))
    if document.kind != DigitizedDocument.Kind.COMPONENT:
        raise ValidationError(_("A signed result cannot be changed: revoke it and issue a new one."))
    kind = data.get("document_type") or document.document_type
    if kind != document.document_type and kind != OTHER_TYPE and not DocumentType.objects.filter(code=kind).exists():
        raise ValidationError({"document_type": _("Choose a document type from the list.")})
    issue_date, valid_until = data.get("issue_date"), data.get("valid_until")
    if issue_date and valid_until and valid_until < issue_date:
        raise ValidationError({"valid_until": _("A document cannot expire before it was issued.")})
    with transaction.atomic():
        document = DigitizedDocument.objects.select_for_update().get(pk=document.pk)
        document.document_type = kind
        document.number_symbol = str(data.get("number_symbol") or "").strip()[:100]
        document.issue_date = issue_date or None
        document.issuer = str(data.get("issuer") or "").strip()[:255]
        document.valid_until = valid_until or None
        document.summary = str(data.get("summary") or "").strip()
        document.reviewed_by = actor
        document.reviewed_at = timezone.now()
        document.save(update_fields=[*REVIEW_FIELDS, "reviewed_by", "reviewed_at"])
        access_record(document=document, user=actor, action=DocumentAccess.Action.REVIEW)
    return document


def document_revoke(*, document: DigitizedDocument, actor, reason: str) -> DigitizedDocument:
    """Revoke a document: it stays in the store, marked, no longer reusable, and no longer verifies."""
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the revocation.")})
    if not (actor.is_superuser or _is_staff_of(actor, document, [StaffRole.LEADER, StaffRole.ADMINISTRATOR])):
        raise PermissionDenied(_("Only a leader of the issuing agency can revoke a document."))
    with transaction.atomic():
        document = DigitizedDocument.objects.select_for_update().get(pk=document.pk)
        if document.revoked_at is None:
            document.revoked_at = timezone.now()
            document.revoked_reason = reason.strip()
            document.save(update_fields=["revoked_at", "revoked_reason"])
    return document


def _who(user, document: DigitizedDocument) -> tuple[str, str]:
    if user is None or not user.is_authenticated:
        return _("A member of the public"), _("public verification")
    name = getattr(user, "display_name", "") or user.get_username()
    membership = user.staff_memberships.select_related("agency").filter(
        agency_id__in={document.dossier.agency_id, document.dossier.handling_agency_id} - {None}
    ).first() if document.dossier_id else None
    if membership is not None:
        return name, f"{membership.get_role_display()} · {membership.agency.name}"
    return name, ""


def reuses_record(*, dossier: Dossier, actor) -> int:
    """Log, in each reused document's access log, that it went to the agency with this dossier (called when
    the dossier is sent: submission, or a supplement). A document already logged for this dossier is not
    logged again."""
    logged, code = 0, dossier.code or ""
    for component in dossier.documents.filter(reused_from__isnull=False).select_related("reused_from__dossier"):
        stored = component.reused_from
        if stored is None:
            continue
        if not stored.accesses.filter(action=DocumentAccess.Action.REUSE, dossier_code=code).exists():
            access_record(document=stored, user=actor, action=DocumentAccess.Action.REUSE, dossier_code=code)
            logged += 1
    return logged


def access_record(*, document: DigitizedDocument, user, action: str, dossier_code: str = "") -> DocumentAccess:
    """Append one line to the document's access log (the owner reads it in their store)."""
    who, role = _who(user, document)
    return DocumentAccess.objects.create(
        document=document, user=user if getattr(user, "pk", None) else None, who=who[:255], role=role[:255],
        action=action, dossier_code=dossier_code,
    )


# --- certificates ---------------------------------------------------------------------------------------------


def signing_certificate_for(agency: Agency) -> SigningCertificate | None:
    """The agency's certificate in force now, else its nearest ancestor's (a unit signs as its agency)."""
    now = timezone.now()
    candidates = [agency, *reversed(list(Agency.objects.get_ancestors(agency)))]
    usable = Q(is_active=True, revoked_at__isnull=True, not_before__lte=now, not_after__gt=now)
    for candidate in candidates:
        certificate = SigningCertificate.objects.filter(usable, agency=candidate).order_by("-not_after").first()
        if certificate is not None:
            return certificate
    return None


def trust_root_add(*, name: str, certificate_pem: str) -> TrustRoot:
    root, _created = TrustRoot.objects.get_or_create(
        fingerprint=pki.fingerprint(certificate_pem), defaults={"name": name[:255], "certificate_pem": certificate_pem}
    )
    return root


def signing_certificate_add(*, agency: Agency, key_pem: bytes, cert_pem: str, chain_pem: str = "") -> SigningCertificate:
    """Record an agency's certificate and write its private key under SIGNING_DIR (mode 0600)."""
    from cryptography import x509

    cert = x509.load_pem_x509_certificate(cert_pem.encode())
    serial = format(cert.serial_number, "x")
    folder = Path(settings.SIGNING_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    key_name = f"{agency.code}-{serial[:16]}.key.pem"
    path = folder / key_name
    path.write_bytes(key_pem)
    path.chmod(0o600)
    try:
        with transaction.atomic():
            SigningCertificate.objects.filter(agency=agency, is_active=True).update(is_active=False)
            return SigningCertificate.objects.create(
                agency=agency, subject=pki.subject_text(cert)[:500], serial=serial, certificate_pem=cert_pem,
                chain_pem=chain_pem, key_file=key_name, not_before=cert.not_valid_before_utc,
                not_after=cert.not_valid_after_utc,
            )
    except Exception:
        path.unlink(missing_ok=True)
        raise


DEMO_AUTHORITY = "DVC Portal Demo Root CA"


def demo_authority_ensure() -> pki.KeyPair:
    """The demo certificate authority, made once and kept under SIGNING_DIR, trusted by this portal."""
    folder = Path(settings.SIGNING_DIR)
    key_path, cert_path = folder / "demo-root-ca.key.pem", folder / "demo-root-ca.cert.pem"
    if key_path.exists() and cert_path.exists():
        authority = pki.KeyPair(key_path.read_bytes(), cert_path.read_bytes())
    else:
        folder.mkdir(parents=True, exist_ok=True)
        authority = pki.authority_create(name=DEMO_AUTHORITY)
        key_path.write_bytes(authority.key_pem)
        key_path.chmod(0o600)
        cert_path.write_bytes(authority.cert_pem)
    trust_root_add(name=DEMO_AUTHORITY, certificate_pem=authority.cert_pem.decode())
    return authority


def demo_certificates_issue(*, agencies) -> list[SigningCertificate]:
    """A demo certificate for each agency that has none in force (for the embedded default and tests)."""
    authority = demo_authority_ensure()
    issued = []
    for agency in agencies:
        current = signing_certificate_for(agency)
        if current is not None and current.agency_id == agency.pk:
            continue
        pair = pki.agency_certificate_create(authority=authority, agency_name=agency.name, agency_code=agency.code)
        issued.append(signing_certificate_add(
            agency=agency, key_pem=pair.key_pem, cert_pem=pair.cert_pem.decode(),
            chain_pem=authority.cert_pem.decode(),
        ))
    return issued
