import datetime
from io import BytesIO

import pytest
from django.test import Client
from python_calamine import CalamineWorkbook

from fangkong.core.scoping import SYSTEM
from fangkong.institutions.services import institution_create
from fangkong.liaison.services import assignment_create
from fangkong.liaison.tests.conftest import DAY


def make(code, username, level, start=DAY, end=None):
    return assignment_create(actor=SYSTEM, institution_code=code, username=username, level=level,
                             start_date=start, end_date=end)  # fmt: skip


@pytest.fixture
def story(world, leaders):
    """On 18 October 2021, by hand:

    - 1529210001 (左旗): league wang, banner zhao → covered;
    - 1529210002 (左旗): league li only → missing banner;
    - 1529220001 (右旗): banner sun only → missing league;
    - 1529230001 (额济纳): league wang ended on the 17th, banner zhao from the 19th → both missing;
    - 1529710001 (高新区): league li, banner sun → covered;
    - 1529210009 (左旗) closed down on the 17th: not counted; 兰州's institution: not in the league.
    So the league has 5 open institutions, 2 covered; 左旗 has 2, 1 covered.
    """
    institution_create(actor=SYSTEM, code="1529210009", name="已关停敬老院", region_code="152921",
                       beds=10, closed_on=DAY - datetime.timedelta(days=1))  # fmt: skip
    make("1529210001", "wang", "league")
    make("1529210001", "zhao", "banner")
    make("1529210002", "li", "league")
    make("1529220001", "sun", "banner")
    make("1529230001", "wang", "league", start=DAY - datetime.timedelta(days=30),
         end=DAY - datetime.timedelta(days=1))  # fmt: skip
    make("1529230001", "zhao", "banner", start=DAY + datetime.timedelta(days=1))
    make("1529710001", "li", "league")
    make("1529710001", "sun", "banner")
    make("1529210009", "sun", "league", start=DAY - datetime.timedelta(days=60),
         end=DAY - datetime.timedelta(days=30))  # fmt: skip


def test_the_league_coverage_matches_the_hand_count(world, story):
    body = world.api("league").get(f"/api/v1/regions/152900/liaison-coverage?date={DAY}").json()
    assert (body["institutions"], body["covered"], body["uncovered_total"]) == (5, 2, 3)
    assert body["uncovered"] == [
        {"code": "1529210002", "name": "阿拉善左旗巴彦浩特镇敬老院", "region_code": "152921",
         "missing": ["banner"]},
        {"code": "1529220001", "name": "阿拉善右旗社会福利中心", "region_code": "152922",
         "missing": ["league"]},
        {"code": "1529230001", "name": "额济纳旗社会福利中心", "region_code": "152923",
         "missing": ["league", "banner"]},
    ]  # fmt: skip


def test_a_banner_sees_its_own_part(world, story):
    body = world.api("zuoqi").get(f"/api/v1/regions/152921/liaison-coverage?date={DAY}").json()
    assert (body["institutions"], body["covered"]) == (2, 1)
    assert [u["code"] for u in body["uncovered"]] == ["1529210002"]


def test_the_next_day_counts_the_new_banner_liaison(world, story):
    day = DAY + datetime.timedelta(days=1)
    body = world.api("ejina").get(f"/api/v1/regions/152923/liaison-coverage?date={day}").json()
    assert body["uncovered"] == [{"code": "1529230001", "name": "额济纳旗社会福利中心",
                                  "region_code": "152923", "missing": ["league"]}]  # fmt: skip


def test_the_nation_counts_every_province(world, story):
    body = world.api("admin").get(f"/api/v1/regions/000000/liaison-coverage?date={DAY}").json()
    assert (body["institutions"], body["covered"]) == (6, 2)  # 兰州's institution has none


def test_the_page_drills_down_by_area_with_the_same_counts(world, story):
    page = world.client("league").get(f"/liaison/152900/?date={DAY}").content.decode()
    assert 'id="tile-institutions"><b>5</b>' in page
    assert 'id="tile-covered"><b>2</b>' in page
    assert 'id="tile-uncovered"><b>3</b>' in page
    assert 'href="/liaison/152921/?date=2021-10-18"' in page  # 左旗, one level down
    assert 'id="uncovered-1529230001"' in page and 'id="uncovered-1529210001"' not in page
    # li holds two institutions at league level on the day: a warning, not a refusal.
    assert "李副局长" in page.split('id="official-warnings"')[1]


def test_the_banner_page_lists_its_institutions_with_both_liaisons(world, story):
    page = world.client("zuoqi").get(f"/liaison/152921/?date={DAY}").content.decode()
    assert 'id="tile-covered"><b>1</b>' in page
    unit = page.split('id="unit-1529210001"')[1].split("</li>")[0]
    assert "王局长" in unit and "赵旗长" in unit


def test_an_official_with_the_role_but_no_assignment_that_day_is_listed(world, story, leaders):
    # zhao's 额济纳 assignment starts tomorrow; zhao has 左旗's today, so only 额济纳's officer
    # sees zhao as without an institution.
    page = world.client("ejina").get(f"/liaison/152923/?date={DAY}").content.decode()
    assert "赵旗长" in page.split('id="official-warnings"')[1]


def test_the_excel_sheet_has_a_row_per_open_institution(world, story):
    response = world.api("league").get(f"/api/v1/regions/152900/liaison-coverage.xlsx?date={DAY}")
    assert response.status_code == 200
    sheet = CalamineWorkbook.from_filelike(BytesIO(response.content)).get_sheet_by_index(0)
    rows = [row for row in sheet.to_python()[2:] if row[2]]
    assert [row[2] for row in rows] == ["1529210001", "1529210002", "1529220001",
                                        "1529230001", "1529710001"]  # fmt: skip
    assert rows[0][4:7] == ["王局长", "赵旗长", "是"]
    assert rows[3][6] == "否"  # 额济纳 has neither liaison on the day


def test_coverage_is_for_officers_only(world, story, leaders):
    official = Client()
    official.force_login(leaders["wang"])
    assert official.get(f"/liaison/152921/?date={DAY}").status_code == 404
    operator = world.api("operator")
    assert operator.get(f"/api/v1/regions/152921/liaison-coverage?date={DAY}").status_code == 404


def test_without_a_limit_every_uncovered_institution_comes_back(world, story):
    api = world.api("league")
    url = f"/api/v1/regions/152900/liaison-coverage?date={DAY}"
    paged = api.get(f"{url}&limit=1").json()
    assert (len(paged["uncovered"]), paged["uncovered_total"]) == (1, 3)
    body = api.get(url).json()
    assert [u["code"] for u in body["uncovered"]] == ["1529210002", "1529220001", "1529230001"]
    assert body["uncovered_total"] == 3
    assert [u["code"] for u in api.get(f"{url}&offset=1").json()["uncovered"]] == [
        "1529220001",
        "1529230001",
    ]
    assert [u["code"] for u in api.get(f"{url}&limit=1&offset=2").json()["uncovered"]] == [
        "1529230001"
    ]


def test_the_schema_declares_limit_optional_without_a_cut(client):
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/regions/{code}/liaison-coverage"]["get"]
    limit = next(p for p in operation["parameters"] if p["name"] == "limit")
    assert not limit.get("required") and limit["schema"].get("default") is None
    assert "all" in limit["description"]


def test_a_wrong_day_on_the_coverage_page_answers_400_not_404(world):
    response = world.client("league").get("/liaison/152900/", {"date": "20211018"})
    assert response.status_code == 400
    assert "YYYY-MM-DD" in response.content.decode()
