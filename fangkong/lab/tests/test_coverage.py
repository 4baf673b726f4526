import pytest

from fangkong.lab.models import LabRound
from fangkong.lab.tests.conftest import START, post, put
from fangkong.notifications.models import Notification


def record(api, round_id, person, result="negative", **body):
    body = {"sampled_at": "2021-10-20T10:00:00+08:00", "result": result, **body}
    return put(api, f"/api/v1/lab-rounds/{round_id}/results/{person.pk}", body)


@pytest.fixture
def campaign(world, people):
    """Two homes of 阿拉善左旗 in round 第一轮: the first with an excused resident, a pending one
    and a late arrival added; the second with one resident."""
    first = [people.stay(f"甲{n}", "1529210001", "2021-10-01T09:00:00+08:00") for n in range(4)]
    late = people.stay("甲晚", "1529210001", "2021-10-20T09:00:00+08:00")
    second = people.stay("乙一", "1529210002", "2021-10-01T09:00:00+08:00")
    body = {"region_code": "152921", "name": "第一轮", "started_at": START, "method": "antigen"}
    rounds = post(world.api("zuoqi"), "/api/v1/lab-rounds", body).json()["rounds"]
    ids = {r["institution_code"]: r["id"] for r in rounds}
    return {"first": first, "late": late, "second": second, "ids": ids}


def coverage(world, persona="zuoqi", region="152921", name="第一轮"):
    return world.api(persona).get(f"/api/v1/regions/{region}/lab-coverage?name={name}")


def test_coverage_counts_tested_positive_and_complete_institutions(world, campaign):
    api, one = world.api("zuoqi"), campaign["ids"]["1529210001"]
    first = campaign["first"]
    record(api, one, first[0])
    record(api, one, first[1], "positive")
    record(api, one, first[2], "pending")
    record(api, one, campaign["late"], "positive", reason="本轮开始后入住")
    post(api, f"/api/v1/lab-rounds/{one}/excuses/{first[3].pk}", {"reason": "住院"})
    record(api, campaign["ids"]["1529210002"], campaign["second"], "invalid")
    body = coverage(world).json()
    # Expected 5 (4 + 1); tested 3 (negative, positive, invalid: pending is not, an added
    # person is not expected); positive 2 (the added one too); the first home waits for one.
    assert body == {"name": "第一轮", "institutions": 2, "complete": 1, "expected": 5,
                    "tested": 3, "positive": 2}  # fmt: skip


def test_a_round_completes_once_every_expected_person_is_tested_or_excused(world, campaign):
    api, one = world.api("zuoqi"), campaign["ids"]["1529210001"]
    for person in campaign["first"][:3]:
        record(api, one, person)
    assert coverage(world).json()["complete"] == 0
    post(api, f"/api/v1/lab-rounds/{one}/excuses/{campaign['first'][3].pk}", {"reason": "外出"})
    record(api, campaign["ids"]["1529210002"], campaign["second"])
    assert coverage(world).json()["complete"] == 2
    assert world.api("zuoqi").get(f"/api/v1/lab-rounds/{one}").json()["complete"] is True


def test_the_league_sees_the_banners_rounds_and_another_banner_sees_none(world, campaign):
    assert coverage(world, "league", "152900").json()["institutions"] == 2
    assert coverage(world, "ejina", "152923").json()["institutions"] == 0
    assert coverage(world, "ejina", "152921").status_code == 404


def test_a_positive_alerts_the_officers_and_liaisons_once(world, campaign):
    import datetime

    from fangkong.accounts.models import Role
    from fangkong.conftest import make_user
    from fangkong.core.scoping import SYSTEM
    from fangkong.liaison.services import assignment_create

    make_user("leader", Role.LIAISON, world.institutions["1529210001"])
    assignment_create(actor=SYSTEM, institution_code="1529210001", username="leader",
                      level="league", start_date=datetime.date(2021, 10, 1))  # fmt: skip
    api, one = world.api("zuoqi"), campaign["ids"]["1529210001"]
    record(api, one, campaign["first"][0], "positive")
    record(api, one, campaign["first"][0], "positive", laboratory="again")
    told = Notification.objects.filter(kind="lab_positive")
    assert sorted(n.recipient.username for n in told) == ["leader", "league", "zuoqi"]
    assert all("甲*" in n.body and "甲0" not in n.body for n in told)
    assert LabRound.objects.count() == 2
