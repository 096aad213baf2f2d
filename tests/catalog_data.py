"""A small catalog built through the models and services, for cross-app page, API and browser tests."""

import datetime as dt
from decimal import Decimal

from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import StaffMembership, User
from procedures.models import (
    Agency,
    Fee,
    Field,
    FilingChannel,
    ImplementationLevel,
    LegalDocument,
    Procedure,
    ProcedureVersion,
    ProcessingTime,
    RequiredDocument,
    ResultDocument,
    StaffRole,
    TimeUnit,
    WorkflowStep,
)
from procedures.services import procedure_version_publish


def build_agencies():
    province = Agency.objects.add_root(create_kwargs={"code": "000.00.00.H48", "name": "Ủy ban nhân dân thành phố Đà Nẵng", "level": "province"})
    justice = Agency.objects.add_child(province, create_kwargs={"code": "000.00.13.H48", "name": "Sở Tư pháp", "level": "department", "address": "24 Trần Phú"})
    ward = Agency.objects.add_child(province, create_kwargs={"code": "000.11.31.H48", "name": "Ủy ban nhân dân phường Hải Châu", "level": "commune"})
    return province, justice, ward


def add_procedure(*, code, name, field, levels, agencies, days="3", online="full", featured=False, fee=0, published=True):
    procedure = Procedure.objects.create(code=code, is_featured=featured)
    version = ProcedureVersion.objects.create(
        procedure=procedure,
        number=1,
        valid_from=timezone.localdate(),
        name=name,
        field=field,
        online_level=online,
        authority_text="Ủy ban nhân dân cấp xã",
        target="Công dân Việt Nam",
    )
    version.levels.set(ImplementationLevel.objects.filter(code__in=levels))
    version.agencies.set(agencies)
    RequiredDocument.objects.create(version=version, order=1, name="Tờ khai theo mẫu", originals=1, form_name="Mẫu TK01")
    RequiredDocument.objects.create(version=version, order=2, name="Giấy ủy quyền", copies=1, mandatory=False, case="Nếu nộp thay")
    Fee.objects.create(version=version, name="Lệ phí", amount=fee)
    LegalDocument.objects.create(version=version, number="123/2015/NĐ-CP", title="Nghị định quy định chi tiết Luật Hộ tịch")
    ResultDocument.objects.create(version=version, code="KQ.G15.000031", name="Giấy chứng nhận")
    for channel in (FilingChannel.COUNTER, FilingChannel.ONLINE):
        ProcessingTime.objects.create(version=version, channel=channel, amount=Decimal(days), unit=TimeUnit.WORKING_DAYS)
    WorkflowStep.objects.create(version=version, order=1, name="Tiếp nhận", role=StaffRole.RECEPTION_CLERK, share_percent=25)
    WorkflowStep.objects.create(version=version, order=2, name="Thẩm định", role=StaffRole.SPECIALIST, share_percent=50)
    WorkflowStep.objects.create(version=version, order=3, name="Phê duyệt", role=StaffRole.LEADER, share_percent=25)
    if published:
        procedure_version_publish(version=version)
    procedure.refresh_from_db()
    return procedure


LEVELS = [("bo", "Cấp Bộ", 1), ("tinh", "Cấp Tỉnh", 2), ("xa", "Cấp Xã", 3), ("khac", "Cơ quan khác", 4)]


def build_catalog():
    # Seeded by a migration, but a transactional test's flush removes them: put them back if so.
    for code, name, order in LEVELS:
        ImplementationLevel.objects.get_or_create(code=code, defaults={"name": name, "order": order})
    province, justice, ward = build_agencies()
    civil = Field.objects.create(code="HT", name="Hộ tịch")
    building = Field.objects.create(code="XD", name="Hoạt động xây dựng")
    birth = add_procedure(
        code="1.001193", name="Thủ tục đăng ký khai sinh", field=civil, levels=["xa"], agencies=[ward], featured=True
    )
    marriage = add_procedure(
        code="1.000894", name="Thủ tục đăng ký kết hôn", field=civil, levels=["xa"], agencies=[ward], online="partial"
    )
    permit = add_procedure(
        code="1.009974",
        name="Cấp giấy phép xây dựng mới đối với công trình cấp đặc biệt, cấp I, cấp II",
        field=building,
        levels=["tinh"],
        agencies=[justice],
        days="20",
        online="info",
        fee=150000,
    )
    return {"province": province, "justice": justice, "ward": ward, "birth": birth, "marriage": marriage, "permit": permit}


ROLES = ["anonymous", "citizen", *[role.value for role in StaffRole]]


def user_for(role: str, agency: Agency | None = None) -> User | None:
    """A user in one of the portal's roles (None for anonymous)."""
    if role == "anonymous":
        return None
    user = User.objects.create_user(username=f"u-{role}", password="x-password-123")  # noqa: S106
    if role != "citizen":
        StaffMembership.objects.create(user=user, agency=agency or Agency.objects.first(), role=role)
        user.groups.add(Group.objects.get(name=role))
    return user


def later(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)
