"""Staff roles: one permission group per role, kept in step with the code."""

import pytest
from django.contrib.auth.models import Group, Permission

from accounts.roles import ROLE_PERMISSIONS, sync_role_groups
from procedures.models import StaffRole

from .factories import CitizenFactory, StaffFactory

pytestmark = pytest.mark.django_db


def codes(group: Group) -> set[str]:
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


def test_migrate_created_one_group_per_role_with_exactly_its_permissions():
    assert set(Group.objects.values_list("name", flat=True)) >= set(StaffRole.values)
    for role in StaffRole.values:
        assert codes(Group.objects.get(name=role)) == ROLE_PERMISSIONS[role]


def test_every_listed_permission_exists():
    # A typo in roles.py would silently grant nothing: every code must name a real permission.
    for role, wanted in ROLE_PERMISSIONS.items():
        for code in wanted:
            app_label, codename = code.split(".")
            assert Permission.objects.filter(content_type__app_label=app_label, codename=codename).exists(), (role, code)


def test_sync_is_idempotent_and_repairs_drift():
    group = Group.objects.get(name=StaffRole.LEADER)
    group.permissions.add(Permission.objects.get(codename="delete_user"))
    sync_role_groups()
    sync_role_groups()
    assert codes(group) == ROLE_PERMISSIONS[StaffRole.LEADER]
    assert Group.objects.filter(name=StaffRole.LEADER).count() == 1


@pytest.mark.parametrize("role", [StaffRole.RECEPTION_CLERK, StaffRole.SPECIALIST, StaffRole.LEADER])
def test_officials_read_the_catalog_but_do_not_administer(role):
    user = StaffFactory(role=role)
    assert user.has_perm("procedures.view_procedure")
    assert not user.has_perm("procedures.change_procedure")
    assert not user.has_perm("accounts.change_user")
    assert not user.is_staff


def test_administrators_manage_catalog_and_users_but_are_not_superusers():
    user = StaffFactory(role=StaffRole.ADMINISTRATOR)
    assert user.is_staff and not user.is_superuser
    for perm in (
        "procedures.change_procedure",
        "procedures.add_agency",
        "accounts.add_user",
        "accounts.change_user",
        "accounts.add_staffmembership",
        "accounts.delete_staffmembership",
        "axes.delete_accessattempt",
    ):
        assert user.has_perm(perm), perm
    assert not user.has_perm("accounts.delete_user")
    assert not user.has_perm("auth.change_group")


def test_citizens_have_no_permission_at_all():
    user = CitizenFactory()
    assert user.get_all_permissions() == set()
    assert not user.is_official
    assert StaffFactory().is_official
