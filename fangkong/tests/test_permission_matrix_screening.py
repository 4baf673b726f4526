"""The screening's follow-ups, second ring, line list export and region view: served inside the
caller's scope, 404 outside it, and nothing written from outside."""

import datetime
import json

import pytest

from fangkong.tests.test_permission_matrix import INSIDE, OUTSIDE_CASES, _resident_of

API_URLS = ["/api/v1/follow-ups/{follow_up}", "/api/v1/regions/{region}/screenings"]
PAGES = [
    "/screenings/follow-ups/{follow_up}/",
    "/screenings/regions/{region}/",
    "/screenings/{screening}/line-list.xlsx",
]


def _followed_up(world, institution):
    """A screening of the 7 days since 17 October 2021 whose one resident is a close contact
    followed up."""
    from fangkong.core.scoping import SYSTEM
    from fangkong.screening.services import follow_up_start, screening_create, subject_classify

    person = _resident_of(world, institution)
    start = datetime.datetime(2021, 10, 16, 16, tzinfo=datetime.UTC)
    screening = screening_create(
        actor=SYSTEM, institution=world.institutions[institution], start=start,
        end=start + datetime.timedelta(days=7), reason="R",
    )  # fmt: skip
    subject_classify(actor=SYSTEM, screening=screening, person_id=person.pk,
                     classification="close_contact", reason="R")  # fmt: skip
    until = datetime.date(2021, 10, 31)
    follow_up = follow_up_start(actor=SYSTEM, screening=screening, person_id=person.pk,
                                quarantine_until=until, test_days=[])  # fmt: skip
    return screening, person, follow_up


def _urls(template, region, screening, follow_up):
    return template.format(region=region, screening=screening.pk, follow_up=follow_up.pk)


@pytest.mark.parametrize("url", API_URLS)
@pytest.mark.parametrize("persona", INSIDE)
def test_follow_up_api_serves_objects_inside_scope(world, persona, url):
    region, institution = INSIDE[persona]
    screening, _person, follow_up = _followed_up(world, institution)
    response = world.api(persona).get(_urls(url, region, screening, follow_up))
    assert response.status_code == 200


@pytest.mark.parametrize("url", API_URLS)
@pytest.mark.parametrize(("persona", "region", "institution"), OUTSIDE_CASES)
def test_follow_up_api_answers_404_outside_scope(world, persona, region, institution, url):
    screening, _person, follow_up = _followed_up(world, institution)
    response = world.api(persona).get(_urls(url, region, screening, follow_up))
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize("persona", INSIDE)
def test_follow_up_pages_and_export_serve_objects_inside_scope(world, persona, url):
    region, institution = INSIDE[persona]
    screening, _person, follow_up = _followed_up(world, institution)
    page = world.client(persona).get(_urls(url, region, screening, follow_up))
    assert page.status_code == 200


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize(("persona", "region", "institution"), OUTSIDE_CASES)
def test_follow_up_pages_and_export_answer_404_outside_scope(
    world, persona, region, institution, url
):
    from fangkong.audit.models import AuditEvent

    screening, _person, follow_up = _followed_up(world, institution)
    page = world.client(persona).get(_urls(url, region, screening, follow_up))
    assert page.status_code == 404
    assert not AuditEvent.objects.filter(action="screening.export").exists()


def _post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


@pytest.mark.parametrize(("persona", "region", "institution"), OUTSIDE_CASES)
def test_follow_up_and_ring_writes_answer_404_outside_scope(world, persona, region, institution):
    from fangkong.screening.models import FollowUp, FollowUpSymptoms, Screening

    screening, person, follow_up = _followed_up(world, institution)
    api = world.api(persona)
    answers = [
        _post(api, f"/api/v1/screenings/{screening.pk}/subjects/{person.pk}/follow-up",
              {"quarantine_until": "2021-10-31", "test_days": []}).status_code,
        _post(api, f"/api/v1/follow-ups/{follow_up.pk}/symptoms",
              {"day": "2021-10-25", "symptoms": ["fever"]}).status_code,
        _post(api, f"/api/v1/follow-ups/{follow_up.pk}/close", {"outcome": "released"}).status_code,
        _post(api, f"/api/v1/screenings/{screening.pk}/second-ring", {"reason": "x"}).status_code,
    ]  # fmt: skip
    client = world.client(persona)
    answers += [
        client.post(f"/screenings/follow-ups/{follow_up.pk}/",
                    {"action": "close", "outcome": "released"}).status_code,
        client.post(f"/screenings/{screening.pk}/",
                    {"action": "second_ring", "reason": "x"}).status_code,
    ]  # fmt: skip
    assert answers == [404] * 6
    assert FollowUp.objects.get().status == "active"
    assert not FollowUpSymptoms.objects.exists()
    assert Screening.objects.count() == 1


