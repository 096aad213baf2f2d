"""The data store's pages: an owner's store shows their documents only, and who opened each; a result
marked hidden stays out until it is returned; the page costs the same queries with one document or sixty;
the public verification page says authentic, not found or not authentic, by code and by file; and the
officials' digitization panel shows a failure with its retry, and saves a review, to the dossier's agencies
only."""

import datetime as dt
import re
from html import escape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.actions import perform
from digitization import services
from digitization.defaults import DEFAULT_BODY
from digitization.models import DigitizedDocument, DocumentAccess, ResultTemplate

from .factories import AN, MAI, STORED_PDF, DigitizedDocumentFactory
from .files import file_bytes, jobs, stored_content

pytestmark = pytest.mark.django_db

STORE = "/kho-du-lieu/"
VERIFY = "/xac-minh/"


def client_for(user) -> Client:
    browser = Client()
    if user is not None:
        browser.force_login(user)
    return browser


def body(response) -> str:
    return response.content.decode()


def when(moment) -> str:
    """A time as the pages print it (d/m/Y H:i, in the portal's time zone)."""
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M")


def verdict(response) -> str:
    """The heading of the verification page's verdict box ("" when there is none)."""
    found = re.search(r'class="message [^"]*vf-verdict"[^>]*>\s*<h2>([^<]*)</h2>', body(response))
    return found.group(1) if found else ""


def one_signed_byte_changed(pdf: bytes) -> bytes:
    """``pdf`` with one bit flipped inside its first stream: within the signed range, still a PDF."""
    start = re.search(rb"stream\r?\n", pdf).end() + 5
    signed_from, signed_length = (int(n) for n in re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)", pdf).groups())
    assert signed_from <= start < signed_from + signed_length
    changed = bytearray(pdf)
    changed[start] ^= 0x01
    return bytes(changed)


@pytest.fixture
def shelf(desk, intake):
    """A done component of An and one of Mai, each from a dossier taken at the ward's counter; a pending
    and a failed one of An."""
    source = intake(AN)
    return {
        "source": source,
        "mine": DigitizedDocumentFactory(dossier=source),
        "my_pending": DigitizedDocumentFactory(dossier=source, status="pending"),
        "my_failed": DigitizedDocumentFactory(dossier=source, status="failed", failure_reason="Tệp bị hỏng"),
        "hers": DigitizedDocumentFactory(dossier=intake(MAI), owner_id_number=MAI["id_number"], owner_name=MAI["name"]),
    }


@pytest.fixture
def issued(desk, certificates, intake, approve):
    """An's birth certificate, approved at the ward, rendered and signed with the ward's demo certificate."""
    result = approve(intake())
    assert result.status == "done", result.failure_reason
    return result


# --- the owner's store ------------------------------------------------------------------------------------


def test_the_store_lists_the_owner_documents_and_never_another_citizen_s(desk, shelf):
    mine, hers = shelf["mine"], shelf["hers"]
    an, mai = client_for(desk["citizen"]), client_for(desk["other"])

    page = an.get(STORE)
    assert page.status_code == 200
    assert "Kho dữ liệu của tôi" in body(page)
    assert mine.code in body(page) and f"{STORE}{mine.pk}/" in body(page)
    assert hers.code not in body(page) and f"{STORE}{hers.pk}/" not in body(page)
    for unfinished in (shelf["my_pending"], shelf["my_failed"]):  # only what has been digitized
        assert unfinished.code not in body(page)
    for tab in ("?loai=giay-to", "?loai=ket-qua"):
        assert hers.code not in body(an.get(STORE + tab))
    assert mine.code in body(an.get(STORE + "?loai=giay-to"))
    assert mine.code not in body(an.get(STORE + "?loai=ket-qua"))

    # Another citizen's document does not exist for An, however its id is reached.
    assert an.get(f"{STORE}{hers.pk}/").status_code == 404
    assert an.get(f"{STORE}{hers.pk}/tep/").status_code == 404
    assert an.get(f"/api/v1/me/documents/{hers.pk}/").status_code == 404
    assert an.get(f"/api/v1/me/documents/{hers.pk}/file/").status_code == 404
    assert [d["id"] for d in an.get("/api/v1/me/documents/").json()["results"]] == [mine.pk]
    for unfinished in (shelf["my_pending"], shelf["my_failed"]):
        assert an.get(f"{STORE}{unfinished.pk}/tep/").status_code == 404
    assert not DocumentAccess.objects.exists()  # a refused opening is not an opening

    # And the same the other way round.
    page = mai.get(STORE)
    assert hers.code in body(page) and mine.code not in body(page)
    assert mai.get(f"{STORE}{mine.pk}/").status_code == 404
    assert mai.get(f"{STORE}{mine.pk}/tep/").status_code == 404
    assert [d["id"] for d in mai.get("/api/v1/me/documents/").json()["results"]] == [hers.pk]

    # Officials have no store of their own, and nobody reaches it without logging in.
    assert mine.code not in body(client_for(desk["clerk"]).get(STORE))
    assert client_for(desk["clerk"]).get(f"{STORE}{mine.pk}/").status_code == 404
    anonymous = client_for(None).get(STORE)
    assert anonymous.status_code == 302 and "/dang-nhap/" in anonymous["Location"]
    assert client_for(None).get(f"{STORE}{mine.pk}/tep/").status_code == 302
    assert not DocumentAccess.objects.exists()


