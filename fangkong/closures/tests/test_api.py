import datetime
import json
import threading
from typing import Any

import pytest
from django import db
from django.db import connection
from django.utils import timezone

from fangkong.closures import services
from fangkong.closures.models import Closure, GateEvent

BODY = {
    "region_code": "152900",
    "start_date": "2021-10-18",
    "level": "full",
    "basis": {"title": "关于全盟养老机构实施封闭管理的通知", "number": "阿民发〔2021〕1号",
              "date": "2021-10-17"},
}  # fmt: skip


def post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_a_league_officer_closes_the_league_in_one_request(world):
    response = post(world.api("league"), "/api/v1/closures", BODY)
    assert response.status_code == 201, response.json()
    closures = response.json()["closures"]
    assert {c["institution_code"] for c in closures} == {
        "1529210001", "1529210002", "1529220001", "1529230001", "1529710001"
    }  # fmt: skip
    first = closures[0]
    assert first["id"] and first["level"] == "full" and first["end_date"] is None
    assert first["basis"] == BODY["basis"]
    assert first["ordered_by"] == "league"


def test_the_basis_may_be_the_notices_title_alone(world):
    body = {**BODY, "region_code": None, "institution_code": "1529210001", "basis": "院内通知"}
    response = post(world.api("zuoqi"), "/api/v1/closures", body)
    assert response.status_code == 201
    assert response.json()["closures"][0]["basis"] == {"title": "院内通知", "number": "",
                                                       "date": None}  # fmt: skip


def test_an_overlapping_closure_answers_409_overlap(world):
    assert post(world.api("league"), "/api/v1/closures", BODY).status_code == 201
    again = {**BODY, "region_code": None, "institution_code": "1529210001",
             "start_date": "2021-11-01"}  # fmt: skip
    response = post(world.api("zuoqi"), "/api/v1/closures", again)
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "overlap" and body["field"] == "start_date"
    assert body["errors"] == [{"code": "overlap", "message": body["message"],
                               "field": "start_date"}]  # fmt: skip
    assert Closure.objects.count() == 5


def test_an_end_before_the_start_is_named(world):
    response = post(world.api("league"), "/api/v1/closures", {**BODY, "end_date": "2021-10-01"})
    assert response.status_code == 400
    assert response.json()["field"] == "end_date"
    assert not Closure.objects.exists()


def test_entry_check_answers_allowed_and_reason(world):
    post(world.api("league"), "/api/v1/closures", BODY)
    api = world.api("operator")
    url = "/api/v1/institutions/1529210001/entry-check"
    visit = api.get(url, {"at": "2021-10-25T10:00:00+08:00", "purpose": "visit"}).json()
    assert visit["allowed"] is False and visit["reason"]
    staff = api.get(url, {"at": "2021-10-25T10:00:00+08:00", "purpose": "staff"}).json()
    assert staff["allowed"] is True and staff["conditions"]
    before = api.get(url, {"at": "2021-10-17T15:59:59Z", "purpose": "visit"}).json()
    assert before["allowed"] is True and before["closure_id"] is None


def test_a_moment_without_its_offset_is_refused(world):
    response = world.api("operator").get(
        "/api/v1/institutions/1529210001/entry-check",
        {"at": "2021-10-25T10:00:00", "purpose": "visit"},
    )
    assert response.status_code == 422
    assert response.json()["field"] == "at" and response.json()["code"] == "invalid_moment"


def test_an_unencoded_plus_in_the_query_is_read_as_the_offset(world):
    post(world.api("league"), "/api/v1/closures", BODY)
    response = world.api("operator").get(
        "/api/v1/institutions/1529210001/entry-check?at=2021-10-25T10:00:00+08:00&purpose=visit"
    )
    assert response.status_code == 200 and response.json()["allowed"] is False


def gate_body(**changes):
    at = timezone.now() - datetime.timedelta(minutes=5)
    return {"at": at.isoformat(), "direction": "in", "purpose": "visit", "person_name": "王五",
            **changes}  # fmt: skip


def test_a_refused_entry_answers_422_entry_refused_and_writes_nothing(world):
    post(world.api("league"), "/api/v1/closures", BODY)
    response = post(world.api("operator"), "/api/v1/institutions/1529210001/gate-events",
                    gate_body())  # fmt: skip
    assert response.status_code == 422
    assert response.json()["code"] == "entry_refused"
    assert not GateEvent.objects.exists()


def test_a_refused_exit_answers_422_exit_refused(world):
    post(world.api("league"), "/api/v1/closures", BODY)
    response = post(world.api("operator"), "/api/v1/institutions/1529210001/gate-events",
                    gate_body(direction="out", purpose="staff"))  # fmt: skip
    assert response.status_code == 422 and response.json()["code"] == "exit_refused"


