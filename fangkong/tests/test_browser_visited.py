"""The resident visited, in a real Chromium on a 375 px phone: the office narrows the residents
present by typing pinyin initials and registers a visit to one; the gate sees the resident a
visitor named and links them while letting the visitor in. Screenshots of both are kept."""

import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer
from stdnum.cn import ric

from fangkong.conftest import World
from fangkong.core.scoping import SYSTEM
from fangkong.people.checkin import VisitorEntry, checkin_submit, poster_issue
from fangkong.people.models import Person, Visit
from fangkong.people.services import person_register, stay_create
from fangkong.tests.conftest import sign_in
from fangkong.tests.test_browser import scroll_width
from fangkong.tests.test_browser_csp import Watched

CODE = "1529210001"
# People open these pictures to look at the pages on a phone.
FORM_SHOT = Path(tempfile.gettempdir()) / "fangkong-visit-form-375.png"
GATE_SHOT = Path(tempfile.gettempdir()) / "fangkong-gate-visited-375.png"


def _number(sequence: str) -> str:
    body = f"15292119400101{sequence}"
    return body + ric.calc_check_digit(body + "0")


def _residents(world: World) -> dict[str, Person]:
    import datetime

    start = datetime.datetime(2021, 10, 1, 9, tzinfo=datetime.UTC)
    found = {}
    for i, name in enumerate(["张三", "张叁", "李秀兰", "王桂英", "赵德明", "孙玉梅"]):
        person = person_register(actor=SYSTEM, name=name, id_number=_number(f"{i:03d}")).person
        stay_create(actor=SYSTEM, institution=world.institutions[CODE], person=person,
                    role="resident", start=start)  # fmt: skip
        found[name] = person
    return found


@pytest.mark.browser
def test_the_office_picks_the_resident_visited_by_typing_initials(
    live_server: LiveServer, world: World, page: Page
) -> None:
    residents = _residents(world)
    watched = Watched(page)
    sign_in(page, live_server, "operator")
    watched.visit(f"{live_server.url}/people/institutions/{CODE}/#add-visit")
    form = page.locator("#add-visit")
    form.get_by_label("姓名", exact=True).fill("王五")
    form.get_by_label("证件号码", exact=True).fill(_number("099"))
    box = form.get_by_role("searchbox", name="搜索在院老人")
    box.fill("lxl")
    select = form.get_by_label("被探视老人", exact=True)
    expect(select.locator("option")).to_have_count(2)  # nobody, and 李秀兰
    expect(select).to_have_value(str(residents["李秀兰"].pk))
    # The field's help text sits under it, within the phone's width, and describes it.
    expect(select).to_have_accessible_description("在院老人；无则留空。")
    hint = form.locator("small.help", has_text="在院老人；无则留空。").bounding_box()
    below = select.bounding_box()
    assert hint and below and hint["y"] >= below["y"] + below["height"]
    assert hint["x"] + hint["width"] <= 375
    assert scroll_width(page) <= 375
    form.screenshot(path=str(FORM_SHOT))
    with page.expect_navigation():
        form.get_by_role("button", name="登记").click()
    assert Visit.objects.get().visited == residents["李秀兰"]
    expect(page.locator("#visits")).to_contain_text("探视 李秀兰")
    watched.collect()
    assert watched.refused == []


@pytest.mark.browser
def test_the_gate_links_the_resident_a_visitor_named(
    live_server: LiveServer, world: World, page: Page
) -> None:
    residents = _residents(world)
    poster = poster_issue(actor=SYSTEM, institution=world.institutions[CODE])
    entry = VisitorEntry(name="王五", id_number=_number("099"), phone="13900001111",
                         visiting="zhangsan（儿子）", temperature=Decimal("36.5"),
                         came_from="巴彦浩特镇")  # fmt: skip
    checkin_submit(poster=poster, entry=entry)
    sign_in(page, live_server, "operator")
    page.goto(f"{live_server.url}/people/institutions/{CODE}/checkins/")
    choice = page.locator("fieldset.visited-choice")
    expect(choice).to_contain_text("张三")
    expect(choice).to_contain_text("张叁")
    expect(page.locator("#pending")).to_contain_text("探视 zhangsan（儿子）")
    assert scroll_width(page) <= 375
    page.locator("#pending").screenshot(path=str(GATE_SHOT))
    choice.get_by_label("张三").check()
    with page.expect_navigation():
        page.get_by_role("button", name="准许进入").click()
    assert Visit.objects.get().visited == residents["张三"]
    expect(page.locator("#decided")).to_contain_text("探视 张三")