def test_a_result_hidden_until_returned_shows_in_the_store_only_once_returned(desk, certificates, intake, approve):
    ResultTemplate.objects.create(procedure=desk["birth"], body=DEFAULT_BODY, hidden_until_returned=True)
    dossier = intake()
    result = approve(dossier)
    assert result.status == "done" and result.hidden_until_returned
    an = client_for(desk["citizen"])

    def shown() -> dict:
        listed = an.get("/api/v1/me/documents/").json()["results"]
        return {
            "list": result.code in body(an.get(STORE)),
            "results tab": result.code in body(an.get(STORE + "?loai=ket-qua")),
            "detail": an.get(f"{STORE}{result.pk}/").status_code,
            "api": [d["id"] for d in listed],
            "api detail": an.get(f"/api/v1/me/documents/{result.pk}/").status_code,
        }

    assert shown() == {"list": False, "results tab": False, "detail": 404, "api": [], "api detail": 404}
    assert an.get(f"{STORE}{result.pk}/tep/").status_code == 404
    assert not DocumentAccess.objects.filter(action="download").exists()

    perform(dossier=dossier, action="return_result", actor=desk["clerk"])
    assert shown() == {"list": True, "results tab": True, "detail": 200, "api": [result.pk], "api detail": 200}
    download = an.get(f"{STORE}{result.pk}/tep/")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert file_bytes(download) == stored_content(result)


def test_an_opening_is_recorded_and_the_detail_page_shows_who_and_when(desk, shelf):
    mine = shelf["mine"]
    an = client_for(desk["citizen"])
    detail = an.get(f"{STORE}{mine.pk}/")
    assert detail.status_code == 200
    assert "Chưa có ai truy cập." in body(detail)

    download = an.get(f"{STORE}{mine.pk}/tep/")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf" and "no-store" in download["Cache-Control"]
    assert file_bytes(download) == STORED_PDF
    own = DocumentAccess.objects.get(document=mine)
    assert (own.action, own.user, own.who, own.role) == ("download", desk["citizen"], "Nguyễn Văn An", "")

    # The ward's clerk opens it from the dossier's page: the owner sees that too, with the role.
    staff = client_for(desk["clerk"]).get(reverse("digitization:staff-download", args=[mine.dossier_id, mine.pk]))
    assert staff.status_code == 200 and file_bytes(staff) == STORED_PDF
    official = DocumentAccess.objects.exclude(pk=own.pk).get(document=mine)
    assert (official.action, official.user, official.dossier_code) == ("download", desk["clerk"], shelf["source"].code)
    assert official.role == f"Cán bộ một cửa · {desk['ward'].name}"

    page = body(an.get(f"{STORE}{mine.pk}/"))
    assert "Ai đã truy cập giấy tờ này" in page and "Chưa có ai truy cập." not in page
    rows = re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td>\s*<td>([^<]*)", page)
    assert rows == [  # newest first
        (when(official.at), "ward-reception_clerk", escape(official.role), f"Mở tệp ({shelf['source'].code})"),
        (when(own.at), "Nguyễn Văn An", "—", "Mở tệp"),
    ]
    listed = body(an.get(STORE))
    assert "2 lần" in listed and when(official.at) in listed  # the list shows how often and when last


