"""Digitizing a dossier's files: one job per file when the dossier is submitted, taken at the counter or
supplemented; the work is safe to run twice; a hostile or broken file fails with its reason on the row and
leaves no file behind; every document gets the code ``{owner ID}.{procedure code}.{document type}.{NN}``."""

import tempfile
import uuid

import pytest
from django.utils.translation import gettext
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from cases.actions import perform
from cases.services import dossier_document_add, dossier_draft_create, dossier_submit
from cases.tests.conftest import PDF
from digitization import ocr, pki, services
from digitization.models import DigitizedDocument, DocumentSequence
from digitization.tasks import digitize
from procedures.models import ProcedureVersion

from .factories import AN
from .files import jobs, upload
from .scans import (
    CERTIFICATE,
    blank_pdf,
    bomb_pdf,
    encrypted_pdf,
    garbage_pdf,
    needs_tesseract,
    normalized,
    scan_pdf,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    """The temporary folder of this process and of its children: a test can see what stays behind."""
    folder = tmp_path / "scratch"
    folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(folder))
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@needs_tesseract
def test_a_submitted_file_is_digitized_once_under_its_code_however_often_the_task_runs(
    desk, django_capture_on_commit_callbacks, stored_files
):
    citizen, requirement = desk["citizen"], desk["birth"].current_version.documents.get(order=1)
    draft = dossier_draft_create(user=citizen, procedure=desk["birth"], agency=desk["ward"])
    component = dossier_document_add(dossier=draft, actor=citizen, requirement=requirement,
                                     uploaded=upload(scan_pdf(CERTIFICATE)))
    assert not DigitizedDocument.objects.exists()  # adding a file to a draft digitizes nothing yet

    with django_capture_on_commit_callbacks(execute=False) as queued:
        dossier = dossier_submit(dossier=draft, actor=citizen)
    job = DigitizedDocument.objects.get()
    assert (job.kind, job.status, job.code, job.component, job.dossier) == ("component", "pending", None, component, dossier)
    assert (job.owner_id_number, job.owner_name, job.procedure_code) == (AN["id_number"], AN["name"], "1.001193")
    assert (job.document_type, job.document_type_name, job.digitized_by) == ("KHAC", requirement.name, citizen)
    assert len(jobs(queued)) == 1

    jobs(queued)[0]()  # the after-commit queueing: the task runs eagerly in tests
    first = DigitizedDocument.objects.get()
    assert first.status == "done", first.failure_reason
    assert first.code == f"{AN['id_number']}.1.001193.KHAC.01"
    assert "Nguyễn Thị Hương" in normalized(first.ocr_text)
    assert first.pages == 1 and first.attempts == 1 and first.digitized_at is not None
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in first.summary
    with first.file.open("rb") as handle:
        content = handle.read()
    assert content.startswith(b"%PDF") and pki.sha256(content) == first.sha256 and len(content) == first.size

    # Run again, by the task (twice) and by the service (twice): nothing more happens.
    assert digitize.apply(args=[first.pk]).get() == "done"
    assert digitize.apply(args=[first.pk]).get() == "done"
    assert services.document_process(document_id=first.pk).pk == first.pk
    assert services.document_process(document_id=first.pk).pk == first.pk
    again = DigitizedDocument.objects.get()
    assert (again.code, again.sha256, again.file.name, again.attempts) == (first.code, first.sha256, first.file.name, 1)
    assert DocumentSequence.objects.get(prefix=f"{AN['id_number']}.1.001193.KHAC").last == 1
    assert len(stored_files()) == 1
    # And submitting nothing new queues nothing new.
    assert services.components_enqueue(dossier=dossier) == []


def test_counter_scans_and_a_supplement_each_get_one_job_and_only_new_files(
    desk, intake, django_capture_on_commit_callbacks
):
    requirement = desk["birth"].current_version.documents.get(order=1)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        dossier = intake(scans=[(requirement, upload(PDF, "to-khai.pdf"))])
    scanned = DigitizedDocument.objects.get()
    assert scanned.digitized_by == desk["clerk"] and scanned.status == "pending" and len(jobs(queued)) == 1

    perform(dossier=dossier, action="request_supplement", actor=desk["clerk"], items=[{"document": "Giấy ủy quyền", "guidance": "Nộp bản có ký tên"}])
    dossier.refresh_from_db()
    added = dossier_document_add(dossier=dossier, actor=desk["clerk"],
                                 requirement=desk["birth"].current_version.documents.get(order=2),
                                 uploaded=upload(PDF, "uy-quyen.pdf"))
    with django_capture_on_commit_callbacks(execute=False) as queued:
        perform(dossier=dossier, action="supplement", actor=desk["clerk"])
    assert len(jobs(queued)) == 1
    rows = DigitizedDocument.objects.order_by("pk")
    assert [job.component_id for job in rows] == [scanned.component_id, added.pk]


