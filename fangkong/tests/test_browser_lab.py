"""An operator records a test result on a phone, the league officer reads "1/1" and classifies
a screening's subject; the pages fit 375 px and 1280 px, and the CSP refuses nothing."""

import datetime
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer
from stdnum.cn import ric

from fangkong.conftest import PASSWORD, World
from fangkong.core.scoping import SYSTEM
from fangkong.tests.conftest import sign_in
from fangkong.tests.test_browser import assert_tappable, scroll_width
from fangkong.tests.test_browser_csp import Watched

CODE = "1529210001"
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def _round_and_screening(world: World) -> tuple[int, int, int]:
    from fangkong.lab.services import round_create
    from fangkong.people.services import person_register, stay_create
    from fangkong.screening.services import screening_create

    body = "15292119401017002"
    person = person_register(
        actor=SYSTEM, name="张三", id_number=body + ric.calc_check_digit(body + "0")
    ).person
    stay_create(
        actor=SYSTEM,
        institution=world.institutions[CODE],
        person=person,
        role="resident",
        start=datetime.datetime(2021, 10, 1, 9, tzinfo=SHANGHAI),
    )
    start = datetime.datetime(2021, 10, 17, tzinfo=SHANGHAI)
    opened = round_create(
        actor=SYSTEM,
        name="第一轮",
        method="nucleic_acid",
        started_at=datetime.datetime(2021, 10, 20, 8, tzinfo=SHANGHAI),
        institution_code=CODE,
    )
    screening = screening_create(
        actor=SYSTEM,
        institution=world.institutions[CODE],
        start=start,
        end=start + datetime.timedelta(days=7),
        reason="演示",
    )
    return opened[0].round.pk, screening.pk, person.pk  # fmt: skip


@pytest.mark.browser
def test_a_result_on_a_phone_completes_the_round_and_a_subject_is_classified(
    live_server: LiveServer, world: World, open_phone: Callable[[], Page]
) -> None:
    round_id, screening_id, _person = _round_and_screening(world)
    watched = Watched(open_phone())
    page = watched.page
    sign_in(page, live_server, "operator", PASSWORD)
    watched.visit(f"{live_server.url}/lab/rounds/{round_id}/")
    assert scroll_width(page) <= 375
    assert_tappable(page)
    page.get_by_label("结果").select_option("negative")
    page.get_by_label("采样时间").fill("2021-10-20T09:00")
    with page.expect_navigation():
        page.get_by_role("button", name="保存").click()
    expect(page.locator("#round-figures")).to_contain_text("已完成")

    officer = Watched(open_phone())
    sign_in(officer.page, live_server, "league", PASSWORD)
    officer.visit(f"{live_server.url}/lab/regions/152900/")
    expect(officer.page.locator("#complete")).to_have_text("1/1")
    assert scroll_width(officer.page) <= 375
    officer.visit(f"{live_server.url}/screenings/{screening_id}/")
    assert scroll_width(officer.page) <= 375
    assert_tappable(officer.page)
    officer.page.locator("#subjects summary").first.click()
    officer.page.get_by_label("判定类别").select_option("close_contact")
    officer.page.get_by_label("原因").fill("同楼层")
    with officer.page.expect_navigation():
        officer.page.get_by_role("button", name="判定").click()
    expect(officer.page.locator("#subjects")).to_contain_text("密切接触者")
    assert "15292119401017002" not in officer.page.content()
    watched.collect()
    officer.collect()
    assert watched.refused == officer.refused == []


@pytest.mark.browser
def test_the_lab_and_screening_pages_fit_a_desk_screen(
    live_server: LiveServer, world: World, open_phone: Callable[[], Page]
) -> None:
    round_id, screening_id, _person = _round_and_screening(world)
    page = open_phone()
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, live_server, "zuoqi", PASSWORD)
    for url in [f"/lab/rounds/{round_id}/", "/lab/regions/152921/", f"/screenings/{screening_id}/"]:
        response = page.goto(f"{live_server.url}{url}")
        assert response is not None and response.status == 200
        assert scroll_width(page) <= 1280


@pytest.mark.browser
def test_the_results_grid_on_a_phone_saves_every_row_and_the_region_draws_progress(
    live_server: LiveServer, world: World, open_phone: Callable[[], Page]
) -> None:
    round_id, _screening_id, _person = _round_and_screening(world)
    watched = Watched(open_phone())
    page = watched.page
    sign_in(page, live_server, "operator", PASSWORD)
    watched.visit(f"{live_server.url}/lab/rounds/{round_id}/grid/")
    assert scroll_width(page) <= 375
    assert_tappable(page)
    page.get_by_label("采样时间（未填写的行）").fill("2021-10-20T07:00")  # before the round
    page.get_by_label("结果", exact=True).select_option("negative")
    page.get_by_role("button", name="全部保存").click()
    expect(page.locator("#grid-errors")).to_contain_text("第 1 行（张三）")
    assert scroll_width(page) <= 375
    page.get_by_label("采样时间（未填写的行）").fill("2021-10-20T09:00")
    with page.expect_navigation():
        page.get_by_role("button", name="全部保存").click()
    expect(page.locator("#round-figures")).to_contain_text("已完成")

    officer = Watched(open_phone())
    officer.page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(officer.page, live_server, "zuoqi", PASSWORD)
    officer.visit(f"{live_server.url}/lab/rounds/{round_id}/grid/")
    assert scroll_width(officer.page) <= 1280
    officer.visit(f"{live_server.url}/lab/regions/152921/")
    expect(officer.page.locator("#chart-progress")).to_have_attribute("data-drawn", "1")
    expect(officer.page.locator("#chart-progress canvas")).to_have_count(1)
    watched.collect()
    officer.collect()
    assert watched.refused == officer.refused == []
