"""The demo accounts of ``load_demo``."""

import pytest
from django.contrib.auth import authenticate

from accounts.demo import DEMO_STAFF, demo_accounts_load
from accounts.models import BusinessMembership, User
from procedures.models import Agency, StaffRole

pytestmark = pytest.mark.django_db


@pytest.fixture
def agencies():
    codes = {staff.agency_code for staff in DEMO_STAFF}
    return {code: Agency.objects.add_root(instance=Agency(code=code, name=f"Cơ quan {code}", level="department")) for code in codes}


def test_creates_each_kind_once_and_they_can_log_in(agencies, rf):
    created = demo_accounts_load(agencies=agencies, password="demo-password")
    assert created == 3 + len(DEMO_STAFF)
    assert demo_accounts_load(agencies=agencies, password="demo-password") == 0
    assert User.objects.count() == created
    assert User.objects.get(username="citizen").citizen_profile.full_name == "Nguyễn Văn An"
    assert BusinessMembership.objects.get(user__username="business").business.tax_code == "0401001233"
    admin = User.objects.get(username="admin")
    assert admin.is_staff and list(admin.groups.values_list("name", flat=True)) == [StaffRole.ADMINISTRATOR]
    assert not User.objects.get(username="clerk").is_staff
    request = rf.post("/tai-khoan/dang-nhap/")
    assert authenticate(request, username="clerk", password="demo-password") is not None