def test_an_officers_exception_is_registered_and_listed_for_the_bureau(world):
    post(world.api("league"), "/api/v1/closures", BODY)
    response = post(world.api("zuoqi"), "/api/v1/institutions/1529210001/gate-events",
                    gate_body(exception_reason="临终探视", temperature=36.5))  # fmt: skip
    assert response.status_code == 201, response.json()
    event = response.json()
    assert event["exception_by"] == "zuoqi" and event["temperature"] == 36.5
    day = timezone.localdate(datetime.datetime.fromisoformat(event["at"])).isoformat()
    listed = world.api("league").get("/api/v1/regions/152900/gate-exceptions", {"date": day})
    assert [e["id"] for e in listed.json()] == [event["id"]]
    register = world.api("operator").get(
        "/api/v1/institutions/1529210001/gate-events", {"date": day}
    )
    assert [e["exception_reason"] for e in register.json()] == ["临终探视"]


def test_staff_enter_a_full_closure_as_its_rules_say(world):
    post(world.api("league"), "/api/v1/closures", BODY)
    response = post(world.api("operator"), "/api/v1/institutions/1529210001/gate-events",
                    gate_body(purpose="staff", test_proof="核酸阴性 10-24",
                              temperature=36.6))  # fmt: skip
    assert response.status_code == 201
    assert response.json()["outcome"] == "conditional"


def test_a_gate_event_outside_any_closure_names_at(world):
    response = post(world.api("operator"), "/api/v1/institutions/1529210001/gate-events",
                    gate_body())  # fmt: skip
    assert response.status_code == 400 and response.json()["field"] == "at"


def test_lift_ends_the_region_closures(world):
    post(world.api("league"), "/api/v1/closures", BODY)
    response = post(world.api("league"), "/api/v1/closures/lift", {
        "region_code": "152900", "end_date": "2021-11-30", "basis": "解除封闭管理的通知"
    })  # fmt: skip
    assert response.status_code == 200
    assert {c["end_date"] for c in response.json()["closures"]} == {"2021-11-30"}
    listed = world.api("zuoqi").get("/api/v1/regions/152921/closures?date=2021-12-01").json()
    assert listed["count"] == 0
    listed = world.api("zuoqi").get("/api/v1/regions/152921/closures?date=2021-11-30").json()
    assert {c["institution_code"] for c in listed["items"]} == {"1529210001", "1529210002"}


@pytest.mark.parametrize("persona", ["operator", "zuoqi", "league"])
def test_the_rule_table_is_served(world, persona):
    rows = world.api(persona).get("/api/v1/entry-rules").json()
    assert len(rows) == 20


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers")
def test_two_officers_closing_one_institution_at_once_make_one_closure(
    transactional_db, world, monkeypatch
):
    """Both pass the service's check before either inserts: the exclusion constraint decides.

    Each waits for the other right after `_refuse_overlap`, so that the database's guard, not
    the service's check, refuses the second.
    """
    clients = [world.api("zuoqi"), world.api("league")]
    start = threading.Barrier(2, timeout=10)
    checked = threading.Barrier(2, timeout=10)
    answers: list[Any] = [None, None]
    body = {**BODY, "region_code": None, "institution_code": "1529210001"}
    refuse_overlap = services._refuse_overlap

    def refuse_overlap_then_wait(*args: Any) -> None:
        refuse_overlap(*args)
        checked.wait()

    monkeypatch.setattr(services, "_refuse_overlap", refuse_overlap_then_wait)

    def close(index: int) -> None:
        try:
            start.wait()
            answers[index] = post(clients[index], "/api/v1/closures", body)
        finally:
            db.connection.close()

    threads = [threading.Thread(target=close, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(a.status_code for a in answers) == [201, 409]
    loser = next(a for a in answers if a.status_code == 409)
    assert (loser.json()["code"], loser.json()["field"]) == ("overlap", "start_date")
    assert Closure.objects.count() == 1


def test_a_region_order_answers_with_the_institutions_it_skipped(world):
    post(world.api("league"), "/api/v1/closures",
         {**BODY, "region_code": None, "institution_code": "1529230001"})  # fmt: skip
    body = post(world.api("league"), "/api/v1/closures", BODY).json()
    assert [unit["code"] for unit in body["skipped"]] == ["1529230001"]
    assert "1529230001" not in {c["institution_code"] for c in body["closures"]}


def test_entry_check_with_what_the_passage_shows_checks_the_conditions(world):
    post(world.api("league"), "/api/v1/closures", BODY)
    url = "/api/v1/institutions/1529210001/entry-check"
    at = {"at": "2021-10-25T10:00:00+08:00", "purpose": "staff"}
    api = world.api("operator")
    assert api.get(url, at).json()["requires"] == ["test_proof", "temperature"]
    fever = api.get(url, {**at, "temperature": 37.8, "test_proof": "核酸阴性"}).json()
    assert fever["allowed"] is False and fever["field"] == "temperature"
    fine = api.get(url, {**at, "temperature": 36.5, "test_proof": "核酸阴性"}).json()
    assert fine["allowed"] is True and fine["field"] is None


def test_a_moment_with_an_offset_no_clock_has_is_refused(world):
    url = "/api/v1/institutions/1529210001/entry-check"
    response = world.api("operator").get(url, {"at": "2021-10-25T10:00:00+21:04",
                                                "purpose": "visit"})  # fmt: skip
    assert response.status_code == 422 and response.json()["field"] == "at"
    east = {"at": "2021-10-25T10:00:00+14:00", "purpose": "visit"}  # Kiribati's
    assert world.api("operator").get(url, east).status_code == 200
