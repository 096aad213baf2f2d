"""The citizen's pages: the submission wizard, my dossiers, a dossier's page and actions, the public lookup."""

import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.actions import perform
from cases.models import Dossier, DossierDocument, DossierEvent
from cases.services import dossier_document_add, dossier_draft_create, dossier_submit
from cases.tests.factories import DossierFactory
from procedures.models import RequiredDocument

from .conftest import JPEG, PDF

pytestmark = pytest.mark.django_db


def english(client):
    """Assertions on the pages' own words read the English source strings, stable whatever the catalog."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def an(client, office):
    client.force_login(office["citizen"])
    return english(client)


def upload(name, content, content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def requirements(procedure):
    docs = list(procedure.current_version.documents.order_by("order"))
    return docs[0], docs[1]  # the mandatory form, the optional authorisation


def draft_of(office, user=None, procedure=None):
    return dossier_draft_create(user=user or office["citizen"], procedure=procedure or office["birth"],
                                agency=office["ward"], form_data={"request_details": "Khai sinh cho con"})


def submitted(office, user=None):
    dossier = draft_of(office, user)
    form, _optional = requirements(office["birth"])
    dossier_document_add(dossier=dossier, actor=user or office["citizen"], requirement=form,
                         uploaded=upload("to-khai.pdf", PDF))
    return dossier_submit(dossier=dossier, actor=user or office["citizen"])


# --- the wizard ---------------------------------------------------------------------------------------

def test_the_procedure_page_offers_online_submission(client, office):
    response = client.get(reverse("procedure-detail", args=["1.001193"]))
    assert reverse("cases:submit", args=["1.001193"]).encode() in response.content


def test_anonymous_is_sent_to_login_with_next(client, office):
    url = reverse("cases:submit", args=["1.001193"])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert "next=" in response["Location"]
    for name in ("cases:my-dossiers",):
        assert client.get(reverse(name)).status_code == 302
    assert Dossier.objects.count() == 0


def test_a_procedure_not_open_online_has_no_wizard(an, office):
    assert an.get(reverse("cases:submit", args=["1.009974"])).status_code == 404


def test_whole_wizard(an, office):
    start = reverse("cases:submit", args=["1.001193"])
    page = an.get(start)
    content = page.content.decode()
    # Prefilled from the profile, marked so, and the only agency preselected.
    assert "Nguyễn Văn An" in content and "from your profile" in content
    assert "048••••••234" in content and "048090001234" not in content
    assert re.search(rf'name="agency" value="{office["ward"].pk}"[^>]* checked', content)
    assert Dossier.objects.count() == 0

    # Post by post without an address is refused at its field, and nothing is created.
    response = an.post(start, {"applicant": "self", "agency": office["ward"].pk, "delivery": "post"})
    assert response.status_code == 200
    assert "Give the address the result should be posted to." in response.content.decode()
    assert 'id="id_delivery_address_error"' in response.content.decode()
    assert Dossier.objects.count() == 0

    response = an.post(start, {"applicant": "self", "agency": office["ward"].pk, "delivery": "counter"})
    dossier = Dossier.objects.get()
    assert response["Location"] == reverse("cases:draft-details", args=[dossier.pk])
    assert (dossier.state, dossier.applicant_name, dossier.applicant_id_number) == ("draft", "Nguyễn Văn An", "048090001234")

    # Coming back to the procedure resumes the same draft.
    assert an.get(start)["Location"] == reverse("cases:draft", args=[dossier.pk])

    response = an.post(reverse("cases:draft-details", args=[dossier.pk]), {"request_details": "  "})
    assert "Write what you are asking for." in response.content.decode()
    response = an.post(reverse("cases:draft-details", args=[dossier.pk]), {"request_details": "Đăng ký khai sinh cho con"})
    assert response["Location"] == reverse("cases:draft-documents", args=[dossier.pk])
    dossier.refresh_from_db()
    assert dossier.form_data == {"request_details": "Đăng ký khai sinh cho con"}

    form, optional = requirements(office["birth"])
    docs_url = reverse("cases:draft-documents", args=[dossier.pk])
    page = an.get(docs_url).content.decode()
    assert form.name in page and "required" in page

    # A text file named .pdf is refused with the reason at its document; the good JPEG is kept.
    response = an.post(docs_url, {
        f"file_{form.pk}": upload("to-khai.pdf", b"just some text, not a PDF"),
        f"file_{optional.pk}": upload("uy-quyen.jpg", JPEG, "image/jpeg"),
        "continue": "1",
    })
    assert response.status_code == 200
    content = response.content.decode()
    assert f'id="file_{form.pk}_error"' in content
    assert "to-khai.pdf is not an accepted file" in content
    assert list(dossier.documents.values_list("original_name", flat=True)) == ["uy-quyen.pdf"]  # the photo became a PDF
    photo = dossier.documents.get()
    assert reverse("cases:document", args=[dossier.pk, photo.pk]) in content  # opens for a look (inline PDF)

    # Submitting now is refused: the mandatory form is missing; nothing changes.
    review = reverse("cases:draft-review", args=[dossier.pk])
    page = an.get(review).content.decode()
    assert "Required, not attached yet" in page and "1 required document is missing" in page
    response = an.post(review)
    assert response.status_code == 200
    assert f"Missing: {form.name}" in response.content.decode()
    dossier.refresh_from_db()
    assert (dossier.state, dossier.code, dossier.events.count()) == ("draft", None, 0)

    response = an.post(docs_url, {f"file_{form.pk}": upload("to-khai.pdf", PDF), "continue": "1"})
    assert response["Location"] == review
    page = an.get(review).content.decode()
    assert "to-khai.pdf" in page and "uy-quyen.pdf" in page and "Đăng ký khai sinh cho con" in page
    assert "Required, not attached yet" not in page

    response = an.post(review)
    dossier.refresh_from_db()
    assert dossier.state == "submitted" and dossier.code.startswith("000.11.31.H48-")
    assert response["Location"] == reverse("cases:receipt", args=[dossier.pk])
    receipt = an.get(response["Location"]).content.decode()
    assert dossier.code in receipt and "What happens next" in receipt
    assert reverse("cases:dossier", args=[dossier.pk]) in receipt
    # The wizard of a submitted dossier goes to its page.
    assert an.get(docs_url)["Location"] == reverse("cases:dossier", args=[dossier.pk])


def test_empty_and_too_large_files_are_refused_with_their_message(client, office):
    client.force_login(office["citizen"])  # in Vietnamese, the default
    dossier = draft_of(office)
    form, optional = requirements(office["birth"])
    RequiredDocument.objects.filter(pk=optional.pk).update(max_size_mb=1)
    url = reverse("cases:draft-documents", args=[dossier.pk])
    response = client.post(url, {
        f"file_{form.pk}": upload("rong.pdf", b""),
        f"file_{optional.pk}": upload("lon.pdf", PDF + b"0" * (1024 * 1024 + 1)),
    })
    content = response.content.decode()
    assert "Tệp rong.pdf rỗng." in content
    assert "Tệp lon.pdf vượt quá 1 MB." in content
    assert dossier.documents.count() == 0


def test_a_file_is_removed_from_a_draft_with_its_stored_file(an, office, django_capture_on_commit_callbacks):
    dossier = draft_of(office)
    form, _optional = requirements(office["birth"])
    document = dossier_document_add(dossier=dossier, actor=office["citizen"], requirement=form,
                                    uploaded=upload("to-khai.pdf", PDF))
    storage, name = document.file.storage, document.file.name
    assert storage.exists(name)
    page = an.get(reverse("cases:draft-documents", args=[dossier.pk])).content.decode()
    assert "to-khai.pdf" in page and "Remove" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = an.post(reverse("cases:draft-documents", args=[dossier.pk]), {"remove": document.pk})
    assert response.status_code == 302
    assert not DossierDocument.objects.filter(pk=document.pk).exists()
    assert not storage.exists(name)


def test_an_account_without_a_profile_is_told_to_complete_it(client, office):
    english(client)
    client.force_login(office["clerk"])
    url = reverse("cases:submit", args=["1.001193"])
    assert "Complete your profile" in client.get(url).content.decode()
    response = client.post(url, {"applicant": "self", "agency": office["ward"].pk, "delivery": "counter"})
    assert response.status_code == 200
    assert Dossier.objects.count() == 0


def test_another_citizen_cannot_touch_a_draft(client, office):
    dossier = draft_of(office)
    form, _optional = requirements(office["birth"])
    document = dossier_document_add(dossier=dossier, actor=office["citizen"], requirement=form,
                                    uploaded=upload("to-khai.pdf", PDF))
    client.force_login(office["other"])
    for name in ("cases:draft", "cases:draft-details", "cases:draft-documents", "cases:draft-review"):
        assert client.get(reverse(name, args=[dossier.pk])).status_code == 404
    assert client.post(reverse("cases:draft-documents", args=[dossier.pk]), {"remove": document.pk}).status_code == 404
    assert client.post(reverse("cases:draft-review", args=[dossier.pk])).status_code == 404
    assert DossierDocument.objects.filter(pk=document.pk).exists()
    dossier.refresh_from_db()
    assert dossier.state == "draft"


def test_filing_for_a_business(an, office):
    from accounts.models import Business, BusinessMembership

    business = Business.objects.create(name="Công ty TNHH Sông Hàn", tax_code="0401234567", address="1 Bạch Đằng")
    BusinessMembership.objects.create(user=office["citizen"], business=business)
    response = an.post(reverse("cases:submit", args=["1.001193"]), {
        "applicant": f"business:{business.pk}", "agency": office["ward"].pk, "delivery": "post",
        "delivery_address": "1 Bạch Đằng, Hải Châu"})
    dossier = Dossier.objects.get()
    assert response.status_code == 302
    assert (dossier.business, dossier.applicant_name, dossier.applicant_id_number) == (business, business.name, "0401234567")
    # Changing back to oneself on step 1 refills the applicant from the profile.
    an.post(reverse("cases:draft", args=[dossier.pk]), {"applicant": "self", "agency": office["ward"].pk,
                                                         "delivery": "counter"})
    dossier.refresh_from_db()
    assert (dossier.business, dossier.applicant_name, dossier.delivery_address) == (None, "Nguyễn Văn An", "")


# --- my dossiers --------------------------------------------------------------------------------------

def test_my_dossiers_lists_drafts_first_with_overdue_badge(an, office):
    import datetime as dt

    from django.utils import timezone

    sent = submitted(office)
    late = submitted(office)
    Dossier.objects.filter(pk=late.pk).update(state="processing", due_at=timezone.now() - dt.timedelta(days=1),
                                             received_at=timezone.now() - dt.timedelta(days=5))
    draft = draft_of(office)
    submitted(office, office["other"])  # someone else's
    content = an.get(reverse("cases:my-dossiers")).content.decode()
    assert content.index(reverse("cases:draft", args=[draft.pk])) < content.index(sent.code)
    assert sent.code in content and late.code in content
    assert content.count("Overdue") == 1
    assert "Continue" in content
    assert Dossier.objects.filter(owner=office["other"]).get().code not in content


def test_my_dossiers_costs_the_same_with_more_rows(an, office):
    submitted(office)
    with CaptureQueriesContext(connection) as few:
        assert an.get(reverse("cases:my-dossiers")).status_code == 200
    for _ in range(6):
        submitted(office)
        draft_of(office, procedure=office["marriage"])
    with CaptureQueriesContext(connection) as many:
        assert an.get(reverse("cases:my-dossiers")).status_code == 200
    assert len(many) == len(few)


def test_staff_scope_is_not_my_dossiers(client, office):
    dossier = submitted(office)
    client.force_login(office["clerk"])
    assert dossier.code not in client.get(reverse("cases:my-dossiers")).content.decode()


# --- the dossier page ---------------------------------------------------------------------------------

def test_dossier_page_and_documents_are_the_applicants_only(client, office):
    dossier = submitted(office)
    document = dossier.documents.get()
    client.force_login(office["citizen"])
    english(client)
    page = client.get(reverse("cases:dossier", args=[dossier.pk])).content.decode()
    assert dossier.code in page and "Submitted online" in page and "Ủy ban nhân dân phường Hải Châu" in page
    response = client.get(reverse("cases:document", args=[dossier.pk, document.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"

    client.force_login(office["other"])
    assert client.get(reverse("cases:dossier", args=[dossier.pk])).status_code == 404
    assert client.get(reverse("cases:document", args=[dossier.pk, document.pk])).status_code == 404
    assert client.post(reverse("cases:withdraw", args=[dossier.pk]), {"reason": "x"}).status_code == 404
    client.logout()
    assert client.get(reverse("cases:document", args=[dossier.pk, document.pk])).status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == "submitted"


def test_timeline_names_the_agency_not_the_official(an, office):
    dossier = submitted(office)
    office["clerk"].last_name = "Trần Cán Bộ"
    office["clerk"].save()
    perform(dossier=dossier, action="receive", actor=office["clerk"])
    page = an.get(reverse("cases:dossier", args=[dossier.pk])).content.decode()
    assert "Received by the agency" in page
    assert "Trần Cán Bộ" not in page
    assert "Appointment date" in page


def test_answering_a_supplement_request(an, office):
    dossier = submitted(office)
    form, optional = requirements(office["birth"])
    perform(dossier=dossier, action="request_supplement", actor=office["clerk"], reason="Hồ sơ chưa đầy đủ", items=[{"document": form.name, "guidance": "Tờ khai chưa ký tên"}])
    url = reverse("cases:dossier", args=[dossier.pk])
    page = an.get(url).content.decode()
    assert "Tờ khai chưa ký tên" in page and "Send the supplement" in page

    # Sending without a new file is refused; nothing changes.
    response = an.post(reverse("cases:supplement", args=[dossier.pk]), {"send": "1"})
    assert "Attach the corrected or missing documents before sending." in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.state == "supplement_requested"

    # A bad file is refused at its document; a good one is kept, then sent.
    response = an.post(reverse("cases:supplement", args=[dossier.pk]), {
        f"file_{form.pk}": upload("to-khai-moi.pdf", b"not a pdf"), "upload": "1"})
    assert "to-khai-moi.pdf is not an accepted file" in response.content.decode()
    response = an.post(reverse("cases:supplement", args=[dossier.pk]), {
        f"file_{form.pk}": upload("to-khai-moi.pdf", PDF), "upload": "1"})
    assert response.status_code == 302
    assert "to-khai-moi.pdf" in an.get(url).content.decode()
    # A wrong file added for the supplement can be taken back before sending; the earlier files cannot.
    wrong = an.post(reverse("cases:supplement", args=[dossier.pk]), {
        f"file_{optional.pk}": upload("nham.jpg", JPEG, "image/jpeg"), "upload": "1"})
    assert wrong.status_code == 302
    mistaken = dossier.documents.get(original_name="nham.pdf")
    first = dossier.documents.get(original_name="to-khai.pdf")
    an.post(reverse("cases:supplement", args=[dossier.pk]), {"remove": mistaken.pk})
    an.post(reverse("cases:supplement", args=[dossier.pk]), {"remove": first.pk})
    assert sorted(dossier.documents.values_list("original_name", flat=True)) == ["to-khai-moi.pdf", "to-khai.pdf"]
    response = an.post(reverse("cases:supplement", args=[dossier.pk]), {"send": "1", "note": "Đã ký"})
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert dossier.state == "submitted"
    event = dossier.events.order_by("-seq").first()
    assert (event.action, event.actor, event.reason) == ("supplement", office["citizen"], "Đã ký")
    assert "Supplement sent" in an.get(url).content.decode()


def test_withdrawing_asks_for_a_reason_and_confirmation(an, office):
    dossier = submitted(office)
    url = reverse("cases:withdraw", args=[dossier.pk])
    assert reverse("cases:withdraw", args=[dossier.pk]) in an.get(reverse("cases:dossier", args=[dossier.pk])).content.decode()
    page = an.get(url).content.decode()
    assert "Yes, withdraw this dossier" in page
    response = an.post(url, {"reason": " "})
    assert "Give the reason: the agency records it." in response.content.decode()
    dossier.refresh_from_db()
    assert dossier.state == "submitted"
    response = an.post(url, {"reason": "Không còn nhu cầu"})
    assert response["Location"] == reverse("cases:dossier", args=[dossier.pk])
    dossier.refresh_from_db()
    assert dossier.state == "withdrawn"
    assert DossierEvent.objects.filter(dossier=dossier, action="withdraw", reason="Không còn nhu cầu").exists()
    # Closed: no way to withdraw again.
    assert an.get(url).status_code == 302
    assert url not in an.get(reverse("cases:dossier", args=[dossier.pk])).content.decode()


def test_payment_panel_shows_the_fees_and_without_a_gateway_says_to_pay_at_the_counter(an, office, settings):
    settings.PAYMENT_SECRET = ""  # no gateway configured (production's default)
    dossier = submitted(office)
    perform(dossier=dossier, action="receive", actor=office["clerk"])
    perform(dossier=dossier, action="forward", actor=office["clerk"])
    perform(dossier=dossier, action="request_payment", actor=office["specialist"], fees=[{"name": "Lệ phí cấp bản sao", "amount": 8000}])
    page = an.get(reverse("cases:dossier", args=[dossier.pk])).content.decode()
    assert "Lệ phí cấp bản sao" in page and "8.000" in page
    assert "Online payment is not available on this portal yet" in page
    assert "pay at the counter" in page


# --- public lookup ------------------------------------------------------------------------------------

def test_public_lookup_shows_no_personal_data(client, office):
    english(client)
    dossier = submitted(office)
    Dossier.objects.filter(pk=dossier.pk).update(applicant_phone="0905123456")
    response = client.get(reverse("lookup"), {"code": dossier.code.lower()})
    assert response["Location"] == reverse("lookup-code", args=[dossier.code])
    response = client.get(reverse("lookup-code", args=[dossier.code]))
    content = response.content.decode()
    assert response.status_code == 200
    assert dossier.code in content and "Thủ tục đăng ký khai sinh" in content and "Ủy ban nhân dân phường Hải Châu" in content
    assert "Submitted, waiting for reception" in content
    for personal in ("Nguyễn Văn An", "048090001234", "12 Lê Duẩn", "0905123456", "to-khai.pdf", "an@example.com"):
        assert personal not in content


def test_public_lookup_of_an_unknown_code(client, office):
    english(client)
    response = client.get(reverse("lookup-code", args=["000.11.31.H48-990101-0001"]))
    assert response.status_code == 404
    assert "No dossier was found with the code 000.11.31.H48-990101-0001." in response.content.decode()
    assert client.get(reverse("lookup")).status_code == 200


def test_the_applicant_reads_the_result_but_not_the_officials_internal_opinions(client, office):
    dossier = DossierFactory(state="processing", procedure=office["birth"], agency=office["ward"],
                             owner=office["citizen"], staff=office)
    for action, who, reason in [("complete_step", "clerk", "Ý kiến nội bộ của cán bộ"),
                                ("complete_step", "specialist", "Đề xuất nội bộ"),
                                ("approve", "leader", "Giấy khai sinh số 125/2026")]:
        perform(dossier=dossier, action=action, actor=office[who], reason=reason)
    client.force_login(office["citizen"])
    page = client.get(reverse("cases:dossier", args=[dossier.pk])).content.decode()
    assert "Giấy khai sinh số 125/2026" in page
    assert "Ý kiến nội bộ" not in page and "Đề xuất nội bộ" not in page


# --- the declaration on the citizen's dossier page ------------------------------------------------------------

def test_the_dossier_page_shows_the_declaration_or_the_request_labelled(an, office):
    from procedures.models import ProcedureVersion

    from .test_declaration_forms import SCHEMA, UI

    dossier = submitted(office)
    page = an.get(reverse("cases:dossier", args=[dossier.pk])).content.decode()
    assert "Request details" in page and "Khai sinh cho con" in page and "request_details" not in page
    ProcedureVersion.objects.filter(pk=dossier.version_id).update(form_schema=SCHEMA, form_ui=UI)
    Dossier.objects.filter(pk=dossier.pk).update(form_data={
        "child": {"full_name": "NGUYỄN NGỌC BÍCH", "date_of_birth": "2026-11-02", "sex": "2"}, "father_declared": True,
        "father": {"full_name": "TRẦN VĂN BA"}, "commitment": True})
    page = an.get(reverse("cases:dossier", args=[dossier.pk])).content.decode()
    for shown in ("TỜ KHAI THỬ", "Người được khai sinh", "02/11/2026", "Nữ", "TRẦN VĂN BA", "Yes"):
        assert shown in page, shown
    assert "date_of_birth" not in page and "father_declared" not in page
