import pytest

from fangkong.audit.models import AuditEvent
from fangkong.lab.models import LabExpected, LabResult, LabRound
from fangkong.lab.tests.conftest import START, post, put

ZUOQI_HOME = "1529210001"


@pytest.fixture
def home(people):
    """The operator's home on 20 October 2021 at 08:00: two present, one gone, one to come."""
    return {
        "resident": people.stay("王一", ZUOQI_HOME, "2021-10-01T09:00:00+08:00"),
        "staff": people.stay("王二", ZUOQI_HOME, "2021-09-01T09:00:00+08:00", role="staff"),
        "gone": people.stay("王三", ZUOQI_HOME, "2021-09-01T09:00:00+08:00",
                            "2021-10-20T08:00:00+08:00"),
        "late": people.stay("王四", ZUOQI_HOME, "2021-10-20T09:00:00+08:00"),
    }  # fmt: skip


def open_round(world, persona="zuoqi", **target):
    body = {"name": "第一轮", "started_at": START, "method": "nucleic_acid", **target}
    return post(world.api(persona), "/api/v1/lab-rounds", body)


def test_a_round_expects_the_persons_present_when_it_starts(world, home):
    response = open_round(world, institution_code=ZUOQI_HOME)
    assert response.status_code == 201
    rounds = response.json()["rounds"]
    assert [(r["institution_code"], r["expected"]) for r in rounds] == [(ZUOQI_HOME, 2)]
    expected = set(LabExpected.objects.values_list("person_id", flat=True))
    assert expected == {home["resident"].pk, home["staff"].pk}


def test_a_region_call_opens_one_round_per_institution_open_that_day(world):
    from fangkong.institutions.models import Institution

    Institution.objects.filter(code="1529210002").update(closed_on="2021-10-19")
    response = open_round(world, "league", region_code="152900")
    assert response.status_code == 201
    codes = [r["institution_code"] for r in response.json()["rounds"]]
    assert codes == ["1529210001", "1529220001", "1529230001", "1529710001"]
    assert len({r.campaign_id for r in LabRound.objects.all()}) == 1


def test_a_second_round_of_the_same_name_is_refused(world, home):
    assert open_round(world, institution_code=ZUOQI_HOME).status_code == 201
    again = open_round(world, institution_code=ZUOQI_HOME)
    assert (again.status_code, again.json()["field"]) == (409, "name")
    assert LabRound.objects.count() == 1


def test_a_round_cannot_start_in_the_future(world):
    body = {"institution_code": ZUOQI_HOME, "name": "x", "started_at": "2099-01-01T00:00:00Z",
            "method": "antigen"}  # fmt: skip
    response = post(world.api("zuoqi"), "/api/v1/lab-rounds", body)
    assert (response.status_code, response.json()["field"]) == (400, "started_at")


def test_an_operator_cannot_open_a_campaign_over_a_region(world):
    response = open_round(world, "operator", region_code="152921")
    assert (response.status_code, response.json()["field"]) == (400, "region_code")
    assert not LabRound.objects.exists()


def test_a_round_outside_scope_cannot_be_opened(world):
    response = open_round(world, "ejina", institution_code=ZUOQI_HOME)
    assert (response.status_code, response.json()["field"]) == (400, "institution_code")


@pytest.fixture
def lab_round(world, home):
    return LabRound.objects.get(pk=open_round(world, institution_code=ZUOQI_HOME).json()
                                ["rounds"][0]["id"])  # fmt: skip


def result(world, lab_round, person, persona="operator", **body):
    body = {"sampled_at": "2021-10-20T09:00:00+08:00", "result": "negative", **body}
    return put(world.api(persona), f"/api/v1/lab-rounds/{lab_round.pk}/results/{person.pk}", body)


def test_a_result_is_recorded_then_replaced_and_audited(world, lab_round, home):
    assert result(world, lab_round, home["resident"], result="pending").status_code == 201
    again = result(world, lab_round, home["resident"], result="negative", laboratory="盟医院")
    assert again.status_code == 200
    row = LabResult.objects.get()
    assert (row.result, row.laboratory) == ("negative", "盟医院")
    events = AuditEvent.objects.filter(action="lab_result.record").order_by("pk")
    assert [e.after["result"] for e in events] == ["pending", "negative"]
    assert events.last().before["result"] == "pending"


def test_a_person_not_expected_needs_a_reason(world, lab_round, home):
    response = result(world, lab_round, home["late"])
    assert (response.status_code, response.json()["field"]) == (400, "reason")
    assert not LabResult.objects.exists()
    added = result(world, lab_round, home["late"], reason="入住晚于本轮")
    assert added.status_code == 201
    assert added.json()["added_reason"] == "入住晚于本轮"


@pytest.mark.parametrize("sampled_at", ["2099-10-20T09:00:00+08:00", "2021-10-20T07:59:59+08:00"])
def test_a_sample_time_in_the_future_or_before_the_round_is_refused(
    world, lab_round, home, sampled_at
):
    response = result(world, lab_round, home["resident"], sampled_at=sampled_at)
    assert (response.status_code, response.json()["field"]) == (400, "sampled_at")
    assert not LabResult.objects.exists()


def test_the_round_lists_its_persons_masked_and_its_late_arrivals(world, lab_round, home):
    result(world, lab_round, home["resident"])
    body = world.api("operator").get(f"/api/v1/lab-rounds/{lab_round.pk}").json()
    assert (body["expected"], body["tested"], body["complete"]) == (2, 1, False)
    assert {p["name"] for p in body["persons"]} == {"王一", "王二"}
    assert all("*" in p["id_number_masked"] for p in body["persons"])
    assert [p["person_id"] for p in body["late_arrivals"]] == [home["late"].pk]


@pytest.mark.parametrize("persona", ["ejina", "other_operator"])
def test_a_round_outside_scope_answers_404(world, lab_round, home, persona):
    api = world.api(persona)
    assert api.get(f"/api/v1/lab-rounds/{lab_round.pk}").status_code == 404
    assert result(world, lab_round, home["resident"], persona).status_code == 404
    assert not LabResult.objects.exists()


def test_excusing_needs_an_expected_person(world, lab_round, home):
    api = world.api("operator")
    late = post(api, f"/api/v1/lab-rounds/{lab_round.pk}/excuses/{home['late'].pk}",
                {"reason": "住院"})  # fmt: skip
    assert (late.status_code, late.json()["field"]) == (400, "person_id")
    ok = post(api, f"/api/v1/lab-rounds/{lab_round.pk}/excuses/{home['staff'].pk}",
              {"reason": "住院"})  # fmt: skip
    assert ok.status_code == 200
    assert LabExpected.objects.get(person=home["staff"]).excused_reason == "住院"
