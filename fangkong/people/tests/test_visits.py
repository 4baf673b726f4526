"""Visits and admissions ask the closures' entry check (through institutions.entry)."""

import pytest

from fangkong.audit.models import AuditEvent
from fangkong.closures.tests.conftest import closed  # noqa: F401 - a fixture
from fangkong.core.scoping import SYSTEM
from fangkong.people.models import Visit
from fangkong.people.services import person_register
from fangkong.people.tests.conftest import VISITOR, post, ric_number

VISITS = "/api/v1/institutions/1529210001/visits"
STAYS = "/api/v1/institutions/1529210001/stays"
DURING = "2021-10-20T10:00:00+08:00"


@pytest.fixture
def visitor(world):
    """王五, known to the system; the operator and 阿拉善左旗's officer typed his number."""
    person = person_register(actor=SYSTEM, name="王五", id_number=VISITOR).person
    for persona in ("operator", "zuoqi"):
        person_register(actor=world.users[persona], name="王五", id_number=VISITOR)
    return person


def test_a_visit_outside_closures_is_registered(world, visitor):
    body = {"person_id": visitor.pk, "check_in": "2021-10-10T10:00:00+08:00", "temperature": 36.5,
            "came_from": "巴彦浩特"}  # fmt: skip
    response = post(world.api("operator"), VISITS, body)
    assert response.status_code == 201
    assert response.json()["temperature"] == 36.5


@pytest.mark.usefixtures("closed")
def test_a_visit_during_a_full_closure_is_refused(world, visitor):
    response = post(world.api("operator"), VISITS, {"person_id": visitor.pk, "check_in": DURING})
    assert response.status_code == 422
    assert response.json()["code"] == "entry_refused"
    assert not Visit.objects.exists()


@pytest.mark.usefixtures("closed")
def test_an_officers_exception_lets_a_visit_in_and_is_audited(world, visitor):
    body = {"person_id": visitor.pk, "check_in": DURING, "exception_reason": "临终探视"}
    response = post(world.api("zuoqi"), VISITS, body)
    assert response.status_code == 201
    assert response.json()["exception_reason"] == "临终探视"
    event = AuditEvent.objects.get(action="visit.exception")
    assert event.after["exception_reason"] == "临终探视"


@pytest.mark.usefixtures("closed")
def test_an_operator_may_not_make_an_exception(world, visitor):
    body = {"person_id": visitor.pk, "check_in": DURING, "exception_reason": "家属坚持"}
    assert post(world.api("operator"), VISITS, body).status_code == 403


@pytest.mark.usefixtures("closed")
def test_an_admission_during_a_closure_is_refused(world):
    person = person_register(
        actor=world.users["operator"], name="赵六", id_number=ric_number(sequence="041")
    )
    body = {"person_id": person.person.pk, "role": "resident", "start": DURING}
    response = post(world.api("operator"), STAYS, body)
    assert (response.status_code, response.json()["code"]) == (422, "entry_refused")


def test_a_temperature_out_of_bounds_is_refused(world, visitor):
    body = {"person_id": visitor.pk, "check_in": "2021-10-10T10:00:00+08:00", "temperature": 50}
    response = post(world.api("operator"), VISITS, body)
    assert (response.status_code, response.json()["field"]) == (422, "temperature")


def test_the_visits_of_a_day(world, visitor):
    api = world.api("operator")
    post(api, VISITS, {"person_id": visitor.pk, "check_in": "2021-10-10T23:30:00+08:00"})
    assert api.get(VISITS, {"date": "2021-10-10"}).json()["count"] == 1
    assert api.get(VISITS, {"date": "2021-10-11"}).json()["count"] == 0


def test_a_visit_puts_the_visitor_in_the_institutions_scope(world, visitor):
    assert world.api("zuoqi").get(f"/api/v1/persons/{visitor.pk}").status_code == 404
    post(world.api("operator"), VISITS, {"person_id": visitor.pk,
                                        "check_in": "2021-10-10T10:00:00+08:00"})  # fmt: skip
    assert world.api("zuoqi").get(f"/api/v1/persons/{visitor.pk}").status_code == 200
    assert world.api("ejina").get(f"/api/v1/persons/{visitor.pk}").status_code == 404
