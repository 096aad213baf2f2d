"""Provide once: a document digitized in one dossier is given again in a later dossier of another
procedure that asks for the same document type, without a new upload or a new digitization; a document
that is expired, revoked, someone else's, of another type or not digitized is refused; the draft's
documents step offers it, and its button gives it."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cases.models import DossierDocument
from cases.services import (
    ActionRefused,
    dossier_document_add,
    dossier_document_remove,
    dossier_draft_create,
    dossier_submit,
)
from cases.tests.conftest import PDF
from digitization import selectors
from digitization.models import DigitizedDocument, DocumentAccess, DocumentType
from digitization.services import dossier_document_reuse
from procedures.models import RequiredDocument

from .factories import AN, MAI, DigitizedDocumentFactory
from .files import upload
from .scans import RESIDENCE, needs_tesseract, normalized, scan_pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def residence(desk):
    """Both procedures ask for proof of residence (type XNCT); the marriage one requires it."""
    return {
        name: RequiredDocument.objects.create(
            version=desk[name].current_version, order=3, name="Giấy tờ chứng minh thông tin về cư trú", originals=1,
            mandatory=name == "marriage", document_type_code="XNCT",
        )
        for name in ("birth", "marriage")
    }


@pytest.fixture
def later_draft(desk, residence):
    """The citizen's draft of the marriage procedure."""
    return dossier_draft_create(user=desk["citizen"], procedure=desk["marriage"], agency=desk["ward"])


@needs_tesseract
def test_a_component_digitized_in_one_dossier_is_reused_in_another_without_a_new_digitization(
    desk, residence, intake, later_draft, django_capture_on_commit_callbacks
):
    citizen = desk["citizen"]
    with django_capture_on_commit_callbacks(execute=True):
        first = intake(AN, scans=[(residence["birth"], upload(scan_pdf(RESIDENCE), "cu-tru.pdf"))])
    stored = DigitizedDocument.objects.get(dossier=first)
    assert stored.status == "done", stored.failure_reason
    assert stored.document_type == "XNCT" and stored.code == f"{AN['id_number']}.1.001193.XNCT.01"
    assert "Nguyễn Văn An" in normalized(stored.ocr_text)

    marriage = desk["marriage"].current_version.documents.order_by("order")
    offers = selectors.reuse_offers(later_draft, list(marriage))
    assert offers == {residence["marriage"].pk: stored}  # the one offer, for the typed requirement only

    given = dossier_document_reuse(dossier=later_draft, user=citizen, requirement=residence["marriage"],
                                   stored_id=stored.pk)
    assert given.reused_from == stored and given.source == DossierDocument.Source.REUSE == "reuse"
    assert (given.file.name, given.sha256, given.size) == (stored.file.name, stored.sha256, stored.size)
    # Nothing is in the owner's log while the dossier is a draft: the agency has not seen the document.
    assert not DocumentAccess.objects.filter(document=stored).exists()
    # Giving it again is the same file, not a second one.
    assert dossier_document_reuse(dossier=later_draft, user=citizen, requirement=residence["marriage"],
                                  stored_id=stored.pk) == given
    assert later_draft.documents.count() == 1

    form = dossier_document_add(dossier=later_draft, actor=citizen, requirement=marriage.get(order=1),
                                uploaded=upload(PDF, "to-khai.pdf"))
    with django_capture_on_commit_callbacks(execute=False):
        submitted = dossier_submit(dossier=later_draft, actor=citizen)  # the reuse fills the mandatory XNCT
    assert submitted.state == "submitted"
    created = DigitizedDocument.objects.filter(dossier=submitted)
    assert [d.component_id for d in created] == [form.pk]  # the uploaded form only, not the reused file
    assert not DigitizedDocument.objects.filter(component=given).exists()
    stored.refresh_from_db()
    assert (stored.status, stored.dossier_id, stored.component.dossier_id) == ("done", first.pk, first.pk)
    # Sent: one line in the owner's log, naming the dossier it went with.
    access = DocumentAccess.objects.get(document=stored)
    assert (access.action, access.user, access.who, access.dossier_code) == (
        "reuse", citizen, "Nguyễn Văn An", submitted.code
    )
    assert selectors.store_documents(citizen).get(pk=stored.pk).access_count == 1


