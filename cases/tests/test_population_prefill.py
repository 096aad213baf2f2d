"""The submission wizard and the population database: a VNeID-verified citizen's details come from it (shown
as such, not editable) and the dossier records it; an unverified account is never looked up; a database that
cannot be reached falls back to the profile without blocking."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import population
from cases.models import Dossier
from integrations.portal_records import dossier_record

RECORD = population.Record(
    id_number="048090001234", full_name="Nguyễn Văn An", date_of_birth=dt.date(1990, 5, 12), gender="male",
    ethnicity="Ê Đê", nationality="Việt Nam", permanent_residence="12 Lê Duẩn, phường Hải Châu, thành phố Đà Nẵng",
    current_residence="Tổ 5, phường Hòa Khánh, thành phố Đà Nẵng", head_of_household="Nguyễn Văn An", household=(),
    fetched_at=timezone.now(),
)


@pytest.fixture
def database(monkeypatch):
    """The population database: answers ``RECORD`` (or raises, with ``down``), and counts the lookups."""
    state = {"asked": [], "down": False}

    def lookup(id_number):
        state["asked"].append(id_number)
        if state["down"]:
            raise population.Unavailable("down")
        return RECORD

    monkeypatch.setattr(population, "lookup", lookup)
    return state


def _verify(user):
    profile = user.citizen_profile
    profile.vneid_subject, profile.identity_verified_at, profile.assurance_level = "vn-an", timezone.now(), 2
    profile.save()


def _start(client, office):
    url = reverse("cases:submit", args=["1.001193"])
    page = client.get(url)
    client.post(url, {"applicant": "self", "agency": office["ward"].pk, "delivery": "counter"})
    return page.content.decode()


def test_a_verified_citizen_files_with_the_population_record(office, client, database):
    _verify(office["citizen"])
    client.force_login(office["citizen"])
    page = _start(client, office)
    assert 'data-source="population"' in page and "Ê Đê" in page and "Tổ 5, phường Hòa Khánh" in page
    assert "chu-de=dan-cu" in page  # a way to report a wrong record
    assert "048090001234" not in page  # the number stays masked
    dossier = Dossier.objects.get()
    assert dossier.applicant_verified and dossier.applicant_address == RECORD.permanent_residence
    assert [db["code"] for db in dossier.national_databases] == ["CSDLQGDC"]
    assert dossier.national_databases[0]["fields"]["ethnicity"] == "Ê Đê"
    record = dossier_record(dossier)
    assert record["TaiKhoanDuocXacThucVoiVNeID"] == 1
    assert record["DSKetNoiCSDL"] == [{"MaCSDL": "CSDLQGDC", "TenCSDL": "Cơ sở dữ liệu quốc gia về dân cư"}]
    assert set(database["asked"]) == {"048090001234"}


def test_an_unverified_account_is_never_looked_up(office, client, database):
    client.force_login(office["citizen"])
    page = _start(client, office)
    assert 'data-source="population"' not in page and database["asked"] == []
    dossier = Dossier.objects.get()
    assert not dossier.applicant_verified and dossier.national_databases == []
    assert dossier_record(dossier)["TaiKhoanDuocXacThucVoiVNeID"] == 0
    assert dossier_record(dossier)["DSKetNoiCSDL"] == []


def test_a_database_down_falls_back_to_the_profile(office, client, database):
    _verify(office["citizen"])
    database["down"] = True
    client.force_login(office["citizen"])
    page = _start(client, office)
    assert 'data-source="population"' not in page and "message-warning" in page
    dossier = Dossier.objects.get()
    assert dossier.applicant_verified and dossier.national_databases == []
    assert dossier.applicant_address == "12 Lê Duẩn"  # the profile's


def test_the_wrong_record_report_is_prefilled(office, client):
    client.force_login(office["citizen"])
    page = client.get(reverse("satisfaction:feedback-new"), {"chu-de": "dan-cu"}).content.decode()
    assert "Cơ sở dữ liệu quốc gia về dân cư chưa đúng" in page
