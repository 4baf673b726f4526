"""Follow-up of close contacts: quarantine, planned tests met by the lab's results, symptoms by
day, closing with an outcome; overdue follow-ups reminded once."""

import datetime

import pytest

from fangkong.audit.models import AuditEvent
from fangkong.notifications.models import Dispatch, Notification
from fangkong.people.tests.conftest import moment
from fangkong.screening.models import FollowUp, FollowUpSymptoms
from fangkong.screening.reminders import send_overdue
from fangkong.screening.tests.conftest import lab_result, open_and_classify, post

PLAN = {"quarantine_until": "2021-10-31", "test_days": ["2021-10-25", "2021-10-27"]}


@pytest.fixture
def case(world, timeline):
    return open_and_classify(world, timeline)


def start(world, case, persona="zuoqi", person=None, **body):
    person = person or case["staff"]
    url = f"/api/v1/screenings/{case['screening'].pk}/subjects/{person.pk}/follow-up"
    return post(world.api(persona), url, {**PLAN, **body})


def test_a_close_contact_is_followed_up_with_quarantine_and_planned_tests(world, case):
    response = start(world, case)
    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["quarantine_until"], body["name"]) == (
        "active", "2021-10-31", "护工")  # fmt: skip
    assert [(t["day"], t["state"]) for t in body["tests"]] == [
        ("2021-10-25", "missed"), ("2021-10-27", "missed")]  # fmt: skip
    assert AuditEvent.objects.get(action="followup.start").after["test_days"] == PLAN["test_days"]


def test_a_planned_test_is_met_by_a_result_sampled_that_day_in_local_time(world, case):
    lab_result(world, case["staff"], "2021-10-25T23:30:00+08:00")  # 15:30 UTC, still the 25th
    lab_result(world, case["staff"], "2021-10-28T00:30:00+08:00", "positive")  # the 28th, not 27th
    follow_up = start(world, case).json()
    assert [(t["day"], t["state"], t["result"]) for t in follow_up["tests"]] == [
        ("2021-10-25", "met", "negative"), ("2021-10-27", "missed", None)]  # fmt: skip


def test_only_a_close_contact_is_followed_up_once(world, case):
    general = start(world, case, person=case["visitor"])
    assert (general.status_code, general.json()["field"], general.json()["code"]) == (
        400, "person_id", "not_a_close_contact")  # fmt: skip
    assert start(world, case).status_code == 201
    again = start(world, case)
    assert (again.status_code, again.json()["field"]) == (409, "person_id")
    assert FollowUp.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [({"quarantine_until": "2021-10-16"}, "quarantine_until", "before_window"),
     ({"quarantine_until": "2022-01-01"}, "quarantine_until", "too_long"),
     ({"test_days": ["2021-11-01"]}, "test_days", "outside_follow_up"),
     ({"test_days": ["2021-10-16"]}, "test_days", "outside_follow_up")],
)  # fmt: skip
def test_a_plan_outside_the_follow_up_is_refused_naming_the_field(world, case, body, field, code):
    response = start(world, case, **body)
    assert (response.status_code, response.json()["field"], response.json()["code"]) == (
        400, field, code)  # fmt: skip
    assert not FollowUp.objects.exists()


def test_symptoms_are_recorded_by_day_and_a_second_record_replaces_the_first(world, case):
    follow_up = start(world, case).json()
    url = f"/api/v1/follow-ups/{follow_up['id']}/symptoms"
    api = world.api("operator")  # the institution checks its close contacts every day
    assert post(api, url, {"day": "2021-10-25", "symptoms": []}).status_code == 200
    post(api, url, {"day": "2021-10-26", "symptoms": ["cough"], "temperature": 37.2})
    response = post(api, url, {"day": "2021-10-26", "symptoms": ["fever", "cough"],
                               "temperature": 38.1, "note": "夜间发热"})  # fmt: skip
    assert response.status_code == 200
    assert [(r["day"], r["symptoms"], r["temperature"]) for r in response.json()["symptoms"]] == [
        ("2021-10-25", [], None), ("2021-10-26", ["fever", "cough"], 38.1)]  # fmt: skip
    assert AuditEvent.objects.filter(action="followup.symptoms").count() == 3


@pytest.mark.parametrize(
    ("body", "field"),
    [({"day": "2099-01-01", "symptoms": []}, "day"),
     ({"day": "2021-10-01", "symptoms": []}, "day"),
     ({"day": "2021-10-25", "symptoms": ["headache"]}, "symptoms"),
     ({"day": "2021-10-25", "symptoms": [], "temperature": 50}, "temperature")],
)  # fmt: skip
def test_bad_symptoms_are_refused_naming_the_field(world, case, body, field):
    follow_up = start(world, case).json()
    response = post(world.api("zuoqi"), f"/api/v1/follow-ups/{follow_up['id']}/symptoms", body)
    assert response.status_code in (400, 422)
    assert response.json()["field"] == field
    assert not FollowUpSymptoms.objects.exists()


def test_a_follow_up_is_closed_with_an_outcome_once_by_an_officer(world, case):
    follow_up = start(world, case).json()
    url = f"/api/v1/follow-ups/{follow_up['id']}/close"
    refused = post(world.api("operator"), url, {"outcome": "released"})
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    closed = post(world.api("zuoqi"), url, {"outcome": "released", "note": "隔离期满，两次阴性"})
    assert (closed.status_code, closed.json()["status"], closed.json()["outcome"]) == (
        200, "closed", "released")  # fmt: skip
    assert closed.json()["overdue"] is False
    again = post(world.api("zuoqi"), url, {"outcome": "case"})
    assert (again.status_code, again.json()["field"]) == (400, "status")
    symptoms = post(world.api("zuoqi"), f"/api/v1/follow-ups/{follow_up['id']}/symptoms",
                    {"day": "2021-10-26", "symptoms": []})  # fmt: skip
    assert (symptoms.status_code, symptoms.json()["field"]) == (400, "status")
    assert FollowUp.objects.get().outcome == "released"