def test_an_issued_result_is_offered_and_reused_for_a_requirement_of_its_type(
    desk, certificates, intake, approve
):
    certificate = RequiredDocument.objects.create(
        version=desk["marriage"].current_version, order=3, name="Giấy khai sinh", originals=1, document_type_code="GKS"
    )
    issued = approve(intake(AN))
    assert issued.status == "done" and issued.document_type == "GKS"
    scanned_copy = DigitizedDocumentFactory(dossier=issued.dossier, document_type="GKS", code="ban-sao-gks")  # newer, a scan
    draft = dossier_draft_create(user=desk["citizen"], procedure=desk["marriage"], agency=desk["ward"])
    assert selectors.reuse_offers(draft, [certificate]) == {certificate.pk: issued}  # the signed result first
    assert set(selectors.reusable_documents(draft)) == {issued, scanned_copy}
    given = dossier_document_reuse(dossier=draft, user=desk["citizen"], requirement=certificate, stored_id=issued.pk)
    assert given.reused_from == issued and given.sha256 == issued.sha256


def _yesterday():
    return timezone.localdate() - dt.timedelta(days=1)


STORED = {
    # the control: the same setup, a document that may be reused
    "in force": ({}, True),
    "valid until today": ({"valid_until": timezone.localdate}, True),
    "expired": ({"valid_until": _yesterday}, False),
    "revoked": ({"revoked_at": timezone.now, "revoked_reason": "Cấp nhầm"}, False),
    "another owner's": ({"owner_id_number": MAI["id_number"], "owner_name": MAI["name"]}, False),
    "of another type": ({"document_type": "GKS"}, False),
    "still being digitized": ({"status": DigitizedDocument.Status.PENDING}, False),
    "failed": ({"status": DigitizedDocument.Status.FAILED, "failure_reason": "Tệp bị hỏng"}, False),
    "a result hidden until returned": ({"kind": DigitizedDocument.Kind.RESULT, "hidden_until_returned": True}, False),
}


@pytest.mark.parametrize("case", list(STORED))
def test_only_the_applicant_own_valid_document_of_the_asked_type_is_reused(
    case, desk, residence, intake, later_draft
):
    fields, accepted = STORED[case]
    stored = DigitizedDocumentFactory(dossier=intake(AN), **{k: v() if callable(v) else v for k, v in fields.items()})
    requirement = residence["marriage"]
    offered = selectors.reuse_offers(later_draft, [requirement]).get(requirement.pk)
    if accepted:
        assert offered == stored
        given = dossier_document_reuse(dossier=later_draft, user=desk["citizen"], requirement=requirement,
                                       stored_id=stored.pk)
        assert given.reused_from == stored
        return
    assert offered is None
    with pytest.raises(ValidationError) as refused:
        dossier_document_reuse(dossier=later_draft, user=desk["citizen"], requirement=requirement, stored_id=stored.pk)
    assert "document_id" in refused.value.message_dict
    assert not later_draft.documents.exists() and not DocumentAccess.objects.exists()


def test_a_type_made_for_one_dossier_only_is_neither_offered_nor_reused(desk, residence, intake, later_draft):
    stored = DigitizedDocumentFactory(dossier=intake(AN))
    DocumentType.objects.filter(code="XNCT").update(reusable=False)  # as an authorization (GUQ) is
    assert selectors.reuse_offers(later_draft, [residence["marriage"]]) == {}
    with pytest.raises(ValidationError):
        dossier_document_reuse(dossier=later_draft, user=desk["citizen"], requirement=residence["marriage"],
                               stored_id=stored.pk)
    assert not later_draft.documents.exists()


