"""The sync desk in headless Chromium: the ward's administrator opens it, finds a dossier whose status
update the portal refused and the outbox gave up, presses "Gửi lại", and sees the message and the dossier
fully synced (the portal, replaced at the channel's edge, accepts it this time). Screenshots: /tmp/desk-*.png."""

import pytest
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import StaffMembership, User
from cases.services import dossier_intake
from integrations import channels
from integrations.models import Attempt, CatalogSync, Consumer, Delivery, InboundDossier
from tests.browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_administrator_sends_a_given_up_update_again(office, live_server, page, monkeypatch):
    # The portal takes what it is sent (the channel's edge; the outbox around it is the real one).
    monkeypatch.setattr(channels, "_portal", lambda d: channels.Answer(200, "0: Thành công []"))
    admin = User.objects.create_user(username="ward-admin", password="x-password-123")
    StaffMembership.objects.create(user=admin, agency=office["ward"], role="administrator")
    fine = dossier_intake(clerk=office["clerk"], procedure=office["birth"], agency=office["ward"],
                          applicant={"name": "Trần Văn Bình", "id_number": "048090004321"})
    dossier = dossier_intake(clerk=office["clerk"], procedure=office["marriage"], agency=office["ward"],
                             applicant={"name": "Nguyễn Thị Hồng Nhung", "id_number": "048195007788"})
    delivery = Delivery.objects.get(dossier=dossier, consumer=Consumer.PORTAL)
    Delivery.objects.filter(pk=delivery.pk).update(status="dead", attempts=5,
                                                   last_error="1: Thiếu trường bắt buộc NgàyHẹnTrả.")
    Attempt.objects.create(delivery=delivery, ok=False, status_code=200,
                           response="1: Thiếu trường bắt buộc NgàyHẹnTrả (ngày hẹn trả kết quả).")

    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server.url, "ward-admin", "x-password-123", "/dong-bo/ra/")
    row = page.locator(f"tr[data-dossier='{dossier.code}']")
    badge = row.locator(".dk-badge")
    assert badge.inner_text() == gettext("Given up")
    assert "048195007788" not in row.inner_text() and "048••••••788" in row.inner_text()
    assert page.locator("[data-count=ra-dead] strong").inner_text() == "1"
    assert page.locator(f"tr[data-dossier='{fine.code}'] .dk-badge").inner_text() == gettext("Fully synced")
    page.screenshot(path="/tmp/desk-before.png", full_page=True)

    row.get_by_role("button", name=gettext("Send again")).click()
    page.locator(".message-success").wait_for()
    assert dossier.code in page.locator(".message-success").inner_text()
    assert row.locator(".dk-badge").inner_text() == gettext("Fully synced")
    assert row.get_by_role("button", name=gettext("Send again")).count() == 0
    assert page.locator("[data-count=ra-dead] strong").inner_text() == "0"
    page.screenshot(path="/tmp/desk-after.png", full_page=True)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 1)  # counted afresh from the retry

    # The other tabs, with something in them, to look at (the 766 figure beside the tables is satisfaction's).
    InboundDossier.objects.create(
        national_reference="QG-261125-000042", procedure_code="1.001193", applicant_name="Đỗ Thị Quỳnh Hương",
        channel="pull", status="refused", answer_code="1", times_received=2,
        errors=["Thủ tục 1.001193 không có trong danh mục của đơn vị tiếp nhận.", "Thiếu tệp Tờ khai đăng ký khai sinh."],
        payload={"MaDonViTiepNhan": office["ward"].code, "SoGiayToChuHoSo": "048301002233"})
    InboundDossier.objects.create(
        national_reference="QG-261125-000041", procedure_code="1.000894", applicant_name="Trần Văn Bình",
        channel="push", status="stored", dossier=fine, answer_code="0", times_received=1, stored_at=fine.received_at,
        acknowledged_at=fine.received_at, payload={"SoGiayToChuHoSo": "048090004321"})
    CatalogSync.objects.create(status="ok", finished_at=timezone.now(), total=1843, created=2, updated=17, unchanged=1824)
    CatalogSync.objects.create(status="failed", finished_at=timezone.now(),
                               errors=["Cổng Dịch vụ công quốc gia không trả lời (HTTP 503): hệ thống đang bảo trì."])
    for tab, name in (("vao", "inbound"), ("danh-muc", "catalog")):
        page.goto(f"{live_server.url}/dong-bo/{tab}/")
        page.screenshot(path=f"/tmp/desk-{name}.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/dong-bo/ra/")
    page.screenshot(path="/tmp/desk-phone.png", full_page=True)
