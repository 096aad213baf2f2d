"""The leaders' 766 dashboard in headless Chromium: the charts draw (the province's targets as dashed lines),
the indicators not measured say so, a late figure drills down to the dossiers behind it with why each is
late, and one opens. Screenshots: /tmp/index766-dashboard.png, /tmp/index766-drilldown.png."""

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
    # Groups, trend and the three targets (a ward has no sub-agencies: no ranking).
    page.wait_for_selector("html[data-charts-drawn='5']")
    drawn = page.evaluate("""() => ['chart-groups', 'chart-trend'].map(id => {
        const chart = Chart.getChart(document.getElementById(id));
        return chart ? chart.data.datasets[0].data.filter(v => v !== null).length : 0; })""")
    assert drawn[0] == 6  # one bar per group
    assert drawn[1] >= 1  # March 2025 at least
    # Each target chart: the ward's rate by month, and the target as a dashed line at its level.
    lines = page.evaluate("""() => ['P1', 'S3', 'O1'].map(code => {
        const chart = Chart.getChart(document.getElementById('chart-target-' + code));
        const [rate, target] = chart.data.datasets;
        return [rate.data[rate.data.length - 1], target.data[0], target.borderDash.length > 0]; })""")
    # March: on time 3/7 = 42.86% (target 96), satisfaction with dossiers 2/7 = 28.57% (92), online 6/7 = 85.71% (80)
    assert lines == [[42.86, 96, True], [28.57, 92, True], [85.71, 80, True]]
    assert page.locator("#ix-score").inner_text().startswith("56,97")  # of 100
    assert page.locator("#ix-measured-score").inner_text() == "66,24"  # of the 86 points measured
    # T4, T5, D5 and D7 are not measured: they show 0 of their points and why.
    assert page.locator("tr[data-status='not_held']").count() == 4
    assert page.locator("tr[data-indicator='T4'] td").last.inner_text() == ""  # nothing to drill into
    page.screenshot(path="/tmp/index766-dashboard.png", full_page=True)

    page.locator("tr[data-indicator='P1'] a.ix-missing").click()
    page.wait_for_url("**/chi-so-766/chi-tiet/**")
    rows = page.locator("table.ix-table tbody tr")
    assert rows.count() == 4
    # The last two columns: why it is late, and the time waiting on the applicant (not counted).
    reasons = [rows.nth(n).locator("td").nth(-2).inner_text() for n in range(4)]
    assert all(reasons), reasons
    assert rows.nth(0).locator("td").first.inner_text() == "T-A2"
    assert rows.nth(0).locator("td").last.inner_text().startswith("2,5 ")  # working hours waited, not counted
    page.screenshot(path="/tmp/index766-drilldown.png", full_page=True)
    page.get_by_role("link", name="T-A4").click()
    page.wait_for_url("**/ho-so/**")
    assert "T-A4" in page.locator("h1").inner_text()