def test_the_store_page_costs_the_same_queries_with_one_document_or_sixty(desk, intake):
    source = intake(AN)
    DigitizedDocumentFactory(dossier=source)
    an = client_for(desk["citizen"])
    an.get(STORE)  # the first request of a session may warm caches

    def read(url):
        with CaptureQueriesContext(connection) as queries:
            response = an.get(url)
        assert response.status_code == 200
        return body(response).count('class="cz-item st-item'), [q["sql"] for q in queries.captured_queries]

    shown, one = read(STORE)
    assert shown == 1
    for n in range(59):
        if n % 10 == 0:  # one result per dossier
            document = DigitizedDocumentFactory(dossier=intake(AN), kind="result", document_type="GKS")
        else:
            document = DigitizedDocumentFactory(dossier=source)
        if n % 2:  # some documents have been opened, some not
            services.access_record(document=document, user=desk["clerk"], action=DocumentAccess.Action.DOWNLOAD)

    shown, sixty = read(STORE)
    assert shown == 50  # a page of 50
    assert len(sixty) == len(one), "\n".join(sixty)
    shown, second_page = read(STORE + "?trang=2")
    assert shown == 10 and len(second_page) == len(one)
    shown, results = read(STORE + "?loai=ket-qua")
    assert shown == 6 and len(results) == len(one)


# --- public verification ----------------------------------------------------------------------------------


def test_a_good_code_is_authentic_and_an_unknown_one_is_not_found(desk, issued):
    anyone = client_for(None)
    page = anyone.get(f"{VERIFY}{issued.code}/", {"k": issued.verify_key})  # what the QR code opens
    assert page.status_code == 200
    assert verdict(page) == "Hợp lệ"
    assert "Nguyễn V. A." in body(page) and "Nguyễn Văn An" not in body(page)  # enough to match the paper
    assert desk["ward"].name in body(page)
    check = DocumentAccess.objects.get(document=issued)  # the owner sees that the public checked it
    assert (check.action, check.user, check.who, check.role) == (
        "verify", None, "Người tra cứu công khai", "xác minh công khai")

    for unknown, key in (("khong-co-ma-nay", issued.verify_key), (issued.code + "0", issued.verify_key),
                         (issued.code.rsplit(".", 1)[0] + ".02", issued.verify_key), (issued.code, ""),
                         (issued.code, "ABCDEF12")):
        missing = anyone.get(f"{VERIFY}{unknown}/", {"k": key})
        assert missing.status_code == 404
        assert verdict(missing) == "Không tìm thấy"
        assert "Không có kết quả nào do Cổng cấp có mã và mã xác minh này, hoặc tệp này." in body(missing)
        assert "Nguyễn V. A." not in body(missing)
    component = DigitizedDocumentFactory(dossier=issued.dossier)  # a digitized component is no issued result
    assert anyone.get(f"{VERIFY}{component.code}/", {"k": component.verify_key}).status_code == 404
    assert DocumentAccess.objects.count() == 1

    # The form takes the typed code and key there.
    typed = anyone.post(VERIFY, {"code": f"  {issued.code} ", "key": f" {issued.verify_key} "})
    assert typed.status_code == 302 and typed["Location"] == f"{VERIFY}{issued.code}/?k={issued.verify_key}"


def test_a_revoked_result_is_not_authentic(desk, issued):
    services.document_revoke(document=issued, actor=desk["leader"], reason="Cấp nhầm người")
    page = client_for(None).get(f"{VERIFY}{issued.code}/", {"k": issued.verify_key})
    assert page.status_code == 200
    assert verdict(page) == "Không hợp lệ"
    assert "Cơ quan cấp đã thu hồi kết quả này." in body(page)
    uploaded = client_for(None).post(VERIFY, {"file": SimpleUploadedFile("kq.pdf", stored_content(issued))})
    assert uploaded.status_code == 200 and verdict(uploaded) == "Không hợp lệ"


def test_the_signed_file_uploaded_is_authentic_and_a_changed_one_is_not(desk, issued):
    signed = stored_content(issued)
    page = client_for(None).post(VERIFY, {"file": SimpleUploadedFile("ket-qua.pdf", signed, "application/pdf")})
    assert page.status_code == 200 and verdict(page) == "Hợp lệ"
    assert issued.code in body(page)

    changed = client_for(None).post(
        VERIFY, {"file": SimpleUploadedFile("ket-qua.pdf", one_signed_byte_changed(signed), "application/pdf")}
    )
    assert changed.status_code == 200
    assert verdict(changed) == "Không tìm thấy"  # its bytes are no result the portal issued
    assert "Tệp này không phải kết quả do Cổng cấp, hoặc đã bị thay đổi sau khi cấp." in body(changed)
    assert issued.code not in body(changed)

    # The stored file edited in place: found by its code, and not authentic, saying why.
    with open(issued.file.path, "wb") as handle:
        handle.write(one_signed_byte_changed(signed))
    edited = client_for(None).get(f"{VERIFY}{issued.code}/", {"k": issued.verify_key})
    assert edited.status_code == 200 and verdict(edited) == "Không hợp lệ"
    assert "Chữ ký số không khớp với nội dung: tệp đã bị sửa sau khi ký." in body(edited)


