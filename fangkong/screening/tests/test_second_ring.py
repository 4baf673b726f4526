"""The second ring: the close contacts' own contacts, as a new screening linked to the first."""

import pytest

from fangkong.audit.models import AuditEvent
from fangkong.screening.models import Screening
from fangkong.screening.tests.conftest import HOME, open_and_classify, post


@pytest.fixture
def case(world, timeline):
    found = open_and_classify(world, timeline)
    # A visitor of the carer (the close contact) after the index person left: a contact of a
    # contact; and one who came while nobody of them was there.
    found["carer_visitor"] = timeline.person("护工家属")
    timeline.visit(found["carer_visitor"], HOME, "2021-10-21T09:00:00+08:00",
                   "2021-10-21T09:30:00+08:00")  # fmt: skip
    return found


def ring(world, screening, persona="zuoqi", **body):
    body = {"reason": "密接的接触者", "end": "2021-11-01T00:00:00+08:00", **body}
    return post(world.api(persona), f"/api/v1/screenings/{screening.pk}/second-ring", body)


def test_the_second_ring_takes_the_close_contacts_as_index_persons(world, case):
    response = ring(world, case["screening"])
    assert response.status_code == 201
    body = response.json()
    assert (body["parent_id"], body["index_person_ids"]) == (case["screening"].pk,
                                                             [case["staff"].pk])  # fmt: skip
    second = Screening.objects.get(pk=body["id"])
    assert (second.parent, second.institution.code, second.start) == (
        case["screening"], HOME, case["screening"].start)  # fmt: skip
    event = AuditEvent.objects.get(action="screening.second_ring")
    assert event.after["parent"] == case["screening"].pk


def test_the_second_ring_proposes_contacts_of_a_contact_never_applies_them(world, case):
    ring_id = ring(world, case["screening"]).json()["id"]
    rows = world.api("zuoqi").get(f"/api/v1/screenings/{ring_id}/subjects").json()
    proposed = {row["person_id"]: row["proposed"] for row in rows}
    assert proposed[case["carer_visitor"].pk] == "contact_of_contact"
    assert proposed[case["staff"].pk] is None  # an index person of the ring
    assert all(row["classification"] is None for row in rows)


def test_both_screenings_show_their_link(world, case):
    first = case["screening"]
    ring_id = ring(world, first).json()["id"]
    api = world.api("zuoqi")
    assert api.get(f"/api/v1/screenings/{first.pk}").json()["second_ring_id"] == ring_id
    assert api.get(f"/api/v1/screenings/{ring_id}").json()["parent_id"] == first.pk
    client = world.client("zuoqi")
    assert f'href="/screenings/{ring_id}/" id="second-ring-link"' in client.get(
        f"/screenings/{first.pk}/").content.decode()  # fmt: skip
    second_page = client.get(f"/screenings/{ring_id}/").content.decode()
    assert f'href="/screenings/{first.pk}/" id="parent-link"' in second_page
    assert "护工" in second_page


def test_a_second_ring_is_opened_once_and_needs_close_contacts(world, case, timeline):
    assert ring(world, case["screening"]).status_code == 201
    again = ring(world, case["screening"])
    assert (again.status_code, again.json()["field"]) == (409, "screening")
    of_ring = ring(world, Screening.objects.get(parent=case["screening"]))
    assert (of_ring.status_code, of_ring.json()["code"]) == (400, "is_second_ring")
    from fangkong.screening.services import screening_create

    bare = screening_create(actor=world.users["zuoqi"], institution=case["screening"].institution,
                            start=case["screening"].start, end=case["screening"].end,
                            reason="无密接")  # fmt: skip
    none = ring(world, bare)
    assert (none.status_code, none.json()["code"]) == (400, "no_close_contacts")
    assert Screening.objects.count() == 3


def test_an_operator_may_not_open_a_second_ring(world, case):
    response = ring(world, case["screening"], "operator")
    assert (response.status_code, response.json()["code"]) == (403, "forbidden")
    assert Screening.objects.count() == 1


def test_the_second_ring_is_opened_from_the_page(world, case):
    client = world.client("zuoqi")
    url = f"/screenings/{case['screening'].pk}/"
    assert 'id="second-ring"' in client.get(url).content.decode()
    response = client.post(url, {"action": "second_ring", "reason": "次密接排查"})
    second = Screening.objects.get(parent=case["screening"])
    assert response.status_code == 302 and response["Location"] == f"/screenings/{second.pk}/"
    assert 'id="second-ring"' not in client.get(url).content.decode()
