"""The Content-Security-Policy refuses inline code and other sites' files: the pages people use
(sign-in, the report form, the board's charts, the admin, the API docs) run with nothing refused."""

import datetime
from collections.abc import Callable, Iterator

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from fangkong.conftest import World
from fangkong.core.scoping import SYSTEM
from fangkong.reporting.services import regime_create
from fangkong.tests.conftest import sign_in

# Recorded in the page itself: the console does not always name what was refused.
LISTEN = """
window.__refused = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__refused.push(`${event.violatedDirective} ${event.blockedURI} ${event.sample}`);
});
"""


class Watched:
    """A page whose every Content-Security-Policy refusal is kept, across navigations."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.refused: list[str] = []
        page.add_init_script(LISTEN)
        page.on("console", self._console)

    def _console(self, message: object) -> None:
        text = str(getattr(message, "text", ""))
        if "Content Security Policy" in text:
            self.refused.append(text)

    def visit(self, url: str) -> None:
        response = self.page.goto(url)
        assert response is not None and response.ok, url
        assert "Content-Security-Policy" in response.headers or (
            "content-security-policy" in response.headers
        ), url
        self.page.wait_for_load_state("networkidle")
        self.collect()

    def collect(self) -> None:
        self.refused += self.page.evaluate("window.__refused || []")
        self.page.evaluate("window.__refused = []")


@pytest.fixture
def watched(open_phone: Callable[[], Page]) -> Iterator[Callable[[], Watched]]:
    yield lambda: Watched(open_phone())


@pytest.mark.browser
def test_operator_reports_and_officer_reads_the_charts_with_nothing_refused(
    live_server: LiveServer, world: World, watched: Callable[[], Watched]
) -> None:
    regime_create(actor=SYSTEM, name="日报告", region_code="152900",
                  start_date=timezone.localdate() - datetime.timedelta(days=14))  # fmt: skip
    operator = watched()
    operator.visit(f"{live_server.url}/accounts/login/")
    sign_in(operator.page, live_server, "operator")
    operator.visit(f"{live_server.url}/report/1529210001/")
    for label, value in [("在院老人数", "150"), ("在岗（院内）工作人员数", "42"),
                         ("院内隔离观察人数", "0"), ("当日检测人数", "0"),
                         ("防护物资可用天数", "30")]:  # fmt: skip
        operator.page.locator("form.zero").get_by_label(label, exact=True).fill(value)
    operator.page.get_by_role("button", name="提交零报告").click()
    expect(operator.page.get_by_text("零报告已提交。")).to_be_visible()
    operator.collect()
    assert operator.refused == []

    officer = watched()
    sign_in(officer.page, live_server, "league")
    officer.visit(f"{live_server.url}/board/152900/")
    charts = officer.page.locator("canvas")
    expect(charts.first).to_be_visible()  # ECharts drew them
    officer.visit(f"{live_server.url}/board/152921/")
    officer.visit(f"{live_server.url}/audit/")
    officer.visit(f"{live_server.url}/api/v1/docs")
    expect(officer.page.locator(".swagger-ui .info")).to_be_visible()  # Swagger UI ran
    officer.collect()
    assert officer.refused == []


@pytest.mark.browser
def test_the_admin_works_with_nothing_refused(
    live_server: LiveServer, world: World, watched: Callable[[], Watched]
) -> None:
    admin = watched()
    sign_in(admin.page, live_server, "admin")
    for path in [
        "/admin/",
        "/admin/notifications/webhook/add/",
        "/admin/reporting/dhis2mapping/add/",
        "/admin/audit/auditevent/",
        f"/admin/accounts/user/{world.users['zuoqi'].pk}/change/",
        "/admin/auth/group/add/",
    ]:
        admin.visit(f"{live_server.url}{path}")
    # The region picker is the admin's own script (select2): it opens and searches.
    admin.visit(f"{live_server.url}/admin/notifications/webhook/add/")
    admin.page.locator(".select2-selection").first.click()
    admin.page.locator(".select2-search__field").fill("阿拉善")
    expect(admin.page.locator(".select2-results__option").first).to_contain_text("阿拉善")
    admin.collect()
    assert admin.refused == []
