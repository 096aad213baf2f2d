"""The declaration, printed, is a file of the dossier: filed at submission under the required document it
stands for (nothing to upload for it), again when a supplement corrects it, and at the counter's intake; a
failure leaves no file behind."""

from pathlib import Path

import pytest
from rest_framework.test import APIClient

from cases import services
from cases.actions import perform
from cases.models import Dossier, DossierDocument
from cases.services import missing_documents
from cases.tests.factories import DossierFactory
from procedures.models import RequiredDocument

from .test_declaration_pdf import pdf_text
from .test_declarations import answers, with_declaration

pytestmark = pytest.mark.django_db


def declared(office):
    """The birth registration with the test declaration; its "Tờ khai theo mẫu" (mandatory) is the declaration."""
    with_declaration(office["birth"])
    RequiredDocument.objects.filter(version=office["birth"].current_version, name="Tờ khai theo mẫu").update(
        is_declaration=True)
    return office


@pytest.fixture(name="declared")
def declared_fixture(office):
    return declared(office)


def _draft(office):
    api = APIClient()
    api.force_authenticate(office["citizen"])
    created = api.post("/api/v1/dossiers/", {"procedure": "1.001193", "agency": "000.11.31.H48",
                                             "form_data": answers()}, format="json")
    assert created.status_code == 201, created.content
    return api, Dossier.objects.get(pk=created.json()["id"])


def _media_files(settings) -> list[Path]:
    return [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


def test_submission_files_the_printed_declaration_under_the_document_it_stands_for(declared, tmp_path):
    api, dossier = _draft(declared)
    # Nothing is uploaded for the declaration's own document: it is not missing.
    assert [r.name for r in missing_documents(dossier)] == []
    response = api.post(f"/api/v1/dossiers/{dossier.pk}/submit/")
    assert response.status_code == 200, response.content
    dossier.refresh_from_db()
    (printed,) = dossier.documents.all()
    assert printed.source == DossierDocument.Source.PRINTED
    assert printed.requirement.name == "Tờ khai theo mẫu"
    assert printed.original_name == f"to-khai-dien-tu-{dossier.code}.pdf" and printed.content_type == "application/pdf"
    with printed.file.open("rb") as handle:
        text = pdf_text(handle.read(), tmp_path)
    assert "TỜ KHAI THỬ NGHIỆM" in text and "Nguyễn Gia Bảo" in text and dossier.code in text


def test_without_a_document_named_for_it_the_declaration_is_filed_among_the_others(office):
    with_declaration(office["birth"])
    RequiredDocument.objects.filter(version=office["birth"].current_version, name="Tờ khai theo mẫu").update(
        mandatory=False)  # (else it is missing: a paper declaration must be attached)
    api, dossier = _draft(office)
    assert api.post(f"/api/v1/dossiers/{dossier.pk}/submit/").status_code == 200
    (printed,) = Dossier.objects.get(pk=dossier.pk).documents.all()
    assert printed.requirement is None and printed.source == "printed"


def test_a_failed_submission_leaves_no_printed_file(declared, settings, monkeypatch):
    api, dossier = _draft(declared)

    def broken(*args, **kwargs):
        raise RuntimeError("the history could not be written")

    monkeypatch.setattr(services, "_event", broken)
    with pytest.raises(RuntimeError):
        services.dossier_submit(dossier=dossier, actor=declared["citizen"])
    dossier.refresh_from_db()
    assert dossier.state == "draft" and not dossier.code and not dossier.documents.exists()
    assert _media_files(settings) == []


def test_a_corrected_declaration_is_printed_again_beside_the_first(office):
    dossier = DossierFactory(procedure=office["birth"], agency=office["ward"], owner=office["citizen"],
                             state="processing")
    declared(office)  # (the version is the dossier's own: as if filed with this declaration)
    Dossier.objects.filter(pk=dossier.pk).update(form_data=answers())
    perform(dossier=dossier, action="request_supplement", actor=office["specialist"],
            items=[{"document": "Tờ khai theo mẫu", "guidance": "Ngày sinh của cháu ghi sai"}])
    corrected = answers(child={"full_name": "Nguyễn Gia Bảo", "date_of_birth": "2026-11-29", "sex": "1"})
    perform(dossier=Dossier.objects.get(pk=dossier.pk), action="supplement", actor=office["citizen"],
            form_data=corrected)
    sources = lambda: list(Dossier.objects.get(pk=dossier.pk).documents.order_by("pk").values_list("source", flat=True))  # noqa: E731
    assert sources() == ["upload", "printed"]  # the factory's upload, then the corrected declaration


def test_a_supplement_that_leaves_the_declaration_as_it_was_prints_nothing(office):
    dossier = DossierFactory(procedure=office["birth"], agency=office["ward"], owner=office["citizen"],
                             state="processing")
    declared(office)
    Dossier.objects.filter(pk=dossier.pk).update(form_data=answers())
    perform(dossier=dossier, action="request_supplement", actor=office["specialist"],
            items=[{"document": "Giấy ủy quyền", "guidance": "Thiếu"}])
    perform(dossier=Dossier.objects.get(pk=dossier.pk), action="supplement", actor=office["citizen"],
            form_data=answers())
    assert list(Dossier.objects.get(pk=dossier.pk).documents.values_list("source", flat=True)) == ["upload"]


def test_the_counter_files_the_declaration_it_typed(declared):
    api = APIClient()
    api.force_authenticate(declared["clerk"])
    response = api.post("/api/v1/dossiers/intake/", {
        "procedure": "1.001193", "agency": "000.11.31.H48", "applicant_name": "Nguyễn Văn An",
        "applicant_id_number": "048090001234", "form_data": answers()}, format="json")
    assert response.status_code == 201, response.content
    (printed,) = Dossier.objects.get().documents.all()
    assert (printed.source, printed.requirement.name, printed.uploaded_by) == ("printed", "Tờ khai theo mẫu",
                                                                              declared["clerk"])


# --- the citizen corrects the declaration online ---------------------------------------------------------------

def _posted(data: dict, prefix: str = "") -> dict:
    """The declaration's answers as its page posts them (one field per path)."""
    out = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_posted(value, f"{path}."))
        elif isinstance(value, bool):
            out[path] = "true" if value else "false"
        else:
            out[path] = str(value)
    return out


