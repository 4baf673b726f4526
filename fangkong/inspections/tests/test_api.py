"""The contract's endpoints (DESIGN.md, "Inspections") and the reads around them."""

import pytest

from fangkong.inspections.models import Inspection, Rectification, SpotCheckDraw
from fangkong.inspections.tests.conftest import post

BODY = {
    "institution_code": "1529210001", "method": "on_site", "unannounced": True,
    "done_at": "2021-10-25T10:00:00+08:00",
    "answers": [{"item": 1, "result": "pass", "note": ""},
                {"item": 4, "result": "fail", "note": "门岗无登记"},
                {"item": 24, "result": "na", "note": ""}],
}  # fmt: skip


def _record(world, persona="zuoqi", **changes):
    return post(world.api(persona), "/api/v1/inspections", {**BODY, **changes})


def test_recording_answers_201_with_one_open_rectification_per_failed_item(world):
    response = _record(world)
    assert response.status_code == 201
    body = response.json()
    assert [(r["item"], r["status"], r["due_date"]) for r in body["rectifications"]] == [
        (4, "open", "2021-10-26")
    ]
    assert Inspection.objects.get(pk=body["id"]).unannounced is True


def test_the_inspection_reads_back_with_its_answers(world):
    created = _record(world).json()
    body = world.api("operator").get(f"/api/v1/inspections/{created['id']}").json()
    assert [(a["item"], a["result"]) for a in body["answers"]] == [(1, "pass"), (4, "fail"),
                                                                   (24, "na")]  # fmt: skip
    assert body["inspectors"] == ["zuoqi"]
    assert body["checklist_version"] == 1


def test_fix_then_verify_through_the_api(world):
    rid = _record(world).json()["rectifications"][0]["id"]
    fixed = post(world.api("operator"), f"/api/v1/rectifications/{rid}/fix",
                 {"evidence": "已安排专人登记"})  # fmt: skip
    assert (fixed.status_code, fixed.json()["status"]) == (200, "fixed")
    verified = post(world.api("zuoqi"), f"/api/v1/rectifications/{rid}/verify",
                    {"accepted": True, "note": "现场核实"})  # fmt: skip
    assert (verified.status_code, verified.json()["status"]) == (200, "verified")


def test_a_refused_verification_reopens_it(world):
    rid = _record(world).json()["rectifications"][0]["id"]
    post(world.api("operator"), f"/api/v1/rectifications/{rid}/fix", {"evidence": "已整改"})
    back = post(world.api("league"), f"/api/v1/rectifications/{rid}/verify",
                {"accepted": False, "note": "仍未登记"})  # fmt: skip
    assert back.json()["status"] == "open"
    assert [e["to_status"] for e in back.json()["events"]] == ["open", "fixed", "open"]


def test_verifying_ones_own_fix_answers_400_own_fix(world):
    rid = _record(world).json()["rectifications"][0]["id"]
    post(world.api("zuoqi"), f"/api/v1/rectifications/{rid}/fix", {"evidence": "代为整改"})
    response = post(world.api("zuoqi"), f"/api/v1/rectifications/{rid}/verify",
                    {"accepted": True, "note": ""})  # fmt: skip
    assert response.status_code == 400
    assert response.json()["code"] == "own_fix"
    assert Rectification.objects.get(pk=rid).status == "fixed"


def test_fixing_a_verified_rectification_answers_400(world):
    rid = _record(world).json()["rectifications"][0]["id"]
    post(world.api("operator"), f"/api/v1/rectifications/{rid}/fix", {"evidence": "已整改"})
    post(world.api("zuoqi"), f"/api/v1/rectifications/{rid}/verify", {"accepted": True})
    response = post(world.api("operator"), f"/api/v1/rectifications/{rid}/fix",
                    {"evidence": "再次整改"})  # fmt: skip
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == ("transition_not_allowed",
                                                                   "status")  # fmt: skip


