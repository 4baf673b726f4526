"""The screening page with its rings, and a follow-up's plan, on a phone (375 px) and a desk
(1280 px): nothing wider than the screen, every link and button big enough for a thumb."""

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

from fangkong.screening.tests.conftest import post
from fangkong.screening.tests.test_ring_across_institutions import case as case
from fangkong.screening.tests.test_ring_across_institutions import ring
from fangkong.tests.conftest import browser as browser
from fangkong.tests.conftest import open_phone as open_phone
from fangkong.tests.conftest import sign_in
from fangkong.tests.test_browser import assert_tappable, scroll_width

SHOTS = os.environ.get("FANGKONG_SCREENSHOTS")  # a folder to keep the screenshots in


def _shot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


@pytest.mark.browser
def test_the_rings_and_the_plan_fit_a_phone_and_a_desk(
    live_server: LiveServer, world, case, open_phone: Callable[[], Page]
) -> None:
    first = case["screening"]
    ring(world, first)
    url = f"/api/v1/screenings/{first.pk}/subjects/{case['staff'].pk}/follow-up"
    plan = {"quarantine_until": "2021-10-31", "test_days": ["2021-10-25"]}
    follow_up = post(world.api("zuoqi"), url, plan).json()["id"]
    page = open_phone()
    sign_in(page, live_server, "zuoqi")
    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(f"{live_server.url}/screenings/{first.pk}/")
        assert page.locator("#ring-list li").count() == 3
        assert scroll_width(page) <= width
        assert_tappable(page)
        _shot(page, f"screening-{width}")
        page.goto(f"{live_server.url}/screenings/follow-ups/{follow_up}/")
        page.locator("#plans ~ details summary").click()
        assert page.locator("#plan-form").is_visible()
        assert scroll_width(page) <= width
        _shot(page, f"follow-up-{width}")
