"""Planned inspections: planned by an officer, listed as planned on the region's and the
inspector's pages, carried out or cancelled with a reason, late past their time; an
unannounced one hidden from the institution until it is carried out."""

import datetime
import re

import pytest
from django.utils import timezone

from fangkong.audit.models import AuditEvent
from fangkong.core.scoping import SYSTEM
from fangkong.inspections.models import Inspection, InspectionPlan, PlanStatus
from fangkong.inspections.plans import plan_cancel, plan_create
from fangkong.inspections.services import AnswerIn, inspection_record
from fangkong.inspections.tests.conftest import post

SOON = datetime.timedelta(days=2)


def _plan(code="1529210001", *, unannounced=False, actor=SYSTEM, late=False, inspectors=None):
    now = timezone.now()
    if late:  # planned two days ago for yesterday
        return plan_create(actor=actor, institution=code, method="on_site",
                           planned_at=now - datetime.timedelta(days=1), unannounced=unannounced,
                           inspectors=inspectors, now=now - SOON)  # fmt: skip
    return plan_create(actor=actor, institution=code, method="video", planned_at=now + SOON,
                       unannounced=unannounced, inspectors=inspectors)  # fmt: skip


def _body(**changes):
    at = (timezone.localtime() + SOON).replace(microsecond=0)
    return {"institution_code": "1529210001", "method": "on_site", "planned_at": at.isoformat(),
            "unannounced": False, "inspectors": ["inspector"], **changes}  # fmt: skip


def _carry_out(plan, actor, **changes):
    return inspection_record(
        actor=actor, institution=plan.institution, method="on_site", unannounced=False,
        done_at=timezone.now() - datetime.timedelta(minutes=1), plan=plan,
        answers=[AnswerIn(item=1, result="pass")], **changes,
    )  # fmt: skip


def test_an_officer_plans_an_inspection_through_the_api(world, inspector):
    response = post(world.api("zuoqi"), "/api/v1/inspection-plans", _body())
    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["late"], body["inspectors"], body["planned_by"]) == (
        "planned", False, ["inspector"], "zuoqi")  # fmt: skip
    assert AuditEvent.objects.filter(action="inspection.plan").count() == 1


@pytest.mark.parametrize(
    ("changes", "status", "field"),
    [
        ({"planned_at": "2021-10-25T10:00:00+08:00"}, 400, "planned_at"),  # in the past
        ({"planned_at": "2099-10-25T10:00:00+08:00"}, 400, "planned_at"),  # too far ahead
        ({"planned_at": "2030-10-25T10:00:00"}, 422, "planned_at"),  # no offset
        ({"method": "letter"}, 422, "method"),
        ({"inspectors": ["nobody"]}, 400, "inspectors"),
        ({"institution_code": "1529230001"}, 404, "institution_code"),  # another banner
    ],
)
def test_a_bad_plan_is_refused_naming_the_field_and_nothing_written(
    world, inspector, changes, status, field
):
    response = post(world.api("zuoqi"), "/api/v1/inspection-plans", _body(**changes))
    assert (response.status_code, response.json()["field"]) == (status, field)
    assert not InspectionPlan.objects.exists()


@pytest.mark.parametrize("persona", ["operator", "inspector"])
def test_only_officers_plan(world, inspector, persona):
    response = post(world.api(persona), "/api/v1/inspection-plans", _body())
    assert response.status_code in (403, 404)
    assert not InspectionPlan.objects.exists()


def test_a_plan_is_listed_for_the_region_and_its_inspector(world, inspector):
    plan = _plan(inspectors=["inspector"])
    region = world.api("league").get("/api/v1/regions/152900/inspection-plans").json()
    assert [p["id"] for p in region["items"]] == [plan.pk]
    mine = world.api("inspector").get("/api/v1/inspection-plans").json()
    assert [p["id"] for p in mine["items"]] == [plan.pk]
    assert world.api("zuoqi").get("/api/v1/inspection-plans").json()["count"] == 0
    page = world.client("inspector").get("/inspections/plans/mine/").content.decode()
    assert f'id="plan-{plan.pk}"' in page
    region_page = world.client("zuoqi").get("/inspections/regions/152921/plans/").content.decode()
    assert f'id="plan-{plan.pk}"' in region_page and "计划督查" in region_page


def test_a_plan_past_its_time_is_late(world):
    late, soon = _plan(late=True), _plan()
    rows = world.api("zuoqi").get("/api/v1/regions/152921/inspection-plans?status=late").json()
    assert [p["id"] for p in rows["items"]] == [late.pk]
    assert world.api("zuoqi").get(f"/api/v1/inspection-plans/{soon.pk}").json()["late"] is False
    page = world.client("zuoqi").get("/inspections/regions/152921/plans/").content.decode()
    late_row = page.split(f'id="plan-{late.pk}"')[1].split("</li>")[0]
    soon_row = page.split(f'id="plan-{soon.pk}"')[1].split("</li>")[0]
    assert "逾期" in late_row and "逾期" not in soon_row
    region_page = world.client("zuoqi").get("/inspections/regions/152921/").content.decode()
    assert "1 项逾期" in region_page


