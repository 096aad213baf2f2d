"""Reads of the mock population database: a person as the national API answers them, and as VNeID's claims."""

import hashlib

from .models import Citizen

ASSURANCE_LEVEL = 2  # mức độ 2: identity checked in person against the population database
ACR = "vneid-loa2"


def vneid_subject(id_number: str) -> str:
    """The ``sub`` of a person at VNeID: stable and opaque (their number cannot be read back from it)."""
    return "vn-" + hashlib.sha256(f"vneid:{id_number}".encode()).hexdigest()[:24]


def citizen_get(id_number: str) -> Citizen | None:
    """The person with this number, with their household head and organization (one query)."""
    return Citizen.objects.select_related("household_head", "represents").filter(id_number=id_number).first()


def citizens_with_vneid() -> list[Citizen]:
    """Who can sign in at the mock VNeID, in the order they were added (one query)."""
    return list(Citizen.objects.filter(has_vneid=True).select_related("represents"))


def citizen_record(id_number: str) -> dict | None:
    """The person as the population API answers (CongDan), or None if unknown (two queries).

    QuanHeGiaDinh lists the other members of the person's household, each with their relation to its head
    (as the residence register keeps it: "Chủ hộ", "Vợ", "Con", ...); ChuHo is the head, the person
    themselves when they head it."""
    citizen = citizen_get(id_number)
    if citizen is None:
        return None
    head = citizen.household_head or citizen
    members = [head, *Citizen.objects.filter(household_head=head).order_by("birth_date", "id")]
    return {
        "SoDinhDanh": citizen.id_number,
        "HoVaTen": citizen.full_name,
        "NgaySinh": citizen.birth_date.isoformat(),
        "GioiTinh": citizen.get_gender_display(),
        "DanToc": citizen.ethnicity,
        "QuocTich": citizen.nationality,
        "NoiThuongTru": citizen.permanent_address,
        "NoiOHienTai": citizen.current_address,
        "QuanHeGiaDinh": [
            {"QuanHe": member.relation_to_head, "HoVaTen": member.full_name, "SoDinhDanh": member.id_number,
             "NgaySinh": member.birth_date.isoformat()}
            for member in members if member.pk != citizen.pk
        ],
        "ChuHo": {"HoVaTen": head.full_name, "SoDinhDanh": head.id_number},
    }


def vneid_claims(id_number: str) -> dict:
    """What VNeID says of a signed-in person (the ID token's and userinfo's claims before scopes filter
    them); only ``sub`` for a number the population database does not know (one query)."""
    claims = {"sub": vneid_subject(id_number)}
    citizen = citizen_get(id_number)
    if citizen is None:
        return claims
    claims.update(
        so_dinh_danh=citizen.id_number,
        name=citizen.full_name,
        birthdate=citizen.birth_date.isoformat(),
        gender=citizen.gender,
        address={"formatted": citizen.permanent_address},
        acr=ACR,
        muc_do_dinh_danh=ASSURANCE_LEVEL,
    )
    if citizen.represents is not None:
        organization = citizen.represents
        claims["to_chuc"] = {"ma_so_thue": organization.tax_code, "ten": organization.name,
                             "dia_chi": organization.head_office, "vai_tro": "nguoi_dai_dien"}
    return claims
