"""The demo accounts of the embedded default (``load_demo``): one of each kind, all with the demo password."""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from procedures.models import Agency, StaffRole

from . import services
from .models import User

DEMO_PASSWORD = "demo-password"  # noqa: S105 - documented demo password, refused in production


@dataclass(frozen=True)
class DemoStaff:
    username: str
    last_name: str
    first_name: str
    agency_code: str
    role: str
    title: str


PROVINCE = "000.00.00.H48"
JUSTICE = "000.00.13.H48"
HAI_CHAU = "000.11.31.H48"

DEMO_CITIZENS = [
    {
        "username": "citizen",
        "email": "citizen@example.com",
        "full_name": "Nguyễn Văn An",
        "id_number": "048090001234",
        "date_of_birth": dt.date(1990, 5, 12),
        "gender": "male",
        "phone": "0905123456",
        "address": "12 Lê Duẩn, phường Hải Châu, thành phố Đà Nẵng",
    },
    {
        "username": "citizen2",
        "email": "citizen2@example.com",
        "full_name": "Lê Thị Mai",
        "id_number": "048195007788",
        "date_of_birth": dt.date(1995, 2, 20),
        "gender": "female",
        "phone": "0935246810",
        "address": "88 Điện Biên Phủ, phường Thanh Khê, thành phố Đà Nẵng",
    },
]
DEMO_BUSINESS = {
    "username": "business",
    "email": "business@example.com",
    "business_name": "Công ty TNHH Thương mại Sông Hàn",
    "tax_code": "0401001233",
    "address": "45 Bạch Đằng, phường Hải Châu, thành phố Đà Nẵng",
    "phone": "02363888999",
    "full_name": "Trần Thị Bình",
    "id_number": "048185004321",
    "date_of_birth": dt.date(1985, 11, 3),
}
DEMO_STAFF = [
    DemoStaff(
        "clerk", "Lê", "Thị Hoa", JUSTICE, StaffRole.RECEPTION_CLERK, "Cán bộ Bộ phận tiếp nhận và trả kết quả, Sở Tư pháp"
    ),
    DemoStaff("specialist", "Phạm", "Minh Tuấn", JUSTICE, StaffRole.SPECIALIST, "Chuyên viên Phòng Hành chính tư pháp"),
    DemoStaff("leader", "Hoàng", "Văn Nam", JUSTICE, StaffRole.LEADER, "Phó Giám đốc Sở Tư pháp"),
    DemoStaff("clerk.haichau", "Đặng", "Thu Trang", HAI_CHAU, StaffRole.RECEPTION_CLERK, "Công chức một cửa"),
    DemoStaff("specialist.haichau", "Bùi", "Quốc Huy", HAI_CHAU, StaffRole.SPECIALIST, "Công chức Tư pháp - Hộ tịch"),
    DemoStaff("leader.haichau", "Ngô", "Thanh Hải", HAI_CHAU, StaffRole.LEADER, "Chủ tịch UBND phường"),
    DemoStaff("admin", "Võ", "Thị Lan", PROVINCE, StaffRole.ADMINISTRATOR, "Quản trị hệ thống"),
]


@transaction.atomic
def demo_accounts_load(*, agencies: dict[str, Agency], password: str) -> int:
    """Create the demo accounts that do not exist yet (by username), through the services; returns
    how many were created. Staff whose agency is not in ``agencies`` are skipped."""
    existing = set(User.objects.values_list("username", flat=True))
    created = 0
    for citizen in DEMO_CITIZENS:
        if citizen["username"] not in existing:
            services.citizen_register(password=password, **citizen)
            created += 1
    if DEMO_BUSINESS["username"] not in existing:
        services.business_register(password=password, **DEMO_BUSINESS)
        created += 1
    for staff in DEMO_STAFF:
        agency = agencies.get(staff.agency_code)
        if staff.username in existing or agency is None:
            continue
        services.staff_account_create(
            username=staff.username,
            password=password,
            email=f"{staff.username}@example.com",
            first_name=staff.first_name,
            last_name=staff.last_name,
            agency=agency,
            role=staff.role,
            title=staff.title,
        )
        created += 1
    return created
