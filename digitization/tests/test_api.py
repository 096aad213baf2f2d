"""The data-store API: ``/me/documents/`` shows the caller's own documents only; a dossier takes a stored
document by its id instead of a file, and every wrong way of asking is a 400 in Vietnamese that changes
nothing; the public result endpoints answer authentic, not found, or not authentic."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from cases.models import DossierDocument
from cases.services import dossier_draft_create
from cases.tests.conftest import PDF
from digitization import services
from digitization.models import DocumentAccess
from procedures.models import RequiredDocument

from .factories import AN, MAI, STORED_PDF, DigitizedDocumentFactory
from .files import file_bytes, stored_content

pytestmark = pytest.mark.django_db

MINE = "/api/v1/me/documents/"
PUBLIC = "/api/v1/public/results/"

NOT_IN_YOUR_STORE = "Giấy tờ này không có trong Kho dữ liệu của bạn hoặc đã hết hiệu lực."
WRONG_TYPE = "Giấy tờ trong kho không đúng loại giấy tờ mà thành phần hồ sơ này yêu cầu."
FILE_OR_DOCUMENT = "Hãy gửi một tệp hoặc mã của một giấy tờ trong Kho dữ liệu của bạn (chỉ một trong hai)."


def client_for(user) -> APIClient:
    api = APIClient()
    if user is not None:
        api.force_authenticate(user)
    return api


@pytest.fixture
def shelf(desk, intake):
    source = intake(AN)
    return {
        "mine": DigitizedDocumentFactory(dossier=source),
        "my_result": DigitizedDocumentFactory(dossier=source, kind="result", document_type="GKS"),
        "my_pending": DigitizedDocumentFactory(dossier=source, status="pending"),
        "hers": DigitizedDocumentFactory(dossier=intake(MAI), owner_id_number=MAI["id_number"], owner_name=MAI["name"]),
    }


# --- /me/documents/ ---------------------------------------------------------------------------------------


def test_my_documents_need_a_login(desk, shelf):
    anonymous = client_for(None)
    for url in (MINE, f"{MINE}{shelf['mine'].pk}/", f"{MINE}{shelf['mine'].pk}/file/"):
        assert anonymous.get(url).status_code in (401, 403), url
    assert not DocumentAccess.objects.exists()


def test_my_documents_are_my_own_only(desk, shelf):
    an, mai = client_for(desk["citizen"]), client_for(desk["other"])
    listed = an.get(MINE)
    assert listed.status_code == 200
    assert {d["id"] for d in listed.json()["results"]} == {shelf["mine"].pk, shelf["my_result"].pk}
    assert [d["id"] for d in mai.get(MINE).json()["results"]] == [shelf["hers"].pk]
    assert client_for(desk["clerk"]).get(MINE).json()["results"] == []  # officials have no store

    one = an.get(f"{MINE}{shelf['mine'].pk}/").json()
    mine = shelf["mine"]
    assert (one["code"], one["kind"], one["document_type"], one["sha256"], one["is_valid"]) == (
        mine.code, "component", "XNCT", mine.sha256, True)
    assert one["dossier_code"] == mine.dossier.code
    assert one["file_url"] == f"http://testserver{MINE}{mine.pk}/file/"

    download = an.get(one["file_url"])
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert download["Cache-Control"] == "private, no-store"  # no shared cache keeps someone's papers
    assert file_bytes(download) == STORED_PDF
    access = DocumentAccess.objects.get()
    assert (access.document, access.user, access.action) == (mine, desk["citizen"], "download")

    for user, document in [(an, "hers"), (an, "my_pending"), (mai, "mine"), (mai, "my_result")]:
        pk = shelf[document].pk
        assert user.get(f"{MINE}{pk}/").status_code == 404, document
        assert user.get(f"{MINE}{pk}/file/").status_code == 404, document
    assert DocumentAccess.objects.count() == 1


# --- reuse through the dossier API ------------------------------------------------------------------------


@pytest.fixture
def reuse(desk, shelf):
    """The birth procedure asks (optionally) for proof of residence, type XNCT; An has a draft of it."""
    residence = RequiredDocument.objects.create(
        version=desk["birth"].current_version, order=3, name="Giấy tờ chứng minh thông tin về cư trú",
        originals=1, mandatory=False, document_type_code="XNCT",
    )
    draft = dossier_draft_create(user=desk["citizen"], procedure=desk["birth"], agency=desk["ward"])
    return {**shelf, "residence": residence, "draft": draft, "url": f"/api/v1/dossiers/{draft.pk}/documents/"}


def test_a_stored_document_is_given_by_its_id_instead_of_a_file(desk, reuse):
    stored, draft = reuse["mine"], reuse["draft"]
    response = client_for(desk["citizen"]).post(
        reuse["url"], {"requirement": reuse["residence"].pk, "document_id": stored.pk}, format="json")
    assert response.status_code == 201, response.content
    (given,) = response.json()["documents"]
    assert (given["requirement"], given["reused_from"], given["source"], given["sha256"]) == (
        reuse["residence"].pk, stored.pk, "reuse", stored.sha256)

    document = DossierDocument.objects.get(dossier=draft)
    assert document.reused_from == stored and document.requirement == reuse["residence"]
    assert document.file.name == stored.file.name  # the stored file itself, not a copy
    # The owner's log names the dossier the document went with: it is written when the dossier is sent.
    assert not DocumentAccess.objects.filter(document=stored).exists()


def test_every_wrong_way_to_reuse_is_400_in_vietnamese_and_changes_nothing(desk, reuse):
    an, residence = client_for(desk["citizen"]), reuse["residence"]
    form = desk["birth"].current_version.documents.get(order=1)  # the application form: no document type

    def refused(data, format="json"):
        response = an.post(reuse["url"], data, format=format)
        assert response.status_code == 400, response.content
        return response.json()

    assert refused({"requirement": residence.pk, "document_id": reuse["hers"].pk}) == {
        "document_id": [NOT_IN_YOUR_STORE]}
    assert refused({"requirement": residence.pk, "document_id": reuse["my_pending"].pk}) == {
        "document_id": [NOT_IN_YOUR_STORE]}
    assert refused({"requirement": residence.pk, "document_id": 10**9}) == {"document_id": [NOT_IN_YOUR_STORE]}
    assert refused({"requirement": residence.pk, "document_id": reuse["my_result"].pk}) == {  # a birth certificate
        "document_id": [WRONG_TYPE]}
    assert refused({"requirement": form.pk, "document_id": reuse["mine"].pk}) == {"document_id": [WRONG_TYPE]}
    both = {"requirement": residence.pk, "document_id": reuse["mine"].pk,
            "file": SimpleUploadedFile("cu-tru.pdf", PDF, "application/pdf")}
    assert refused(both, format="multipart") == {"non_field_errors": [FILE_OR_DOCUMENT]}
    assert refused({"requirement": residence.pk}) == {"non_field_errors": [FILE_OR_DOCUMENT]}

    assert not DossierDocument.objects.filter(dossier=reuse["draft"]).exists()
    assert not DocumentAccess.objects.exists()


def test_another_citizen_cannot_give_a_document_to_my_draft(desk, reuse):
    response = client_for(desk["other"]).post(
        reuse["url"], {"requirement": reuse["residence"].pk, "document_id": reuse["hers"].pk}, format="json")
    assert response.status_code == 404
    assert not DossierDocument.objects.exists() and not DocumentAccess.objects.exists()


# --- public verification ----------------------------------------------------------------------------------


@pytest.fixture
def issued(desk, certificates, intake, approve):
    result = approve(intake())
    assert result.status == "done", result.failure_reason
    return result


def test_a_result_is_authentic_by_its_code_until_it_is_revoked(desk, issued):
    anyone = client_for(None)
    answer = anyone.get(f"{PUBLIC}{issued.code}/", {"key": issued.verify_key})
    assert answer.status_code == 200
    body = answer.json()
    assert (body["authentic"], body["found"], body["code"], body["revoked"]) == (True, True, issued.code, False)
    assert body["signature_valid"] and body["signature_trusted"] and body["hash_matches"]
    assert (body["owner"], body["owner_id_number"]) == ("Nguyễn V. A.", "048******234")
    assert body["signed_by_certificate"] == desk["ward"].name
    access = DocumentAccess.objects.get(document=issued)
    assert (access.action, access.user) == ("verify", None)

    unknown = anyone.get(f"{PUBLIC}{issued.code}0/", {"key": issued.verify_key})
    assert unknown.status_code == 404
    keyless = anyone.get(f"{PUBLIC}{issued.code}/")  # a code alone is an ID number: it tells nothing
    assert keyless.status_code == 404 and keyless.json()["code"] is None
    assert (unknown.json()["authentic"], unknown.json()["found"], unknown.json()["code"]) == (False, False, None)

    services.document_revoke(document=issued, actor=desk["leader"], reason="Cấp nhầm người")
    revoked = anyone.get(f"{PUBLIC}{issued.code}/", {"key": issued.verify_key})
    assert revoked.status_code == 200
    body = revoked.json()
    assert (body["authentic"], body["found"], body["revoked"]) == (False, True, True)
    assert body["revoked_at"] is not None and body["signature_valid"]  # the file is fine: the revocation is why


def test_an_uploaded_result_is_authentic_only_byte_for_byte(desk, issued):
    anyone = client_for(None)
    signed = stored_content(issued)

    def verify(content: bytes, name="ket-qua.pdf"):
        return anyone.post(f"{PUBLIC}verify/", {"file": SimpleUploadedFile(name, content, "application/pdf")},
                           format="multipart")

    good = verify(signed)
    assert good.status_code == 200
    assert (good.json()["authentic"], good.json()["code"]) == (True, issued.code)

    position = re.search(rb"stream\r?\n", signed).end() + 5
    changed = bytearray(signed)
    changed[position] ^= 0x01
    bad = verify(bytes(changed))
    assert bad.status_code == 200
    assert (bad.json()["authentic"], bad.json()["found"], bad.json()["signature_valid"]) == (False, False, False)

    not_pdf = verify(b"chi la van ban", "ket-qua.txt")
    assert not_pdf.status_code == 400 and not_pdf.json() == {"file": ["Đây không phải là tệp PDF."]}
    nothing = anyone.post(f"{PUBLIC}verify/", {}, format="multipart")
    assert nothing.status_code == 400 and list(nothing.json()) == ["file"]
    assert DocumentAccess.objects.filter(document=issued).count() == 1  # the good upload only
