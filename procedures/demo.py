"""The procedures' demo data for the embedded default: a province's agencies, the demo catalog, which agency
implements what, the featured procedures (the whole demo is loaded by ``dvc_portal.demo``).

Idempotent: running it twice changes nothing. Never run by production settings; ``load_demo``
refuses to run there.
"""

from dataclasses import dataclass

from django.db import transaction

from .catalog_convert import demo_catalog_records
from .models import Agency, Procedure, ProcedureVersion
from .services import catalog_import


@dataclass(frozen=True)
class DemoAgency:
    code: str
    name: str
    level: str
    address: str
    phone: str = ""
    parent: str | None = None


PROVINCE = "000.00.00.H48"
CENTER = "000.00.53.H48"

# Đà Nẵng after the 2025 reorganisation: two levels of local government (city, then communes and wards).
AGENCIES = [
    DemoAgency(PROVINCE, "Ủy ban nhân dân thành phố Đà Nẵng", "province", "24 Trần Phú, phường Hải Châu, thành phố Đà Nẵng", "0236 3821 111"),
    DemoAgency(CENTER, "Trung tâm Phục vụ hành chính công thành phố Đà Nẵng", "center", "Tầng 1-2, Trung tâm Hành chính, 24 Trần Phú, phường Hải Châu, thành phố Đà Nẵng", "0236 1022", PROVINCE),
    DemoAgency("000.00.13.H48", "Sở Tư pháp", "department", "Tầng 10, Trung tâm Hành chính, 24 Trần Phú, phường Hải Châu, thành phố Đà Nẵng", "0236 3822 317", PROVINCE),
    DemoAgency("000.00.15.H48", "Sở Xây dựng", "department", "Tầng 7, Trung tâm Hành chính, 24 Trần Phú, phường Hải Châu, thành phố Đà Nẵng", "0236 3822 484", PROVINCE),
    DemoAgency("000.00.17.H48", "Sở Nông nghiệp và Môi trường", "department", "Tầng 13, Trung tâm Hành chính, 24 Trần Phú, phường Hải Châu, thành phố Đà Nẵng", "0236 3830 073", PROVINCE),
    DemoAgency("000.00.19.H48", "Sở Y tế", "department", "Tầng 17, Trung tâm Hành chính, 24 Trần Phú, phường Hải Châu, thành phố Đà Nẵng", "0236 3890 152", PROVINCE),
    DemoAgency("000.00.21.H48", "Sở Tài chính", "department", "Tầng 14, Trung tâm Hành chính, 24 Trần Phú, phường Hải Châu, thành phố Đà Nẵng", "0236 3822 044", PROVINCE),
    DemoAgency("000.00.23.H48", "Sở Nội vụ", "department", "Tầng 8, Trung tâm Hành chính, 24 Trần Phú, phường Hải Châu, thành phố Đà Nẵng", "0236 3821 405", PROVINCE),
    DemoAgency("000.00.25.H48", "Công an thành phố Đà Nẵng", "department", "80 Lê Lợi, phường Hải Châu, thành phố Đà Nẵng", "0236 3822 314", PROVINCE),
    DemoAgency("000.11.31.H48", "Ủy ban nhân dân phường Hải Châu", "commune", "270 Trưng Nữ Vương, phường Hải Châu, thành phố Đà Nẵng", "0236 3823 124", PROVINCE),
    DemoAgency("000.12.31.H48", "Ủy ban nhân dân phường Thanh Khê", "commune", "2 Hà Khê, phường Thanh Khê, thành phố Đà Nẵng", "0236 3759 305", PROVINCE),
    DemoAgency("000.13.31.H48", "Ủy ban nhân dân phường Sơn Trà", "commune", "1 Võ Nguyên Giáp, phường Sơn Trà, thành phố Đà Nẵng", "0236 3831 228", PROVINCE),
    DemoAgency("000.14.31.H48", "Ủy ban nhân dân xã Hòa Vang", "commune", "Thôn Túy Loan Đông 1, xã Hòa Vang, thành phố Đà Nẵng", "0236 3846 195", PROVINCE),
]

# Which department handles a field's province-level procedures (by words of the field's name).
FIELD_DEPARTMENTS = [
    (("hộ tịch", "chứng thực", "nuôi con nuôi", "lý lịch tư pháp", "công chứng"), "000.00.13.H48"),
    (("xây dựng", "lái xe"), "000.00.15.H48"),
    (("đất đai",), "000.00.17.H48"),
    (("bhxh", "bhyt", "bảo trợ", "bảo hiểm"), "000.00.19.H48"),
    (("doanh nghiệp", "kinh doanh"), "000.00.21.H48"),
    (("người có công",), "000.00.23.H48"),
    (("cư trú", "căn cước", "xuất nhập cảnh"), "000.00.25.H48"),
]

# The procedures the home page shows first.
FEATURED = ["1.001193", "1.000894", "2.000815", "1.004222", "1.001612", "3.000333", "1.013225", "1.004873"]


def agencies_load() -> dict[str, Agency]:
    """Create the demo agency tree (by code; existing agencies are left as they are)."""
    existing = {a.code: a for a in Agency.objects.all()}
    for spec in AGENCIES:
        if spec.code in existing:
            continue
        fields = {"code": spec.code, "name": spec.name, "level": spec.level, "address": spec.address, "phone": spec.phone}
        if spec.parent is None:
            agency = Agency.objects.add_root(create_kwargs=fields)
        else:
            parent = Agency.objects.get(code=spec.parent)
            agency = Agency.objects.add_child(parent, create_kwargs=fields)
        existing[spec.code] = agency
    return existing


def _department_for(field_name: str) -> str:
    name = field_name.lower()
    for words, code in FIELD_DEPARTMENTS:
        if any(w in name for w in words):
            return code
    return CENTER


def procedure_agencies_assign(*, agencies: dict[str, Agency]) -> int:
    """Give each demo version without agencies its implementing agencies: communes for commune-level
    procedures, the department of its field for province-level ones. Returns how many were assigned."""
    communes = [a for a in agencies.values() if a.level == Agency.Level.COMMUNE]
    assigned = 0
    versions = (
        ProcedureVersion.objects.filter(agencies__isnull=True)
        .select_related("field")
        .prefetch_related("levels")
    )
    for version in versions:
        levels = {level.code for level in version.levels.all()}
        chosen = []
        if "xa" in levels:
            chosen += communes
        if levels & {"tinh", "bo", "khac"} or not chosen:
            chosen.append(agencies[_department_for(version.field.name)])
        version.agencies.set(chosen)
        assigned += 1
    return assigned


@transaction.atomic
def procedures_demo_load() -> tuple[dict[str, Agency], dict[str, int]]:
    """Load the demo agencies and catalog, assign the versions to agencies and feature the home page's
    procedures; returns the agencies by code and counts of what was created this time."""
    before_agencies = Agency.objects.count()
    agencies = agencies_load()
    report = catalog_import(records=demo_catalog_records(), source="demo catalog")
    if report.errors:
        raise RuntimeError(f"the demo catalog does not import: {report.errors[:3]}")
    assigned = procedure_agencies_assign(agencies=agencies)
    featured = Procedure.objects.filter(code__in=FEATURED, is_featured=False).update(is_featured=True)
    return agencies, {
        "agencies": Agency.objects.count() - before_agencies,
        "procedures created": report.created,
        "procedures updated": report.updated,
        "agency assignments": assigned,
        "featured": featured,
    }
