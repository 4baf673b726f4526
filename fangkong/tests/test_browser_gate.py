"""The gate during a closure, in a real Chromium on a 375 px phone: a returning staff member is
recorded in a few taps once the temperature and the test proof are typed, a fever is refused
with its figures, and the operator lets an emergency doctor in with a reason on record."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from fangkong.closures.models import GateEvent
from fangkong.closures.services import Basis, closure_create
from fangkong.conftest import World
from fangkong.core.scoping import SYSTEM
from fangkong.tests.conftest import sign_in

GATE = "/gate/1529210001/"
TAP = 44  # px


@pytest.fixture
def closed(world: World) -> None:
    closure_create(actor=SYSTEM, region_code="152900", level="full",
                   start_date=timezone.localdate() - datetime.timedelta(days=1),
                   basis=Basis(title="关于全盟养老机构实施封闭管理的通知"))  # fmt: skip


def fill(page: Page, name: str, temperature: str, proof: str = "") -> None:
    page.get_by_label("姓名", exact=True).fill(name)
    page.get_by_label("体温（°C）", exact=True).fill(temperature)
    page.get_by_label("核酸检测证明", exact=True).fill(proof)


@pytest.mark.browser
def test_the_gate_records_a_staff_return_and_refuses_a_fever_on_a_phone(
    live_server: LiveServer, world: World, closed: None, page: Page
) -> None:
    sign_in(page, live_server, "operator")
    page.goto(f"{live_server.url}{GATE}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    staff_in = page.locator("#quick-staff-in")
    box = staff_in.bounding_box()
    assert box is not None and box["height"] >= TAP - 0.5

    fill(page, "赵六", "37.6", "核酸阴性 10-24")
    staff_in.click()
    expect(page.locator("#refusal")).to_contain_text("37.6")
    assert not GateEvent.objects.exists()

    page.get_by_label("体温（°C）", exact=True).fill("36.5")
    with page.expect_navigation():
        page.locator("#quick-staff-in").click()
    expect(page.locator(".messages")).to_contain_text("赵六")
    event = GateEvent.objects.get()
    assert (event.purpose, event.person_name, str(event.temperature)) == ("staff", "赵六", "36.5")
    assert event.test_proof == "核酸阴性 10-24" and not event.is_exception


@pytest.mark.browser
def test_the_operator_lets_an_emergency_doctor_in_with_a_reason(
    live_server: LiveServer, world: World, closed: None, page: Page
) -> None:
    sign_in(page, live_server, "operator")
    page.goto(f"{live_server.url}{GATE}")
    fill(page, "急救医生", "37.8")
    page.locator("#quick-medical-in").click()
    expect(page.locator("#refusal")).to_be_visible()
    page.locator("#id_exception_reason").fill("老人突发心梗, 120 急救, 全程防护")
    with page.expect_navigation():
        page.locator("#quick-medical-in").click()
    event = GateEvent.objects.get()
    assert event.is_exception and event.exception_by == world.users["operator"]
