"""Rating in headless Chromium: the citizen opens their returned dossier, answers overall and two criteria,
sends, sees their rating and may change it. Screenshot: /tmp/rating.png."""

import pytest

from cases.tests.factories import DossierFactory
from satisfaction.models import Rating

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_citizen_rates_a_returned_dossier(office, templates, live_server, page):
    dossier = DossierFactory(state="returned", procedure=office["birth"], agency=office["ward"],
                             owner=office["citizen"], staff=office)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/tai-khoan/dang-nhap/?next=/ho-so/{dossier.pk}/")
    page.fill("input[name=username]", "an")
    page.fill("input[name=password]", "mat-khau-rat-dai-1")
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"**/ho-so/{dossier.pk}/")
    section = page.locator("#rating")
    assert section.get_by_role("heading").inner_text() == "Bạn thấy dịch vụ thế nào?"
    section.get_by_label("Hài lòng", exact=True).check()
    section.locator("summary").click()
    section.get_by_label("Thời gian giải quyết: Rất hài lòng").check()
    section.get_by_label("Số lần phải đi lại: Không hài lòng").check()
    section.get_by_label("Ý kiến khác (không bắt buộc)").fill("Nên gửi tin nhắn khi có kết quả sớm hơn.")
    page.screenshot(path="/tmp/rating-form.png", full_page=True)
    section.get_by_role("button", name="Gửi đánh giá").click()
    page.locator(".message-success").wait_for()
    assert "Bạn đã đánh giá" in page.locator("#rating").inner_text()
    assert page.locator("#rating").get_by_role("button", name="Thay đổi đánh giá").is_visible()
    page.screenshot(path="/tmp/rating.png", full_page=True)
    rating = Rating.objects.get(dossier=dossier)
    assert (rating.level, rating.criteria) == (2, {"THOI_GIAN": 1, "SO_LAN_DI_LAI": 3})
    assert rating.comment == "Nên gửi tin nhắn khi có kết quả sớm hơn."
