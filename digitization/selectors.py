"""Reads of the data store: an owner's store, what a new dossier may reuse, the documents of a dossier,
and the public verification of a result."""

import hmac
from dataclasses import dataclass

from django.db.models import Count, F, Max, Q, QuerySet
from django.utils import timezone

from cases.models import Dossier

from . import pki
from .models import DigitizedDocument, DocumentType, TrustRoot


def owner_numbers(user) -> list[str]:
    """The ID number and tax codes whose documents ``user`` owns: their own and their businesses'."""
    if user is None or not user.is_authenticated:
        return []
    numbers = []
    profile = getattr(user, "citizen_profile", None)
    if profile is not None and profile.id_number:
        numbers.append(profile.id_number)
    numbers += list(user.business_memberships.values_list("business__tax_code", flat=True))
    return numbers


def _visible(queryset: QuerySet) -> QuerySet:
    """Digitized documents an owner sees: done, and a result marked hidden only once it is returned."""
    return queryset.filter(status=DigitizedDocument.Status.DONE).exclude(
        Q(kind=DigitizedDocument.Kind.RESULT, hidden_until_returned=True, dossier__returned_at__isnull=True)
    )


def store_documents(user, kind: str | None = None) -> QuerySet:
    """The owner's store, newest first, with the source dossier and the access figures in the same query;
    ``kind`` keeps only results or only components."""
    documents = DigitizedDocument.objects.filter(owner_id_number__in=owner_numbers(user))
    if kind in DigitizedDocument.Kind.values:
        documents = documents.filter(kind=kind)
    return (
        _visible(documents)
        .select_related("dossier")
        .defer("ocr_text")  # lists never show it; a long scan's text is most of a row
        .annotate(access_count=Count("accesses"), last_access=Max("accesses__at"))
        .order_by("-created_at", "-id")
    )


def store_counts(user) -> dict[str, int]:
    """How many documents of each kind the owner's store holds (one query)."""
    rows = _visible(DigitizedDocument.objects.filter(owner_id_number__in=owner_numbers(user))).values("kind")
    counts = dict(rows.annotate(n=Count("id")).values_list("kind", "n"))
    return {kind: counts.get(kind, 0) for kind in DigitizedDocument.Kind.values}


def store_document(user, pk: int) -> DigitizedDocument | None:
    """One document of the owner's store, or None (another owner's document does not exist for them)."""
    return _visible(DigitizedDocument.objects.filter(owner_id_number__in=owner_numbers(user), pk=pk)).select_related(
        "dossier"
    ).first()


def reusable_documents(dossier: Dossier) -> QuerySet:
    """Documents the dossier's applicant holds that can stand in for an upload: done, in force, not
    revoked, of a type that is not made for one dossier only. Signed results first, then the newest."""
    today = timezone.localdate()
    single_use = DocumentType.objects.filter(reusable=False).values("code")
    return (
        _visible(DigitizedDocument.objects.filter(owner_id_number=dossier.applicant_id_number))
        .filter(revoked_at__isnull=True)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .exclude(document_type="")
        .exclude(document_type__in=single_use)
        .order_by("-kind", F("issue_date").desc(nulls_last=True), "-created_at", "-id")  # results first
    )


def reuse_offers(dossier: Dossier, requirements) -> dict[int, DigitizedDocument]:
    """For each required document with a type, the applicant's best reusable document of that type (one
    query): one clear offer, not a list to choose from."""
    wanted = {r.document_type_code for r in requirements if r.document_type_code}
    if not wanted:
        return {}
    best: dict[str, DigitizedDocument] = {}
    for document in reusable_documents(dossier).filter(document_type__in=wanted):
        best.setdefault(document.document_type, document)
    return {r.pk: best[r.document_type_code] for r in requirements if r.document_type_code in best}


def failed_for_staff(user, *, limit: int = 10) -> tuple[int, list[DigitizedDocument]]:
    """Failed digitizations of the dossiers held by the official's agencies: how many, and the newest
    ``limit`` of them (two queries), for the workspace's alert."""
    agencies = user.staff_memberships.values("agency_id")
    failed = DigitizedDocument.objects.filter(status=DigitizedDocument.Status.FAILED, dossier__holder_id__in=agencies)
    count = failed.count()
    newest = list(failed.select_related("dossier").defer("ocr_text").order_by("-created_at", "-id")[:limit]) if count else []
    return count, newest


