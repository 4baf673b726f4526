"""An operator on a phone adds a resident, registers a visitor and reveals a number with a
reason; the pages fit 375 px and 1280 px, and the Content-Security-Policy refuses nothing."""

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer
from stdnum.cn import ric

from fangkong.conftest import PASSWORD, World
from fangkong.tests.conftest import sign_in
from fangkong.tests.test_browser import assert_tappable, scroll_width
from fangkong.tests.test_browser_csp import Watched

BODY = "15292119401017002"
NUMBER = BODY + ric.calc_check_digit(BODY + "0")
VISITOR_BODY = "15292119700512031"
VISITOR = VISITOR_BODY + ric.calc_check_digit(VISITOR_BODY + "0")
CODE = "1529210001"


@pytest.mark.browser
def test_operator_adds_a_resident_and_a_visitor_and_reveals_a_number_on_a_phone(
    live_server: LiveServer, world: World, open_phone: Callable[[], Page]
) -> None:
    watched = Watched(open_phone())
    page = watched.page
    sign_in(page, live_server, "operator", PASSWORD)
    watched.visit(f"{live_server.url}/institutions/{CODE}/")
    with page.expect_navigation():
        page.get_by_role("link", name="本机构人员").click()
    assert scroll_width(page) <= 375
    assert_tappable(page)

    stay = page.locator("#add-stay")
    stay.get_by_label("姓名").fill("张三")
    stay.get_by_label("证件号码").fill(NUMBER)
    stay.get_by_label("开始时间").fill("2021-10-01T09:00")
    with page.expect_navigation():
        stay.get_by_role("button", name="添加").click()
    expect(page.locator("#residents")).to_contain_text("张三")
    expect(page.locator("#residents")).to_contain_text("152921********" + NUMBER[-4:])
    assert NUMBER not in page.content()

    visit = page.locator("#add-visit")
    visit.get_by_label("姓名").fill("王五")
    visit.get_by_label("证件号码").fill(VISITOR)
    visit.get_by_label("进入时间").fill("2021-10-10T10:00")
    with page.expect_navigation():
        visit.get_by_role("button", name="登记").click()
    watched.visit(f"{live_server.url}/people/institutions/{CODE}/?date=2021-10-10")
    expect(page.locator("#visits")).to_contain_text("王五")

    with page.expect_navigation():
        page.locator("#residents").get_by_role("link", name="张三").click()
    expect(page.locator("#id-number")).to_have_text("152921********" + NUMBER[-4:])
    page.get_by_label("为什么需要查看完整号码？").fill("办理入院手续")
    with page.expect_navigation():
        page.locator("#reveal").get_by_role("button", name="查看").click()
    expect(page.locator("#revealed")).to_contain_text(NUMBER)
    assert scroll_width(page) <= 375
    watched.collect()
    assert watched.refused == []


@pytest.mark.browser
def test_the_people_page_fits_a_desk_screen(
    live_server: LiveServer, world: World, open_phone: Callable[[], Page]
) -> None:
    page = open_phone()
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, live_server, "operator", PASSWORD)
    response = page.goto(f"{live_server.url}/people/institutions/{CODE}/")
    assert response is not None and response.status == 200
    assert scroll_width(page) <= 1280
