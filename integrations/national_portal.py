"""The client of the National Public Service Portal's API (here the mock in mock_portal/, its own process).

Every call bears the token (``NATIONAL_PORTAL_TOKEN``), has a timeout, and raises ``PortalError`` with the
portal's own error code and message when it refuses or cannot be reached.
"""

from dataclasses import dataclass
from functools import lru_cache

import httpx
from django.conf import settings
from django.utils.translation import gettext as _


@dataclass
class PortalError(Exception):
    """The portal refused a call (its error_code and message) or could not be reached (code "")."""

    code: str
    message: str
    status: int | None = None

    def __str__(self):
        return f"{self.code}: {self.message}" if self.code else self.message


@lru_cache(maxsize=1)
def _client() -> httpx.Client:
    """One connection pool per process: a worker delivering thousands of records keeps its connections."""
    return httpx.Client()


class NationalPortal:
    def __init__(self, *, base_url: str | None = None, token: str | None = None, timeout: float = 30):
        self.base_url = (base_url or settings.NATIONAL_PORTAL_URL).rstrip("/")
        self.token = token if token is not None else settings.NATIONAL_PORTAL_TOKEN
        self.timeout = timeout

    def _call(self, method: str, path: str, **kwargs) -> dict:
        try:
            response = _client().request(
                method, f"{self.base_url}{path}", timeout=self.timeout,
                headers={"Authorization": f"Bearer {self.token}"} if self.token else {}, **kwargs,
            )
        except httpx.HTTPError as error:
            raise PortalError("", _("The national portal cannot be reached: %(error)s") % {"error": error}) from error
        try:
            body = response.json()
        except ValueError as error:
            raise PortalError(
                "", _("The national portal answered HTTP %(status)s, not JSON.") % {"status": response.status_code},
                response.status_code,
            ) from error
        if response.status_code != 200 or str(body.get("error_code")) != "0":
            message = str(body.get("message", ""))
            reasons = [e for item in body.get("errors") or [] for e in (item.get("errors", [item]) if isinstance(item, dict) else [item])]
            if reasons:
                message = f"{message} {' '.join(map(str, reasons))}"
            raise PortalError(str(body.get("error_code", "")), message, response.status_code)
        return body

    def catalog(self) -> list[dict]:
        """LayDanhSachTTHC: every procedure record, in the shape ``catalog_import`` reads."""
        return self._call("GET", "/api/LayDanhSachTTHC")["data"]

    def new_dossiers(self) -> list[dict]:
        """LayDanhSachHoSoMoi: the dossiers submitted there that the province has not acknowledged."""
        data = self._call("GET", "/api/LayDanhSachHoSoMoi")["data"]
        return data if isinstance(data, list) else []

    def acknowledge(self, reference: str, code: str) -> dict:
        """XacNhanHoSo: the province stored the national dossier ``reference`` as its dossier ``code``."""
        return self._call("POST", "/api/XacNhanHoSo", json={"MaHoSoQuocGia": reference, "MaHoSo": code})

    def sync(self, record: dict | list) -> dict:
        """DongBoHoSoMC: a dossier record (or a list), stored once by the portal however often it is sent."""
        return self._call("POST", "/api/DongBoHoSoMC", json=record)

    def progress(self, record: dict | list) -> dict:
        """CapNhatTienDoHoSoMC: a progress record (or a list), stored once likewise."""
        return self._call("POST", "/api/CapNhatTienDoHoSoMC", json=record)

    def rate(self, record: dict) -> dict:
        """DanhGiaHoSo: a citizen's rating of a dossier's handling."""
        return self._call("POST", "/api/DanhGiaHoSo", json=record)

    def lookup(self, code: str) -> dict | None:
        """TraCuuHoSo: the portal's latest record of a dossier with its progress, or None if it has none."""
        try:
            return self._call("GET", "/api/TraCuuHoSo", params={"MaHoSo": code})["data"]
        except PortalError as error:
            if error.code == "404":
                return None
            raise