def test_an_upload_that_is_not_a_pdf_or_nothing_at_all_is_400_in_vietnamese(desk, issued):
    anyone = client_for(None)
    before = DocumentAccess.objects.count()
    text = anyone.post(VERIFY, {"file": SimpleUploadedFile("ket-qua.pdf", b"chi la van ban", "application/pdf")})
    assert text.status_code == 400
    assert "Đây không phải là tệp PDF." in body(text) and verdict(text) == ""
    empty = anyone.post(VERIFY, {"code": " "})
    assert empty.status_code == 400
    assert "Hãy nhập mã giấy tờ và mã xác minh in dưới mã QR, hoặc chọn tệp PDF." in body(empty)
    assert DocumentAccess.objects.count() == before


# --- the officials' digitization panel --------------------------------------------------------------------


def test_the_panel_shows_a_failure_and_its_retry_sends_it_back_then_it_is_done(
    desk, intake, approve, django_capture_on_commit_callbacks
):
    failed = approve(intake())  # the ward has no signing certificate yet
    assert failed.status == "failed"
    assert failed.failure_reason.startswith(f"{desk['ward'].name} chưa có chứng thư số còn hiệu lực")
    dossier_url = reverse("cases:staff-dossier", args=[failed.dossier_id])
    retry_url = reverse("digitization:staff-retry", args=[failed.dossier_id, failed.pk])
    clerk = client_for(desk["clerk"])

    page = body(clerk.get(dossier_url))
    assert "Số hóa không thành công" in page
    assert escape(failed.failure_reason) in page
    assert f'action="{retry_url}"' in page and "Thử lại" in page

    services.demo_certificates_issue(agencies=[desk["ward"]])  # what the reason asked for
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = clerk.post(retry_url)
    assert response.status_code == 302 and response["Location"] == f"{dossier_url}#digitized-{failed.pk}"
    assert len(jobs(queued)) == 1
    waiting = DigitizedDocument.objects.get(pk=failed.pk)
    assert (waiting.status, waiting.failure_reason) == ("pending", "")
    page = body(clerk.get(dossier_url))
    assert "Đã đưa giấy tờ trở lại hàng đợi số hóa." in page and "Đang số hóa" in page
    assert f'action="{retry_url}"' not in page

    jobs(queued)[0]()  # the after-commit queueing: the task runs (eagerly in tests)
    done = DigitizedDocument.objects.get(pk=failed.pk)
    assert (done.status, done.failure_reason, done.code) == ("done", "", failed.code)
    page = body(clerk.get(dossier_url))
    assert reverse("digitization:staff-download", args=[failed.dossier_id, failed.pk]) in page

    # Once done there is nothing to retry: a second press says so and changes nothing.
    with django_capture_on_commit_callbacks(execute=True) as again:
        clerk.post(retry_url)
    assert again == [] and DigitizedDocument.objects.get(pk=failed.pk).status == "done"


def test_an_official_of_another_agency_gets_404_for_every_digitization_url(desk, intake, approve):
    failed = approve(intake())
    component = DigitizedDocumentFactory(dossier=failed.dossier)
    elsewhere = client_for(desk["clerk_elsewhere"])
    pk = failed.dossier_id
    review = {f"doc{component.pk}-document_type": "XNCT", f"doc{component.pk}-number_symbol": "99/XN"}
    assert elsewhere.get(reverse("cases:staff-dossier", args=[pk])).status_code == 404
    assert elsewhere.get(reverse("digitization:staff-download", args=[pk, component.pk])).status_code == 404
    assert elsewhere.post(reverse("digitization:staff-review", args=[pk, component.pk]), review).status_code == 404
    assert elsewhere.post(reverse("digitization:staff-retry", args=[pk, failed.pk])).status_code == 404
    # A citizen is no official at all.
    citizen = client_for(desk["citizen"])
    assert citizen.get(reverse("digitization:staff-download", args=[pk, component.pk])).status_code == 403
    assert citizen.post(reverse("digitization:staff-retry", args=[pk, failed.pk])).status_code == 403

    assert DigitizedDocument.objects.get(pk=failed.pk).status == "failed"
    component.refresh_from_db()
    assert component.number_symbol == "" and component.reviewed_by is None
    assert not DocumentAccess.objects.exists()

    # The ward's own clerk cannot reach a document through a dossier it does not belong to.
    mine = client_for(desk["clerk"])
    other = DigitizedDocumentFactory(dossier=intake(MAI), owner_id_number=MAI["id_number"])
    assert mine.get(reverse("digitization:staff-download", args=[pk, other.pk])).status_code == 404
    assert mine.get(reverse("digitization:staff-download", args=[other.dossier_id, component.pk])).status_code == 404


