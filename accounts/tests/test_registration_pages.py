"""Registration pages, through the test client: what the user sees and what the database holds."""

import datetime as dt

import pytest
from django.contrib.auth import get_user
from django.urls import reverse

from accounts.models import Business, BusinessMembership, CitizenProfile, StaffMembership, User

from .factories import AgencyFactory, BusinessFactory, CitizenFactory, StaffFactory

pytestmark = pytest.mark.django_db

REGISTER = "/tai-khoan/dang-ky/"
REGISTER_BUSINESS = "/tai-khoan/dang-ky/doanh-nghiep/"
PASSWORD = "Hoa-sen-no-giua-ho-2024"


def citizen_post(**overrides):
    data = {
        "full_name": "Nguyễn Văn An",
        "id_number": "048090001234",
        "date_of_birth_0": "12",
        "date_of_birth_1": "5",
        "date_of_birth_2": "1990",
        "gender": "male",
        "phone": "0905 123 456",
        "address": "12 Lê Duẩn, phường Hải Châu",
        "username": "nguyenvanan",
        "email": "an.nguyen@example.com",
        "password": PASSWORD,
        "password2": PASSWORD,
    }
    return {**data, **overrides}


def business_post(**overrides):
    data = {
        "business_name": "Công ty TNHH Thương mại Sông Hàn",
        "tax_code": "0100109106",
        "address": "45 Bạch Đằng",
        "phone": "0236 3888 999",
        "full_name": "Trần Thị Bình",
        "id_number": "048185004321",
        "date_of_birth_0": "3",
        "date_of_birth_1": "11",
        "date_of_birth_2": "1985",
        "username": "songhan",
        "email": "lienhe@songhan.example.com",
        "password": PASSWORD,
        "password2": PASSWORD,
    }
    return {**data, **overrides}


def test_the_urls_keep_their_names():
    assert reverse("accounts:register") == REGISTER
    assert reverse("accounts:register_business") == REGISTER_BUSINESS
    assert reverse("accounts:login") == "/tai-khoan/dang-nhap/"
    assert reverse("accounts:logout") == "/tai-khoan/dang-xuat/"
    assert reverse("accounts:profile") == "/tai-khoan/ho-so-ca-nhan/"


class TestCitizenRegistration:
    def test_the_form_is_in_vietnamese_with_labels_bound_to_inputs(self, client):
        response = client.get(REGISTER)
        html = response.content.decode()
        assert response.status_code == 200
        assert "Tạo tài khoản công dân" in html
        assert '<label for="id_id_number">Số định danh cá nhân</label>' in html
        assert '<label for="id_full_name">Họ và tên</label>' in html
        assert 'autocomplete="new-password"' in html
        assert 'autocomplete="bday-year"' in html
        assert '<label for="id_date_of_birth_2">Năm</label>' in html

    def test_registers_logs_in_and_shows_the_profile(self, client):
        response = client.post(REGISTER, citizen_post(), follow=True)
        assert response.redirect_chain == [(reverse("accounts:profile"), 302)]
        html = response.content.decode()
        assert "Tài khoản của bạn đã sẵn sàng" in html
        assert "Nguyễn Văn An" in html
        user = User.objects.get(username="nguyenvanan")
        assert get_user(client).pk == user.pk
        profile = user.citizen_profile
        assert (profile.id_number, profile.date_of_birth, profile.gender) == ("048090001234", dt.date(1990, 5, 12), "male")
        assert profile.phone == "0905123456"
        assert not user.is_staff and not user.is_superuser and not user.groups.exists()

    def test_mismatched_passwords_are_refused_and_nothing_typed_is_lost(self, client):
        response = client.post(REGISTER, citizen_post(password2="Hoa-sen-no-giua-ho-2025"))
        html = response.content.decode()
        assert response.status_code == 200
        assert "Hai mật khẩu không giống nhau" in html
        assert not User.objects.exists()
        # What the user typed is still there, except the passwords.
        assert 'value="Nguyễn Văn An"' in html
        assert 'value="048090001234"' in html
        assert 'value="1990"' in html
        assert 'value="0905 123 456"' in html
        assert 'value="an.nguyen@example.com"' in html
        assert PASSWORD not in html
        assert 'aria-invalid="true"' in html

    def test_a_bad_id_number_is_refused_at_its_field(self, client):
        response = client.post(REGISTER, citizen_post(id_number="048091001234"))
        html = response.content.decode()
        assert "Số định danh cá nhân không khớp với năm sinh 1990." in html
        assert 'id="id_id_number_error"' in html
        assert 'aria-describedby="id_id_number_helptext id_id_number_error"' in html
        assert not User.objects.exists()
        assert not CitizenProfile.objects.exists()

    def test_an_id_number_of_the_wrong_length_is_refused(self, client):
        response = client.post(REGISTER, citizen_post(id_number="12345"))
        assert "Số định danh cá nhân phải có đúng 12 chữ số." in response.content.decode()
        assert not User.objects.exists()

    def test_a_duplicate_id_number_is_refused(self, client):
        CitizenFactory(id_number="048090001234", date_of_birth=dt.date(1990, 5, 12), gender="male")
        response = client.post(REGISTER, citizen_post())
        html = response.content.decode()
        assert "Đã có tài khoản đăng ký với số định danh này" in html
        assert User.objects.count() == 1
        assert not User.objects.filter(username="nguyenvanan").exists()
        assert get_user(client).is_anonymous

    def test_a_weak_password_is_refused_with_django_validators_in_vietnamese(self, client):
        response = client.post(REGISTER, citizen_post(password="12345678", password2="12345678"))
        html = response.content.decode()
        assert "Mật khẩu quá ngắn" in html
        assert "hoàn toàn là số" in html
        assert not User.objects.exists()

    def test_an_impossible_date_is_refused(self, client):
        response = client.post(REGISTER, citizen_post(date_of_birth_0="31", date_of_birth_1="2"))
        assert "Ngày sinh phải là một ngày có thật" in response.content.decode()
        assert not User.objects.exists()

    def test_empty_form_lists_every_missing_answer(self, client):
        response = client.post(REGISTER, {})
        html = response.content.decode()
        for message in (
            "Hãy nhập họ và tên như trên thẻ căn cước.",
            "Hãy nhập số định danh cá nhân gồm 12 chữ số.",
            "Hãy nhập ngày sinh.",
            "Hãy chọn nam hoặc nữ.",
            "Hãy chọn một mật khẩu.",
        ):
            assert message in html
        assert "Vui lòng kiểm tra lại thông tin đã nhập" in html  # the error summary
        assert not User.objects.exists()

    def test_registration_can_never_make_staff(self, client):
        agency = AgencyFactory()
        post = citizen_post(
            is_staff="on",
            is_superuser="on",
            groups="1",
            role="administrator",
            agency=str(agency.pk),
            staff_memberships="1",
        )
        client.post(REGISTER, post)
        user = User.objects.get(username="nguyenvanan")
        assert (user.is_staff, user.is_superuser) == (False, False)
        assert not user.groups.exists()
        assert not StaffMembership.objects.exists()
        # ... and the admin stays closed to them.
        assert client.get("/quan-tri/").status_code == 302

    def test_a_logged_in_user_is_sent_to_the_profile(self, client):
        client.force_login(CitizenFactory())
        assert client.get(REGISTER).url == reverse("accounts:profile")


