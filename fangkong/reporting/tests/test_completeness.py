import datetime

import pytest

from fangkong.accounts.models import Role
from fangkong.conftest import make_institution, make_user
from fangkong.core.scoping import SYSTEM
from fangkong.institutions.models import Institution
from fangkong.regions.models import NATION_CODE
from fangkong.reporting.models import ReportingRegime
from fangkong.reporting.services import regime_create, report_submit
from fangkong.reporting.tests.conftest import DAY, at, figures

URL = f"/api/v1/regions/152900/completeness?date={DAY}"
ALXA = ["1529210001", "1529210002", "1529220001", "1529230001", "1529710001"]


def submit(world, code, when):
    report_submit(actor=SYSTEM, institution=world.institutions[code], day=DAY,
                  figures=figures(), now=when)  # fmt: skip


@pytest.fixture
def reported(world, regime):
    """By 16:00 on 25 October: two on time, one late, two silent."""
    submit(world, "1529210001", at(9))
    submit(world, "1529220001", at(15, 59, 59))
    submit(world, "1529230001", at(16, 0))


def counts(body):
    keys = ("expected", "received", "on_time", "late", "missing", "pending")
    return {k: body[k] for k in keys}


def test_before_the_deadline_the_silent_are_pending(world, reported, clock):
    clock.set(at(15, 30))
    body = world.api("league").get(URL).json()
    assert counts(body) == {"expected": 5, "received": 3, "on_time": 2, "late": 1,
                            "missing": 0, "pending": 2}  # fmt: skip


def test_after_the_deadline_the_silent_are_missing_and_rates_follow_dhis2(world, reported, clock):
    clock.set(at(17))
    body = world.api("league").get(URL).json()
    assert counts(body) == {"expected": 5, "received": 3, "on_time": 2, "late": 1,
                            "missing": 2, "pending": 0}  # fmt: skip
    assert body["reporting_rate"] == 0.6
    assert body["on_time_rate"] == 0.4


def test_children_carry_the_same_counts(world, reported, clock):
    clock.set(at(17))
    children = {c["code"]: c for c in world.api("league").get(URL).json()["children"]}
    assert counts(children["152921"]) == {"expected": 2, "received": 1, "on_time": 1, "late": 0,
                                         "missing": 1, "pending": 0}  # fmt: skip
    assert children["152923"]["late"] == 1
    assert children["152922"]["on_time"] == 1
    assert children["152921401"]["expected"] == 0
    assert children["152971"]["missing"] == 1
    assert children["152900-01"]["reporting_rate"] is None


def test_units_list_each_institution_with_its_status(world, reported, clock):
    clock.set(at(17))
    body = world.api("league").get(URL).json()
    statuses = {u["code"]: u["status"] for u in body["units"]}
    assert statuses == {"1529210001": "on_time", "1529210002": "missing",
                        "1529220001": "on_time", "1529230001": "late",
                        "1529710001": "missing"}  # fmt: skip
    assert body["units_total"] == 5


def test_units_filter_by_status_and_paginate(world, reported, clock):
    clock.set(at(17))
    api = world.api("league")
    missing = api.get(URL + "&status=missing").json()
    assert {u["code"] for u in missing["units"]} == {"1529210002", "1529710001"}
    assert missing["units_total"] == 2
    page = api.get(URL + "&limit=2&offset=2").json()
    assert [u["code"] for u in page["units"]] == ["1529220001", "1529230001"]


def test_an_institution_closed_down_is_not_expected(world, reported, clock):
    clock.set(at(17))
    Institution.objects.filter(code="1529710001").update(closed_on=DAY - datetime.timedelta(1))
    body = world.api("league").get(URL).json()
    assert body["expected"] == 4
    assert "1529710001" not in {u["code"] for u in body["units"]}


def test_nothing_is_expected_outside_a_regime(world, reported, clock):
    clock.set(at(17))
    body = world.api("league").get("/api/v1/regions/152900/completeness?date=2022-10-20").json()
    assert body["expected"] == 0
    assert body["reporting_rate"] is None


def test_a_banner_officer_sees_their_banner_only(world, reported, clock):
    clock.set(at(17))
    api = world.api("zuoqi")
    assert api.get(URL).status_code == 404
    body = api.get(f"/api/v1/regions/152921/completeness?date={DAY}").json()
    assert {u["code"] for u in body["units"]} == {"1529210001", "1529210002"}


def test_completeness_of_an_operator_holds_only_their_institution(world, reported, clock):
    clock.set(at(17))
    body = world.api("operator").get(f"/api/v1/regions/152921/completeness?date={DAY}").json()
    assert body["expected"] == 1
    assert [u["code"] for u in body["units"]] == ["1529210001"]