def test_an_operator_verifying_answers_403(world):
    rid = _record(world).json()["rectifications"][0]["id"]
    post(world.api("zuoqi"), f"/api/v1/rectifications/{rid}/fix", {"evidence": "已整改"})
    response = post(world.api("operator"), f"/api/v1/rectifications/{rid}/verify",
                    {"accepted": True})  # fmt: skip
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("changes", "status", "field"),
    [
        ({"answers": [{"item": 25, "result": "fail", "note": ""}]}, 400, "answers"),
        ({"answers": [{"item": 3, "result": "pass", "note": ""},
                      {"item": 3, "result": "fail", "note": ""}]}, 400, "answers"),
        ({"done_at": "2099-01-01T10:00:00+08:00"}, 400, "done_at"),
        ({"done_at": "2021-10-25T10:00:00"}, 422, "done_at"),
        ({"method": "letter"}, 422, "method"),
        ({"answers": [{"item": 4, "result": "bad", "note": ""}]}, 422, "result"),
        ({"answers": [{"item": 4, "result": "fail", "note": "", "due_date": "2021-10-24"}]},
         400, "answers"),
        ({"institution_code": "1529230001"}, 404, "institution_code"),
        ({"institution_code": "9999999999"}, 404, "institution_code"),
        ({"answers": []}, 422, "answers"),
    ],
)  # fmt: skip
def test_bad_input_is_refused_naming_the_field_and_nothing_written(world, changes, status, field):
    response = _record(world, **changes)
    assert response.status_code == status
    assert response.json()["field"] == field
    assert not Inspection.objects.exists() and not Rectification.objects.exists()


def test_an_operator_recording_an_inspection_is_refused(world):
    assert _record(world, "operator").status_code == 404
    assert not Inspection.objects.exists()


def test_the_institutions_inspections_and_rectifications_are_listed(world):
    _record(world)
    items = world.api("operator").get("/api/v1/institutions/1529210001/inspections").json()
    assert [(i["method"], i["failed"]) for i in items["items"]] == [("on_site", 1)]
    rows = world.api("league").get("/api/v1/regions/152900/rectifications?status=open").json()
    assert [r["institution_code"] for r in rows["items"]] == ["1529210001"]
    overdue = world.api("league").get("/api/v1/regions/152900/rectifications?status=overdue")
    assert overdue.json()["count"] == 1  # due 26 October 2021, long past
    verified = world.api("league").get("/api/v1/regions/152900/rectifications?status=verified")
    assert verified.json()["count"] == 0


def test_a_region_lists_only_the_rectifications_its_reader_may_see(world):
    _record(world)
    rows = world.api("ejina").get("/api/v1/regions/152923/rectifications").json()
    assert rows["count"] == 0


def test_a_draw_answers_its_seed_and_institutions_and_is_listed(world):
    response = post(world.api("zuoqi"), "/api/v1/regions/152921/spot-checks",
                    {"count": 2, "method": "video", "seed": 7})  # fmt: skip
    assert response.status_code == 201
    body = response.json()
    assert body["seed"] == 7
    assert sorted(body["institutions"]) == ["1529210001", "1529210002"]
    again = post(world.api("zuoqi"), "/api/v1/regions/152921/spot-checks",
                 {"count": 1, "method": "phone", "seed": 7})  # fmt: skip
    listed = world.api("zuoqi").get("/api/v1/regions/152921/spot-checks").json()
    assert [d["id"] for d in listed["items"]] == [again.json()["id"], body["id"]]


@pytest.mark.parametrize("count", [0, 3])
def test_a_draw_of_too_few_or_too_many_is_refused(world, count):
    response = post(world.api("zuoqi"), "/api/v1/regions/152921/spot-checks",
                    {"count": count, "method": "video"})  # fmt: skip
    assert response.status_code in (400, 422)
    assert response.json()["field"] == "count"
    assert not SpotCheckDraw.objects.exists()


def test_a_draw_out_of_scope_answers_404(world):
    response = post(world.api("ejina"), "/api/v1/regions/152921/spot-checks",
                    {"count": 1, "method": "video"})  # fmt: skip
    assert response.status_code == 404
    assert not SpotCheckDraw.objects.exists()
