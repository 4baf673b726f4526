"""The campaign's progress chart is counted in the database from the hours the rounds (and, for
the nation, their campaign) keep: it must give what reading every result in Python gave, the
old way, on hand-built rounds with results at the edges of hours and days, excused persons,
added persons, replaced results, and after any sequence of results."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fangkong.core.scoping import SYSTEM
from fangkong.lab import selectors, services
from fangkong.lab.models import LabCampaignHour, LabExpected, LabResult, LabRound
from fangkong.lab.tests.conftest import START_AT

SHANGHAI = ZoneInfo("Asia/Shanghai")
NAME = "第一轮"


def at(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def the_old_way(rounds: list[LabRound]) -> tuple[str, list[tuple[datetime.datetime, int]]]:
    """Every result of the rounds read into Python: expected persons' final results counted at
    their sample's local hour (by day past three days), cumulated."""
    expected = set(LabExpected.objects.filter(round__in=rounds).values_list("round", "person"))
    counted: dict[datetime.datetime, int] = {}
    for row in LabResult.objects.filter(round__in=rounds).exclude(result="pending"):
        if (row.round_id, row.person_id) in expected:
            hour = row.sampled_at.astimezone(SHANGHAI).replace(minute=0, second=0, microsecond=0)
            counted[hour] = counted.get(hour, 0) + 1
    hours = sorted(counted.items())
    unit = "hour"
    if hours and hours[-1][0] - hours[0][0] > datetime.timedelta(hours=72):
        unit, days = "day", {}
        for hour, n in hours:
            days[hour.replace(hour=0)] = days.get(hour.replace(hour=0), 0) + n
        hours = sorted(days.items())
    total, points = 0, []
    for hour, n in hours:
        total += n
        points.append((hour, total))
    return unit, points


def the_new_way(user, region) -> tuple[str, list[tuple[datetime.datetime, int]]]:
    found = selectors.progress(user=user, region=region, name=NAME)
    return found.unit, [(p.at, p.tested) for p in found.points]


@pytest.fixture
def campaign(world, people):
    """第一轮 in both homes of 阿拉善左旗 and in 额济纳旗, three expected persons in each, and a
    round of another name that must count nowhere."""
    persons = {}
    for code in ("1529210001", "1529210002", "1529230001"):
        persons[code] = [people.stay(f"{code[-1]}人{n}", code, "2021-10-01T09:00:00+08:00")
                         for n in range(4)]  # fmt: skip
    opened = services.round_create(actor=SYSTEM, name=NAME, started_at=START_AT,
                                   method="antigen", region_code="152900")  # fmt: skip
    other = services.round_create(actor=SYSTEM, name="第二轮", started_at=START_AT,
                                  method="antigen", institution_code="1529210001")  # fmt: skip
    rounds = {o.round.institution.code: o.round for o in opened}
    return rounds, persons, other[0].round


def record(lab_round, person, when, result="negative", reason=""):
    services.result_record(actor=SYSTEM, lab_round=lab_round, person=person, sampled_at=when,
                           result=result, reason=reason)  # fmt: skip


def scopes(world):
    """Who asks for which region: the nation and the league by whom sees them all (the nation's
    from its campaign's hours), the league by the banner's officer (their rounds only)."""
    nation, league, banner = (world.regions[c] for c in ("000000", "152900", "152921"))
    return [(SYSTEM, nation), (world.users["admin"], nation), (SYSTEM, league),
            (world.users["league"], league), (world.users["zuoqi"], league),
            (world.users["zuoqi"], banner)]  # fmt: skip


def visible_rounds(user, region):
    return list(selectors._region_rounds(user=user, region=region, name=NAME))


def assert_as_the_old_way(world) -> None:
    for user, region in scopes(world):
        expected = the_old_way(visible_rounds(user, region))
        assert the_new_way(user, region) == expected, (user, region.code)


