"""Form 06 of Circular 01/2018/TT-VPCP on the officials' pages: the tracking book of an agency, as a PDF, over a
date range."""

import datetime as dt
import re
import shutil
import subprocess

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import StaffMembership
from cases.models import Dossier
from cases.printing import book_entry

pytestmark = pytest.mark.django_db

URL = "/ho-so/can-bo/so-theo-doi/"


def make_dossier(office, *, agency=None, received_at=None, state="received", seq=1):
    agency = agency or office["ward"]
    procedure = office["birth"]
    received_at = received_at or timezone.now()
    dossier = Dossier.objects.create(
        procedure=procedure, version=procedure.current_version, owner=office["citizen"],
        applicant_name="Nguyễn Văn An", applicant_id_number="048090001234", agency=agency,
        code=f"{agency.code}-{timezone.localtime(received_at):%y%m%d}-{seq:04d}", submitted_at=received_at,
    )
    Dossier.objects.filter(pk=dossier.pk).update(state=state, received_at=None if state == "draft" else received_at)
    return Dossier.objects.get(pk=dossier.pk)


def pdf_text(content: bytes, tmp_path) -> str:
    tool = shutil.which("pdftotext")
    if not tool:
        pytest.skip("pdftotext (poppler-utils) is not installed: cannot read the PDF's text")
    path = tmp_path / "book.pdf"
    path.write_bytes(content)
    command = [tool, "-layout", str(path), "-"]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603 - fixed tool and args


def test_the_route_is_the_one_the_workspace_links_to(client, office):
    assert reverse("cases:tracking-book") == URL
    client.force_login(office["clerk"])
    page = client.get(reverse("cases:workspace"))
    assert f'href="{URL}"' in page.content.decode()


def test_anonymous_goes_to_login_and_a_citizen_is_refused(client, office):
    response = client.get(URL)
    assert response.status_code == 302 and "/tai-khoan/dang-nhap/" in response["Location"]
    client.force_login(office["citizen"])
    assert client.get(URL).status_code == 403


@pytest.mark.parametrize("who", ["clerk", "specialist", "leader"])
def test_staff_get_the_pdf_inline(client, office, who):
    client.force_login(office[who])
    response = client.get(URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    assert "000.11.31.H48" in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF")


def test_the_book_lists_this_months_received_dossiers_in_order_without_drafts(client, office, tmp_path):
    now = timezone.now()
    later = make_dossier(office, received_at=now, seq=2)
    earlier = make_dossier(office, received_at=now - dt.timedelta(minutes=5), seq=1)
    draft = make_dossier(office, state="draft", seq=3)
    Dossier.objects.filter(pk=draft.pk).update(code="")
    client.force_login(office["clerk"])
    text = pdf_text(client.get(URL).content, tmp_path)
    assert "SỔ THEO DÕI HỒ SƠ" in text
    assert earlier.code in text and later.code in text
    assert text.index(earlier.code) < text.index(later.code)
    assert "2 hồ sơ" in text


def test_the_date_range_filters_on_reception(client, office, tmp_path):
    now = timezone.now()
    old = make_dossier(office, received_at=now - dt.timedelta(days=90), seq=1)
    recent = make_dossier(office, received_at=now, seq=2)
    client.force_login(office["clerk"])
    day = timezone.localtime(old.received_at).date()
    text = pdf_text(client.get(URL, {"from": day.isoformat(), "to": day.isoformat()}).content, tmp_path)
    assert old.code in text and recent.code not in text
    text = pdf_text(client.get(URL).content, tmp_path)  # the current month by default
    assert recent.code in text and old.code not in text


@pytest.mark.parametrize("query", [{"from": "24/11/2026"}, {"to": "2026-13-01"}, {"from": "2026-11-10", "to": "2026-11-01"}])
def test_a_bad_date_is_a_400(client, office, query):
    client.force_login(office["clerk"])
    assert client.get(URL, query).status_code == 400


def test_a_clerk_of_another_agency_sees_none_of_this_agencys_dossiers(client, office, tmp_path):
    ward_dossier = make_dossier(office, seq=1)
    justice_dossier = make_dossier(office, agency=office["justice"], seq=1)
    client.force_login(office["clerk_elsewhere"])
    response = client.get(URL)
    assert "000.00.13.H48" in response["Content-Disposition"]
    text = pdf_text(response.content, tmp_path)
    assert justice_dossier.code in text
    assert ward_dossier.code not in text and "Hải Châu" not in text
    # Naming the other agency does not open its book.
    assert client.get(URL, {"agency": office["ward"].code}).status_code == 403


def test_an_official_of_two_agencies_chooses_the_book_by_agency_code(client, office, tmp_path):
    ward_dossier = make_dossier(office, seq=1)
    justice_dossier = make_dossier(office, agency=office["justice"], seq=1)
    clerk = office["clerk"]
    StaffMembership.objects.create(user=clerk, agency=office["justice"], role="specialist")
    client.force_login(clerk)
    default = pdf_text(client.get(URL).content, tmp_path)  # the first membership: the ward
    assert ward_dossier.code in default and justice_dossier.code not in default
    chosen = client.get(URL, {"agency": office["justice"].code})
    assert "000.00.13.H48" in chosen["Content-Disposition"]
    text = pdf_text(chosen.content, tmp_path)
    assert justice_dossier.code in text and ward_dossier.code not in text


def test_the_served_book_is_form_06_with_each_dossier_at_its_receipts_number(client, office, tmp_path):
    now = timezone.now()
    first = make_dossier(office, received_at=now - dt.timedelta(seconds=2), seq=1)
    second = make_dossier(office, received_at=now, seq=2)
    Dossier.objects.filter(pk=second.pk).update(applicant_address="7 Bạch Đằng, Hải Châu", applicant_phone="0905999888")
    client.force_login(office["clerk"])
    text = pdf_text(client.get(URL).content, tmp_path)
    assert "Mẫu số 06 · Sổ theo dõi hồ sơ" in text and "Mẫu số 07" not in text
    for dossier in (first, second):
        day, number = book_entry(dossier)
        assert f"Quyển số {day:%d/%m/%Y}" in text
        assert re.search(rf"^\s*{number}\s+{re.escape(dossier.code)}\s", text, flags=re.M)  # as on its receipt
    assert "7 Bạch Đằng, Hải" in text and "0905999888" in text  # the address and phone column
    for column in ("Địa chỉ, số điện", "Cơ quan chủ", "Chuyển", "Ký nhận", "Ghi chú"):
        assert column in text, column
