"""Electronic results: approving a dossier makes one pending result; the work renders it, signs it with the
agency's certificate and stores it under its code, which is also what its QR code verifies; it is safe to
run twice; it stays out of the owner's store until return when the template says so; without a
certificate it fails saying why, and an official's retry succeeds once there is one."""

import datetime as dt

import pypdfium2
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext

from cases.actions import perform
from cases.services import ActionRefused, dossier_draft_create
from digitization import pki, results, selectors, services
from digitization.defaults import DEFAULT_BODY
from digitization.models import DigitizedDocument, DocumentSequence, ResultTemplate, TrustRoot
from digitization.tasks import digitize

from .factories import AN, MAI
from .files import jobs

pytestmark = pytest.mark.django_db

BASE = "https://dichvucong.danang.gov.vn"  # settings.PORTAL_BASE_URL in these tests (conftest)


def pdf_text(document) -> str:
    with document.file.open("rb") as handle:
        pdf = pypdfium2.PdfDocument(handle.read())
    try:
        parts = []
        for page in pdf:
            textpage = page.get_textpage()
            parts.append(textpage.get_text_bounded())
            textpage.close()
            page.close()
        return " ".join(" ".join(parts).split())
    finally:
        pdf.close()


def check(document) -> pki.SignatureCheck:
    with document.file.open("rb") as handle:
        content = handle.read()
    assert pki.sha256(content) == document.sha256 and len(content) == document.size
    return pki.signature_check(content, trust_roots_pem=list(TrustRoot.objects.values_list("certificate_pem", flat=True)))


@pytest.fixture
def qr_codes(monkeypatch):
    """What the QR codes drawn on results hold."""
    drawn = []

    class Recording(results.QrFlowable):
        def __init__(self, value, size):
            drawn.append(value)
            super().__init__(value, size)

    monkeypatch.setattr(results, "QrFlowable", Recording)
    return drawn


def test_approval_makes_one_pending_result_and_the_work_signs_it_under_its_code(
    desk, certificates, intake, approve, qr_codes, stored_files
):
    ResultTemplate.objects.create(
        procedure=desk["birth"], title="Giấy khai sinh", signer_title="Chủ tịch",
        body="Cấp cho {{ applicant_name }}, số định danh {{ id_number }}.\n\nTheo hồ sơ {{ dossier_code }}.",
    )
    dossier = intake()
    pending = approve(dossier, run=False)
    assert (pending.kind, pending.status, pending.code, pending.file.name) == ("result", "pending", None, "")
    assert (pending.owner_id_number, pending.owner_name, pending.procedure_code) == (AN["id_number"], AN["name"], "1.001193")
    # The birth procedure's result, KQ.G15.000031, is issued as a birth certificate (GKS) in the store.
    assert (pending.document_type, pending.document_type_name) == ("GKS", "Giấy chứng nhận")
    assert (pending.number_symbol, pending.issue_date, pending.valid_until) == ("125/2026/QĐ-UBND", timezone.localdate(), None)
    assert (pending.issuer, pending.signer, pending.digitized_by) == (desk["ward"].name, "ward-leader", desk["leader"])
    assert DigitizedDocument.objects.filter(dossier=dossier).count() == 1

    assert digitize.apply(args=[pending.pk]).get() == "done"
    result = DigitizedDocument.objects.get(pk=pending.pk)
    assert result.status == "done" and result.failure_reason == ""
    assert result.code == f"{AN['id_number']}.1.001193.GKS.01"
    assert result.certificate == certificates[0] and result.pages == 1
    assert [f.name for f in stored_files()] == [f"{result.code}.pdf"]
    signature = check(result)
    assert signature.ok and signature.signer == desk["ward"].name

    text = pdf_text(result)
    for printed in ("GIẤY KHAI SINH", "Số: 125/2026/QĐ-UBND", f"Cấp cho {AN['name']}, số định danh {AN['id_number']}.",
                    f"Theo hồ sơ {dossier.code}.", "CHỦ TỊCH", f"Mã văn bản: {result.code}",
                    f"Mã xác minh: {result.verify_key}"):
        assert printed in text, printed
    assert len(result.verify_key) == 8
    url = results.verify_url(BASE, result.code, result.verify_key)
    assert url == f"{BASE}/xac-minh/{result.code}/?k={result.verify_key}"
    assert qr_codes == [url]
    assert url in text.replace(" ", "")  # printed under the QR code too (wrapped at its last slash)
    assert selectors.verify_code(result.code, result.verify_key).authentic  # what the QR code leads to says it is authentic