class TestBusinessRegistration:
    def test_registers_the_business_and_its_representative(self, client):
        response = client.post(REGISTER_BUSINESS, business_post(), follow=True)
        assert response.redirect_chain == [(reverse("accounts:profile"), 302)]
        html = response.content.decode()
        assert "Công ty TNHH Thương mại Sông Hàn" in html
        assert "0100109106" in html
        user = User.objects.get(username="songhan")
        assert get_user(client).pk == user.pk
        membership = BusinessMembership.objects.get(user=user)
        assert membership.is_representative
        assert membership.business.tax_code == "0100109106"
        assert user.citizen_profile.full_name == "Trần Thị Bình"
        assert not user.is_staff

    def test_a_tax_code_already_registered_is_refused(self, client):
        BusinessFactory(tax_code="0100109106")
        response = client.post(REGISTER_BUSINESS, business_post())
        html = response.content.decode()
        assert "Đã có doanh nghiệp đăng ký với mã số thuế này" in html
        assert 'value="Công ty TNHH Thương mại Sông Hàn"' in html
        assert not User.objects.filter(username="songhan").exists()
        assert Business.objects.count() == 1

    def test_a_wrong_check_digit_is_refused(self, client):
        response = client.post(REGISTER_BUSINESS, business_post(tax_code="0100109107"))
        assert "Chữ số kiểm tra của mã số thuế không đúng" in response.content.decode()
        assert not Business.objects.exists()
        assert not User.objects.exists()

    def test_a_logged_in_citizen_adds_a_business(self, client):
        citizen = CitizenFactory()
        client.force_login(citizen)
        response = client.get(REGISTER_BUSINESS)
        assert "username" not in response.context["form"].fields
        response = client.post(
            REGISTER_BUSINESS, {"business_name": "Hộ kinh doanh Minh Phát", "tax_code": "0300588569"}, follow=True
        )
        assert "Doanh nghiệp đã được đăng ký vào tài khoản của bạn." in response.content.decode()
        assert BusinessMembership.objects.get(user=citizen).business.tax_code == "0300588569"

    def test_an_official_cannot_register_a_business(self, client):
        client.force_login(StaffFactory())
        response = client.post(REGISTER_BUSINESS, {"business_name": "X", "tax_code": "0300588569"})
        assert response.status_code == 403
        assert "Chỉ tài khoản công dân mới đăng ký được doanh nghiệp" in response.content.decode()
        assert not Business.objects.exists()


def test_form_and_service_problems_show_together(client):
    """A mismatched password (the form's check) and an ID number that disagrees with the birth year
    (the service's) are reported in one answer, not one per submit."""
    response = client.post(REGISTER, citizen_post(id_number="048091001234", password2="something-else-2024"))
    html = response.content.decode()
    assert "Hai mật khẩu không giống nhau" in html
    assert "Số định danh cá nhân không khớp với năm sinh 1990." in html
    assert not User.objects.exists()


def test_a_missing_field_is_reported_once(client):
    response = client.post(REGISTER, citizen_post(full_name=""))
    assert response.context["form"].errors["full_name"] == ["Hãy nhập họ và tên như trên thẻ căn cước."]


def test_business_registration_can_never_make_staff(client):
    client.post(REGISTER_BUSINESS, business_post(is_staff="on", is_superuser="on", role="administrator", groups="1"))
    user = User.objects.get(username="songhan")
    assert (user.is_staff, user.is_superuser) == (False, False)
    assert not user.groups.exists()
    assert not StaffMembership.objects.exists()
