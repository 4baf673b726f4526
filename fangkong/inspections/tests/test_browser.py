"""On a phone (375 px) in Chromium: an inspector fills the checklist, the connection drops and
the answers come back; the officer's weekly page draws its charts; the CSP refuses nothing."""

from collections.abc import Callable

import pytest
from playwright.sync_api import expect
from pytest_django.live_server_helper import LiveServer

from fangkong.accounts.models import Role
from fangkong.conftest import World, make_user
from fangkong.inspections.models import Inspection, InspectionDraft
from fangkong.tests.conftest import browser, open_phone, sign_in  # noqa: F401 - fixtures
from fangkong.tests.test_browser_csp import Watched


@pytest.fixture
def watched(open_phone: Callable[[], object]) -> Callable[[], Watched]:  # noqa: F811
    return lambda: Watched(open_phone())


def fits(page: object) -> bool:
    return bool(page.evaluate(  # type: ignore[attr-defined]
        "document.documentElement.scrollWidth <= window.innerWidth"))  # fmt: skip


@pytest.mark.browser
def test_an_inspector_fills_the_checklist_on_a_phone_and_keeps_the_answers(
    live_server: LiveServer, world: World, watched: Callable[[], Watched]
) -> None:
    make_user("inspector", Role.INSPECTOR, world.regions["152921"])
    phone = watched()
    sign_in(phone.page, live_server, "inspector")
    url = f"{live_server.url}/inspections/institutions/1529210001/new/"
    phone.visit(url)
    assert fits(phone.page)
    phone.page.locator("#item-7").get_by_text("不合格").click()
    phone.page.locator("#item-7 textarea").fill("外卖照常送入")
    phone.page.locator("#item-7 textarea").blur()
    phone.page.wait_for_load_state("networkidle")
    expect(phone.page.locator("#item-7 textarea")).to_have_value("外卖照常送入")
    phone.page.wait_for_timeout(800)  # the form saves 300 ms after the last change
    draft = InspectionDraft.objects.get()
    assert (draft.data["result_7"], draft.data["note_7"]) == ("fail", "外卖照常送入")
    phone.visit(url)  # as after a dropped connection
    expect(phone.page.locator("#draft-restored")).to_be_visible()
    expect(phone.page.locator("#item-7 input[value=fail]")).to_be_checked()
    phone.page.get_by_role("button", name="保存").click()
    expect(phone.page.get_by_text("检查已记录。")).to_be_visible()
    assert [r.item.number for r in Inspection.objects.get().rectifications.all()] == [7]
    phone.collect()
    assert phone.refused == []

    officer = watched()
    sign_in(officer.page, live_server, "zuoqi")
    officer.visit(f"{live_server.url}/inspections/regions/152921/summary/")
    expect(officer.page.locator("#chart-methods canvas")).to_be_visible()  # ECharts drew it
    assert fits(officer.page)
    officer.visit(f"{live_server.url}/inspections/regions/152921/")
    assert fits(officer.page)
    officer.collect()
    assert officer.refused == []
