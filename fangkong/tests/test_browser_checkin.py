"""A visitor's self check-in by QR code in a real Chromium: the operator prints the gate poster,
a visitor on a 320 px phone (no account) fills the form and waits, the operator lets them in
from the gate screen, and the visitor's page shows it by itself; nothing the page does is
refused by the Content-Security-Policy."""

import pytest
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer
from stdnum.cn import ric

from fangkong.conftest import World
from fangkong.people.checkin import poster_token
from fangkong.people.models import CheckInPoster, SelfCheckIn, Visit
from fangkong.tests.conftest import sign_in
from fangkong.tests.test_browser import assert_tappable, scroll_width
from fangkong.tests.test_browser_csp import Watched

CODE = "1529210001"
BODY = "15292119700512031"
NUMBER = BODY + ric.calc_check_digit(BODY + "0")
NARROW = {"width": 320, "height": 640}


def visitor_phone(browser: Browser) -> Page:
    """A small phone of a visitor who has no account, reading Chinese."""
    context = browser.new_context(viewport=NARROW, locale="zh-CN", is_mobile=True, has_touch=True)
    context.set_default_timeout(10_000)
    return context.new_page()


@pytest.mark.browser
def test_a_visitor_checks_in_on_a_small_phone_and_the_gate_lets_them_in(
    live_server: LiveServer, world: World, page: Page, browser: Browser
) -> None:
    sign_in(page, live_server, "operator")
    page.goto(f"{live_server.url}/people/institutions/{CODE}/poster/")
    with page.expect_navigation():
        page.get_by_role("button", name="打印新海报").click()
    expect(page.locator("#qr svg")).to_be_visible()
    token = poster_token(CheckInPoster.objects.get())

    phone = visitor_phone(browser)
    watched = Watched(phone)
    try:
        watched.visit(f"{live_server.url}/checkin/{CODE}/{token}/")
        assert scroll_width(phone) <= NARROW["width"]
        assert_tappable(phone)
        form = phone.locator("#self-checkin")
        form.get_by_label("姓名", exact=True).fill("王五")
        form.get_by_label("身份证号码", exact=True).fill(NUMBER)
        form.get_by_label("电话", exact=True).fill("13900001111")
        form.get_by_label("探视对象", exact=True).fill("张三（母亲）")
        form.get_by_label("体温（°C）", exact=True).fill("36.6")
        form.get_by_label("来源地", exact=True).fill("巴彦浩特镇")
        with phone.expect_navigation():
            form.get_by_role("button", name="提交").click()
        expect(phone.locator("#checkin-state")).to_have_text("等待门岗确认")
        assert scroll_width(phone) <= NARROW["width"]
        assert NUMBER not in phone.content()

        page.goto(f"{live_server.url}/people/institutions/{CODE}/checkins/")
        row = page.locator("#pending li.checkin-row").filter(has_text="王五")
        expect(row).to_contain_text("张三（母亲）")
        with page.expect_navigation():
            row.get_by_role("button", name="准许进入", exact=True).click()
        expect(page.locator(".messages")).to_contain_text("王五")

        # The visitor's page asks again by itself (htmx) and shows the decision.
        expect(phone.locator("#checkin-state")).to_have_text("已准许进入", timeout=15_000)
        watched.collect()
        assert watched.refused == []
    finally:
        phone.context.close()
    check_in = SelfCheckIn.objects.get()
    assert check_in.status == "confirmed"
    assert Visit.objects.get().came_from == "巴彦浩特镇"
