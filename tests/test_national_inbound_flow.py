"""A dossier submitted on the national portal, end to end: the mock national services as their own process
(gunicorn, its push thread, its VNeID) and the province's portal as a live server. The citizen submits there;
the push reaches the province signed, the documents are fetched and checked; the clerk finds the dossier in
the queue and works it like any other; every status goes back through the outbox, and the citizen's page on
the national portal shows "Đã trả kết quả". Also: a push lost on purpose and recovered by the pull, and the
portal down while the province sends a status (delivered once it is back). A browser test does the citizen's
submission on the mock's page and the clerk's reception on the portal's."""

import importlib
import re
from urllib.parse import urljoin

import httpx
import pytest
from django.apps import apps
from django.urls import reverse

from accounts.models import StaffMembership, User
from cases.actions import perform
from cases.models import Dossier
from cases.selectors import staff_queue
from integrations import inbound, outbox
from integrations.models import Delivery, InboundDossier
from integrations.tests.live import manage, mock_env, mock_process, wait_until
from procedures.catalog_convert import demo_catalog_records
from procedures.demo import agencies_load, procedure_agencies_assign
from procedures.services import catalog_import
from tests.browser import log_in

pytestmark = [pytest.mark.django_db(transaction=True)]

TOKEN = "national-flow-token"
SECRET = "national-flow-secret"
BIRTH = "1.001193"  # its 4th document (tep_3), the birth certificate, is the mandatory one
DUC = "048088123456"  # lives in phường Thanh Khê: his commune receives it
THANH_KHE = "000.12.31.H48"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PASSWORD = "x-password-123"  # noqa: S105 - test accounts


class National:
    def __init__(self, url: str):
        self.url = url

    def call(self, method: str, path: str, **kwargs) -> httpx.Response:
        return httpx.request(method, f"{self.url}{path}", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30,
                             **kwargs)

    def submit(self, number: str = DUC) -> str:
        answer = self.call("POST", "/api/NopHoSo", data={"SoDinhDanh": number, "MaTTHC": BIRTH,
                                                         "NoiDungYeuCau": "Đăng ký khai sinh cho con"},
                           files={"tep_3": ("giay-chung-sinh.pdf", PDF, "application/pdf")})
        assert answer.status_code == 200, answer.text
        return answer.json()["data"]["MaHoSoQuocGia"]

    def forwarding(self, reference: str) -> dict:
        return self.call("GET", "/_push/", params={"MaHoSoQuocGia": reference}).json()["data"]["dossier"]

    def status(self, code: str) -> int | None:
        """The latest TrangThaiHoSo the province sent for its dossier ``code`` (TraCuuHoSo)."""
        answer = self.call("GET", "/api/TraCuuHoSo", params={"MaHoSo": code})
        return answer.json()["data"]["TrangThaiHoSo"] if answer.status_code == 200 else None


@pytest.fixture
def province(db):
    """The demo agencies and catalog (the same catalog the mock serves), and the staff of phường Thanh Khê."""
    agencies = agencies_load()
    report = catalog_import(records=demo_catalog_records(), source="demo catalog")
    assert not report.errors
    procedure_agencies_assign(agencies=agencies)
    importlib.import_module("integrations.migrations.0002_message_templates").seed(apps, None)
    staff = {}
    for role in ("reception_clerk", "specialist", "leader"):
        user = User.objects.create_user(username=f"tk-{role}", password=PASSWORD)
        StaffMembership.objects.create(user=user, agency=agencies[THANH_KHE], role=role)
        staff[role] = user
    return staff


@pytest.fixture
def national(province, live_server, tmp_path, settings):
    """The mock national services pushing to this test's live portal; the portal pointed at the mock."""
    env = mock_env(
        MOCK_PORTAL_TOKEN=TOKEN, MOCK_PORTAL_DATABASE_URL=f"sqlite:///{tmp_path / 'mock.sqlite3'}",
        MOCK_PORTAL_MEDIA_ROOT=str(tmp_path / "files"), MOCK_VNEID_PRIVATE_KEY_FILE=str(tmp_path / "vneid.pem"),
        MOCK_PROVINCE_INBOUND_URL=f"{live_server.url}/api/v1/national/dossiers/", MOCK_PROVINCE_SECRET=SECRET,
        MOCK_PUSH_BACKOFF_SECONDS="0.2", MOCK_PUSH_BACKOFF_MAX_SECONDS="1", MOCK_PUSH_INTERVAL_SECONDS="0.2",
        MOCK_VNEID_REDIRECT_URIS=f"{live_server.url}/tai-khoan/vneid/xac-thuc/",
    )
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "vneid_client")
    with mock_process(env, tmp_path / "mock.log") as url:
        settings.NATIONAL_PORTAL_URL, settings.NATIONAL_PORTAL_TOKEN = url, TOKEN
        settings.NATIONAL_INBOUND_SECRET = SECRET
        settings.OUTBOX_BACKOFF_SECONDS, settings.OUTBOX_BACKOFF_MAX_SECONDS = 0.01, 0.05
        yield National(url)


def _arrived(reference: str, timeout: float = 30) -> Dossier:
    assert wait_until(lambda: Dossier.objects.filter(national_reference=reference).exists(), timeout=timeout), (
        "the push never arrived")
    return Dossier.objects.get(national_reference=reference)


