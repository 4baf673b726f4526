"""Browser fixtures: one headless Debian Chromium per module, a fresh phone-sized page per test.

Playwright downloads no browser of its own: the system Chromium (Debian's `chromium` package,
installed by scripts/sysdeps.sh) is used, or the one `FANGKONG_CHROMIUM` names.
"""

import os
import shutil
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from pytest_django.live_server_helper import LiveServer

from fangkong.conftest import PASSWORD

CHROMIUM = os.environ.get("FANGKONG_CHROMIUM") or shutil.which("chromium") or "chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 375, "height": 740}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if shutil.which(CHROMIUM) is None:
        pytest.skip(f"no Chromium at {CHROMIUM}")
    # Sync Playwright keeps an asyncio loop in this thread; Django's ORM (fixtures, flushes)
    # would otherwise refuse to run here with SynchronousOnlyOperation.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def open_phone(browser: Browser) -> Iterator[Callable[[], Page]]:
    """Opens phones (375x740) whose owners read Chinese, as the staff of an institution in Alxa.

    Each phone has its own cookies, so two people can be signed in at once; all close at the end.
    """
    contexts: list[BrowserContext] = []

    def open_() -> Page:
        context = browser.new_context(
            viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_
    for context in contexts:
        # Let requests a page started on its own (a chart's data) finish before the database is
        # emptied under the live server: SQLite would find its tables locked.
        for page in context.pages:
            page.wait_for_load_state("networkidle")
        context.close()


@pytest.fixture
def page(open_phone: Callable[[], Page]) -> Page:
    return open_phone()


def sign_in(page: Page, server: LiveServer, username: str, password: str = PASSWORD) -> None:
    """Types the username and password into the sign-in form and presses its button."""
    page.goto(f"{server.url}/accounts/login/")
    page.get_by_label("用户名", exact=True).fill(username)
    page.get_by_label("密码", exact=True).fill(password)
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name="登录").click()