def test_a_result_worked_twice_is_stored_once_under_one_code(
    desk, certificates, intake, approve, stored_files, django_capture_on_commit_callbacks
):
    dossier = intake()
    pending = approve(dossier, run=False)
    for _ in range(2):
        assert digitize.apply(args=[pending.pk]).get() == "done"
        assert services.document_process(document_id=pending.pk).status == "done"
    result = DigitizedDocument.objects.get(dossier=dossier)
    assert (result.code, result.attempts) == (f"{AN['id_number']}.1.001193.GKS.01", 1)
    assert DocumentSequence.objects.get(prefix=f"{AN['id_number']}.1.001193.GKS").last == 1
    assert len(stored_files()) == 1

    with django_capture_on_commit_callbacks(execute=True) as queued:
        again = services.result_enqueue(dossier=dossier, actor=desk["leader"], number_symbol="999/2026")
    assert again == result and jobs(queued) == [] and DigitizedDocument.objects.count() == 1


def test_a_row_another_worker_holds_is_left_alone_until_its_lease_runs_out(certificates, intake, approve):
    pending = approve(intake(), run=False)
    running = timezone.now() + dt.timedelta(seconds=services.CLAIM_SECONDS)
    DigitizedDocument.objects.filter(pk=pending.pk).update(claimed_until=running)
    untouched = services.document_process(document_id=pending.pk)
    assert (untouched.status, untouched.code, untouched.attempts) == ("pending", None, 0)

    run_out = timezone.now() - dt.timedelta(seconds=1)
    DigitizedDocument.objects.filter(pk=pending.pk).update(claimed_until=run_out)
    taken_over = services.document_process(document_id=pending.pk)
    assert (taken_over.status, taken_over.attempts, taken_over.claimed_until) == ("done", 1, None)


def test_codes_count_per_owner_procedure_and_type(certificates, intake, approve):
    codes = [
        approve(intake(AN)).code,
        approve(intake(AN)).code,
        approve(intake(MAI)).code,
        approve(intake(AN, procedure="marriage")).code,
        approve(intake(AN)).code,
    ]
    assert codes == [
        f"{AN['id_number']}.1.001193.GKS.01",
        f"{AN['id_number']}.1.001193.GKS.02",
        f"{MAI['id_number']}.1.001193.GKS.01",
        f"{AN['id_number']}.1.000894.GKS.01",
        f"{AN['id_number']}.1.001193.GKS.03",
    ]


@pytest.mark.parametrize("hidden", [True, False])
def test_a_result_shows_in_the_owner_store_before_return_only_if_the_template_allows(
    hidden, desk, certificates, intake, approve
):
    ResultTemplate.objects.create(procedure=desk["birth"], body=DEFAULT_BODY, hidden_until_returned=hidden)
    dossier = intake()
    result = approve(dossier)  # the after-commit queueing runs: the result is issued
    assert result.status == "done" and result.hidden_until_returned is hidden
    citizen = desk["citizen"]
    draft = dossier_draft_create(user=citizen, procedure=desk["marriage"], agency=desk["ward"])

    def shown():
        listed = list(selectors.store_documents(citizen))
        one = selectors.store_document(citizen, result.pk)
        reusable = selectors.reusable_documents(draft).filter(pk=result.pk).exists()
        assert (listed == [result]) is (one == result) is reusable
        return one == result

    assert shown() is not hidden
    perform(dossier=dossier, action="return_result", actor=desk["clerk"])
    assert shown() is True
    assert selectors.verify_code(result.code, result.verify_key).authentic  # hiding is about the store, not about verification