# --- files that must fail cleanly ----------------------------------------------------------------------------

HOSTILE = {
    # name: (the file, settings for the run, the reason the official sees)
    "garbage that says PDF": (garbage_pdf, {}, ocr.DAMAGED),
    "encrypted": (encrypted_pdf, {}, ocr.ENCRYPTED),
    "too many pages": (lambda: blank_pdf(3), {"OCR_MAX_PAGES": 2}, ocr.TOO_MANY_PAGES),
    # Ten billion pixels declared: refused before anything is decoded.
    "a giant image": (lambda: bomb_pdf(100_000), {}, ocr.TOO_LARGE),
    # 196 million pixels from 2 KB, under OCRmyPDF's own ceiling: the child's memory limit stops it.
    "a decompression bomb": (lambda: bomb_pdf(14_000), {"OCR_MEMORY_MB": 400}, ocr.TOO_LARGE),
}


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_a_hostile_or_broken_file_fails_with_its_reason_and_leaves_nothing_behind(
    kind, desk, intake, settings, scratch, stored_files, django_capture_on_commit_callbacks
):
    make, overrides, reason = HOSTILE[kind]
    for name, value in overrides.items():
        setattr(settings, name, value)
    requirement = desk["birth"].current_version.documents.get(order=1)
    with django_capture_on_commit_callbacks(execute=True):
        dossier = intake(scans=[(requirement, upload(make()))])

    job = DigitizedDocument.objects.get(dossier=dossier)
    assert job.status == "failed"
    assert job.failure_reason == ocr._messages()[reason]
    assert (job.file.name, job.sha256, job.size, job.ocr_text, job.claimed_until) == ("", "", 0, "", None)
    assert stored_files() == []
    assert list(scratch.iterdir()) == []  # neither the parent's copy nor the child's work folder
    assert dossier.documents.count() == 1  # the dossier keeps the file the official scanned


def _temporary_failure(document_id: int, scratch) -> None:
    """A failure that may pass: the service leaves the row pending and released for a retry; the task
    (eager here: no broker to retry through) then fails it visibly."""
    with pytest.raises(services.Retryable):
        services.document_process(document_id=document_id)
    row = DigitizedDocument.objects.get(pk=document_id)
    assert (row.status, row.claimed_until, row.attempts, row.file.name) == ("pending", None, 1, "")
    assert list(scratch.iterdir()) == []
    assert digitize.apply(args=[document_id]).get() == "failed"


@needs_tesseract
def test_a_file_that_takes_too_long_is_stopped_and_may_be_retried(
    desk, intake, settings, scratch, stored_files, django_capture_on_commit_callbacks
):
    settings.OCR_TIMEOUT_SECONDS = 1  # a page takes seconds
    requirement = desk["birth"].current_version.documents.get(order=1)
    with django_capture_on_commit_callbacks(execute=False):
        dossier = intake(scans=[(requirement, upload(scan_pdf(CERTIFICATE)))])
    job = DigitizedDocument.objects.get(dossier=dossier)
    _temporary_failure(job.pk, scratch)
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.failure_reason == gettext("OCR took longer than %(seconds)s seconds and was stopped.") % {"seconds": 1}
    assert stored_files() == []


def test_without_tesseract_a_digitization_fails_saying_so(
    desk, intake, tmp_path, monkeypatch, scratch, django_capture_on_commit_callbacks
):
    requirement = desk["birth"].current_version.documents.get(order=1)
    with django_capture_on_commit_callbacks(execute=False):
        dossier = intake(scans=[(requirement, upload(scan_pdf("Giấy tờ", dpi=100)))])
    job = DigitizedDocument.objects.get(dossier=dossier)
    monkeypatch.setenv("PATH", str(tmp_path))
    _temporary_failure(job.pk, scratch)
    job.refresh_from_db()
    assert (job.status, job.failure_reason) == ("failed", ocr._messages()[ocr.MISSING_TOOL])


