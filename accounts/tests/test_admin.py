"""The admin: officials' accounts are created here, and memberships edited here keep groups right."""

import datetime as dt

import pytest
from django.db.models import Model

from accounts.models import BusinessMembership, CitizenProfile, StaffMembership, User
from procedures.models import StaffRole

from .factories import AgencyFactory, BusinessFactory, CitizenFactory, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

ADD_USER = "/quan-tri/accounts/user/add/"
PASSWORD = "Hoa-sen-no-giua-ho-2024"


@pytest.fixture
def administrator(client):
    user = StaffFactory(role=StaffRole.ADMINISTRATOR)
    client.force_login(user)
    return user


def _value(value):
    if isinstance(value, bool):
        return "on" if value else None
    if isinstance(value, Model):
        return str(value.pk)
    if isinstance(value, list | tuple):
        return [_value(v) for v in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return "" if value is None else str(value)


def _form_data(form, data):
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = _value(form[name].value())
        if value is not None:
            data[form.add_prefix(name)] = value


def change_form_data(response) -> dict:
    """What the admin change page would post back unchanged: the main form and every inline."""
    data: dict = {}
    _form_data(response.context["adminform"].form, data)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        _form_data(formset.management_form, data)
        for form in formset.forms:
            _form_data(form, data)
    return data


def staff_post(agency, **overrides):
    data = {
        "username": "lethihoa",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "last_name": "Lê",
        "first_name": "Thị Hoa",
        "email": "hoa.le@danang.gov.vn",
        "agency": str(agency.pk),
        "role": StaffRole.RECEPTION_CLERK,
        "title": "Cán bộ một cửa",
    }
    return {**data, **overrides}


class TestStaffAccountCreation:
    @pytest.mark.parametrize("role", StaffRole.values)
    def test_an_administrator_creates_an_official(self, client, administrator, role):
        agency = AgencyFactory()
        response = client.post(ADD_USER, staff_post(agency, role=role))
        assert response.status_code == 302, response.context["adminform"].form.errors
        user = User.objects.get(username="lethihoa")
        assert response.url == f"/quan-tri/accounts/user/{user.pk}/change/"
        assert user.check_password(PASSWORD)
        assert user.get_full_name() == "Lê Thị Hoa"
        membership = user.staff_memberships.get()
        assert (membership.agency, membership.role, membership.title) == (agency, role, "Cán bộ một cửa")
        assert list(user.groups.values_list("name", flat=True)) == [role]
        assert user.is_staff is (role == StaffRole.ADMINISTRATOR)
        assert not user.is_superuser
        assert not CitizenProfile.objects.filter(user=user).exists()

    def test_refusals_show_on_the_form_and_write_nothing(self, client, administrator):
        UserFactory(username="LeThiHoa")
        before = User.objects.count()
        response = client.post(ADD_USER, staff_post(AgencyFactory(), password2="something-else-2024"))
        assert response.status_code == 200
        errors = response.context["adminform"].form.errors
        assert "password2" in errors
        response = client.post(ADD_USER, staff_post(AgencyFactory()))
        assert "username" in response.context["adminform"].form.errors
        assert User.objects.count() == before
        assert not StaffMembership.objects.filter(user__username="lethihoa").exists()

    def test_a_weak_password_is_refused(self, client, administrator):
        response = client.post(ADD_USER, staff_post(AgencyFactory(), password1="12345678", password2="12345678"))
        assert "password1" in response.context["adminform"].form.errors
        assert not User.objects.filter(username="lethihoa").exists()

    @pytest.mark.parametrize("role", [StaffRole.RECEPTION_CLERK, StaffRole.SPECIALIST, StaffRole.LEADER])
    def test_other_officials_have_no_admin(self, client, role):
        client.force_login(StaffFactory(role=role))
        response = client.post(ADD_USER, staff_post(AgencyFactory()))
        assert response.status_code == 302
        assert response.url.startswith("/quan-tri/login/")
        assert not User.objects.filter(username="lethihoa").exists()

    def test_citizens_have_no_admin(self, client):
        client.force_login(CitizenFactory())
        assert client.get("/quan-tri/").status_code == 302
        client.post(ADD_USER, staff_post(AgencyFactory()))
        assert not User.objects.filter(username="lethihoa").exists()


class TestMembershipInlines:
    def change_url(self, user):
        return f"/quan-tri/accounts/user/{user.pk}/change/"

    def test_adding_an_administrator_membership_gives_group_and_admin_access(self, client, administrator):
        official = StaffFactory(role=StaffRole.SPECIALIST)
        agency = AgencyFactory()
        data = change_form_data(client.get(self.change_url(official)))
        data["staff_memberships-TOTAL_FORMS"] = "2"
        data.update(
            {
                "staff_memberships-1-agency": str(agency.pk),
                "staff_memberships-1-role": StaffRole.ADMINISTRATOR,
                "staff_memberships-1-title": "Quản trị",
                "staff_memberships-1-user": str(official.pk),
            }
        )
        response = client.post(self.change_url(official), data)
        assert response.status_code == 302, response.context and response.context["errors"]
        official.refresh_from_db()
        assert official.is_staff
        assert set(official.groups.values_list("name", flat=True)) == {StaffRole.SPECIALIST, StaffRole.ADMINISTRATOR}

    def test_deleting_a_membership_removes_group_and_admin_access(self, client, administrator):
        official = StaffFactory(role=StaffRole.ADMINISTRATOR)
        data = change_form_data(client.get(self.change_url(official)))
        data["staff_memberships-0-DELETE"] = "on"
        response = client.post(self.change_url(official), data)
        assert response.status_code == 302
        official.refresh_from_db()
        assert not official.staff_memberships.exists()
        assert not official.groups.exists()
        assert not official.is_staff

    def test_changing_a_role_resyncs_groups(self, client, administrator):
        official = StaffFactory(role=StaffRole.RECEPTION_CLERK)
        data = change_form_data(client.get(self.change_url(official)))
        data["staff_memberships-0-role"] = StaffRole.LEADER
        assert client.post(self.change_url(official), data).status_code == 302
        assert list(official.groups.values_list("name", flat=True)) == [StaffRole.LEADER]

    def test_groups_and_is_staff_cannot_be_set_by_hand(self, client, administrator):
        citizen = CitizenFactory()
        data = change_form_data(client.get(self.change_url(citizen)))
        data.update({"is_staff": "on", "is_superuser": "on", "groups": ["1"]})
        assert client.post(self.change_url(citizen), data).status_code == 302
        citizen.refresh_from_db()
        assert (citizen.is_staff, citizen.is_superuser) == (False, False)
        assert not citizen.groups.exists()

    def test_an_administrator_cannot_change_a_superuser(self, client, administrator):
        root = UserFactory(is_superuser=True, is_staff=True, email="root@example.com")
        page = client.get(self.change_url(root))
        assert page.status_code == 200 and page.context["has_change_permission"] is False  # view only
        response = client.post(self.change_url(root), {"username": root.username, "email": "mine@example.com"})
        assert response.status_code == 403
        assert client.get(f"/quan-tri/accounts/user/{root.pk}/password/").status_code == 403
        root.refresh_from_db()
        assert root.email == "root@example.com"

    def test_a_citizen_profile_correction_is_checked_against_the_id_number(self, client, administrator):
        citizen = CitizenFactory(date_of_birth=dt.date(1990, 5, 12), gender="male")
        data = change_form_data(client.get(self.change_url(citizen)))
        data["citizen_profile-0-date_of_birth"] = "1991-05-12"
        response = client.post(self.change_url(citizen), data)
        assert response.status_code == 200
        assert CitizenProfile.objects.get(user=citizen).date_of_birth == dt.date(1990, 5, 12)
        data["citizen_profile-0-full_name"] = "Nguyễn Văn Bình"
        data["citizen_profile-0-date_of_birth"] = "1990-05-12"
        assert client.post(self.change_url(citizen), data).status_code == 302
        assert CitizenProfile.objects.get(user=citizen).full_name == "Nguyễn Văn Bình"


class TestStaffMembershipAdmin:
    def test_add_and_delete_keep_groups_right(self, client, administrator):
        official = StaffFactory(role=StaffRole.SPECIALIST)
        agency = AgencyFactory()
        response = client.post(
            "/quan-tri/accounts/staffmembership/add/",
            {"user": str(official.pk), "agency": str(agency.pk), "role": StaffRole.LEADER, "title": ""},
        )
        assert response.status_code == 302
        assert set(official.groups.values_list("name", flat=True)) == {StaffRole.SPECIALIST, StaffRole.LEADER}
        membership = official.staff_memberships.get(role=StaffRole.LEADER)
        response = client.post(f"/quan-tri/accounts/staffmembership/{membership.pk}/delete/", {"post": "yes"})
        assert response.status_code == 302
        assert list(official.groups.values_list("name", flat=True)) == [StaffRole.SPECIALIST]

    def test_bulk_delete_goes_through_the_service(self, client, administrator):
        officials = [StaffFactory(role=StaffRole.ADMINISTRATOR) for _ in range(2)]
        ids = [str(o.membership.pk) for o in officials]
        response = client.post(
            "/quan-tri/accounts/staffmembership/",
            {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
        )
        assert response.status_code == 302
        for official in officials:
            official.refresh_from_db()
            assert not official.is_staff
            assert not official.groups.exists()

    def test_the_admin_lists_open(self, client, administrator):
        CitizenFactory()
        for url in (
            "/quan-tri/accounts/user/",
            "/quan-tri/accounts/user/?kind=citizen",
            "/quan-tri/accounts/user/?kind=official",
            "/quan-tri/accounts/user/?kind=business",
            "/quan-tri/accounts/user/?q=nguyen",
            "/quan-tri/accounts/business/",
            "/quan-tri/accounts/staffmembership/",
            ADD_USER,
        ):
            assert client.get(url).status_code == 200, url


class TestBusinessAdmin:
    def change_url(self, business):
        return f"/quan-tri/accounts/business/{business.pk}/change/"

    def test_adding_a_citizen_as_member(self, client, administrator):
        business = BusinessFactory()
        citizen = CitizenFactory()
        data = change_form_data(client.get(self.change_url(business)))
        data.update(
            {
                "memberships-TOTAL_FORMS": "1",
                "memberships-0-user": str(citizen.pk),
                "memberships-0-business": str(business.pk),
            }
        )
        assert client.post(self.change_url(business), data).status_code == 302
        membership = BusinessMembership.objects.get(business=business)
        assert membership.user == citizen and not membership.is_representative

    def test_an_official_cannot_act_for_a_business(self, client, administrator):
        business = BusinessFactory()
        official = StaffFactory()
        data = change_form_data(client.get(self.change_url(business)))
        data.update(
            {
                "memberships-TOTAL_FORMS": "1",
                "memberships-0-user": str(official.pk),
                "memberships-0-business": str(business.pk),
            }
        )
        response = client.post(self.change_url(business), data)
        assert response.status_code == 200
        assert "Chỉ tài khoản công dân mới được đại diện cho doanh nghiệp." in response.content.decode()
        assert not BusinessMembership.objects.exists()
