"""The officer's board in a real Chromium on a 375-px phone: the way there from the home page, the
downloads, the reminder, the banner's confirmation with its reason as the league reads it, the
by-area table that fits the screen, and the copy button that says it copied."""

import datetime
import re
from collections.abc import Callable

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from fangkong.conftest import PASSWORD, World
from fangkong.core.scoping import SYSTEM
from fangkong.reporting.models import BannerConfirmation
from fangkong.reporting.services import regime_create
from fangkong.tests.conftest import PHONE, sign_in

REASON = "巴彦浩特镇敬老院停电，已电话报告"


@pytest.fixture
def regime(world: World) -> None:
    regime_create(actor=SYSTEM, name="日报告", region_code="152900",
                  start_date=timezone.localdate() - datetime.timedelta(days=3))  # fmt: skip


def scroll_width(page: Page) -> int:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert isinstance(width, int)
    return width


def board(page: Page, server: LiveServer, code: str) -> None:
    page.goto(f"{server.url}/board/{code}/")
    page.wait_for_load_state("networkidle")  # the charts' data


@pytest.mark.browser
def test_officer_goes_from_home_to_the_board_and_downloads_the_day(
    live_server: LiveServer, world: World, regime: None, page: Page
) -> None:
    sign_in(page, live_server, "league", PASSWORD)
    page.locator("nav.boards").get_by_role("link", name=re.compile("阿拉善盟今日报告")).click()
    expect(page).to_have_url(re.compile(r"/board/152900/$"))
    page.wait_for_load_state("networkidle")
    for button, suffix in (("#download-xlsx", ".xlsx"), ("#download-csv", ".csv")):
        box = page.locator(button).bounding_box()
        assert box is not None and box["height"] >= 44
        with page.expect_download() as info:
            page.locator(button).click()
        download = info.value
        assert download.failure() is None
        assert download.suggested_filename.startswith("daily-summary-152900-")
        assert download.suggested_filename.endswith(suffix)
    assert scroll_width(page) <= PHONE["width"]


@pytest.mark.browser
def test_the_by_area_table_fits_a_phone(
    live_server: LiveServer, world: World, regime: None, page: Page
) -> None:
    sign_in(page, live_server, "league", PASSWORD)
    board(page, live_server, "152900")
    table = page.locator("table.by-area")
    expect(table.locator("#area-152921")).to_be_visible()
    assert scroll_width(page) <= PHONE["width"]
    for cell in table.locator("td, th").all():
        box = cell.bounding_box()
        if box is not None and box["width"]:  # the header row is there for screen readers only
            assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], cell.inner_text()
    # Each figure is read with its column's name beside it.
    row = table.locator("#area-152921")
    expect(row.locator("td").first).to_have_attribute("data-label", re.compile(r"\S"))


@pytest.mark.browser
def test_the_copy_button_says_that_it_copied(
    live_server: LiveServer, world: World, regime: None, page: Page
) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    sign_in(page, live_server, "league", PASSWORD)
    board(page, live_server, "152900")
    button = page.locator("button[data-copy]")
    expect(button).to_have_accessible_name(re.compile("复制|Copy"))
    label = button.inner_text()
    button.click()
    expect(button).to_have_text(re.compile("已复制|Copied"))
    expect(page.locator(".copy-status")).to_have_text(re.compile("已复制|Copied"))
    bulletin = page.locator("#bulletin").inner_text().strip()
    assert page.evaluate("navigator.clipboard.readText()").strip() == bulletin
    expect(button).to_have_text(label, timeout=4_000)  # back after two seconds
    expect(page.locator(".copy-status")).to_have_text("")


@pytest.mark.browser
def test_the_banner_reminds_then_confirms_with_a_reason_that_the_league_reads(
    live_server: LiveServer, world: World, regime: None, open_phone: Callable[[], Page]
) -> None:
    officer = open_phone()
    sign_in(officer, live_server, "zuoqi", PASSWORD)
    board(officer, live_server, "152921")
    missing = officer.locator("#unreported-1529210001")  # its operator is reminded
    with officer.expect_navigation():
        missing.get_by_role("button", name=re.compile("催报")).click()
    expect(officer).to_have_url(re.compile(r"/board/152921/\?date="))
    expect(officer.locator(".messages .success")).to_contain_text("阿拉善左旗社会福利中心")

    form = officer.locator("#confirm-form")
    form.locator("#confirm-remarks").fill("无异常")
    with officer.expect_navigation():
        form.get_by_role("button").click()
    errors = officer.locator("#confirm-errors")
    expect(errors).to_be_visible()
    expect(errors.get_by_role("link")).to_have_attribute("href", "#confirm-missing_reason")
    assert not BannerConfirmation.objects.exists()
    expect(form.locator("#confirm-remarks")).to_have_value("无异常")  # nothing typed is lost
    assert scroll_width(officer) <= PHONE["width"]

    form.locator("#confirm-missing_reason").fill(REASON)
    with officer.expect_navigation():
        form.get_by_role("button").click()
    confirmed = officer.locator("#confirmed")
    expect(confirmed).to_contain_text(timezone.localtime().strftime("%Y-%m-%d"))
    expect(confirmed).to_contain_text("zuoqi")
    expect(officer.locator("#confirmation")).to_contain_text(REASON)
    expect(officer.locator("#confirm-form")).to_have_count(0)

    league = open_phone()
    sign_in(league, live_server, "league", PASSWORD)
    board(league, live_server, "152921")
    expect(league.locator("#confirm-form")).to_have_count(0)  # the league reads, never confirms
    board(league, live_server, "152900")
    row = league.locator("#area-152921")
    expect(row).to_contain_text("无异常")
    expect(row).to_contain_text(REASON)
    assert scroll_width(league) <= PHONE["width"]


@pytest.mark.browser
def test_the_board_offers_no_day_after_today(
    live_server: LiveServer, world: World, regime: None, page: Page
) -> None:
    sign_in(page, live_server, "zuoqi", PASSWORD)
    board(page, live_server, "152921")
    expect(page.locator("#next-day")).to_have_count(0)
    page.locator("#previous-day").click()
    expect(page.locator("#next-day")).to_be_visible()
    # Each board fetches its charts' data: let it arrive before the next page, as the live
    # server's threads share one in-memory SQLite connection.
    page.wait_for_load_state("networkidle")
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    page.goto(f"{live_server.url}/board/152921/?date={tomorrow}")
    expect(page).to_have_url(re.compile(rf"date={timezone.localdate()}$"))
    page.wait_for_load_state("networkidle")
    response = page.goto(f"{live_server.url}/board/152921/?date=9999-12-31")
    assert response is not None and response.status == 400
    expect(page.get_by_role("alert")).to_be_visible()
