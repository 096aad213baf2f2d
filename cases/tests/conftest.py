"""A small office for dossier tests: the catalog of tests/catalog_data, a citizen, staff of the ward."""

import pytest

from accounts.models import StaffMembership, User
from tests.catalog_data import build_catalog

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _jpeg() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, "JPEG")
    return buffer.getvalue()


JPEG = _jpeg()  # a real phone-style photo: the portal turns it into a PDF


@pytest.fixture
def office(db):
    from accounts.services import citizen_register

    catalog = build_catalog()
    ward = catalog["ward"]
    citizen = citizen_register(
        username="an", password="mat-khau-rat-dai-1", email="an@example.com", full_name="Nguyễn Văn An",
        id_number="048090001234", date_of_birth=__import__("datetime").date(1990, 5, 12), gender="male",
        address="12 Lê Duẩn",
    )
    other = citizen_register(
        username="mai", password="mat-khau-rat-dai-2", email="mai@example.com", full_name="Lê Thị Mai",
        id_number="048195007788", date_of_birth=__import__("datetime").date(1995, 2, 20), gender="female",
    )
    staff = {}
    for role in ("reception_clerk", "specialist", "leader"):
        user = User.objects.create_user(username=f"ward-{role}", password="x-password-123")
        StaffMembership.objects.create(user=user, agency=ward, role=role)
        staff[role] = user
    elsewhere = User.objects.create_user(username="justice-clerk", password="x-password-123")
    StaffMembership.objects.create(user=elsewhere, agency=catalog["justice"], role="reception_clerk")
    return {**catalog, "citizen": citizen, "other": other, "clerk": staff["reception_clerk"],
            "specialist": staff["specialist"], "leader": staff["leader"], "clerk_elsewhere": elsewhere}
