"""The account services: each success, each refusal, and that a refusal writes nothing."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.utils import translation

from accounts import services
from accounts.models import Business, BusinessMembership, CitizenProfile, StaffMembership, User
from procedures.models import StaffRole

from .factories import (
    DEFAULT_PASSWORD,
    AgencyFactory,
    BusinessFactory,
    CitizenFactory,
    StaffFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "Hoa-sen-no-giua-ho-2024"


def citizen_data(**overrides):
    data = {
        "username": "nguyenvanan",
        "password": GOOD_PASSWORD,
        "email": "an.nguyen@example.com",
        "full_name": "Nguyễn Văn An",
        "id_number": "048090001234",
        "date_of_birth": dt.date(1990, 5, 12),
        "gender": "male",
        "phone": "0905 123 456",
        "address": "12 Lê Duẩn, phường Hải Châu, thành phố Đà Nẵng",
    }
    return {**data, **overrides}


def business_data(**overrides):
    data = {
        "username": "songhan",
        "password": GOOD_PASSWORD,
        "email": "lienhe@songhan.example.com",
        "business_name": "Công ty TNHH Thương mại Sông Hàn",
        "tax_code": "0100109106",
        "address": "45 Bạch Đằng, phường Hải Châu, thành phố Đà Nẵng",
        "phone": "0236 3888 999",
        "full_name": "Trần Thị Bình",
        "id_number": "048185004321",
        "date_of_birth": dt.date(1985, 11, 3),
    }
    return {**data, **overrides}


def counts():
    return (
        User.objects.count(),
        CitizenProfile.objects.count(),
        Business.objects.count(),
        BusinessMembership.objects.count(),
        StaffMembership.objects.count(),
    )


def refused(func, **kwargs) -> dict[str, list[str]]:
    """Call a service that must refuse; return its messages by field, checking nothing was written."""
    before = counts()
    with translation.override("vi"), pytest.raises(ValidationError) as info:
        func(**kwargs)
    assert counts() == before
    return info.value.message_dict


class TestCitizenRegister:
    def test_creates_the_user_and_profile(self):
        user = services.citizen_register(**citizen_data())
        user.refresh_from_db()
        assert user.username == "nguyenvanan"
        assert user.check_password(GOOD_PASSWORD)
        assert user.email == "an.nguyen@example.com"
        profile = user.citizen_profile
        assert profile.full_name == "Nguyễn Văn An"
        assert profile.id_number == "048090001234"
        assert profile.date_of_birth == dt.date(1990, 5, 12)
        assert profile.gender == "male"
        assert profile.phone == "0905123456"  # stored without the spaces typed
        assert (user.is_staff, user.is_superuser) == (False, False)
        assert not user.groups.exists()
        assert not user.staff_memberships.exists()

    def test_normalises_what_people_type(self):
        decomposed = "Nguye\u0302\u0303n  Va\u0306n   An"  # NFD, as some keyboards send it, with extra spaces
        user = services.citizen_register(
            **citizen_data(full_name=decomposed, id_number="048 090 001 234", phone="+84905123456", gender="")
        )
        profile = user.citizen_profile
        assert profile.full_name == "Nguyễn Văn An"
        assert profile.id_number == "048090001234"
        assert profile.phone == "0905123456"
        assert profile.gender == "male"  # read from the ID number's fourth digit

    def test_refuses_an_id_number_already_registered(self):
        CitizenFactory(id_number="048090001234", date_of_birth=dt.date(1990, 5, 12), gender="male")
        errors = refused(services.citizen_register, **citizen_data())
        assert "Đã có tài khoản đăng ký với số định danh này" in errors["id_number"][0]

    @pytest.mark.parametrize(
        ("overrides", "expected"),
        [
            ({"id_number": "04809000123"}, "Số định danh cá nhân phải có đúng 12 chữ số."),
            ({"id_number": "003090001234"}, "mã tỉnh không hợp lệ (003)"),
            ({"date_of_birth": dt.date(1991, 5, 12)}, "không khớp với năm sinh 1991"),
            ({"gender": "female"}, "không khớp với giới tính"),
        ],
    )
    def test_refuses_a_bad_id_number(self, overrides, expected):
        errors = refused(services.citizen_register, **citizen_data(**overrides))
        assert expected in errors["id_number"][0]

    def test_refuses_a_username_taken_in_any_case(self):
        UserFactory(username="NguyenVanAn")
        errors = refused(services.citizen_register, **citizen_data())
        assert errors["username"] == ["Tên đăng nhập này đã có người dùng: hãy chọn tên khác."]

    def test_refuses_an_e_mail_already_used(self):
        UserFactory(email="AN.NGUYEN@example.com")
        errors = refused(services.citizen_register, **citizen_data())
        assert "đã được dùng cho một tài khoản khác" in errors["email"][0]

    def test_refuses_weak_passwords_with_django_validators(self):
        errors = refused(services.citizen_register, **citizen_data(password="12345678"))
        messages = " ".join(errors["password"])
        assert "quá ngắn" in messages
        assert "hoàn toàn là số" in messages

    def test_refuses_a_password_like_the_username(self):
        errors = refused(services.citizen_register, **citizen_data(password="nguyenvanan1"))
        assert "password" in errors

    def test_reports_every_problem_at_once(self):
        errors = refused(
            services.citizen_register,
            **citizen_data(username="", email="not-an-email", full_name="", phone="12345", password=""),
        )
        assert set(errors) == {"username", "email", "full_name", "phone", "password"}

    def test_refuses_a_birth_date_in_the_future(self):
        future = dt.date.today() + dt.timedelta(days=400)
        errors = refused(services.citizen_register, **citizen_data(date_of_birth=future))
        assert "date_of_birth" in errors

    def test_refuses_a_gender_outside_the_choices(self):
        errors = refused(services.citizen_register, **citizen_data(gender="other"))
        assert "gender" in errors

    def test_english_messages_when_english_is_active(self):
        with translation.override("en"):
            with pytest.raises(ValidationError) as info:
                services.citizen_register(**citizen_data(id_number="123", username=""))
            assert info.value.message_dict["id_number"] == ["The citizen ID number must have exactly 12 digits."]
            assert info.value.message_dict["username"] == ["Choose a username."]


class TestBusinessRegister:
    def test_creates_user_profile_business_and_representative_membership(self):
        user = services.business_register(**business_data())
        business = Business.objects.get(tax_code="0100109106")
        assert business.name == "Công ty TNHH Thương mại Sông Hàn"
        assert business.representative == "Trần Thị Bình"
        assert business.phone == "02363888999"
        assert business.email == "lienhe@songhan.example.com"
        membership = BusinessMembership.objects.get(user=user, business=business)
        assert membership.is_representative
        assert user.citizen_profile.id_number == "048185004321"
        assert user.citizen_profile.gender == "female"
        assert user.check_password(GOOD_PASSWORD)
        assert not user.is_staff and not user.groups.exists()

    def test_a_branch_tax_code_is_accepted(self):
        BusinessFactory(tax_code="0100109106")
        services.business_register(**business_data(tax_code="0100109106-001"))
        assert Business.objects.filter(tax_code="0100109106-001").exists()

    def test_refuses_a_tax_code_already_registered(self):
        BusinessFactory(tax_code="0300588569")
        errors = refused(services.business_register, **business_data(tax_code="0300588569"))
        assert "Đã có doanh nghiệp đăng ký với mã số thuế này" in errors["tax_code"][0]

    def test_refuses_a_wrong_check_digit(self):
        errors = refused(services.business_register, **business_data(tax_code="0100109107"))
        assert "Chữ số kiểm tra của mã số thuế không đúng" in errors["tax_code"][0]

    def test_refuses_when_the_representative_already_has_an_account(self):
        CitizenFactory(id_number="048185004321", date_of_birth=dt.date(1985, 11, 3), gender="female")
        errors = refused(services.business_register, **business_data())
        assert "id_number" in errors

    def test_a_clash_on_the_person_keeps_the_business_unwritten(self):
        UserFactory(username="songhan")
        refused(services.business_register, **business_data())
        assert not Business.objects.filter(tax_code="0100109106").exists()


class TestBusinessAdd:
    def test_a_citizen_registers_a_business_they_represent(self):
        citizen = CitizenFactory(full_name="Lê Thị Hoa")
        membership = services.business_add(user=citizen, business_name="Hộ kinh doanh Hoa", tax_code="0300588569")
        assert membership.is_representative
        assert membership.business.representative == "Lê Thị Hoa"

    def test_an_official_cannot(self):
        staff = StaffFactory()
        with pytest.raises(ValidationError):
            services.business_add(user=staff, business_name="X", tax_code="0300588569")
        assert not Business.objects.exists()

    def test_refuses_a_taken_tax_code(self):
        BusinessFactory(tax_code="0300588569")
        errors = refused(services.business_add, user=CitizenFactory(), business_name="Y", tax_code="0300588569")
        assert "tax_code" in errors


class TestProfileUpdate:
    def test_changes_contact_details_only(self):
        citizen = CitizenFactory(full_name="Phạm Minh Tuấn")
        id_number = citizen.citizen_profile.id_number
        services.profile_update(user=citizen, email="moi@example.com", phone="0912 345 678", address="1 Hùng Vương")
        citizen.refresh_from_db()
        profile = CitizenProfile.objects.get(user=citizen)
        assert citizen.email == "moi@example.com"
        assert (profile.phone, profile.address) == ("0912345678", "1 Hùng Vương")
        assert (profile.full_name, profile.id_number) == ("Phạm Minh Tuấn", id_number)

    def test_has_no_way_to_change_name_or_id_number(self):
        with pytest.raises(TypeError):
            services.profile_update(
                user=CitizenFactory(), email="a@example.com", phone="", address="", id_number="001090000001"
            )

    def test_refuses_bad_values_and_keeps_the_old_ones(self):
        citizen = CitizenFactory(email="cu@example.com", phone="0905000111")
        UserFactory(email="taken@example.com")
        errors = refused(services.profile_update, user=citizen, email="taken@example.com", phone="123", address="")
        assert set(errors) == {"email", "phone"}
        citizen.refresh_from_db()
        assert citizen.email == "cu@example.com"
        assert CitizenProfile.objects.get(user=citizen).phone == "0905000111"

    def test_keeping_ones_own_e_mail_is_fine(self):
        citizen = CitizenFactory(email="minh@example.com")
        services.profile_update(user=citizen, email="MINH@example.com", phone="", address="")

    def test_an_official_changes_the_e_mail_only(self):
        staff = StaffFactory(email="canbo@example.com")
        services.profile_update(user=staff, email="canbo.moi@example.com", phone="", address="")
        staff.refresh_from_db()
        assert staff.email == "canbo.moi@example.com"
        errors = refused(services.profile_update, user=staff, email="x@example.com", phone="0905123456", address="")
        assert "phone" in errors


class TestCitizenProfileCorrect:
    def test_an_administrator_corrects_the_identity(self):
        citizen = CitizenFactory(date_of_birth=dt.date(1990, 5, 12), gender="male")
        profile = citizen.citizen_profile
        services.citizen_profile_correct(
            profile=profile,
            full_name="Nguyễn Văn Bình",
            id_number="001091000777",
            date_of_birth=dt.date(1991, 1, 2),
            gender="male",
        )
        profile.refresh_from_db()
        assert (profile.full_name, profile.id_number) == ("Nguyễn Văn Bình", "001091000777")

    def test_refuses_another_accounts_id_number(self):
        other = CitizenFactory(date_of_birth=dt.date(1991, 1, 2), gender="male")
        citizen = CitizenFactory()
        profile = citizen.citizen_profile
        errors = refused(
            services.citizen_profile_correct,
            profile=profile,
            full_name=profile.full_name,
            id_number=other.citizen_profile.id_number,
            date_of_birth=dt.date(1991, 1, 2),
            gender="male",
        )
        assert "id_number" in errors
        profile.refresh_from_db()
        assert profile.id_number != other.citizen_profile.id_number


class TestStaff:
    def test_staff_account_create_for_each_role(self):
        agency = AgencyFactory()
        for role in StaffRole.values:
            user = services.staff_account_create(
                username=f"canbo_{role}",
                password=GOOD_PASSWORD,
                email=f"{role}@example.com",
                first_name="Thị Hoa",
                last_name="Lê",
                agency=agency,
                role=role,
                title="Cán bộ",
            )
            user.refresh_from_db()
            assert list(user.groups.values_list("name", flat=True)) == [role]
            assert user.is_staff is (role == StaffRole.ADMINISTRATOR)
            assert not user.is_superuser
            assert not hasattr(user, "citizen_profile") or CitizenProfile.objects.filter(user=user).count() == 0
            assert user.staff_memberships.get().agency == agency
            assert user.get_full_name() == "Lê Thị Hoa"

    def test_staff_account_create_refuses_and_writes_nothing(self):
        errors = refused(
            services.staff_account_create,
            username="canbo",
            password="123",
            email="canbo@example.com",
            first_name="",
            last_name="Lê",
            agency=AgencyFactory(),
            role="king",
        )
        assert set(errors) == {"password", "first_name", "role"}

    def test_staff_account_create_refuses_an_inactive_agency(self):
        agency = AgencyFactory(is_active=False)
        errors = refused(
            services.staff_account_create,
            username="canbo",
            password=GOOD_PASSWORD,
            email="canbo@example.com",
            first_name="Hoa",
            last_name="Lê",
            agency=agency,
            role=StaffRole.SPECIALIST,
        )
        assert "agency" in errors

    def test_membership_add_puts_the_user_in_the_group_and_admins_get_is_staff(self):
        user = StaffFactory(role=StaffRole.SPECIALIST)
        assert not user.is_staff
        services.staff_membership_add(user=user, agency=AgencyFactory(), role=StaffRole.ADMINISTRATOR)
        user.refresh_from_db()
        assert user.is_staff
        assert set(user.groups.values_list("name", flat=True)) == {StaffRole.SPECIALIST, StaffRole.ADMINISTRATOR}

    def test_membership_add_refuses_a_duplicate(self):
        user = StaffFactory(role=StaffRole.LEADER)
        errors = refused(services.staff_membership_add, user=user, agency=user.membership.agency, role=StaffRole.LEADER)
        assert "role" in errors

    def test_removing_keeps_the_group_while_another_membership_has_the_role(self):
        user = StaffFactory(role=StaffRole.SPECIALIST)
        second = services.staff_membership_add(user=user, agency=AgencyFactory(), role=StaffRole.SPECIALIST)
        services.staff_membership_remove(membership=user.membership)
        assert list(user.groups.values_list("name", flat=True)) == [StaffRole.SPECIALIST]
        services.staff_membership_remove(membership=second)
        assert not user.groups.exists()
        assert not user.staff_memberships.exists()

    def test_removing_the_last_administrator_membership_clears_is_staff(self):
        user = StaffFactory(role=StaffRole.ADMINISTRATOR)
        other = services.staff_membership_add(user=user, agency=AgencyFactory(), role=StaffRole.ADMINISTRATOR)
        services.staff_membership_add(user=user, agency=AgencyFactory(), role=StaffRole.LEADER)
        services.staff_membership_remove(membership=user.membership)
        user.refresh_from_db()
        assert user.is_staff  # still administrator elsewhere
        services.staff_membership_remove(membership=other)
        user.refresh_from_db()
        assert not user.is_staff
        assert list(user.groups.values_list("name", flat=True)) == [StaffRole.LEADER]

    def test_a_superuser_keeps_admin_access_whatever_the_memberships(self):
        user = UserFactory(is_superuser=True, is_staff=True)
        membership = services.staff_membership_add(user=user, agency=AgencyFactory(), role=StaffRole.LEADER)
        services.staff_membership_remove(membership=membership)
        user.refresh_from_db()
        assert user.is_staff

    def test_other_groups_are_left_alone(self):
        user = StaffFactory(role=StaffRole.LEADER)
        user.groups.add(Group.objects.create(name="newsletter editors"))
        services.staff_membership_remove(membership=user.membership)
        assert list(user.groups.values_list("name", flat=True)) == ["newsletter editors"]

    def test_change_moves_the_role_and_resyncs(self):
        user = StaffFactory(role=StaffRole.ADMINISTRATOR)
        new_agency = AgencyFactory()
        services.staff_membership_change(
            membership=user.membership, agency=new_agency, role=StaffRole.RECEPTION_CLERK, title="Một cửa"
        )
        user.refresh_from_db()
        membership = user.staff_memberships.get()
        assert (membership.agency, membership.role, membership.title) == (new_agency, "reception_clerk", "Một cửa")
        assert list(user.groups.values_list("name", flat=True)) == [StaffRole.RECEPTION_CLERK]
        assert not user.is_staff

    def test_groups_are_rebuilt_when_missing(self):
        Group.objects.all().delete()
        user = StaffFactory(role=StaffRole.LEADER)
        group = user.groups.get()
        assert group.name == StaffRole.LEADER
        assert group.permissions.exists()


class TestLoginLockoutClear:
    def test_forgets_failures_of_the_username(self, client):
        CitizenFactory(username="an")
        for _ in range(3):
            client.post("/tai-khoan/dang-nhap/", {"username": "an", "password": "wrong-password"})
        from axes.models import AccessAttempt

        assert AccessAttempt.objects.filter(username="an").exists()
        assert services.login_lockout_clear(username="an") >= 1
        assert not AccessAttempt.objects.filter(username="an").exists()


def test_default_password_of_the_factories_logs_in():
    user = CitizenFactory()
    assert user.check_password(DEFAULT_PASSWORD)


class TestValidateOnly:
    def test_citizen_register_validate_checks_without_writing(self):
        services.citizen_register_validate(**citizen_data())
        assert counts() == (0, 0, 0, 0, 0)
        errors = refused(services.citizen_register_validate, **citizen_data(id_number="048091001234"))
        assert "id_number" in errors

    def test_business_register_validate_checks_without_writing(self):
        services.business_register_validate(**business_data())
        assert not Business.objects.exists()
        errors = refused(services.business_register_validate, **business_data(tax_code="0100109107", date_of_birth=None))
        assert set(errors) == {"tax_code", "date_of_birth"}