def test_a_follow_up_is_overdue_when_a_test_day_passed_without_result(world, case):
    follow_up_id = start(world, case).json()["id"]
    follow_up = world.api("zuoqi").get(f"/api/v1/follow-ups/{follow_up_id}").json()
    assert (follow_up["overdue"], follow_up["overdue_since"]) == (True, "2021-10-25")
    lab_result(world, case["staff"], "2021-10-25T09:00:00+08:00")
    lab_result(world, case["staff"], "2021-10-27T09:00:00+08:00")
    follow_up = world.api("zuoqi").get(f"/api/v1/follow-ups/{follow_up_id}").json()
    # Every test done: overdue only because the quarantine ended without closing.
    assert (follow_up["overdue"], follow_up["overdue_since"]) == (True, "2021-10-31")


def test_an_overdue_follow_up_is_reminded_once_to_the_officers_and_the_institution(world, case):
    start(world, case)
    at = datetime.datetime(2026, 12, 4, 10, tzinfo=datetime.UTC)
    assert send_overdue(now=at) == 1
    assert send_overdue(now=at) == 0
    assert send_overdue(now=at + datetime.timedelta(days=3)) == 0
    dispatch = Dispatch.objects.get(kind="followup_overdue")
    assert dispatch.day == datetime.date(2021, 10, 25)
    told = set(Notification.objects.filter(kind="followup_overdue")
               .values_list("recipient__username", flat=True))  # fmt: skip
    assert told == {"zuoqi", "league", "operator"}
    inbox = Notification.objects.get(recipient__username="zuoqi", kind="followup_overdue")
    assert inbox.link == f"/screenings/follow-ups/{FollowUp.objects.get().pk}/"


def test_a_follow_up_not_yet_due_or_closed_is_not_reminded(world, case):
    follow_up_id = start(world, case).json()["id"]
    before = moment("2021-10-25T08:00:00+08:00")  # the first test day is today
    assert send_overdue(now=before) == 0
    post(world.api("zuoqi"), f"/api/v1/follow-ups/{follow_up_id}/close", {"outcome": "lost"})
    assert send_overdue(now=moment("2021-11-02T08:00:00+08:00")) == 0
    assert not Dispatch.objects.filter(kind="followup_overdue").exists()


def test_the_reminder_run_tells_overdue_follow_ups(world, case):
    from fangkong.reporting.reminders import run_due

    start(world, case)
    assert run_due(now=datetime.datetime(2026, 12, 4, 10, tzinfo=datetime.UTC)).follow_ups == 1
    assert run_due(now=datetime.datetime(2026, 12, 4, 10, tzinfo=datetime.UTC)).follow_ups == 0


def test_the_follow_up_page_on_a_phone_records_symptoms_and_closes(world, case):
    screening = case["screening"]
    client = world.client("zuoqi")
    page = client.get(f"/screenings/{screening.pk}/").content.decode()
    assert 'name="action" value="follow_up"' in page
    response = client.post(f"/screenings/{screening.pk}/", {
        "action": "follow_up", "person": case["staff"].pk, "quarantine_until": "2021-10-31",
        "test_0": "2021-10-25", "test_1": "2021-10-27", "test_2": ""})  # fmt: skip
    follow_up = FollowUp.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/screenings/follow-ups/{follow_up.pk}/"
    assert sorted(str(t.day) for t in follow_up.test_days.all()) == ["2021-10-25", "2021-10-27"]
    operator = world.client("operator")
    url = f"/screenings/follow-ups/{follow_up.pk}/"
    response = operator.post(url, {"action": "symptoms", "day": "2021-10-26",
                                   "symptoms": ["fever"], "temperature": "38.2"})  # fmt: skip
    assert response.status_code == 302
    page = operator.get(url).content.decode()
    assert "发热" in page and "38.2" in page and "护工" in page
    assert 'id="close-form"' not in page  # the institution records, an officer closes
    assert operator.post(url, {"action": "close", "outcome": "released"}).status_code == 403
    response = client.post(url, {"action": "close", "outcome": "released", "note": "期满"})
    assert response.status_code == 302
    assert FollowUp.objects.get().status == "closed"
    assert "解除" in client.get(url).content.decode()


def test_a_refused_follow_up_on_the_page_says_why_and_writes_nothing(world, case):
    screening = case["screening"]
    body = {"action": "follow_up", "person": case["staff"].pk, "quarantine_until": "2021-10-16"}
    response = world.client("zuoqi").post(f"/screenings/{screening.pk}/", body)
    assert response.status_code == 200
    assert "隔离" in response.content.decode()
    assert not FollowUp.objects.exists()


def test_a_lapse_mended_by_a_late_result_leaves_the_next_lapse_to_be_told_once(world, case):
    start(world, case, test_days=["2021-10-25"])
    at = datetime.datetime(2026, 12, 4, 10, tzinfo=datetime.UTC)
    assert send_overdue(now=at) == 1  # the test of the 25th has no result
    lab_result(world, case["staff"], "2021-10-25T09:00:00+08:00")
    assert send_overdue(now=at) == 1  # now: the quarantine ended on the 31st, still active
    assert send_overdue(now=at) == 0
    days = sorted(Dispatch.objects.filter(kind="followup_overdue").values_list("day", flat=True))
    assert days == [datetime.date(2021, 10, 25), datetime.date(2021, 10, 31)]
