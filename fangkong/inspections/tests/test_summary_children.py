"""A week's summary broken down by child region: page table, API and Excel sheet, the
children's numbers adding up to the parent's."""

import datetime
import io

from python_calamine import CalamineWorkbook

from fangkong.conftest import make_institution
from fangkong.inspections.services import rectification_fix
from fangkong.inspections.summaries import children_summaries, week_summary
from fangkong.inspections.tests.conftest import BEIJING, record_by_system

MONDAY = datetime.date(2021, 10, 25)
TODAY = datetime.date(2021, 11, 1)


def _week(world):
    """Inspections in three banners, in the league itself and in Gansu, one fixed."""
    make_institution("1529000001", "152900", "阿拉善盟直属养老院")
    record_by_system("1529210001", 4, 19, method="on_site")
    record_by_system("1529210002", 4, method="phone",
                     done_at=datetime.datetime(2021, 10, 26, 9, tzinfo=BEIJING))  # fmt: skip
    record_by_system("1529230001", 4, done_at=datetime.datetime(2021, 10, 27, 9, tzinfo=BEIJING))
    record_by_system("1529000001", 12, done_at=datetime.datetime(2021, 10, 28, 9, tzinfo=BEIJING))
    record_by_system("6201000001", 5, done_at=datetime.datetime(2021, 10, 29, 9, tzinfo=BEIJING))
    record_by_system("1529220001", 4, done_at=datetime.datetime(2021, 10, 24, 9, tzinfo=BEIJING))
    first = world.institutions["1529210001"].rectifications.order_by("pk").first()
    rectification_fix(actor=world.users["operator"], rectification=first, evidence="已整改",
                      now=datetime.datetime(2021, 10, 27, 9, tzinfo=BEIJING))  # fmt: skip


def _numbers(summary):
    return (summary.inspections, summary.unannounced, summary.by_method,
            sum(c for _n, _t, c in summary.findings), summary.rectifications)  # fmt: skip


def _added(parts):
    inspections = unannounced = failed = 0
    by_method: dict[str, int] = {}
    rectifications: dict[str, int] = {}
    for part in parts:
        numbers = _numbers(part.summary)
        inspections, unannounced = inspections + numbers[0], unannounced + numbers[1]
        failed += numbers[3]
        for key, value in numbers[2].items():
            by_method[key] = by_method.get(key, 0) + value
        for key, value in numbers[4].items():
            rectifications[key] = rectifications.get(key, 0) + value
    return inspections, unannounced, by_method, failed, rectifications


def test_the_banners_and_the_leagues_own_institutions_add_up_to_the_league(world):
    _week(world)
    league = world.regions["152900"]
    parts = children_summaries(league, MONDAY, today=TODAY)
    by_code = {(p.region.code, p.direct): p.summary for p in parts}
    assert by_code[("152921", False)].inspections == 2
    assert by_code[("152921", False)].median_days_to_fix == 2.0
    assert by_code[("152922", False)].inspections == 0  # the week before does not count
    assert by_code[("152900", True)].findings[0][0] == 12
    assert parts[-1].direct and parts[-1].region == league
    assert _added(parts) == _numbers(week_summary(league, MONDAY, today=TODAY))


def test_the_provinces_add_up_to_the_nation(world):
    _week(world)
    nation = world.regions["000000"]
    parts = children_summaries(nation, MONDAY, today=TODAY)
    assert [p.region.code for p in parts] == ["150000", "620000"]
    assert [p.summary.inspections for p in parts] == [4, 1]
    assert _added(parts) == _numbers(week_summary(nation, MONDAY, today=TODAY))


def test_a_region_without_children_has_only_its_own_part(world):
    _week(world)
    parts = children_summaries(world.regions["152923"], MONDAY, today=TODAY)
    assert [(p.region.code, p.direct, p.summary.inspections) for p in parts] == [
        ("152923", True, 1)
    ]


def test_the_api_gives_the_children_with_the_same_sums(world):
    _week(world)
    body = world.api("league").get("/api/v1/regions/152900/inspection-summary?week=2021-10-28")
    body = body.json()
    children = body["children"]
    assert [c["region_code"] for c in children if c["inspections"]] == ["152921", "152923",
                                                                       "152900"]  # fmt: skip
    assert sum(c["inspections"] for c in children) == body["inspections"] == 4
    assert sum(c["rectifications"]["total"] for c in children) == body["rectifications"]["total"]
    assert children[-1]["direct"] is True


def test_the_page_has_a_row_per_child_region(world):
    _week(world)
    page = world.client("league").get("/inspections/regions/152900/summary/?week=2021-10-25")
    html = page.content.decode()
    assert 'id="summary-children"' in html
    row = html.split('id="child-152921"')[1].split("</tr>")[0]
    assert "阿拉善左旗" in row and "<td>2</td>" in row
    assert "阿拉善盟（直属）" in html


def test_the_sheet_has_a_sheet_by_region_with_the_total(world):
    _week(world)
    sheet = world.api("league").get(
        "/api/v1/regions/152900/inspection-summary.xlsx?week=2021-10-28"
    )
    book = CalamineWorkbook.from_filelike(io.BytesIO(sheet.content))
    rows = book.get_sheet_by_index(1).to_python()
    assert rows[0][:3] == ["行政区划", "代码", "检查"]
    by_code = {row[1]: row for row in rows[1:]}
    assert by_code["152921"][2] == 2 and by_code["152923"][2] == 1
    total = rows[-1]
    assert (total[0], total[2]) == ("合计", 4)
    assert sum(float(str(row[2])) for row in rows[1:-1]) == total[2]
