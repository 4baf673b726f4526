"""The bulk entry grid and the bulk API: every row or none, every problem named by its row."""

import pytest

from fangkong.audit.models import AuditEvent
from fangkong.lab.models import LabResult, LabRound
from fangkong.lab.tests.conftest import START, post

HOME = "1529210001"


@pytest.fixture
def lab_round(world, people):
    """Round 第一轮 of the operator's home with three residents (甲, 乙, 丙 in the grid's order)."""
    for name in ["甲一", "乙二", "丙三"]:
        people.stay(name, HOME, "2021-10-01T09:00:00+08:00")
    body = {"institution_code": HOME, "name": "第一轮", "started_at": START,
            "method": "nucleic_acid"}  # fmt: skip
    response = post(world.api("zuoqi"), "/api/v1/lab-rounds", body)
    return LabRound.objects.get(pk=response.json()["rounds"][0]["id"])


def grid_data(lab_round, rows, **common):
    """The grid as the browser sends it: `rows` in the page's order, each a dict of fields."""
    from fangkong.lab.selectors import round_persons

    lines = round_persons(lab_round)
    data = {"row-TOTAL_FORMS": len(lines), "row-INITIAL_FORMS": len(lines),
            "row-MIN_NUM_FORMS": 0, "row-MAX_NUM_FORMS": 5000,
            "common-sampled_at": common.get("sampled_at", ""),
            "common-laboratory": common.get("laboratory", "")}  # fmt: skip
    for index, line in enumerate(lines):
        row = {"sampled_at": "", "method": "nucleic_acid", "result": "", "laboratory": "",
               **(rows[index] if index < len(rows) else {})}  # fmt: skip
        data[f"row-{index}-person"] = line.person_id
        for key, value in row.items():
            data[f"row-{index}-{key}"] = value
    return data


def grid_post(world, lab_round, data, language="zh-hans", persona="operator"):
    return world.client(persona).post(
        f"/lab/rounds/{lab_round.pk}/grid/", data, headers={"accept-language": language}
    )


def test_the_grid_lists_every_expected_person_with_a_masked_number(world, lab_round):
    page = world.client("operator").get(f"/lab/rounds/{lab_round.pk}/grid/")
    assert page.status_code == 200
    text = page.content.decode()
    assert [n for n in ["甲一", "乙二", "丙三"] if n in text] == ["甲一", "乙二", "丙三"]
    assert text.count('id="row-') == 3 and "*" in text
    assert 'name="row-2-sampled_at"' in text and 'name="row-2-laboratory"' in text


def test_the_whole_grid_is_recorded_at_once_with_the_common_time(world, lab_round):
    rows = [
        {"result": "negative"},
        {"result": "negative", "method": "antigen"},
        {"result": "negative", "sampled_at": "2021-10-20T11:00", "laboratory": "旗医院"},
    ]
    data = grid_data(lab_round, rows, sampled_at="2021-10-20T10:00", laboratory="盟医院")
    response = grid_post(world, lab_round, data)
    assert response.status_code == 302
    results = {r.person.name: r for r in LabResult.objects.select_related("person")}
    assert {n: (r.method, r.laboratory, r.sampled_at.hour) for n, r in results.items()} == {
        "丙三": ("nucleic_acid", "盟医院", 2),
        "乙二": ("antigen", "盟医院", 2),
        "甲一": ("nucleic_acid", "旗医院", 3),
    }  # fmt: skip  (hours in UTC)
    page = world.client("league").get("/lab/regions/152900/?name=第一轮").content.decode()
    assert '<strong id="complete">1/1</strong>' in page


def test_a_grid_with_bad_rows_saves_nothing_and_names_every_row_and_field(world, lab_round):
    rows = [{"result": "negative", "sampled_at": "2021-10-20T09:00"},
            {"result": "positive", "sampled_at": "2021-10-19T09:00"},  # before the round
            {"result": "negative"}]  # no time, and none for every row  # fmt: skip
    response = grid_post(world, lab_round, grid_data(lab_round, rows))
    assert response.status_code == 400
    assert not LabResult.objects.exists()
    text = response.content.decode()
    # Each problem once in the list above the grid, once under its row.
    assert text.count("第 2 行（乙二）：采样时间早于本轮开始时间。") == 2
    assert text.count("第 3 行（甲一）：请填写采样时间。") == 2
    assert text.count("<li>第 ") == 4
    english = grid_post(world, lab_round, grid_data(lab_round, rows), language="en")
    text = english.content.decode()
    assert "Row 2 (乙二): The sample was taken before the round started." in text
    assert "Row 3 (甲一): Give the time the sample was taken." in text
    assert not LabResult.objects.exists()


