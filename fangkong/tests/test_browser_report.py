"""The daily report in a real Chromium on a 375 px phone: the deadline before sending, every
problem listed at the top with links, a zero report that asks before discarding typed figures,
an officer's page for a missing institution with 催报, and a header that stays one row."""

import datetime
import re
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Dialog, Page, expect
from pytest_django.live_server_helper import LiveServer

from fangkong.conftest import PASSWORD, World
from fangkong.core.scoping import SYSTEM
from fangkong.reporting.models import DailyReport
from fangkong.reporting.services import regime_create
from fangkong.tests.conftest import sign_in

DAY = datetime.date(2022, 10, 25)
SHANGHAI = ZoneInfo("Asia/Shanghai")
REPORT = f"/report/1529210001/{DAY}/"
TAP = 44  # px: the height of a thumb's target


def at(hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(DAY, datetime.time(hour, minute), tzinfo=SHANGHAI)


@pytest.fixture
def regime(world: World) -> None:
    regime_create(actor=SYSTEM, name="日报告", region_code="152900",
                  start_date=DAY - datetime.timedelta(days=1))  # fmt: skip


type Clock = Callable[[datetime.datetime], None]


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Sets the server's clock (the live server runs in this process)."""

    def set_(moment: datetime.datetime) -> None:
        monkeypatch.setattr("django.utils.timezone.now", lambda: moment)

    return set_


def assert_one_row_header(page: Page) -> None:
    header = page.locator("header.bar").bounding_box()
    assert header is not None
    assert header["height"] <= TAP + 2, header  # one line of 44 px targets, not two
    tops = page.evaluate(
        "[...document.querySelectorAll('header .brand, header nav > *')]"
        ".map(e => Math.round(e.getBoundingClientRect().top))"
    )
    assert max(tops) - min(tops) <= 12, tops
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def assert_tall_targets(page: Page) -> None:
    """Every visible link and button in the header and the page is at least 44 px tall."""
    for target in page.locator("header a, header button, header summary, main a, main button, "
                               "main summary").all():  # fmt: skip
        if not target.is_visible():
            continue
        box = target.bounding_box()
        assert box is not None
        assert box["height"] >= TAP - 0.5, (target.inner_text(), box)


@pytest.mark.browser
def test_the_operator_sees_the_deadline_and_the_time_left_before_sending(
    live_server: LiveServer, world: World, regime: None, clock: Clock, page: Page
) -> None:
    clock(at(15, 40))
    sign_in(page, live_server, "operator", PASSWORD)
    page.goto(f"{live_server.url}{REPORT}")
    deadline = page.locator("#deadline")
    expect(deadline).to_be_visible()
    expect(deadline).to_contain_text("16:00")
    # 20 min (in whichever language): drawn by the server, kept by the countdown.
    expect(page.locator("#deadline-left")).to_have_text(re.compile(r"^\D*20\D+$"))
    expect(deadline).not_to_have_class(re.compile("late"))
    assert_one_row_header(page)
    assert_tall_targets(page)
    # The header names the institution, not the login.
    expect(page.locator("header .who")).to_have_text("阿拉善左旗社会福利中心")

    clock(at(16, 1))  # within the 30 idle minutes a session lasts
    page.reload()
    expect(page.locator("#deadline")).to_have_class(re.compile("late"))
    expect(page.locator("#deadline-left")).not_to_be_empty()
    expect(page.get_by_role("button", name="提交零报告")).to_be_visible()


@pytest.mark.browser
def test_a_full_report_with_several_problems_lists_them_all_at_the_top(
    live_server: LiveServer, world: World, regime: None, clock: Clock, page: Page
) -> None:
    clock(at(15))
    sign_in(page, live_server, "operator", PASSWORD)
    page.goto(f"{live_server.url}{REPORT}")
    full = page.locator("form.report-form")
    full.locator("summary").click()
    for field, value in [("residents", "150"), ("staff_on_site", "40"), ("in_isolation", "0"),
                         ("tested", "3"), ("positive", "5"), ("fever", "2"),
                         ("ppe_days", "30")]:  # fmt: skip
        full.locator(f"#id_{field}").fill(value)
    full.locator("button[type=submit]").click()

    summary = page.locator("#errors")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    links = summary.get_by_role("link")
    # The six blank event figures and positive > tested, all at once.
    expect(links).to_have_count(7)
    hrefs = [link.get_attribute("href") for link in links.all()]
    assert hrefs == ["#id_admissions", "#id_visitors", "#id_respiratory", "#id_suspected",
                     "#id_confirmed", "#id_close_contacts", "#id_positive"]  # fmt: skip
    links.last.click()
    expect(page).to_have_url(re.compile("#id_positive$"))
    expect(page.locator("#id_positive")).to_be_in_viewport()
    expect(page.locator("#id_fever")).to_have_value("2")
    assert_tall_targets(page)
    assert not DailyReport.objects.exists()


@pytest.mark.browser
def test_a_zero_report_after_typed_figures_asks_before_discarding_them(
    live_server: LiveServer, world: World, regime: None, clock: Clock, page: Page
) -> None:
    clock(at(15))
    sign_in(page, live_server, "operator", PASSWORD)
    page.goto(f"{live_server.url}{REPORT}")
    for field, value in [("residents", "150"), ("staff_on_site", "40"), ("in_isolation", "0"),
                         ("tested", "0"), ("ppe_days", "30")]:  # fmt: skip
        page.locator(f"#id_zero-{field}").fill(value)
    page.locator("form.report-form summary").click()
    page.locator("#id_fever").fill("2")

    asked: list[str] = []

    def decline(dialog: Dialog) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", decline)
    page.get_by_role("button", name="提交零报告").click()
    expect(page.locator("#id_fever")).to_have_value("2")
    assert len(asked) == 1 and asked[0]
    assert not DailyReport.objects.exists()

    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.get_by_role("button", name="提交零报告").click()
    expect(page.locator("#report-status")).to_be_visible()
    assert DailyReport.objects.get().current.is_zero


@pytest.mark.browser
def test_an_officer_opens_a_missing_institution_and_reminds_it_once(
    live_server: LiveServer, world: World, regime: None, clock: Clock, page: Page
) -> None:
    clock(at(16, 30))
    sign_in(page, live_server, "zuoqi", PASSWORD)
    page.goto(f"{live_server.url}/board/152921/?date={DAY}")
    page.locator("ul.units").get_by_role("link", name="阿拉善左旗社会福利中心").click()
    expect(page).to_have_url(f"{live_server.url}/institutions/1529210001/?date={DAY}")
    expect(page.get_by_role("heading", level=1)).to_have_text("阿拉善左旗社会福利中心")
    expect(page.locator("form.zero")).to_have_count(0)
    expect(page.locator("#day-status")).to_have_class(re.compile("status-missing"))
    assert_one_row_header(page)
    assert_tall_targets(page)

    remind = page.locator("form.remind button")
    remind.click()
    expect(page.locator(".messages .success")).to_be_visible()
    expect(page.locator("#reminded")).to_be_visible()
    page.locator("form.remind button").click()
    expect(page.locator(".messages .info")).to_be_visible()
    expect(page.locator(".messages .success")).to_have_count(0)

    # 代报 is a separate, explicit step with a notice.
    page.locator("a.behalf").click()
    expect(page.locator("#on-behalf")).to_contain_text("阿拉善左旗社会福利中心")
    assert_tall_targets(page)