def test_carrying_out_a_plan_records_the_inspection_against_it(world, inspector):
    plan = _plan(inspectors=["inspector"], unannounced=True)
    body = {"institution_code": "1529210001", "method": "video", "unannounced": False,
            "done_at": timezone.localtime().replace(microsecond=0).isoformat(),
            "answers": [{"item": 1, "result": "pass", "note": ""}], "plan_id": plan.pk}  # fmt: skip
    response = post(world.api("inspector"), "/api/v1/inspections", body)
    assert response.status_code == 201
    inspection = Inspection.objects.get(pk=response.json()["id"])
    plan.refresh_from_db()
    assert (plan.status, plan.inspection_id) == (PlanStatus.DONE, inspection.pk)
    assert inspection.planned_at == plan.planned_at and inspection.unannounced
    assert [u.username for u in inspection.inspectors.all()] == ["inspector"]
    again = post(world.api("inspector"), "/api/v1/inspections", body)
    assert (again.status_code, again.json()["field"]) == (400, "plan_id")
    assert Inspection.objects.count() == 1


def test_a_plan_of_another_institution_is_refused(world):
    plan = _plan("1529210002")
    body = {"institution_code": "1529210001", "method": "video", "unannounced": False,
            "done_at": timezone.localtime().replace(microsecond=0).isoformat(),
            "answers": [{"item": 1, "result": "pass", "note": ""}], "plan_id": plan.pk}  # fmt: skip
    response = post(world.api("zuoqi"), "/api/v1/inspections", body)
    assert (response.status_code, response.json()["field"]) == (400, "plan_id")
    assert not Inspection.objects.exists()


def test_the_phone_form_carries_a_plan_out(world, inspector):
    plan = _plan(inspectors=["inspector"])
    client = world.client("inspector")
    url = f"/inspections/institutions/1529210001/new/?plan={plan.pk}"
    page = client.get(url).content.decode()
    assert 'id="carrying-out"' in page
    assert re.search(r'value="video"[^>]*checked', page)
    data = {"method": "video", "done_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")}
    data |= {f"result_{n}": "pass" for n in range(1, 25)}
    response = client.post(url, data)
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DONE


def test_a_plan_is_cancelled_with_a_reason(world):
    plan = _plan()
    url = f"/api/v1/inspection-plans/{plan.pk}/cancel"
    without = post(world.api("zuoqi"), url, {"reason": "   "})
    assert (without.status_code, without.json()["field"]) == (400, "reason")
    response = post(world.api("zuoqi"), url, {"reason": "疫情封控, 改为视频抽查"})
    assert (response.status_code, response.json()["status"]) == (200, "cancelled")
    assert response.json()["cancelled_by"] == "zuoqi"
    twice = post(world.api("zuoqi"), url, {"reason": "再次取消"})
    assert (twice.status_code, twice.json()["field"]) == (400, "status")
    page = world.client("zuoqi").get(f"/inspections/plans/{plan.pk}/").content.decode()
    assert "疫情封控" in page and 'id="carry-out"' not in page


def test_a_cancelled_plan_cannot_be_carried_out(world, inspector):
    plan = plan_cancel(actor=SYSTEM, plan=_plan(), reason="取消")
    with pytest.raises(Exception) as refused:
        _carry_out(plan, inspector)
    assert "plan_id" in str(refused.value)
    assert not Inspection.objects.exists()


def test_the_cancel_page_form_cancels(world):
    plan = _plan()
    response = world.client("zuoqi").post(f"/inspections/plans/{plan.pk}/cancel/",
                                          {"reason": "人员调整"})  # fmt: skip
    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.status, plan.cancel_reason) == (PlanStatus.CANCELLED, "人员调整")


@pytest.mark.parametrize("persona", ["operator", "inspector"])
def test_only_officers_cancel(world, inspector, persona):
    plan = _plan()
    response = post(world.api(persona), f"/api/v1/inspection-plans/{plan.pk}/cancel",
                    {"reason": "不去了"})  # fmt: skip
    assert response.status_code == 403
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PLANNED


def test_an_unannounced_plan_is_hidden_from_the_institution_until_carried_out(
    world, inspector, liaison
):
    secret, announced = _plan(unannounced=True), _plan()
    for persona in ("operator", "liaison"):
        api, client = world.api(persona), world.client(persona)
        listed = api.get("/api/v1/institutions/1529210001/inspection-plans").json()
        assert [p["id"] for p in listed["items"]] == [announced.pk]
        assert api.get(f"/api/v1/inspection-plans/{secret.pk}").status_code == 404
        region = api.get("/api/v1/regions/152921/inspection-plans").json()
        assert secret.pk not in [p["id"] for p in region["items"]]
        assert client.get(f"/inspections/plans/{secret.pk}/").status_code == 404
        page = client.get("/inspections/institutions/1529210001/").content.decode()
        assert f'id="plan-{secret.pk}"' not in page and f'id="plan-{announced.pk}"' in page
    assert world.api("zuoqi").get(f"/api/v1/inspection-plans/{secret.pk}").status_code == 200
    _carry_out(secret, inspector)
    after = world.api("operator").get(f"/api/v1/inspection-plans/{secret.pk}")
    assert (after.status_code, after.json()["status"]) == (200, "done")


def test_plans_out_of_scope_answer_404(world):
    plan = _plan()
    api = world.api("ejina")
    assert api.get(f"/api/v1/inspection-plans/{plan.pk}").status_code == 404
    assert api.get("/api/v1/regions/152921/inspection-plans").status_code == 404
    cancel = post(api, f"/api/v1/inspection-plans/{plan.pk}/cancel", {"reason": "x"})
    assert cancel.status_code == 404
    assert world.client("ejina").get(f"/inspections/plans/{plan.pk}/").status_code == 404
    plan.refresh_from_db()
    assert plan.status == PlanStatus.PLANNED