def test_on_a_worker_a_failure_that_may_pass_is_retried_with_backoff_then_failed_on_the_last_attempt(
    desk, intake, tmp_path, monkeypatch, scratch, django_capture_on_commit_callbacks
):
    """As a worker runs it (not eagerly): Celery retries it (``autoretry_for``) after an exponential,
    jittered countdown, five times; the last attempt stores the failure for an official to see."""
    from celery.canvas import Signature
    from celery.exceptions import Retry

    requirement = desk["birth"].current_version.documents.get(order=1)
    with django_capture_on_commit_callbacks(execute=False):
        dossier = intake(scans=[(requirement, upload(scan_pdf("Giấy tờ", dpi=100)))])
    job = DigitizedDocument.objects.get(dossier=dossier)
    monkeypatch.setenv("PATH", str(tmp_path))  # no Tesseract: a failure that installing it would fix
    sent = []
    monkeypatch.setattr(Signature, "apply_async", lambda signature, *args, **kwargs: sent.append(signature.options))

    def attempt(retries: int):
        digitize.push_request(id=f"digitize-{job.pk}", args=[job.pk], kwargs={}, retries=retries, is_eager=False,
                              called_directly=False)
        try:
            return digitize.run(job.pk)
        finally:
            digitize.pop_request()

    for retries in range(digitize.max_retries):
        with pytest.raises(Retry) as retry:
            attempt(retries)
        assert 0 <= retry.value.when <= min(600, 15 * 2**retries)
        row = DigitizedDocument.objects.get(pk=job.pk)
        assert (row.status, row.claimed_until, row.attempts) == ("pending", None, retries + 1)
    assert [options["retries"] for options in sent] == [1, 2, 3, 4, 5]

    assert attempt(digitize.max_retries) == "failed"
    row = DigitizedDocument.objects.get(pk=job.pk)
    assert (row.status, row.failure_reason, row.attempts) == ("failed", ocr._messages()[ocr.MISSING_TOOL], 6)
    assert len(sent) == 5


# --- codes ------------------------------------------------------------------------------------------------


@hypothesis_settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(picks=st.lists(st.sampled_from(["GKS", "XNCT", "KHAC"]), min_size=1, max_size=120))
def test_codes_count_up_per_prefix_with_no_gap_and_no_repeat(db, picks):
    owner = f"0480{uuid.uuid4().int % 10**8:08d}"  # a fresh owner per example: the database is not reset
    codes = [services._code_allocate(f"{owner}.1.001193.{kind}") for kind in picks]
    assert len(set(codes)) == len(codes)
    seen: dict[str, int] = {}
    for kind, code in zip(picks, codes, strict=True):
        seen[kind] = seen.get(kind, 0) + 1
        prefix, number = code.rsplit(".", 1)
        assert prefix == f"{owner}.1.001193.{kind}"
        assert int(number) == seen[kind] and len(number) == max(2, len(str(seen[kind])))


@needs_tesseract
def test_the_printed_declaration_is_digitized_into_the_applicants_store_like_any_component(
    desk, django_capture_on_commit_callbacks
):
    citizen, version = desk["citizen"], desk["birth"].current_version
    schema = {"type": "object", "title": "Tờ khai đăng ký khai sinh", "required": ["child"], "properties": {
        "child": {"type": "string", "title": "Họ, chữ đệm, tên người được khai sinh"}}}
    ProcedureVersion.objects.filter(pk=version.pk).update(
        form_schema=schema, form_ui={"sections": [{"title": "Người được khai sinh", "fields": ["child"]}]})
    requirement = version.documents.get(order=1)
    requirement.is_declaration = True
    requirement.save(update_fields=["is_declaration"])
    draft = dossier_draft_create(user=citizen, procedure=desk["birth"], agency=desk["ward"],
                                 form_data={"child": "Nguyễn Ngọc Bích"})
    with django_capture_on_commit_callbacks(execute=False) as queued:
        dossier_submit(dossier=draft, actor=citizen)
    job = DigitizedDocument.objects.get()
    assert (job.component.source, job.component.requirement, job.document_type_name) == (
        "printed", requirement, requirement.name)
    jobs(queued)[0]()
    job.refresh_from_db()
    assert job.status == "done", job.failure_reason
    assert job.code == f"{AN['id_number']}.1.001193.KHAC.01" and "Nguyễn Ngọc Bích" in normalized(job.ocr_text)
