"""The region's page: rounds by institution, positives, progress over time, Excel out; the
home page's mark on an institution whose latest round has a positive."""

import io

import pytest
from python_calamine import CalamineWorkbook

from fangkong.audit.models import AuditEvent
from fangkong.lab.tests.conftest import START, post, put

HOME, OTHER = "1529210001", "1529210002"


def record(world, round_id, person, result="negative", at="2021-10-20T10:20:00+08:00", **body):
    body = {"sampled_at": at, "result": result, **body}
    url = f"/api/v1/lab-rounds/{round_id}/results/{person.pk}"
    return put(world.api("zuoqi"), url, body)


@pytest.fixture
def campaign(world, people):
    """Round 第一轮 over 阿拉善左旗: three residents in the first home, one in the second."""
    first = [people.stay(f"甲{n}", HOME, "2021-10-01T09:00:00+08:00") for n in range(3)]
    second = people.stay("乙一", OTHER, "2021-10-01T09:00:00+08:00")
    body = {"region_code": "152921", "name": "第一轮", "started_at": START, "method": "antigen"}
    rounds = post(world.api("zuoqi"), "/api/v1/lab-rounds", body).json()["rounds"]
    ids = {r["institution_code"]: r["id"] for r in rounds}
    return {"first": first, "second": second, "ids": ids}


def progress(world, persona="zuoqi", region="152921"):
    return world.api(persona).get(f"/api/v1/regions/{region}/lab-progress?name=第一轮")


def test_progress_cumulates_tested_expected_persons_by_hour(world, campaign, people):
    one, first = campaign["ids"][HOME], campaign["first"]
    record(world, one, first[0], at="2021-10-20T08:10:00+08:00")
    record(world, one, first[1], "positive", at="2021-10-20T08:50:00+08:00")
    record(world, one, first[2], "pending", at="2021-10-20T09:05:00+08:00")  # not tested
    late = people.stay("甲晚", HOME, "2021-10-20T09:00:00+08:00")
    record(world, one, late, at="2021-10-20T09:30:00+08:00", reason="晚到")  # not expected
    record(world, campaign["ids"][OTHER], campaign["second"], at="2021-10-20T11:59:00+08:00")
    body = progress(world).json()
    assert (body["expected"], body["unit"]) == (4, "hour")
    assert [(p["at"][11:16], p["tested"], p["coverage"]) for p in body["points"]] == [
        ("08:00", 2, 0.5), ("11:00", 3, 0.75)]  # fmt: skip


def test_progress_over_more_than_three_days_is_by_day(world, campaign):
    one, first = campaign["ids"][HOME], campaign["first"]
    record(world, one, first[0], at="2021-10-20T23:30:00+08:00")
    record(world, one, first[1], at="2021-10-21T00:30:00+08:00")
    record(world, one, first[2], at="2021-10-25T10:00:00+08:00")
    body = progress(world).json()
    assert body["unit"] == "day"
    assert [(p["at"][:10], p["tested"]) for p in body["points"]] == [
        ("2021-10-20", 1), ("2021-10-21", 2), ("2021-10-25", 3)]  # fmt: skip


def test_progress_outside_scope_answers_404(world, campaign):
    assert progress(world, "ejina").status_code == 404
    assert progress(world, "ejina", "152923").json()["expected"] == 0


def test_the_region_page_lists_positives_masked_and_draws_progress(world, campaign):
    record(world, campaign["ids"][HOME], campaign["first"][1], "positive", laboratory="盟疾控")
    page = world.client("league").get("/lab/regions/152900/?name=第一轮").content.decode()
    positives = page.split('id="positives"')[1].split("</ul>")[0]
    assert "甲1" in positives and "阿拉善左旗社会福利中心" in positives and "盟疾控" in positives
    assert campaign["first"][1].id_number not in page and "*" in positives
    assert 'id="chart-progress"' in page and "/api/v1/regions/152900/lab-progress" in page
    assert '<strong id="complete">0/2</strong>' in page


def sheet(response):
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    return [book.get_sheet_by_index(n).to_python() for n in (0, 1)]


def test_the_rounds_sheet_shows_completion_and_positives_masked_and_is_audited(world, campaign):
    record(world, campaign["ids"][OTHER], campaign["second"], "positive")
    response = world.client("zuoqi").get("/lab/regions/152921/rounds.xlsx?name=第一轮")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    rounds, positives = sheet(response)
    assert rounds[1][0] == "1/2 家机构已完成"
    by_code = {row[0]: row for row in rounds[4:]}
    assert by_code[HOME][4:8] == [3, 0, 0, 0] and by_code[HOME][9] == "否"
    assert by_code[OTHER][4:8] == [1, 1, 0, 1] and by_code[OTHER][9] == "是"
    [positive] = positives[1:]
    assert positive[1] == "乙一" and positive[2] != campaign["second"].id_number
    assert "*" in positive[2]
    event = AuditEvent.objects.get(action="lab_round.export")
    assert event.after == {"region": "152921", "name": "第一轮", "rounds": 2, "positives": 1}


def test_an_operator_may_not_export_the_region(world, campaign):
    client = world.client("operator")
    assert client.get("/lab/regions/152921/rounds.xlsx?name=第一轮").status_code == 403
    assert "rounds-xlsx" not in client.get("/lab/regions/152921/?name=第一轮").content.decode()
    assert not AuditEvent.objects.filter(action="lab_round.export").exists()


def test_the_home_page_marks_an_institution_until_a_later_round_is_clear(world, campaign, people):
    record(world, campaign["ids"][HOME], campaign["first"][0], "positive")
    page = world.client("zuoqi").get("/").content.decode()
    assert f'id="positive-{HOME}"' in page and f'id="positive-{OTHER}"' not in page
    assert 'id="positive-' not in world.client("ejina").get("/").content.decode()
    body = {"institution_code": HOME, "name": "第二轮", "started_at": "2021-10-22T08:00:00+08:00",
            "method": "antigen"}  # fmt: skip
    second = post(world.api("zuoqi"), "/api/v1/lab-rounds", body).json()["rounds"][0]["id"]
    record(world, second, campaign["first"][0], at="2021-10-22T09:00:00+08:00")
    assert f'id="positive-{HOME}"' not in world.client("zuoqi").get("/").content.decode()


def test_the_region_page_lists_institutions_page_by_page(world, campaign, monkeypatch):
    from fangkong.lab import views

    monkeypatch.setattr(views, "REGION_PAGE_SIZE", 1)
    client = world.client("zuoqi")
    first = client.get("/lab/regions/152921/?name=第一轮").content.decode()
    second = client.get("/lab/regions/152921/?name=第一轮&page=2").content.decode()
    rounds = [page.split('id="rounds"')[1].split("</ul>")[0] for page in (first, second)]
    assert "阿拉善左旗社会福利中心" in rounds[0] and "巴彦浩特镇敬老院" not in rounds[0]
    assert "巴彦浩特镇敬老院" in rounds[1]
    assert '<strong id="complete">0/2</strong>' in second  # the figures are the whole region's
