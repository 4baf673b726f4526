"""The Excel summary as an official reads it: unknown stock left blank, when each report came."""

import io

import pytest
from django.utils import translation
from python_calamine import CalamineWorkbook

from fangkong.core.scoping import SYSTEM
from fangkong.reporting.services import report_submit
from fangkong.reporting.tests.conftest import DAY, at, figures


@pytest.fixture
def sheet(world, regime, clock):
    """左旗's centre reports at 09:05 and amends at 11:00, 额济纳旗's late at 16:20; the others
    (左旗's home for the aged, 右旗 and the high-tech zone) have not reported at 17:00."""
    zuoqi = world.institutions["1529210001"]
    first = report_submit(actor=SYSTEM, institution=zuoqi, day=DAY,
                          figures=figures(ppe_days=12), now=at(9, 5))  # fmt: skip
    report_submit(actor=SYSTEM, institution=zuoqi, day=DAY, figures=figures(ppe_days=11),
                  reason="数错了", if_match=first.report.etag, now=at(11))  # fmt: skip
    report_submit(actor=SYSTEM, institution=world.institutions["1529230001"], day=DAY,
                  figures=figures(ppe_days=40), now=at(16, 20))  # fmt: skip
    clock.set(at(17))
    response = world.api("league").get(
        f"/api/v1/regions/152900/daily-summary.xlsx?date={DAY}", headers={"accept-language": "en"}
    )
    assert response.status_code == 200
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    return book.get_sheet_by_index(0).to_python()


def column(sheet, header):
    return sheet[1].index(header)


def subtotal(sheet, banner):
    [row] = [row for row in sheet if row[1] == banner and row[2] == "Subtotal"]
    return row


def unit(sheet, name):
    [row] = [row for row in sheet if row[2] == name]
    return row


def test_a_banner_without_reports_has_no_ppe_days_subtotal_rather_than_0(sheet):
    ppe = column(sheet, "Days of protective equipment left")
    fever = column(sheet, "New fever cases today")
    youqi = subtotal(sheet, "阿拉善右旗")  # nobody reported: the days of PPE are not known
    assert youqi[3] == "0 of 1 reported"
    assert youqi[ppe] == ""
    assert youqi[fever] == 0  # counts of nothing still add up to none
    assert subtotal(sheet, "阿拉善左旗")[ppe] == 11  # the one report that came
    assert sheet[-1][ppe] == 11  # the least of the league's


def test_the_summary_says_when_each_report_was_first_submitted_in_local_time(sheet):
    submitted = column(sheet, "First submitted at")
    assert submitted == column(sheet, "Report status") + 1
    assert unit(sheet, "阿拉善左旗社会福利中心")[submitted] == "2022-10-25 09:05"  # not 11:00
    assert unit(sheet, "额济纳旗社会福利中心")[submitted] == "2022-10-25 16:20"
    assert unit(sheet, "阿拉善右旗社会福利中心")[submitted] == ""
    assert subtotal(sheet, "阿拉善左旗")[submitted] == ""


def test_the_column_is_named_in_the_sheets_language():
    from fangkong.reporting.exports import xlsx_headers

    with translation.override("en"):
        assert "First submitted at" in xlsx_headers()