@pytest.mark.parametrize("persona", INSIDE)
def test_operators_record_symptoms_but_only_officers_close_and_open_rings(world, persona):
    _region, institution = INSIDE[persona]
    screening, _person, follow_up = _followed_up(world, institution)
    api = world.api(persona)
    symptoms = _post(api, f"/api/v1/follow-ups/{follow_up.pk}/symptoms",
                     {"day": "2021-10-25", "symptoms": []})  # fmt: skip
    ring = _post(api, f"/api/v1/screenings/{screening.pk}/second-ring", {"reason": "x"})
    close = _post(api, f"/api/v1/follow-ups/{follow_up.pk}/close", {"outcome": "released"})
    officer = "operator" not in persona
    assert symptoms.status_code == 200
    assert (ring.status_code, close.status_code) == ((201, 200) if officer else (403, 403))


def _referred(world, institution):
    """A second ring referred to `institution` from a screening there (its resident the close
    contact), as the officers of another scope would leave it."""
    from fangkong.screening.models import RingReferral

    screening, person, follow_up = _followed_up(world, institution)
    referral = RingReferral.objects.create(
        parent=screening, institution=world.institutions[institution], start=screening.start,
        end=screening.end, reason="R",
    )  # fmt: skip
    referral.index_persons.set([person])
    return referral, follow_up


@pytest.mark.parametrize("persona", INSIDE)
def test_a_referral_is_served_inside_scope(world, persona):
    _region, institution = INSIDE[persona]
    referral, _follow_up = _referred(world, institution)
    assert world.api(persona).get(f"/api/v1/ring-referrals/{referral.pk}").status_code == 200
    assert world.client(persona).get(f"/screenings/referrals/{referral.pk}/").status_code == 200


@pytest.mark.parametrize(("persona", "region", "institution"), OUTSIDE_CASES)
def test_referral_and_plan_answer_404_outside_scope(world, persona, region, institution):
    from fangkong.screening.models import FollowUpPlanRevision, Screening

    referral, follow_up = _referred(world, institution)
    api, client = world.api(persona), world.client(persona)
    answers = [
        api.get(f"/api/v1/ring-referrals/{referral.pk}").status_code,
        _post(api, f"/api/v1/ring-referrals/{referral.pk}/open", {"reason": "x"}).status_code,
        _post(api, f"/api/v1/follow-ups/{follow_up.pk}/plan",
              {"quarantine_until": "2021-11-01", "test_days": [], "reason": "x"}).status_code,
        client.get(f"/screenings/referrals/{referral.pk}/").status_code,
        client.post(f"/screenings/referrals/{referral.pk}/", {"reason": "x"}).status_code,
        client.post(f"/screenings/follow-ups/{follow_up.pk}/",
                    {"action": "plan", "quarantine_until": "2021-11-01",
                     "reason": "x"}).status_code,
    ]  # fmt: skip
    assert answers == [404] * 6
    assert Screening.objects.count() == 1
    assert FollowUpPlanRevision.objects.count() == 1


@pytest.mark.parametrize("persona", INSIDE)
def test_only_officers_open_referred_rings_and_change_plans(world, persona):
    _region, institution = INSIDE[persona]
    referral, follow_up = _referred(world, institution)
    api = world.api(persona)
    opened = _post(api, f"/api/v1/ring-referrals/{referral.pk}/open", {"reason": "x"})
    plan = _post(api, f"/api/v1/follow-ups/{follow_up.pk}/plan",
                 {"quarantine_until": "2021-11-01", "test_days": [], "reason": "x"})  # fmt: skip
    officer = "operator" not in persona
    assert (opened.status_code, plan.status_code) == ((201, 200) if officer else (403, 403))