def test_a_time_that_is_no_time_is_listed_with_the_rules_problems(world, lab_round):
    rows = [{"result": "negative", "sampled_at": "明天"},
            {"result": "negative", "sampled_at": "2099-10-20T09:00"}]  # fmt: skip
    response = grid_post(world, lab_round, grid_data(lab_round, rows), language="en")
    text = response.content.decode()
    assert response.status_code == 400
    assert text.count("Row 1 (丙三): Sampled at: Enter a valid date/time.") == 2
    assert text.count("Row 2 (乙二): A sample cannot be taken in the future.") == 2
    assert 'id="row-1" class="invalid"' in text and 'id="row-3" class="invalid"' not in text
    assert not LabResult.objects.exists()


def test_rows_left_as_they_were_are_not_recorded_again(world, lab_round):
    rows = [{"result": "negative", "sampled_at": "2021-10-20T09:00"}]
    assert grid_post(world, lab_round, grid_data(lab_round, rows)).status_code == 302
    rows = [{"result": "negative", "sampled_at": "2021-10-20T09:00"},
            {"result": "pending", "sampled_at": "2021-10-20T09:30"}]  # fmt: skip
    assert grid_post(world, lab_round, grid_data(lab_round, rows)).status_code == 302
    assert AuditEvent.objects.filter(action="lab_result.record").count() == 2
    assert LabResult.objects.count() == 2


def test_a_liaison_may_not_open_the_grid(world, lab_round):
    from fangkong.accounts.models import Role
    from fangkong.conftest import make_user

    world.users["home_liaison"] = make_user("home_liaison", Role.LIAISON, world.institutions[HOME])
    client = world.client("home_liaison")
    assert client.get(f"/lab/rounds/{lab_round.pk}/grid/").status_code == 403
    assert client.post(f"/lab/rounds/{lab_round.pk}/grid/", grid_data(lab_round, [
        {"result": "negative", "sampled_at": "2021-10-20T09:00"}])).status_code == 403  # fmt: skip
    assert not LabResult.objects.exists()


def bulk(world, lab_round, results, persona="operator"):
    return post(world.api(persona), f"/api/v1/lab-rounds/{lab_round.pk}/results",
                {"results": results})  # fmt: skip


def test_the_bulk_api_records_every_result_or_none(world, lab_round):
    from fangkong.lab.selectors import round_persons

    ids = [line.person_id for line in round_persons(lab_round)]
    good = {"sampled_at": "2021-10-20T10:00:00+08:00", "result": "negative"}
    refused = bulk(world, lab_round, [
        {**good, "person_id": ids[0]},
        {**good, "person_id": ids[1], "sampled_at": "2021-10-20T07:00:00+08:00"},
        {**good, "person_id": ids[0]},
        {**good, "person_id": 2**31 - 1},
    ])  # fmt: skip
    assert refused.status_code == 400
    fields = [e["field"] for e in refused.json()["errors"]]
    assert fields == ["results[1].sampled_at", "results[2].person_id", "results[3].person_id"]
    assert not LabResult.objects.exists()
    ok = bulk(world, lab_round, [{**good, "person_id": i, "method": "antigen"} for i in ids])
    assert ok.status_code == 200
    assert (ok.json()["recorded"], ok.json()["created"]) == (3, 3)
    assert set(LabResult.objects.values_list("method", flat=True)) == {"antigen"}


def test_the_bulk_api_refuses_a_person_outside_scope_as_absent(world, lab_round, people):
    stranger = people.stay("外人", "1529230001", "2021-10-01T09:00:00+08:00")
    body = {"person_id": stranger.pk, "sampled_at": "2021-10-20T10:00:00+08:00",
            "result": "negative", "reason": "x"}  # fmt: skip
    response = bulk(world, lab_round, [body])
    assert (response.status_code, response.json()["code"]) == (400, "unknown_person")
    assert not LabResult.objects.exists()