def test_progress_is_counted_as_the_old_way_at_the_edges_of_hours(world, campaign, people):
    rounds, persons, other = campaign
    home, second, far = rounds["1529210001"], rounds["1529210002"], rounds["1529230001"]
    a, b, c = persons["1529210001"], persons["1529210002"], persons["1529230001"]
    record(home, a[0], at("2021-10-20T08:59:59.999999"))  # the last instant of 08:00
    record(home, a[1], at("2021-10-20T09:00:00"), "positive")  # the first of 09:00
    record(home, a[2], at("2021-10-20T09:30:00"), "invalid")  # final too
    record(home, a[3], at("2021-10-20T09:40:00"), "pending")  # not tested
    services.person_excuse(actor=SYSTEM, lab_round=home, person=a[3], reason="住院")
    services.person_excuse(actor=SYSTEM, lab_round=second, person=b[0], reason="外出就医")
    record(second, b[1], at("2021-10-20T23:59:59"))  # the last hour of the local day
    record(second, b[2], at("2021-10-21T00:00:00"))  # the next day, 16:00 UTC
    late = people.stay("晚到", "1529210002", "2021-10-20T12:00:00+08:00")
    record(second, late, at("2021-10-20T12:30:00"), reason="晚到")  # added: not counted
    record(far, c[0], at("2021-10-20T08:00:00"))  # midnight UTC
    record(other, a[0], at("2021-10-20T10:00:00"))  # another round's name
    assert_as_the_old_way(world)
    found = the_new_way(SYSTEM, world.regions["000000"])
    assert found == ("hour", [
        (at("2021-10-20T08:00"), 2), (at("2021-10-20T09:00"), 4),
        (at("2021-10-20T23:00"), 5), (at("2021-10-21T00:00"), 6)])  # fmt: skip


def test_a_replaced_result_moves_from_its_hour_to_the_new_one(world, campaign):
    rounds, persons, _other = campaign
    home, a = rounds["1529210001"], persons["1529210001"]
    record(home, a[0], at("2021-10-20T09:10:00"))
    record(home, a[1], at("2021-10-20T09:20:00"))
    record(home, a[0], at("2021-10-20T11:10:00"), "positive")  # re-sampled later
    record(home, a[1], at("2021-10-20T09:20:00"), "pending")  # sent back to the laboratory
    assert_as_the_old_way(world)
    assert the_new_way(SYSTEM, world.regions["000000"]) == ("hour", [(at("2021-10-20T11:00"), 1)])
    assert LabCampaignHour.objects.aggregate(n=Sum("tested"))["n"] == 1  # the emptied hour: 0


def test_progress_over_more_than_three_days_is_by_local_day(world, campaign):
    rounds, persons, _other = campaign
    home, far = rounds["1529210001"], rounds["1529230001"]
    record(home, persons["1529210001"][0], at("2021-10-20T23:30:00"))
    record(home, persons["1529210001"][1], at("2021-10-21T00:30:00"))
    record(far, persons["1529230001"][0], at("2021-10-24T07:59:00"))  # 23:59 UTC the day before
    record(far, persons["1529230001"][1], at("2021-10-25T10:00:00"))
    assert_as_the_old_way(world)
    assert the_new_way(SYSTEM, world.regions["152900"])[0] == "day"


# Results at the edges of hours and of the local and UTC days, in any order, replacing each other.
MOMENTS = ["2021-10-20T08:00:00", "2021-10-20T08:59:59", "2021-10-20T09:00:00",
           "2021-10-20T23:59:59", "2021-10-21T00:00:00", "2021-10-24T12:00:00"]  # fmt: skip
OUTCOMES = ["negative", "positive", "invalid", "pending"]


RESULTS = st.lists(
    st.tuples(
        st.sampled_from(["1529210001", "1529230001"]),
        st.integers(0, 3),
        st.sampled_from(MOMENTS),
        st.sampled_from(OUTCOMES),
    ),
    max_size=10,
)
SLOW = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]


@settings(max_examples=20, deadline=None, suppress_health_check=SLOW)
@given(RESULTS)
def test_after_any_results_progress_is_the_old_ways(world, campaign, sequence):
    rounds, persons, _other = campaign
    for code, person, moment, outcome in sequence:
        record(rounds[code], persons[code][person], at(moment), outcome)
    assert_as_the_old_way(world)
    _rollback_results(rounds)


def _rollback_results(rounds) -> None:
    """Hypothesis runs every example in the one test's database: start each from no result."""
    for lab_round in rounds.values():
        LabResult.objects.filter(round=lab_round).delete()
        services.round_recount(lab_round)
