"""A follow-up's plan changed by an officer with a reason: the earlier plan kept as a revision,
audited, refused once closed, and the overdue reminders following the new plan."""

import datetime

import pytest

from fangkong.audit.models import AuditEvent
from fangkong.notifications.models import Dispatch
from fangkong.screening.models import FollowUp, FollowUpPlanRevision
from fangkong.screening.reminders import send_overdue
from fangkong.screening.selectors import follow_up_state
from fangkong.screening.tests.conftest import open_and_classify, post

PLAN = {"quarantine_until": "2021-10-31", "test_days": ["2021-10-25", "2021-10-27"]}
NEW = {"quarantine_until": "2021-11-03", "test_days": ["2021-10-27", "2021-11-02"],
       "reason": "末次接触推后"}  # fmt: skip


@pytest.fixture
def follow_up(world, timeline):
    case = open_and_classify(world, timeline)
    url = f"/api/v1/screenings/{case['screening'].pk}/subjects/{case['staff'].pk}/follow-up"
    return post(world.api("zuoqi"), url, PLAN).json()["id"]


def change(world, follow_up, persona="zuoqi", **body):
    return post(world.api(persona), f"/api/v1/follow-ups/{follow_up}/plan", {**NEW, **body})


def test_a_changed_plan_keeps_the_earlier_one_as_a_revision(world, follow_up):
    response = change(world, follow_up)
    assert response.status_code == 200
    body = response.json()
    assert body["quarantine_until"] == "2021-11-03"
    assert [t["day"] for t in body["tests"]] == NEW["test_days"]
    assert [(p["revision"], p["quarantine_until"], p["test_days"], p["reason"], p["author"])
            for p in body["plans"]] == [
        (1, "2021-10-31", PLAN["test_days"], "", "zuoqi"),
        (2, "2021-11-03", NEW["test_days"], "末次接触推后", "zuoqi"),
    ]  # fmt: skip
    event = AuditEvent.objects.get(action="followup.plan")
    assert event.before == {"quarantine_until": "2021-10-31", "test_days": PLAN["test_days"]}
    assert (event.after["reason"], event.after["revision"]) == ("末次接触推后", 2)


def test_a_plan_started_before_revisions_existed_is_kept_too(world, follow_up):
    FollowUpPlanRevision.objects.all().delete()
    body = change(world, follow_up).json()
    assert [(p["revision"], p["quarantine_until"]) for p in body["plans"]] == [
        (1, "2021-10-31"), (2, "2021-11-03")]  # fmt: skip


@pytest.mark.parametrize(
    ("body", "status", "field", "code"),
    [({"reason": "  "}, None, "reason", None),
     ({"quarantine_until": "2021-10-16"}, 400, "quarantine_until", "before_window"),
     ({"test_days": ["2021-11-20"]}, 400, "test_days", "outside_follow_up"),
     ({**PLAN, "reason": "无变化"}, 400, "quarantine_until", "unchanged")],
)  # fmt: skip
def test_a_plan_change_is_refused_naming_the_field(world, follow_up, body, status, field, code):
    response = change(world, follow_up, **body)
    assert response.status_code in ((400, 422) if status is None else (status,))
    assert response.json()["field"] == field
    if code:
        assert response.json()["code"] == code
    assert FollowUp.objects.get().quarantine_until == datetime.date(2021, 10, 31)
    assert FollowUpPlanRevision.objects.count() == 1


def test_a_closed_follow_up_keeps_its_plan(world, follow_up):
    post(world.api("zuoqi"), f"/api/v1/follow-ups/{follow_up}/close", {"outcome": "released"})
    response = change(world, follow_up)
    assert (response.status_code, response.json()["field"], response.json()["code"]) == (
        400, "status", "closed")  # fmt: skip
    assert not AuditEvent.objects.filter(action="followup.plan").exists()


def test_an_operator_may_not_change_a_plan(world, follow_up):
    response = change(world, follow_up, "operator")
    assert (response.status_code, response.json()["code"]) == (403, "forbidden")
    assert FollowUpPlanRevision.objects.count() == 1


def test_the_overdue_reminders_follow_the_new_plan(world, follow_up):
    on_26th = datetime.datetime(2021, 10, 26, 4, tzinfo=datetime.UTC)  # noon, 26 October
    # The test of the 25th was missed; the new plan drops it and ends later.
    change(world, follow_up)
    assert send_overdue(now=on_26th) == 0
    state = follow_up_state(FollowUp.objects.get(), datetime.date(2021, 10, 26))
    assert [(t.day.isoformat(), t.state) for t in state.tests] == [
        ("2021-10-27", "planned"), ("2021-11-02", "planned")]  # fmt: skip
    assert not state.overdue
    # Past the old quarantine's end, not the new one's: still not overdue.
    assert send_overdue(now=datetime.datetime(2021, 11, 1, 4, tzinfo=datetime.UTC)) == 1
    assert Dispatch.objects.get(kind="followup_overdue").day == datetime.date(2021, 10, 27)


def test_without_a_change_the_old_plan_is_overdue(world, follow_up):
    on_26th = datetime.datetime(2021, 10, 26, 4, tzinfo=datetime.UTC)
    assert send_overdue(now=on_26th) == 1
    assert Dispatch.objects.get(kind="followup_overdue").day == datetime.date(2021, 10, 25)


def test_the_plan_is_changed_from_the_follow_up_page(world, follow_up):
    client = world.client("zuoqi")
    url = f"/screenings/follow-ups/{follow_up}/"
    page = client.get(url).content.decode()
    assert 'id="plan-form"' in page and 'value="2021-10-31"' in page
    response = client.post(url, {"action": "plan", "quarantine_until": "2021-11-03",
                                 "test_0": "2021-10-27", "reason": "末次接触推后"})  # fmt: skip
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "末次接触推后" in page and "2021-11-03" in page
    assert FollowUpPlanRevision.objects.count() == 2
    operator = world.client("operator").get(url).content.decode()
    assert 'id="plan-form"' not in operator