@pytest.fixture
def asked(office, client):
    """An online dossier of the citizen, waiting for a supplement: "the child's date of birth is wrong"."""
    dossier = DossierFactory(procedure=office["birth"], agency=office["ward"], owner=office["citizen"],
                             state="processing")
    declared(office)
    Dossier.objects.filter(pk=dossier.pk).update(form_data=answers())
    perform(dossier=dossier, action="request_supplement", actor=office["specialist"],
            items=[{"document": "Tờ khai theo mẫu", "guidance": "Ngày sinh của cháu ghi sai"}])
    client.force_login(office["citizen"])
    return Dossier.objects.get(pk=dossier.pk)


def test_the_citizen_corrects_the_declaration_and_sends_the_supplement_from_its_page(asked, client):
    page = client.get(f"/ho-so/{asked.pk}/").content.decode()
    correct = f"/ho-so/{asked.pk}/bo-sung/to-khai/"
    assert f'href="{correct}"' in page  # "Sửa tờ khai" beside the request
    form = client.get(correct).content.decode()
    assert "Ngày sinh của cháu ghi sai" in form and 'value="2026-11-30"' in form
    corrected = answers(child={"full_name": "Nguyễn Gia Bảo", "date_of_birth": "2026-11-29", "sex": "1"})
    response = client.post(correct, {**_posted(corrected), "note": "Đã sửa ngày sinh", "action": "send"})
    assert response.status_code == 302 and response["Location"] == f"/ho-so/{asked.pk}/"
    dossier = Dossier.objects.get(pk=asked.pk)
    assert dossier.state == "processing" and dossier.form_data == corrected
    event = dossier.events.order_by("-seq").first()
    assert (event.action, event.reason) == ("supplement", "Đã sửa ngày sinh")
    assert event.data["form_data_before"]["child"]["date_of_birth"] == "2026-11-30"
    assert dossier.documents.filter(source="printed").count() == 1


def test_a_wrong_correction_is_shown_at_its_field_and_changes_nothing(asked, client):
    wrong = answers(child={"full_name": "Nguyễn Gia Bảo", "date_of_birth": "31/02/2026", "sex": "1"})
    response = client.post(f"/ho-so/{asked.pk}/bo-sung/to-khai/", {**_posted(wrong), "action": "send"})
    assert response.status_code == 200
    assert 'id="f-child-date_of_birth-error"' in response.content.decode()
    dossier = Dossier.objects.get(pk=asked.pk)
    assert dossier.state == "supplement_requested" and dossier.form_data == answers()
    # The same answers, and no file attached for the supplement: nothing to send.
    response = client.post(f"/ho-so/{asked.pk}/bo-sung/to-khai/", {**_posted(answers()), "action": "send"})
    assert response.status_code == 200 and Dossier.objects.get(pk=asked.pk).state == "supplement_requested"


def test_only_a_dossier_waiting_for_a_supplement_can_be_corrected(office, client):
    dossier = DossierFactory(procedure=office["birth"], agency=office["ward"], owner=office["citizen"],
                             state="processing")
    declared(office)
    client.force_login(office["citizen"])
    response = client.get(f"/ho-so/{dossier.pk}/bo-sung/to-khai/")
    assert response.status_code == 302 and response["Location"] == f"/ho-so/{dossier.pk}/"
    client.force_login(office["other"])
    assert client.get(f"/ho-so/{dossier.pk}/bo-sung/to-khai/").status_code == 404
