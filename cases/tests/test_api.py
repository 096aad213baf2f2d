"""The dossier API end to end, and its refusals: 400, 403, 404, 409 — each changing nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from cases.models import Dossier, DossierDocument, DossierEvent

from .conftest import PDF

pytestmark = pytest.mark.django_db


def client_for(user):
    api = APIClient()
    if user is not None:
        api.force_authenticate(user)
    return api


def draft(office, user=None):
    api = client_for(user or office["citizen"])
    response = api.post("/api/v1/dossiers/", {"procedure": "1.001193", "agency": "000.11.31.H48",
                                               "form_data": {"note": "Khai sinh cho con"}}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def upload(office, dossier_id, content=PDF, name="to-khai.pdf", user=None):
    requirement = Dossier.objects.get(pk=dossier_id).version.documents.get(mandatory=True)
    return client_for(user or office["citizen"]).post(
        f"/api/v1/dossiers/{dossier_id}/documents/",
        {"requirement": requirement.pk, "file": SimpleUploadedFile(name, content)},
        format="multipart",
    )


def act(office, role, dossier_id, action, **payload):
    return client_for(office[role]).post(f"/api/v1/dossiers/{dossier_id}/{action}/", payload, format="json")


def test_the_whole_life_of_a_dossier(office):
    body = draft(office)
    assert body["state"] == "draft" and body["code"] is None
    assert body["applicant_name"] == "Nguyễn Văn An" and body["applicant_id_number"] == "048090001234"
    assert upload(office, body["id"]).status_code == 201
    submitted = client_for(office["citizen"]).post(f"/api/v1/dossiers/{body['id']}/submit/").json()
    assert submitted["state"] == "submitted" and submitted["national_status"] == 1
    assert submitted["code"].startswith("000.11.31.H48-")
    pk = body["id"]
    assert act(office, "clerk", pk, "receive").json()["due_at"]
    assert act(office, "clerk", pk, "forward").json()["current_step"] == "Tiếp nhận"
    assert act(office, "clerk", pk, "complete-step", reason="Đủ hồ sơ").json()["current_step"] == "Thẩm định"
    assert act(office, "specialist", pk, "complete-step", reason="Đề nghị cấp").json()["current_step"] == "Phê duyệt"
    approved = act(office, "leader", pk, "approve", reason="Đồng ý").json()
    assert approved["state"] == "resolved" and approved["outcome"] == "approved"
    returned = act(office, "clerk", pk, "return-result").json()
    assert returned["state"] == "returned" and returned["national_status"] == 10
    events = client_for(office["citizen"]).get(f"/api/v1/dossiers/{pk}/events/").json()
    assert [e["action"] for e in events] == [
        "submit", "receive", "forward", "complete_step", "complete_step", "approve", "return_result"]
    assert [e["seq"] for e in events] == list(range(1, 8))


def test_submit_without_the_mandatory_document_is_400_and_changes_nothing(office):
    body = draft(office)
    response = client_for(office["citizen"]).post(f"/api/v1/dossiers/{body['id']}/submit/")
    assert response.status_code == 400
    assert "documents" in response.json()
    assert Dossier.objects.get(pk=body["id"]).state == "draft"
    assert not DossierEvent.objects.exists()


@pytest.mark.parametrize(("content", "name"), [(b"just text", "fake.pdf"), (b"", "empty.pdf"), (b"MZ\x90\x00", "a.png")])
def test_uploads_that_lie_or_are_empty_are_refused(office, content, name):
    body = draft(office)
    response = upload(office, body["id"], content=content, name=name)
    assert response.status_code == 400
    message = response.json()["file"][0]
    assert name in message or "rỗng" in message
    assert not DossierDocument.objects.exists()


def test_too_large_upload_is_refused(office):
    body = draft(office)
    requirement = Dossier.objects.get(pk=body["id"]).version.documents.get(mandatory=True)
    requirement.max_size_mb = 1
    requirement.save()
    response = upload(office, body["id"], content=PDF + b"0" * (1024 * 1024 + 1))
    assert response.status_code == 400 and "MB" in response.json()["file"][0]
    assert not DossierDocument.objects.exists()


def _submitted(office):
    body = draft(office)
    upload(office, body["id"])
    client_for(office["citizen"]).post(f"/api/v1/dossiers/{body['id']}/submit/")
    return body["id"]


def test_wrong_state_is_409_wrong_role_403_stranger_404(office):
    pk = _submitted(office)
    before = Dossier.objects.filter(pk=pk).values().get()
    assert act(office, "clerk", pk, "forward").status_code == 409  # must be received first
    assert act(office, "leader", pk, "receive").status_code == 403  # not a clerk's
    assert act(office, "other", pk, "withdraw", reason="x").status_code == 404  # another citizen
    assert act(office, "clerk_elsewhere", pk, "receive").status_code == 404  # another agency
    assert client_for(office["other"]).get(f"/api/v1/dossiers/{pk}/").status_code == 404
    assert client_for(None).get(f"/api/v1/dossiers/{pk}/").status_code in (401, 403)
    assert Dossier.objects.filter(pk=pk).values().get() == before
    assert DossierEvent.objects.filter(dossier_id=pk).count() == 1


def test_bad_payloads_are_400(office):
    pk = _submitted(office)
    assert act(office, "clerk", pk, "refuse").status_code == 400  # no reason
    assert act(office, "clerk", pk, "request-supplement", items=[]).status_code == 400
    response = act(office, "clerk", pk, "request-supplement", items=[{"document": "Tờ khai", "guidance": ""}])
    assert response.status_code == 400 and "items" in response.json()
    assert Dossier.objects.get(pk=pk).state == "submitted"


def test_one_supplement_request_after_reception_at_most(office):
    pk = _submitted(office)
    items = [{"document": "Tờ khai", "guidance": "Ký và ghi rõ họ tên"}]
    # Reception guidance (before the dossier is received) is not limited...
    assert act(office, "clerk", pk, "request-supplement", items=items).json()["state"] == "supplement_requested"
    assert upload(office, pk).status_code == 201
    assert act(office, "citizen", pk, "supplement").json()["state"] == "submitted"
    assert act(office, "clerk", pk, "receive").status_code == 200
    # ...after reception the agency asks once; a second request is refused.
    assert act(office, "clerk", pk, "request-supplement", items=items).json()["state"] == "supplement_requested"
    assert act(office, "citizen", pk, "supplement").json()["state"] == "processing"
    response = act(office, "clerk", pk, "request-supplement", items=items)
    assert response.status_code == 409
    assert "một" in response.json()["detail"]


def test_citizen_lists_only_their_own_and_staff_their_agency(office):
    mine = _submitted(office)
    theirs = draft(office, user=office["other"])["id"]
    ids = lambda user, q="": [d["id"] for d in client_for(user).get(f"/api/v1/dossiers/{q}").json()["results"]]  # noqa: E731
    assert ids(office["citizen"]) == [mine]
    assert ids(office["other"]) == [theirs]
    assert ids(office["clerk"], "?queue=new") == [mine]  # drafts are never staff business
    assert ids(office["clerk_elsewhere"], "?queue=all") == []
    assert client_for(office["clerk"]).get("/api/v1/dossiers/?queue=nope").status_code == 400


def test_public_lookup_shows_no_personal_data(office):
    pk = _submitted(office)
    code = Dossier.objects.get(pk=pk).code
    body = client_for(None).get(f"/api/v1/public/dossiers/{code}/").json()
    assert body["code"] == code and body["state"] == "submitted"
    text = str(body)
    for private in ("Nguyễn Văn An", "048090001234", "12 Lê Duẩn", "an@example.com"):
        assert private not in text
    assert client_for(None).get("/api/v1/public/dossiers/NOPE-000000-0001/").status_code == 404


def test_counter_intake_with_scans(office):
    requirement = office["birth"].current_version.documents.get(mandatory=True)
    api = client_for(office["clerk"])
    fields = {"procedure": "1.001193", "agency": "000.11.31.H48", "applicant_name": "Trần Văn Bình",
              "applicant_id_number": "048088001122"}
    bad = api.post("/api/v1/dossiers/intake/", {**fields, f"scan_{requirement.pk}": SimpleUploadedFile("s.pdf", b"text")},
                   format="multipart")
    assert bad.status_code == 400
    assert not Dossier.objects.exists() and not DossierDocument.objects.exists()
    good = api.post("/api/v1/dossiers/intake/", {**fields, f"scan_{requirement.pk}": SimpleUploadedFile("s.pdf", PDF)},
                    format="multipart")
    assert good.status_code == 201, good.content
    body = good.json()
    assert body["state"] == "received" and body["channel"] == 1 and body["due_at"]
    assert body["code"].endswith("-0001")
    assert body["documents"][0]["source"] == "scan"
    assert client_for(office["citizen"]).post("/api/v1/dossiers/intake/", fields, format="json").status_code == 403


def test_a_phone_photo_becomes_a_pdf_and_a_broken_one_is_refused(office):
    from .conftest import JPEG

    body = draft(office)
    assert upload(office, body["id"], content=JPEG, name="anh-chup.jpg").status_code == 201
    document = DossierDocument.objects.get()
    assert document.original_name == "anh-chup.pdf" and document.content_type == "application/pdf"
    assert document.file.read().startswith(b"%PDF-")
    broken = upload(office, body["id"], content=b"\xff\xd8\xff\xe0" + b"\x00" * 40, name="hong.jpg")
    assert broken.status_code == 400 and "hong.jpg" in broken.json()["file"][0]
    assert DossierDocument.objects.count() == 1