def test_reuse_is_refused_for_a_requirement_without_a_type_another_procedure_another_user_or_a_sent_dossier(
    desk, residence, intake, later_draft
):
    stored = DigitizedDocumentFactory(dossier=intake(AN))
    untyped = desk["marriage"].current_version.documents.get(order=1)
    with pytest.raises(ValidationError):
        dossier_document_reuse(dossier=later_draft, user=desk["citizen"], requirement=untyped, stored_id=stored.pk)
    with pytest.raises(ValidationError):  # the birth procedure's requirement, not this dossier's
        dossier_document_reuse(dossier=later_draft, user=desk["citizen"], requirement=residence["birth"],
                               stored_id=stored.pk)
    for stranger in (desk["other"], desk["clerk"]):
        with pytest.raises(PermissionDenied):
            dossier_document_reuse(dossier=later_draft, user=stranger, requirement=residence["marriage"],
                                   stored_id=stored.pk)
    assert not later_draft.documents.exists() and not DocumentAccess.objects.exists()

    dossier_document_reuse(dossier=later_draft, user=desk["citizen"], requirement=residence["marriage"],
                           stored_id=stored.pk)
    dossier_document_add(dossier=later_draft, actor=desk["citizen"],
                         requirement=untyped, uploaded=upload(PDF, "to-khai.pdf"))
    sent = dossier_submit(dossier=later_draft, actor=desk["citizen"])
    with pytest.raises(ActionRefused):
        dossier_document_reuse(dossier=sent, user=desk["citizen"], requirement=residence["marriage"], stored_id=stored.pk)


def test_removing_a_reused_file_from_a_draft_keeps_the_stored_document(
    desk, residence, intake, later_draft, django_capture_on_commit_callbacks
):
    stored = DigitizedDocumentFactory(dossier=intake(AN))
    given = dossier_document_reuse(dossier=later_draft, user=desk["citizen"], requirement=residence["marriage"],
                                   stored_id=stored.pk)
    with django_capture_on_commit_callbacks(execute=True):
        assert dossier_document_remove(dossier=later_draft, user=desk["citizen"], document_pk=given.pk)
    assert not later_draft.documents.exists()
    assert stored.file.storage.exists(stored.file.name)
    stored.refresh_from_db()
    assert stored.status == "done" and selectors.store_document(desk["citizen"], stored.pk) == stored


# --- the draft's documents step: the offer and its button ---------------------------------------------------


def test_the_documents_step_offers_the_stored_document_and_its_button_adds_it(desk, residence, intake, later_draft):
    stored = DigitizedDocumentFactory(dossier=intake(AN))
    requirement = residence["marriage"]
    an = Client()
    an.force_login(desk["citizen"])
    step = reverse("cases:draft-documents", args=[later_draft.pk])
    reuse = reverse("digitization:reuse", args=[later_draft.pk])
    button = f'name="reuse" value="{requirement.pk}:{stored.pk}" formaction="{reuse}"'

    page = an.get(step).content.decode()
    assert page.count('class="cz-reuse"') == 1 and button in page

    # Someone else's dossier: it does not exist for them, and nothing is added.
    stranger = Client()
    stranger.force_login(desk["other"])
    assert stranger.post(reuse, {"reuse": f"{requirement.pk}:{stored.pk}"}).status_code == 404
    assert not later_draft.documents.exists()

    # A document that is not the applicant's: refused, said on the step, nothing added.
    hers = DigitizedDocumentFactory(dossier=intake(MAI), owner_id_number=MAI["id_number"], owner_name=MAI["name"])
    response = an.post(reuse, {"reuse": f"{requirement.pk}:{hers.pk}"}, follow=True)
    assert response.redirect_chain == [(step, 302)]
    assert "Giấy tờ này không có trong Kho dữ liệu của bạn hoặc đã hết hiệu lực." in response.content.decode()
    assert not later_draft.documents.exists()

    response = an.post(reuse, {"reuse": f"{requirement.pk}:{stored.pk}"}, follow=True)
    assert response.redirect_chain == [(step, 302)]
    page = response.content.decode()
    assert "Đã thêm giấy tờ từ Kho dữ liệu của bạn." in page
    assert 'class="cz-reuse"' not in page  # offered only while the requirement has no file
    (given,) = later_draft.documents.all()
    assert (given.requirement, given.reused_from, given.source) == (requirement, stored, "reuse")
