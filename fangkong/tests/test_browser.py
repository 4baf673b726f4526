"""What a person notices on a phone (375x740) in a real Chromium: signing in, the institutions
in their scope, pages that fit the screen, one error message for every failed sign-in, and the
language switch."""

import re
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from fangkong.conftest import PASSWORD, World
from fangkong.tests.conftest import sign_in

PHONE_WIDTH = 375
# People open this picture to look at the home page on a phone.
SCREENSHOT = Path(tempfile.gettempdir()) / "fangkong-home-375.png"
OWN = "阿拉善左旗社会福利中心"
OTHER = "额济纳旗社会福利中心"
OWN_CODE = "1529210001"


def scroll_width(page: Page) -> int:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert isinstance(width, int)
    return width


def assert_tappable(page: Page) -> None:
    """Every visible link and button is at least 40 px tall or 40 px wide: a thumb can hit it."""
    for target in page.locator("a, button").all():
        if not target.is_visible():
            continue
        box = target.bounding_box()
        assert box is not None
        label = target.inner_text()
        assert max(box["width"], box["height"]) >= 40, (label, box)


@pytest.mark.browser
def test_operator_signs_in_on_a_phone_and_sees_only_their_institution(
    live_server: LiveServer, world: World, page: Page
) -> None:
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    submit = page.locator("main").get_by_role("button", name="登录")
    box = submit.bounding_box()
    assert box is not None
    assert box["height"] >= 40
    assert box["width"] >= 40
    assert scroll_width(page) <= PHONE_WIDTH

    page.get_by_label("用户名", exact=True).press_sequentially("operator")
    page.get_by_label("密码", exact=True).press_sequentially(PASSWORD)
    submit.click()

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("管辖范围内的养老机构")
    expect(page.get_by_role("link", name=OWN, exact=True)).to_be_visible()
    expect(page.get_by_text(OTHER)).to_have_count(0)
    expect(page.get_by_role("button", name="退出")).to_be_visible()
    assert scroll_width(page) <= PHONE_WIDTH
    assert_tappable(page)
    # The search button reads 搜索 on one line, not one character above the other.
    search = page.get_by_role("search").get_by_role("button", name="搜索").bounding_box()
    assert search is not None
    assert search["height"] < 2 * 24
    page.screenshot(path=SCREENSHOT, full_page=True)


@pytest.mark.browser
def test_institution_detail_fits_a_phone_and_is_absent_for_another_banner(
    live_server: LiveServer, world: World, page: Page, open_phone: Callable[[], Page]
) -> None:
    url = f"{live_server.url}/institutions/{OWN_CODE}/"
    sign_in(page, live_server, "operator", PASSWORD)
    response = page.goto(url)
    assert response is not None
    assert response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text(OWN)
    expect(page.locator("dt", has_text="床位数").locator("+ dd")).to_have_text("100")
    assert scroll_width(page) <= PHONE_WIDTH
    assert_tappable(page)

    # An officer of 额济纳旗 on their own phone: the institution does not exist for them.
    officer = open_phone()
    sign_in(officer, live_server, "ejina", PASSWORD)
    expect(officer).to_have_url(f"{live_server.url}/")
    response = officer.goto(url)
    assert response is not None
    assert response.status == 404
    expect(officer.get_by_text(OWN)).to_have_count(0)
    expect(officer.get_by_text("100")).to_have_count(0)


@pytest.mark.browser
def test_wrong_password_reads_the_same_whether_or_not_the_user_exists(
    live_server: LiveServer, world: World, page: Page
) -> None:
    errors = []
    for username in ("operator", "nobody"):
        sign_in(page, live_server, username, "Wrong-pass-1")
        expect(page).to_have_url(f"{live_server.url}/accounts/login/")
        alert = page.get_by_role("alert")
        expect(alert).to_be_visible()
        errors.append(alert.inner_text().strip())
        assert scroll_width(page) <= PHONE_WIDTH
    assert errors == ["用户名或密码不正确。", "用户名或密码不正确。"]


@pytest.mark.browser
def test_language_button_switches_to_english_and_back(
    live_server: LiveServer, world: World, page: Page
) -> None:
    sign_in(page, live_server, "operator", PASSWORD)
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("管辖范围内的养老机构")

    page.get_by_role("button", name="English").click()
    expect(heading).to_contain_text("Institutions in your scope")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page).to_have_url(f"{live_server.url}/")
    assert scroll_width(page) <= PHONE_WIDTH
    assert_tappable(page)

    page.get_by_role("button", name="中文").click()
    expect(heading).to_contain_text("管辖范围内的养老机构")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page).to_have_url(f"{live_server.url}/")


@pytest.mark.browser
def test_operator_makes_the_zero_report_on_a_phone_and_the_league_sees_it(
    live_server: LiveServer, world: World, open_phone: Callable[[], Page]
) -> None:
    import datetime

    from django.utils import timezone

    from fangkong.core.scoping import SYSTEM
    from fangkong.reporting.services import regime_create

    regime_create(actor=SYSTEM, name="日报告", region_code="152900",
                  start_date=timezone.localdate() - datetime.timedelta(days=1))  # fmt: skip
    phone = open_phone()
    sign_in(phone, live_server, "operator", PASSWORD)
    phone.locator("main").get_by_role("link", name="今日报告").first.click()
    for label, value in [("在院老人数", "150"), ("在岗（院内）工作人员数", "42"),
                         ("院内隔离观察人数", "0"), ("当日检测人数", "0"),
                         ("防护物资可用天数", "30")]:  # fmt: skip
        phone.locator("form.zero").get_by_label(label, exact=True).fill(value)
    assert scroll_width(phone) <= PHONE_WIDTH
    phone.get_by_role("button", name="提交零报告").click()
    expect(phone.get_by_text("零报告已提交。")).to_be_visible()
    expect(phone.get_by_text(re.compile("按时报告|迟报"))).to_be_visible()
    assert scroll_width(phone) <= PHONE_WIDTH

    officer = open_phone()
    sign_in(officer, live_server, "league", PASSWORD)
    officer.goto(f"{live_server.url}/board/152900/")
    row = officer.locator("ul.units li", has_text=OWN)
    expect(row.locator(".badge")).to_have_text(re.compile("按时|迟报"))
    assert scroll_width(officer) <= PHONE_WIDTH


@pytest.mark.browser
def test_the_sign_in_page_asks_for_nothing_it_cannot_have(
    live_server: LiveServer, world: World, page: Page
) -> None:
    """Every file the page asks for is there, its icon among them: the browser's console
    shows no error to the person who opens it (or to whoever looks for what went wrong)."""
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on("requestfailed", lambda r: failed.append(f"failed {r.url}"))
    page.goto(f"{live_server.url}/accounts/login/")
    page.wait_for_load_state("networkidle")
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert icon is not None and icon.endswith(".svg")
    assert page.request.get(f"{live_server.url}{icon}").ok
    assert failed == []
