"""An operator imports a file of residents on a phone: the check and the write run in the
task worker, and the page's progress bar goes from waiting (0 %) to done (100 %)."""

import io
from collections.abc import Callable

import pytest
import xlsxwriter
from django.core.management import call_command
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer
from stdnum.cn import ric

from fangkong.conftest import PASSWORD, OneRequestAtATime, World
from fangkong.tests.conftest import sign_in
from fangkong.tests.test_browser import scroll_width
from fangkong.tests.test_browser_csp import Watched

CODE = "1529210001"


def _number(sequence: str) -> str:
    body = f"15292119401017{sequence}"
    return body + ric.calc_check_digit(body + "0")


def _file() -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["姓名", "证件号码", "入住日期"])
    for i, name in enumerate(["张三", "李四", "王五"]):
        sheet.write_row(i + 1, 0, [name, _number(f"{i + 1:03d}"), "2021-10-01"])
    book.close()
    return buffer.getvalue()


def _work() -> None:
    """Run the task worker over what is queued, while no page request is being served (the
    live server shares SQLite's one in-memory connection with this thread)."""
    with OneRequestAtATime.lock:
        call_command("db_worker", batch=True, startup_delay=False, verbosity=0)


@pytest.fixture
def worker_backend(settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend",
                                  "QUEUES": ["default"]}}  # fmt: skip
    settings.FANGKONG_IMPORT_DIR = tmp_path


@pytest.mark.browser
def test_an_import_follows_its_progress_bar_to_the_end(
    live_server: LiveServer, world: World, open_phone: Callable[[], Page], worker_backend: None
) -> None:
    from fangkong.people.models import Stay

    watched = Watched(open_phone())
    page = watched.page
    sign_in(page, live_server, "operator", PASSWORD)
    watched.visit(f"{live_server.url}/people/institutions/{CODE}/")
    with page.expect_navigation():
        page.get_by_role("link", name="从文件导入").click()
    form = page.locator("#upload")
    form.get_by_label("文件内容").select_option("residents")
    form.get_by_label("文件（.xlsx、.xls 或 .csv）").set_input_files(
        {"name": "在院老人.xlsx", "mimeType": "application/octet-stream", "buffer": _file()}
    )
    with page.expect_navigation():
        form.get_by_role("button", name="上传并检查").click()
    bar = page.locator("#import-progress")
    expect(page.locator("#import-status-label")).to_have_text("等待检查")
    assert bar.evaluate("e => e.value") == 0

    _work()  # the dry run
    expect(page.locator("#import-preview")).to_contain_text("张三")
    expect(page.locator("#import-counts")).to_contain_text("新增 3 行")
    # Each preview row reads across on a phone: a name keeps to one line (the table scrolls),
    # its cell under the height of two lines of text (16 px, line height 1.5).
    name = page.locator("#import-preview tbody tr").first.locator("td").first.bounding_box()
    assert name is not None and name["height"] < 2 * 16 * 1.5
    assert Stay.objects.count() == 0
    with page.expect_navigation():
        page.get_by_role("button", name="导入 3 行").click()
    expect(page.locator("#import-status-label")).to_have_text("导入中")
    assert bar.evaluate("e => e.value") == 0

    _work()  # the write
    expect(page.locator("#import-done")).to_have_text("已导入 3 行。")
    expect(page.locator("#import-status-label")).to_have_text("已导入")
    assert page.locator("#import-progress").evaluate("e => e.value") == 100
    assert Stay.objects.filter(institution__code=CODE).count() == 3
    assert _number("001") not in page.content()
    assert scroll_width(page) <= 375
    watched.collect()
    assert watched.refused == []