def dossier_digitized(dossier: Dossier) -> list[DigitizedDocument]:
    return list(dossier.digitized.select_related("component", "certificate").order_by("kind", "pk"))


def dossier_result(dossier: Dossier) -> DigitizedDocument | None:
    return dossier.digitized.filter(kind=DigitizedDocument.Kind.RESULT).first()


def _mask(text: str, keep_start: int, keep_end: int) -> str:
    if len(text) <= keep_start + keep_end:
        return text
    return text[:keep_start] + "*" * (len(text) - keep_start - keep_end) + text[-keep_end:]


def mask_name(name: str) -> str:
    """'Nguyễn Văn An' → 'Nguyễn V. A.': enough to match the paper in hand, not a lookup of who holds what."""
    words = name.split()
    if len(words) <= 1:
        return name
    return " ".join([words[0], *[w[0] + "." for w in words[1:]]])


@dataclass
class Verification:
    """The answer to "is this result authentic?"."""

    found: bool
    document: DigitizedDocument | None = None
    signature: pki.SignatureCheck | None = None
    hash_matches: bool = False
    revoked: bool = False
    problem: str = ""

    @property
    def authentic(self) -> bool:
        return bool(self.found and self.signature and self.signature.ok and self.hash_matches and not self.revoked)

    def public_fields(self) -> dict:
        d = self.document
        signature = self.signature
        return {
            "authentic": self.authentic,
            "found": self.found,
            "code": d.code if d else None,
            "document": d.document_type_name if d else None,
            "number_symbol": d.number_symbol if d else None,
            "issue_date": d.issue_date.isoformat() if d and d.issue_date else None,
            "issuer": d.issuer if d else None,
            "signer": d.signer if d else None,
            "owner": mask_name(d.owner_name) if d else None,
            "owner_id_number": _mask(d.owner_id_number, 3, 3) if d else None,
            "valid_until": d.valid_until.isoformat() if d and d.valid_until else None,
            "signature_valid": bool(signature and signature.intact),
            "signature_trusted": bool(signature and signature.trusted),
            "signature_covers_whole_file": bool(signature and signature.whole_file),
            "signed_by_certificate": signature.signer if signature else None,
            "signed_at": signature.signed_at.isoformat() if signature and signature.signed_at else None,
            "hash_matches": self.hash_matches,
            "revoked": self.revoked,
            "revoked_at": d.revoked_at.isoformat() if d and d.revoked_at else None,
        }


def _trust_roots() -> list[str]:
    return list(TrustRoot.objects.values_list("certificate_pem", flat=True))


def _result_query():
    return DigitizedDocument.objects.filter(kind=DigitizedDocument.Kind.RESULT, status=DigitizedDocument.Status.DONE)


def verify_code(code: str, key: str) -> Verification:
    """Verify the stored result with this code and verification key (both printed on it, both in its QR
    code): its file still has its hash and a trusted, intact signature.

    Without the right key the answer is "not found", as for an unknown code: a code is made of an ID
    number and a procedure code, so it alone would tell anyone who holds which results.
    """
    document = _result_query().filter(code=code).first()
    if document is None or not key or not hmac.compare_digest(document.verify_key, key.strip().upper()):
        return Verification(found=False)
    try:
        with document.file.open("rb") as handle:
            content = handle.read()
    except OSError:
        return Verification(found=True, document=document, revoked=document.revoked_at is not None,
                            problem="file-missing")
    return Verification(
        found=True, document=document, signature=pki.signature_check(content, trust_roots_pem=_trust_roots()),
        hash_matches=pki.sha256(content) == document.sha256, revoked=document.revoked_at is not None,
    )


def verify_file(content: bytes) -> Verification:
    """Verify an uploaded PDF: the same bytes as a result this portal issued, and a trusted intact signature."""
    signature = pki.signature_check(content, trust_roots_pem=_trust_roots())
    document = _result_query().filter(sha256=pki.sha256(content)).first()
    if document is None:
        return Verification(found=False, signature=signature)
    return Verification(found=True, document=document, signature=signature, hash_matches=True,
                        revoked=document.revoked_at is not None)
