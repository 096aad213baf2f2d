"""The factories other apps build on produce what registration and the admin would."""

import datetime as dt

import pytest

from accounts.models import BusinessMembership, CitizenProfile
from accounts.validators import validate_citizen_id, validate_tax_code
from procedures.models import StaffRole

from .factories import (
    DEFAULT_PASSWORD,
    AgencyFactory,
    BusinessFactory,
    BusinessUserFactory,
    CitizenFactory,
    StaffFactory,
    citizen_id_for,
    tax_code_for,
)

pytestmark = pytest.mark.django_db


def test_citizens_have_valid_unique_id_numbers_consistent_with_birth_and_gender():
    citizens = CitizenFactory.create_batch(60)
    numbers = [c.citizen_profile.id_number for c in citizens]
    assert len(set(numbers)) == 60
    for citizen in citizens:
        profile = citizen.citizen_profile
        validate_citizen_id(profile.id_number, date_of_birth=profile.date_of_birth, gender=profile.gender)
        profile.full_clean()
        assert citizen.check_password(DEFAULT_PASSWORD)
    assert {c.citizen_profile.gender for c in citizens} == {"male", "female"}


def test_a_given_birth_date_and_gender_drive_the_id_number():
    citizen = CitizenFactory(date_of_birth=dt.date(2003, 7, 1), gender="female")
    profile = CitizenProfile.objects.get(user=citizen)
    assert profile.id_number[3:6] == "303"
    validate_citizen_id(profile.id_number, date_of_birth=dt.date(2003, 7, 1), gender="female")


def test_citizen_id_for_refuses_an_impossible_century():
    with pytest.raises(ValueError):
        citizen_id_for(dt.date(1899, 1, 1), "male", 1)


def test_build_does_not_touch_the_database():
    citizen = CitizenFactory.build()
    assert citizen.pk is None
    assert citizen.citizen_profile.full_name
    assert not CitizenProfile.objects.exists()
    staff = StaffFactory.build()
    assert staff.pk is None


def test_tax_codes_are_valid_and_unique():
    codes = [tax_code_for(n) for n in range(500)]
    assert len(set(codes)) == 500
    for code in codes:
        validate_tax_code(code)
    businesses = BusinessFactory.create_batch(5)
    for business in businesses:
        business.full_clean()


def test_business_owner_and_business_user():
    citizen = CitizenFactory(full_name="Hồ Thị Yến")
    business = BusinessFactory(owner=citizen)
    membership = BusinessMembership.objects.get(user=citizen)
    assert membership.business == business and membership.is_representative
    assert business.representative == "Hồ Thị Yến"
    user = BusinessUserFactory()
    assert user.business_memberships.get().is_representative
    assert CitizenProfile.objects.filter(user=user).exists()


def test_staff_factory_sets_groups_through_the_services():
    agency = AgencyFactory()
    leader = StaffFactory(agency=agency, role=StaffRole.LEADER, title="Phó Giám đốc")
    assert leader.membership.agency == agency
    assert leader.membership.title == "Phó Giám đốc"
    assert list(leader.groups.values_list("name", flat=True)) == [StaffRole.LEADER]
    assert not leader.is_staff
    assert StaffFactory(role=StaffRole.ADMINISTRATOR).is_staff
    default = StaffFactory()
    assert default.membership.role == StaffRole.RECEPTION_CLERK
    assert StaffFactory().membership.agency == default.membership.agency  # one shared default agency


def test_a_given_password_is_hashed():
    user = CitizenFactory(password="another-secret-2025")
    user.refresh_from_db()
    assert user.check_password("another-secret-2025")
    assert StaffFactory(password="staff-secret-2025").check_password("staff-secret-2025")
