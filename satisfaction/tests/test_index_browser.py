"""The leaders' 766 dashboard in headless Chromium: the charts draw, a late figure drills down to the
dossiers behind it, and one opens. Screenshots: /tmp/index766-dashboard.png, /tmp/index766-drilldown.png."""

import pytest

from accounts.tests.factories import StaffFactory
from procedures.models import StaffRole

from .test_index766 import world  # noqa: F401 - the hand-counted world is this test's fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_leader_reads_the_dashboard_and_drills_down_to_a_dossier(world, live_server, page):  # noqa: F811
    leader = StaffFactory(username="lead", agency=world["A"], role=StaffRole.LEADER)
    leader.set_password("x-password-123")
    leader.save()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/tai-khoan/dang-nhap/?next=/chi-so-766/%3Fperiod%3D2025-03")
    page.fill("input[name=username]", "lead")
    page.fill("input[name=password]", "x-password-123")
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/chi-so-766/**")
    page.wait_for_selector("html[data-charts-drawn='2']")  # groups and trend (a ward has no sub-agencies)
    drawn = page.evaluate("""() => ['chart-groups', 'chart-trend'].map(id => {
        const chart = Chart.getChart(document.getElementById(id));
        return chart ? chart.data.datasets[0].data.filter(v => v !== null).length : 0; })""")
    assert drawn[0] == 6  # one bar per group
    assert drawn[1] >= 1  # March 2025 at least
    assert page.locator("#ix-score").inner_text().startswith("61,52")
    page.screenshot(path="/tmp/index766-dashboard.png", full_page=True)

    page.locator("tr[data-indicator='P1'] a.ix-missing").click()
    page.wait_for_url("**/chi-so-766/chi-tiet/**")
    rows = page.locator("table.ix-table tbody tr")
    assert rows.count() == 4
    page.screenshot(path="/tmp/index766-drilldown.png", full_page=True)
    page.get_by_role("link", name="T-A4").click()
    page.wait_for_url("**/ho-so/**")
    assert "T-A4" in page.locator("h1").inner_text()