def _work_to_the_end(dossier: Dossier, staff: dict) -> None:
    """Received, forwarded, refused on the merits by the leader, and the answer handed back: status 10."""
    perform(dossier=dossier, action="receive", actor=staff["reception_clerk"])
    perform(dossier=dossier, action="forward", actor=staff["reception_clerk"])
    perform(dossier=dossier, action="deny", actor=staff["leader"], reason="Giấy chứng sinh không rõ nơi sinh")
    perform(dossier=dossier, action="return_result", actor=staff["reception_clerk"], delivery="counter")


def _citizen_page(national: National, reference: str) -> str:
    """The citizen's page of the dossier on the national portal, signed in with the mock VNeID as Đức."""
    with httpx.Client(timeout=30, follow_redirects=False) as browser:
        page = browser.get(f"{national.url}/dvc/ho-so/{reference}/")
        while page.status_code == 302:
            page = browser.get(urljoin(str(page.url), page.headers["Location"]))
            if page.url.path == "/vneid/dang-nhap/":
                page = browser.post(page.url, data={"csrfmiddlewaretoken": browser.cookies["mock_vneid_csrftoken"],
                                                    "pick": DUC, "next": page.url.params["next"]})
        assert page.status_code == 200, page.text[:500]
        return page.text


def test_submitted_there_worked_here_and_returned_there(national, province):
    reference = national.submit()
    dossier = _arrived(reference)
    assert (dossier.state, dossier.agency.code, dossier.applicant_name, dossier.applicant_verified) == (
        "submitted", THANH_KHE, "Phạm Minh Đức", True)
    assert dossier.documents.get().requirement.mandatory
    assert wait_until(lambda: national.forwarding(reference)["state"] == "acknowledged", timeout=15)
    assert national.forwarding(reference)["MaHoSo"] == dossier.code
    # In the clerk's queue like any other.
    assert dossier in staff_queue(province["reception_clerk"], "all")
    _work_to_the_end(dossier, province)
    assert wait_until(lambda: national.status(dossier.code) == 10, timeout=30), national.status(dossier.code)
    page = _citizen_page(national, reference)
    assert "Đã trả kết quả" in page and dossier.code in page
    assert Dossier.objects.filter(national_reference=reference).count() == 1


def test_a_lost_push_is_recovered_by_the_pull(national, province):
    assert national.call("POST", "/_push/", json={"lose_pushes": True, "run": False}).status_code == 200
    reference = national.submit()
    assert wait_until(lambda: national.forwarding(reference)["state"] == "sent", timeout=15)
    assert not Dossier.objects.filter(national_reference=reference).exists()  # it never came
    counts = inbound.pull()
    assert counts["stored"] == 1 and counts["acknowledged"] == 1
    dossier = Dossier.objects.get(national_reference=reference)
    assert InboundDossier.objects.get(national_reference=reference).channel == "pull"
    assert national.forwarding(reference)["state"] == "acknowledged"
    assert national.forwarding(reference)["MaHoSo"] == dossier.code
    assert inbound.pull()["stored"] == 0  # acknowledged: no longer listed


def test_statuses_sent_while_the_portal_is_down_arrive_once_it_is_back(national, province):
    reference = national.submit()
    dossier = _arrived(reference)
    assert wait_until(lambda: national.status(dossier.code) == 1, timeout=30)
    assert national.call("POST", "/_faults/", json={"outage": True}).status_code == 200
    try:
        perform(dossier=dossier, action="receive", actor=province["reception_clerk"])
        waiting = Delivery.objects.filter(dossier=dossier, consumer="portal").exclude(status="delivered")
        assert waiting.exists() and waiting.first().attempts >= 1
    finally:
        national.call("POST", "/_faults/", json={"outage": False})
    assert wait_until(lambda: (outbox.outbox_sweep(), national.status(dossier.code) == 2)[1], timeout=30)
    assert not Delivery.objects.filter(dossier=dossier, consumer="portal").exclude(status="delivered").exists()


# --- in Chromium -------------------------------------------------------------------------------------------
@pytest.mark.browser
def test_a_citizen_submits_on_the_national_portal_and_the_clerk_receives_it(national, province, live_server, page,
                                                                             tmp_path):
    """Screenshots: /tmp/national-*.png."""
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{national.url}/dvc/nop/{BIRTH}/")
    page.wait_for_url("**/vneid/dang-nhap/**")
    page.locator(f"button[name=pick][value='{DUC}']").click()
    page.wait_for_url(f"**/dvc/nop/{BIRTH}/")
    page.fill("textarea[name=NoiDungYeuCau]", "Đăng ký khai sinh cho con gái")
    certificate = tmp_path / "giay-chung-sinh.pdf"
    certificate.write_bytes(PDF)
    page.set_input_files("input[name=tep_3]", str(certificate))
    page.screenshot(path="/tmp/national-submit.png", full_page=True)
    page.get_by_role("button", name="Nộp hồ sơ", exact=True).click()
    page.wait_for_url(re.compile(r".*/dvc/ho-so/QG-\d{6}-\d{6}/.*"))
    reference = re.search(r"QG-\d{6}-\d{6}", page.url).group(0)
    dossier = _arrived(reference)
    page.screenshot(path="/tmp/national-submitted.png", full_page=True)

    clerk = page.context.browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(clerk, live_server.url, "tk-reception_clerk", PASSWORD, reverse("cases:workspace"))
    clerk.get_by_role("link", name=dossier.code).first.click()
    assert reference in clerk.locator("main").inner_text()
    clerk.screenshot(path="/tmp/national-clerk.png", full_page=True)