def test_completeness_over_a_range_adds_up_the_days(world, reported, clock):
    the_24th = DAY - datetime.timedelta(days=1)
    report_submit(actor=SYSTEM, institution=world.institutions["1529210001"], day=the_24th,
                  figures=figures(), now=at(9, day=the_24th))  # fmt: skip
    clock.set(at(17))
    url = "/api/v1/regions/152900/completeness-range?start=2022-10-24&end=2022-10-25"
    body = world.api("league").get(url).json()
    assert [d["received"] for d in body["days"]] == [1, 3]
    assert body["expected"] == 10
    assert body["received"] == 4


def test_a_range_too_long_is_refused_naming_the_field(world, regime):
    response = world.api("league").get(
        "/api/v1/regions/152900/completeness-range?start=2022-01-01&end=2022-12-31"
    )
    assert (response.status_code, response.json()["field"]) == (400, "end")


# -- the nation ----------------------------------------------------------------------------


@pytest.fixture
def national(world):
    """A regime for the whole country, and a ministry officer over the nation."""
    regime_create(actor=SYSTEM, name="全国日报告", region_code=NATION_CODE,
                  start_date=datetime.date(2022, 10, 1))  # fmt: skip
    world.users["ministry"] = make_user("ministry", Role.OFFICER, world.regions[NATION_CODE])
    for code, when in [("1529210001", at(9)), ("6201000001", at(16, 30))]:
        report_submit(actor=SYSTEM, institution=world.institutions[code], day=DAY,
                      figures=figures(), now=when)  # fmt: skip
    return world


def test_one_call_gives_the_whole_country_by_province(national, clock):
    clock.set(at(17))
    response = national.api("ministry").get(f"/api/v1/regions/{NATION_CODE}/completeness"
                                            f"?date={DAY}")  # fmt: skip
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["expected"], body["on_time"], body["late"], body["missing"]) == (6, 1, 1, 4)
    provinces = {c["code"]: (c["expected"], c["received"]) for c in body["children"]}
    assert provinces == {"150000": (5, 1), "620000": (1, 1)}


@pytest.mark.parametrize(
    ("national_deadline", "gansu_deadline", "inner_mongolia", "gansu"),
    [
        (datetime.time(16, 0), datetime.time(17, 0), "missing", "pending"),
        (datetime.time(16, 50), datetime.time(16, 30), "pending", "missing"),
    ],
)
def test_a_province_regime_governs_under_the_national_one(
    national, clock, national_deadline, gansu_deadline, inner_mongolia, gansu
):
    """At 16:40 one side's deadline has passed and the other's has not, either way round."""
    ReportingRegime.objects.filter(region__code=NATION_CODE).update(deadline=national_deadline)
    regime_create(actor=SYSTEM, name="甘肃省日报告", region_code="620000",
                  start_date=datetime.date(2022, 10, 1), deadline=gansu_deadline)  # fmt: skip
    make_institution("6201000002", "620100", "兰州市第二社会福利院")
    clock.set(at(16, 40))
    body = national.api("ministry").get(f"/api/v1/regions/{NATION_CODE}/completeness"
                                        f"?date={DAY}").json()  # fmt: skip
    provinces = {c["code"]: c for c in body["children"]}
    assert provinces["150000"][inner_mongolia] == 4
    assert provinces["620000"][gansu] == 1
    statuses = {u["code"]: u["status"] for u in body["units"]}
    assert statuses["1529220001"] == inner_mongolia
    assert statuses["6201000002"] == gansu


def test_a_league_officer_cannot_see_the_nation(national):
    response = national.api("league").get(f"/api/v1/regions/{NATION_CODE}/completeness"
                                          f"?date={DAY}")  # fmt: skip
    assert response.status_code == 404


@pytest.mark.parametrize(("regime_region", "units"), [("152900", ALXA), ("152921", ALXA[:2])])
def test_the_nation_counts_only_what_a_regime_covers(world, clock, regime_region, units):
    """No national regime: a league's (most regions uncovered) or a banner's (few covered)."""
    regime_create(actor=SYSTEM, name="日报告", region_code=regime_region,
                  start_date=datetime.date(2022, 10, 1))  # fmt: skip
    world.users["ministry"] = make_user("ministry", Role.OFFICER, world.regions[NATION_CODE])
    clock.set(at(17))
    body = world.api("ministry").get(f"/api/v1/regions/{NATION_CODE}/completeness"
                                     f"?date={DAY}").json()  # fmt: skip
    assert (body["expected"], body["missing"]) == (len(units), len(units))
    assert sorted(u["code"] for u in body["units"]) == units
    provinces = {c["code"]: c["expected"] for c in body["children"]}
    assert provinces == {"150000": len(units), "620000": 0}
