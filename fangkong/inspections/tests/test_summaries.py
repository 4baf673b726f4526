"""A region's week of supervision: by method, unannounced, findings, rectifications, days."""

import datetime
import io

from python_calamine import CalamineWorkbook

from fangkong.inspections.services import rectification_fix
from fangkong.inspections.summaries import week_summary
from fangkong.inspections.tests.conftest import BEIJING, record_by_system

MONDAY = datetime.date(2021, 10, 25)


def _week(world):
    """Three inspections in the week of 25 October 2021, one the week before."""
    record_by_system("1529210001", 4, 19, method="on_site")  # Monday
    record_by_system("1529230001", 4, done_at=datetime.datetime(2021, 10, 27, 9, tzinfo=BEIJING))
    unannounced = record_by_system(
        "1529210002", method="phone", done_at=datetime.datetime(2021, 10, 31, 9, tzinfo=BEIJING)
    )
    unannounced.unannounced = True
    unannounced.save(update_fields=["unannounced"])
    record_by_system("1529220001", 4, done_at=datetime.datetime(2021, 10, 24, 9, tzinfo=BEIJING))


def test_the_week_counts_inspections_by_method_and_the_share_unannounced(world):
    _week(world)
    summary = week_summary(world.regions["152900"], MONDAY)
    assert summary.inspections == 3
    assert summary.by_method == {"on_site": 1, "video": 1, "phone": 1}
    assert summary.unannounced_share == 1 / 3


def test_the_week_counts_findings_by_item_most_first(world):
    _week(world)
    summary = week_summary(world.regions["152900"], MONDAY)
    assert [(number, count) for number, _text, count in summary.findings] == [(4, 2), (19, 1)]


def test_the_week_counts_its_rectifications_and_the_median_days_to_fix(world):
    _week(world)
    rows = list(world.institutions["1529210001"].rectifications.order_by("pk"))
    fixed_at = datetime.datetime(2021, 10, 28, 9, tzinfo=BEIJING)  # 3 days after finding it
    rectification_fix(actor=world.users["operator"], rectification=rows[0], evidence="已整改",
                      now=fixed_at)  # fmt: skip
    summary = week_summary(world.regions["152900"], MONDAY, today=datetime.date(2021, 11, 1))
    assert summary.rectifications == {"total": 3, "open": 2, "fixed": 1, "verified": 0,
                                      "overdue": 3}  # fmt: skip
    assert summary.median_days_to_fix == 3.0


def test_a_banner_sums_only_its_own_institutions(world):
    _week(world)
    assert week_summary(world.regions["152923"], MONDAY).inspections == 1


def test_the_api_and_the_sheet_give_the_week_holding_the_day(world):
    _week(world)
    api = world.api("league")
    body = api.get("/api/v1/regions/152900/inspection-summary?week=2021-10-28").json()
    assert (body["week_start"], body["inspections"]) == ("2021-10-25", 3)
    sheet = api.get("/api/v1/regions/152900/inspection-summary.xlsx?week=2021-10-28")
    rows = CalamineWorkbook.from_filelike(io.BytesIO(sheet.content)).get_sheet_by_index(0)
    cells = rows.to_python()
    assert cells[2][:2] == ["检查", 3]


def test_the_summary_page_and_its_sheet_are_for_officers(world):
    page = world.client("zuoqi").get("/inspections/regions/152921/summary/?week=2021-10-25")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-src="/api/v1/regions/152921/inspection-summary?week=2021-10-25"' in html
    assert "<script>" not in html  # the charts come from a file: the CSP allows nothing inline
    assert world.client("operator").get("/inspections/regions/152921/summary/").status_code == 404
    assert (
        world.api("operator")
        .get("/api/v1/regions/152921/inspection-summary?week=2021-10-25")
        .status_code
        == 404
    )
    assert world.client("ejina").get("/inspections/regions/152921/summary.xlsx").status_code == 404
