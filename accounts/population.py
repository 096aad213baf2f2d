"""The national population database (Cơ sở dữ liệu quốc gia về dân cư): a citizen's record by ID number.

Asked only for a VNeID-verified account's own ID number, so a form never asks what the state already knows.
Over HTTP with the portal's token (``POPULATION_DB_URL``, ``POPULATION_DB_TOKEN``); ``make run`` reaches the
mock national services. An unreachable or refusing database is ``Unavailable``: the caller falls back to
the profile and says so, it never blocks a submission.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging

import httpx
from django.conf import settings
from django.utils import timezone

logger = logging.getLogger(__name__)

CODE = "CSDLQGDC"
NAME = "Cơ sở dữ liệu quốc gia về dân cư"


class Unavailable(Exception):
    """The population database did not answer with a record (down, refused, or no such person)."""


@dataclasses.dataclass(frozen=True)
class Relative:
    relation: str  # to the household's head, as the residence register keeps it ("Chủ hộ", "Vợ", "Con")
    name: str
    id_number: str
    date_of_birth: str
    gender: str = ""  # "male" / "female"


@dataclasses.dataclass(frozen=True)
class Record:
    """One citizen as the population database holds them (the fields the portal uses, in its words)."""

    id_number: str
    full_name: str
    date_of_birth: dt.date | None
    gender: str  # "male" / "female", as CitizenProfile
    ethnicity: str
    nationality: str
    permanent_residence: str
    current_residence: str
    head_of_household: str
    household: tuple[Relative, ...]
    fetched_at: dt.datetime
    relation_to_head: str = ""  # the person's own relation to the head ("Chủ hộ" when they head it)

    def provenance(self) -> dict:
        """What a dossier records of the lookup (DSKetNoiCSDL): which database, when, and what it gave."""
        return {
            "code": CODE, "name": NAME, "at": self.fetched_at.isoformat(),
            "fields": {"full_name": self.full_name, "id_number": self.id_number,
                       "date_of_birth": self.date_of_birth.isoformat() if self.date_of_birth else "",
                       "gender": self.gender, "ethnicity": self.ethnicity, "nationality": self.nationality,
                       "permanent_residence": self.permanent_residence, "current_residence": self.current_residence},
        }


def enabled() -> bool:
    return bool(settings.POPULATION_DB_URL)


def _date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def lookup(id_number: str) -> Record:
    """The record of ``id_number``; ``Unavailable`` if there is none or the database cannot be reached."""
    if not enabled():
        raise Unavailable("not configured")
    try:
        response = httpx.get(
            f"{settings.POPULATION_DB_URL.rstrip('/')}/CongDan", params={"SoDinhDanh": id_number},
            headers={"Authorization": f"Bearer {settings.POPULATION_DB_TOKEN}"},
            timeout=settings.GATEWAY_TIMEOUT_SECONDS,
        )
    except httpx.HTTPError as error:
        logger.warning("population database unreachable: %s", error)
        raise Unavailable(str(error)) from error
    try:
        body = response.json()
    except ValueError as error:
        raise Unavailable(f"HTTP {response.status_code}, not JSON") from error
    data = body.get("data") if isinstance(body, dict) else None
    if response.status_code != 200 or str(body.get("error_code")) != "0" or not isinstance(data, dict):
        logger.warning("population database refused %s: HTTP %s %s", id_number[:3] + "…", response.status_code,
                       body.get("message") if isinstance(body, dict) else "")
        raise Unavailable(f"HTTP {response.status_code}")
    if data.get("SoDinhDanh") != id_number:
        raise Unavailable("answered for another ID number")
    head = data.get("ChuHo") or {}
    genders = {"Nam": "male", "Nữ": "female"}
    return Record(
        id_number=id_number,
        full_name=str(data.get("HoVaTen", "")).strip(),
        date_of_birth=_date(data.get("NgaySinh")),
        gender=genders.get(data.get("GioiTinh"), ""),
        ethnicity=str(data.get("DanToc", "")),
        nationality=str(data.get("QuocTich", "")),
        permanent_residence=str(data.get("NoiThuongTru", "")),
        current_residence=str(data.get("NoiOHienTai", "")),
        head_of_household=str(head.get("HoVaTen", "")) if isinstance(head, dict) else "",
        household=tuple(
            Relative(str(r.get("QuanHe", "")), str(r.get("HoVaTen", "")), str(r.get("SoDinhDanh", "")),
                     str(r.get("NgaySinh", "")), genders.get(r.get("GioiTinh"), ""))
            for r in data.get("QuanHeGiaDinh") or [] if isinstance(r, dict)
        ),
        fetched_at=timezone.now(),
        relation_to_head=str(data.get("QuanHeVoiChuHo", "")),
    )


def for_user(user) -> Record | None:
    """The record of a verified account's holder, or None (not verified, or the database is unavailable)."""
    profile = getattr(user, "citizen_profile", None)
    if profile is None or not profile.is_verified:
        return None
    try:
        return lookup(profile.id_number)
    except Unavailable:
        return None
