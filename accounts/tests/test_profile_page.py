"""The profile page for each kind of user, and the contact-details form."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from accounts.models import CitizenProfile, User
from procedures.models import StaffRole

from .factories import AgencyFactory, BusinessFactory, BusinessUserFactory, CitizenFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

PROFILE = "/tai-khoan/ho-so-ca-nhan/"


def test_anonymous_is_sent_to_login():
    from django.test import Client

    response = Client().get(PROFILE)
    assert response.status_code == 302
    assert response.url == "/tai-khoan/dang-nhap/?next=/tai-khoan/ho-so-ca-nhan/"


class TestCitizen:
    def test_shows_identity_with_the_id_number_partly_hidden(self, client):
        citizen = CitizenFactory(
            full_name="Nguyễn Thị Mai",
            id_number="048190001234",
            date_of_birth=dt.date(1990, 3, 27),
            gender="female",
            phone="0905123456",
            email="mai@example.com",
            address="12 Lê Duẩn",
        )
        client.force_login(citizen)
        html = client.get(PROFILE).content.decode()
        for text in ("Nguyễn Thị Mai", "048••••••234", "27/03/1990", "Nữ", "0905 123 456", "mai@example.com", "12 Lê Duẩn"):
            assert text in html
        assert "048190001234" not in html
        assert "Vai trò cán bộ của bạn" not in html

    def test_updates_contact_details(self, client):
        citizen = CitizenFactory()
        client.force_login(citizen)
        response = client.post(
            PROFILE, {"email": "moi@example.com", "phone": "0912 345 678", "address": "1 Hùng Vương"}, follow=True
        )
        assert "Đã lưu thông tin liên hệ của bạn." in response.content.decode()
        citizen.refresh_from_db()
        profile = CitizenProfile.objects.get(user=citizen)
        assert (citizen.email, profile.phone, profile.address) == ("moi@example.com", "0912345678", "1 Hùng Vương")

    def test_refuses_a_bad_phone_and_keeps_the_old_one(self, client):
        citizen = CitizenFactory(phone="0905000111")
        client.force_login(citizen)
        response = client.post(PROFILE, {"email": citizen.email, "phone": "12345", "address": ""})
        html = response.content.decode()
        assert "Hãy nhập số điện thoại, ví dụ 0905 123 456." in html
        assert 'value="12345"' in html
        assert CitizenProfile.objects.get(user=citizen).phone == "0905000111"

    def test_posted_identity_fields_are_ignored(self, client):
        citizen = CitizenFactory(full_name="Lê Văn Tám")
        id_number = citizen.citizen_profile.id_number
        client.force_login(citizen)
        client.post(
            PROFILE,
            {"email": "x@example.com", "phone": "", "address": "", "full_name": "Ai Đó", "id_number": "001090000001"},
        )
        profile = CitizenProfile.objects.get(user=citizen)
        assert (profile.full_name, profile.id_number) == ("Lê Văn Tám", id_number)

    def test_costs_the_same_queries_with_more_memberships(self, client):
        citizen = CitizenFactory()
        BusinessFactory(owner=citizen)
        client.force_login(citizen)
        with CaptureQueriesContext(connection) as one:
            client.get(PROFILE)
        for _ in range(3):
            BusinessFactory(owner=citizen)
        with CaptureQueriesContext(connection) as four:
            client.get(PROFILE)
        assert len(four) == len(one)


class TestBusiness:
    def test_shows_the_business_and_tax_code(self, client):
        user = BusinessUserFactory()
        business = user.business_memberships.get().business
        client.force_login(user)
        html = client.get(PROFILE).content.decode()
        assert business.name in html
        assert business.tax_code in html
        assert "Người đại diện theo pháp luật" in html


@pytest.mark.parametrize("role", StaffRole.values)
def test_an_official_sees_their_roles_and_only_an_e_mail_to_change(client, role):
    agency = AgencyFactory(name="Sở Tư pháp")
    staff = StaffFactory(agency=agency, role=role, title="Chuyên viên", last_name="Phạm", first_name="Minh Tuấn")
    client.force_login(staff)
    response = client.get(PROFILE)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Phạm Minh Tuấn" in html
    assert "Sở Tư pháp" in html
    with translation.override("vi"):
        assert str(StaffRole(role).label) in html
    assert set(response.context["form"].fields) == {"email"}
    assert ('href="/quan-tri/"' in html) is (role == StaffRole.ADMINISTRATOR)


def test_a_user_without_profile_or_membership_still_has_a_page(client):
    user = UserFactory(first_name="Hoa", last_name="Lê")
    client.force_login(user)
    response = client.get(PROFILE)
    assert response.status_code == 200
    assert "Lê Hoa" in response.content.decode()
    assert User.objects.count() == 1
