"""The daily report's "under closure" is derived from the closures (DESIGN.md's template rule),
on the report page, the board's list and the Excel summary."""

import datetime
import io

import pytest
from django.utils import translation
from python_calamine import CalamineWorkbook

from fangkong.closures.services import closure_create
from fangkong.closures.tests.conftest import NOTICE
from fangkong.core.scoping import SYSTEM
from fangkong.reporting.services import regime_create

DAY = "2021-10-20"


@pytest.fixture
def regime(world):
    regime_create(actor=SYSTEM, name="阿拉善盟日报告", region_code="152900",
                  start_date=datetime.date(2021, 10, 1))  # fmt: skip
    # Only 阿拉善左旗's institutions, from the 19th.
    closure_create(actor=SYSTEM, region_code="152921", start_date=datetime.date(2021, 10, 19),
                   level="exit_only", basis=NOTICE)  # fmt: skip


def test_the_board_marks_the_institutions_under_closure(world, regime):
    page = world.client("league").get(f"/board/152900/?date={DAY}").content.decode()
    assert page.count('data-closure="exit_only"') == 2
    before = world.client("league").get("/board/152900/?date=2021-10-18").content.decode()
    assert "data-closure=" not in before


def test_the_report_page_says_the_institution_is_under_closure(world, regime):
    page = world.client("operator").get(f"/report/1529210001/{DAY}/").content.decode()
    assert 'id="under-closure"' in page
    other = world.client("other_operator").get(f"/report/1529230001/{DAY}/").content.decode()
    assert 'id="under-closure"' not in other


def test_the_excel_summary_has_the_closure_of_each_institution(world, regime):
    response = world.api("league").get(
        f"/api/v1/regions/152900/daily-summary.xlsx?date={DAY}", headers={"accept-language": "en"}
    )
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0)
    rows = sheet.to_python()
    column = rows[1].index("Under closure")
    by_name = {row[2]: row[column] for row in rows[2:]}
    with translation.override("en"):
        assert by_name["阿拉善左旗社会福利中心"] == "Exit only (nobody enters)"
    assert by_name["额济纳旗社会福利中心"] == ""
    [subtotal] = [row for row in rows if row[1] == "阿拉善左旗" and row[2] == "Subtotal"]
    assert subtotal[column] == 2
