"""The catalog as a citizen uses it, in headless Chromium: search without diacritics, open the page."""

from pathlib import Path

import pytest

from .catalog_data import build_catalog

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


SHOTS = Path(__file__).resolve().parent.parent / "var" / "screenshots"


@pytest.fixture
def catalog(transactional_db):
    return build_catalog()


def test_find_a_procedure_without_diacritics_and_open_it(catalog, live_server, page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "vi"
    search = page.get_by_label("Tìm thủ tục hành chính")
    search.fill("dang ky khai sinh")
    search.press("Enter")
    page.wait_for_url("**/thu-tuc/?q=*")
    assert page.get_by_text("Tìm thấy 1 thủ tục").is_visible()
    page.screenshot(path=str(SHOTS / "search.png"), full_page=True)
    page.get_by_role("link", name="Thủ tục đăng ký khai sinh").click()
    page.wait_for_url("**/thu-tuc/1.001193/")
    assert page.get_by_role("heading", level=1).inner_text() == "Thủ tục đăng ký khai sinh"
    assert page.get_by_role("heading", name="Thành phần hồ sơ").is_visible()
    page.screenshot(path=str(SHOTS / "procedure.png"), full_page=True)


def test_the_catalog_works_on_a_phone_and_by_keyboard(catalog, live_server, page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(live_server.url + "/thu-tuc/?level=xa")
    # The first Tab lands on the skip link, which takes the keyboard to the content.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.screenshot(path=str(SHOTS / "list-phone.png"), full_page=True)
    assert page.get_by_text("Tìm thấy 2 thủ tục").is_visible()
    assert not page.get_by_text("không hợp lệ").count()
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 376)"
        ".map(e => e.tagName + '.' + e.className).slice(0, 5)"
    )
    assert wide == [], f"the page scrolls sideways on a phone: {wide}"