def test_without_a_certificate_the_result_fails_saying_why_and_a_retry_succeeds_once_there_is_one(
    desk, intake, approve, stored_files, django_capture_on_commit_callbacks
):
    ward = desk["ward"]
    failed = approve(intake())
    assert failed.status == "failed" and failed.file.name == "" and stored_files() == []
    assert failed.failure_reason == gettext(
        "%(agency)s has no signing certificate in force: an administrator must load one, then retry."
    ) % {"agency": ward.name}

    for stranger in (desk["citizen"], desk["clerk_elsewhere"]):
        with django_capture_on_commit_callbacks(execute=True) as queued, pytest.raises(PermissionDenied):
            services.document_retry(document=failed, actor=stranger)
        assert jobs(queued) == [] and DigitizedDocument.objects.get(pk=failed.pk).status == "failed"

    services.demo_certificates_issue(agencies=[ward])
    with django_capture_on_commit_callbacks(execute=True) as queued:
        services.document_retry(document=failed, actor=desk["clerk"])
    assert len(jobs(queued)) == 1
    issued = DigitizedDocument.objects.get(pk=failed.pk)
    assert (issued.status, issued.failure_reason, issued.code) == ("done", "", failed.code)
    assert issued.certificate.agency == ward and check(issued).ok

    with pytest.raises(ValidationError):
        services.document_retry(document=issued, actor=desk["clerk"])


def test_a_unit_without_its_own_certificate_signs_with_its_parent_agency(desk, intake, approve):
    province = desk["province"]
    services.demo_certificates_issue(agencies=[province])
    result = approve(intake())
    assert result.status == "done", result.failure_reason
    assert result.certificate.agency == province
    assert check(result).ok and check(result).signer == province.name[:64]


def test_a_revoked_certificate_is_not_used_and_an_unreadable_key_fails_saying_so(desk, intake, approve, settings):
    ward = desk["ward"]
    (certificate,) = services.demo_certificates_issue(agencies=[ward])
    certificate.revoked_at = timezone.now()
    certificate.save(update_fields=["revoked_at"])
    assert services.signing_certificate_for(ward) is None
    refused = approve(intake())
    assert refused.status == "failed" and ward.name in refused.failure_reason

    (fresh,) = services.demo_certificates_issue(agencies=[ward])
    (settings.SIGNING_DIR / fresh.key_file).unlink()
    unreadable = approve(intake())
    assert unreadable.status == "failed" and unreadable.certificate is None
    assert unreadable.failure_reason == gettext(
        "The private key of %(agency)s's certificate cannot be read: an administrator must check it."
    ) % {"agency": ward.name}


def test_a_refused_approval_or_a_denial_issues_nothing(desk, certificates, intake, django_capture_on_commit_callbacks):
    dossier = intake()
    for action, role in [("forward", "clerk"), ("complete_step", "clerk"), ("complete_step", "specialist")]:
        perform(dossier=dossier, action=action, actor=desk[role])
    with django_capture_on_commit_callbacks(execute=True) as queued:
        with pytest.raises(PermissionDenied):
            perform(dossier=dossier, action="approve", actor=desk["specialist"], reason="1/2026")
        with pytest.raises(ValidationError):
            perform(dossier=dossier, action="approve", actor=desk["leader"], reason=" ")
        perform(dossier=dossier, action="deny", actor=desk["leader"], reason="Không đủ điều kiện")
        with pytest.raises(ActionRefused):
            perform(dossier=dossier, action="approve", actor=desk["leader"], reason="1/2026")
    assert jobs(queued) == [] and not DigitizedDocument.objects.exists()


def test_the_sweeper_queues_again_only_what_waits_too_long_unclaimed(
    certificates, intake, approve, django_capture_on_commit_callbacks
):
    old = timezone.now() - dt.timedelta(minutes=10)
    lost, fresh, held, abandoned, done = (approve(intake(), run=False) for _ in range(5))
    DigitizedDocument.objects.filter(pk__in=[lost.pk, held.pk, abandoned.pk, done.pk]).update(created_at=old)
    DigitizedDocument.objects.filter(pk=held.pk).update(
        claimed_until=timezone.now() + dt.timedelta(seconds=services.CLAIM_SECONDS)
    )
    # A worker died holding this one: its lease ran out.
    DigitizedDocument.objects.filter(pk=abandoned.pk).update(claimed_until=timezone.now() - dt.timedelta(seconds=1))
    DigitizedDocument.objects.filter(pk=done.pk).update(status="done")

    with django_capture_on_commit_callbacks(execute=True) as queued:
        assert services.sweep() == 2
    assert len(jobs(queued)) == 1  # one batch, after commit
    rows = DigitizedDocument.objects.filter(pk__in=[lost.pk, fresh.pk, held.pk, abandoned.pk]).order_by("pk")
    assert [d.status for d in rows] == ["done", "pending", "pending", "done"]