def test_the_review_form_saves_the_details_and_refuses_an_expiry_before_issue(desk, intake):
    component = DigitizedDocumentFactory(dossier=intake(AN), issuer="")
    pk, prefix = component.dossier_id, f"doc{component.pk}-"
    url = reverse("digitization:staff-review", args=[pk, component.pk])
    specialist = client_for(desk["specialist"])
    page = body(specialist.get(reverse("cases:staff-dossier", args=[pk])))
    assert f'action="{url}"' in page and f'name="{prefix}number_symbol"' in page

    details = {
        "document_type": "XNCT", "number_symbol": "15/XN-CAP", "issuer": "Công an phường Hải Châu",
        "issue_date": "2026-01-10", "valid_until": "2026-07-10", "summary": "Xác nhận cư trú của ông An",
    }
    saved = specialist.post(url, {prefix + k: v for k, v in details.items()}, follow=True)
    assert "Đã lưu thông tin giấy tờ." in body(saved)
    component.refresh_from_db()
    assert (component.number_symbol, component.issuer, component.issue_date, component.valid_until, component.summary) == (
        "15/XN-CAP", "Công an phường Hải Châu", dt.date(2026, 1, 10), dt.date(2026, 7, 10), details["summary"])
    assert component.reviewed_by == desk["specialist"] and component.reviewed_at is not None
    review = DocumentAccess.objects.get(document=component)
    assert (review.action, review.user) == ("review", desk["specialist"])

    reviewed_at = component.reviewed_at
    backwards = {**details, "number_symbol": "16/XN-CAP", "issue_date": "2026-03-01", "valid_until": "2026-02-01"}
    refused = specialist.post(url, {prefix + k: v for k, v in backwards.items()}, follow=True)
    assert refused.status_code == 200
    assert "Giấy tờ không thể hết hạn trước ngày cấp." in body(refused)
    assert "Đã lưu thông tin giấy tờ." not in body(refused)
    component.refresh_from_db()
    assert (component.number_symbol, component.issue_date, component.valid_until, component.reviewed_at) == (
        "15/XN-CAP", dt.date(2026, 1, 10), dt.date(2026, 7, 10), reviewed_at)
    assert DocumentAccess.objects.filter(document=component).count() == 1


def test_the_workspace_warns_the_agency_of_its_failed_digitizations_and_no_other(desk, intake, approve):
    workspace = reverse("cases:workspace")
    assert "không thành công" not in body(client_for(desk["clerk"]).get(workspace))

    failed = approve(intake())  # the ward has no signing certificate yet
    page = body(client_for(desk["clerk"]).get(workspace))
    assert "1 giấy tờ số hóa không thành công." in page
    assert f'{reverse("cases:staff-dossier", args=[failed.dossier_id])}#digitized-{failed.pk}' in page
    assert escape(failed.failure_reason[:60]) in page
    # Another agency's officials are not told about the ward's dossiers.
    assert "không thành công" not in body(client_for(desk["clerk_elsewhere"]).get(workspace))


def test_the_officials_dossier_page_costs_the_same_queries_with_one_digitized_document_or_five(desk, intake):
    dossier = intake()
    url = reverse("cases:staff-dossier", args=[dossier.pk])
    clerk = client_for(desk["clerk"])
    DigitizedDocumentFactory(dossier=dossier)
    clerk.get(url)  # warm the per-process caches (calendar, content types)
    with CaptureQueriesContext(connection) as one:
        assert clerk.get(url).status_code == 200
    for _ in range(4):
        DigitizedDocumentFactory(dossier=dossier)
    with CaptureQueriesContext(connection) as five:
        page = clerk.get(url)
    assert page.content.decode().count('class="ws-form dg-review"') == 5  # a review form each
    assert len(five) == len(one), [q["sql"] for q in five.captured_queries][len(one):]
