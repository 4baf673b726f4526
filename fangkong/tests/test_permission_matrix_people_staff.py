"""The permission matrix for staff (employments, shifts, the census) and the export of persons
(fangkong/people): inside the caller's scope they answer, outside 404, and nothing is written."""

import datetime
import json

import pytest

from fangkong.tests.test_permission_matrix import INSIDE, OUTSIDE_CASES, _resident_of

STAFF_API_URLS = [
    "/api/v1/institutions/{institution}/employments",
    "/api/v1/institutions/{institution}/employments?at=2021-10-18T12:00:00%2B08:00",
    "/api/v1/institutions/{institution}/shifts?date=2021-10-18",
    "/api/v1/institutions/{institution}/census?date=2021-10-18",
]
STAFF_PAGES = [
    "/people/institutions/{institution}/staff/",
    "/people/institutions/{institution}/export/",
]


def _employment_of(world, institution):
    """The resident's employment (they also work there), with no shift yet."""
    from fangkong.core.scoping import SYSTEM
    from fangkong.people.staff import employment_create

    person = _resident_of(world, institution)
    start = datetime.datetime(2021, 9, 1, tzinfo=datetime.UTC)
    return employment_create(actor=SYSTEM, institution=world.institutions[institution],
                             person=person, start=start)  # fmt: skip


@pytest.mark.parametrize("url", STAFF_API_URLS)
@pytest.mark.parametrize("persona", ["league", "zuoqi", "ejina", "operator", "other_operator"])
def test_staff_api_serves_objects_inside_scope(world, persona, url):
    _region, institution = INSIDE[persona]
    _employment_of(world, institution)
    response = world.api(persona).get(url.format(institution=institution))
    assert response.status_code == 200


@pytest.mark.parametrize("url", STAFF_API_URLS)
@pytest.mark.parametrize(("persona", "region", "institution"), OUTSIDE_CASES)
def test_staff_api_answers_404_outside_scope(world, persona, region, institution, url):
    _employment_of(world, institution)
    response = world.api(persona).get(url.format(institution=institution))
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


@pytest.mark.parametrize(("persona", "region", "institution"), OUTSIDE_CASES)
def test_staff_writes_answer_404_outside_scope(world, persona, region, institution):
    from fangkong.people.models import Employment, Shift

    employment = _employment_of(world, institution)
    api = world.api(persona)
    bodies = [
        (f"/api/v1/institutions/{institution}/employments",
         {"person_id": employment.person_id, "start": "2022-10-10T10:00:00+08:00"}),
        (f"/api/v1/institutions/{INSIDE[persona][1]}/employments",
         {"person_id": employment.person_id, "start": "2022-10-10T10:00:00+08:00"}),
        (f"/api/v1/employments/{employment.pk}/shifts",
         {"start": "2021-10-18T08:00:00+08:00", "end": "2021-10-18T16:00:00+08:00"}),
        (f"/api/v1/employments/{employment.pk}/end", {"end": "2022-01-01T00:00:00Z"}),
    ]  # fmt: skip
    for url, body in bodies:
        response = api.post(url, data=json.dumps(body), content_type="application/json")
        assert response.status_code == 404, url
    assert (Employment.objects.count(), Shift.objects.count()) == (1, 0)
    assert Employment.objects.get().end is None


@pytest.mark.parametrize("url", STAFF_PAGES)
@pytest.mark.parametrize("persona", INSIDE)
def test_staff_pages_serve_objects_inside_scope(world, persona, url):
    _region, institution = INSIDE[persona]
    _employment_of(world, institution)
    page = world.client(persona).get(url.format(institution=institution))
    assert page.status_code == 200


@pytest.mark.parametrize("url", STAFF_PAGES)
@pytest.mark.parametrize(("persona", "region", "institution"), OUTSIDE_CASES)
def test_staff_pages_answer_404_outside_scope(world, persona, region, institution, url):
    _employment_of(world, institution)
    page = world.client(persona).get(url.format(institution=institution))
    assert page.status_code == 404


@pytest.mark.parametrize(("persona", "region", "institution"), OUTSIDE_CASES)
def test_staff_page_writes_answer_404_outside_scope(world, persona, region, institution):
    from fangkong.people.models import Shift

    employment = _employment_of(world, institution)
    client = world.client(persona)
    shift = client.post(f"/people/employments/{employment.pk}/shifts/",
                        {"start": "2021-10-18T08:00", "end": "2021-10-18T16:00"})  # fmt: skip
    assert shift.status_code == 404
    assert not Shift.objects.exists()


@pytest.mark.parametrize(("persona", "region", "institution"), OUTSIDE_CASES)
def test_persons_cannot_be_exported_outside_scope(world, persona, region, institution):
    from fangkong.audit.models import AuditEvent

    _employment_of(world, institution)
    response = world.client(persona).post(
        f"/people/institutions/{institution}/export/",
        {"kinds": ["residents", "staff"], "reason": "x", "reveal": "on"},
    )
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action__in=["person.export", "person.reveal"]).exists()


@pytest.mark.parametrize("persona", ["league", "zuoqi", "ejina", "operator", "other_operator"])
def test_officers_and_operators_export_inside_scope(world, persona):
    _region, institution = INSIDE[persona]
    _employment_of(world, institution)
    response = world.client(persona).post(
        f"/people/institutions/{institution}/export/", {"kinds": ["staff"], "reason": "x"}
    )
    assert (response.status_code, response["Content-Disposition"][:10]) == (200, "attachment")
