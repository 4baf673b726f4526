import datetime
import json
import threading
from typing import Any

import pytest
from django import db
from django.db import connection

from fangkong.reporting.models import (
    DailyReport,
    IdempotencyRecord,
    ReportingRegime,
    ReportRevision,
)
from fangkong.reporting.tests.conftest import DAY, at, figures, put

URL = f"/api/v1/institutions/1529210001/daily-reports/{DAY}"


def test_submit_then_read_back_with_status_and_etag(world, regime, clock):
    clock.set(at(15, 59, 59))
    api = world.api("operator")
    created = put(api, "1529210001", DAY, {**figures(), "is_zero": True})
    assert created.status_code == 201
    got = api.get(URL)
    assert got.status_code == 200
    body = got.json()
    assert (body["status"], body["revision"], body["is_zero"]) == ("on_time", 1, True)
    assert body["submitted_at"].startswith("2022-10-25T07:59:59")
    assert got["ETag"] == created["ETag"]


def test_a_zero_report_may_leave_out_the_event_fields(world, regime, clock):
    clock.set(at(10))
    census = {"residents": 180, "staff_on_site": 60, "in_isolation": 0, "tested": 0,
              "ppe_days": 30, "is_zero": True}  # fmt: skip
    response = put(world.api("operator"), "1529210001", DAY, census)
    assert response.status_code == 201
    assert response.json()["fever"] == 0


def test_a_zero_report_with_an_event_is_refused_naming_it(world, regime, clock):
    clock.set(at(10))
    response = put(world.api("operator"), "1529210001", DAY, {**figures(fever=1), "is_zero": True})
    assert response.status_code == 400
    assert (response.json()["field"], response.json()["code"]) == ("fever", "zero_with_events")
    assert not DailyReport.objects.exists()


def test_a_fractional_count_is_refused_naming_it(world, regime, clock):
    clock.set(at(10))
    response = put(world.api("operator"), "1529210001", DAY, figures(visitors=1.5))
    assert response.status_code == 422
    assert response.json()["field"] == "visitors"


def test_a_late_report_says_so(world, regime, clock):
    clock.set(at(16))
    assert put(world.api("operator"), "1529210001", DAY, figures()).json()["status"] == "late"


def test_resubmission_without_if_match_is_428_and_stale_is_412(world, regime, clock):
    clock.set(at(10))
    api = world.api("operator")
    first = put(api, "1529210001", DAY, figures())
    again = put(api, "1529210001", DAY, {**figures(fever=1), "reason": "更正"})
    assert again.status_code == 428
    amended = put(api, "1529210001", DAY, {**figures(fever=1), "reason": "更正"},
                  **{"If-Match": first["ETag"]})  # fmt: skip
    assert amended.status_code == 200
    assert amended.json()["revision"] == 2
    stale = put(api, "1529210001", DAY, {**figures(fever=5), "reason": "再改"},
                **{"If-Match": first["ETag"]})  # fmt: skip
    assert stale.status_code == 412
    assert stale.json()["field"] == "If-Match"
    assert api.get(URL).json()["fever"] == 1


def test_an_amendment_without_reason_names_the_field(world, regime, clock):
    clock.set(at(10))
    api = world.api("operator")
    first = put(api, "1529210001", DAY, figures())
    response = put(api, "1529210001", DAY, figures(fever=1), **{"If-Match": first["ETag"]})
    assert response.status_code == 400
    assert response.json()["field"] == "reason"


def test_the_history_lists_every_revision(world, regime, clock):
    clock.set(at(10))
    api = world.api("operator")
    first = put(api, "1529210001", DAY, figures())
    clock.set(at(17))
    put(api, "1529210001", DAY, {**figures(fever=2), "reason": "补报发热"},
        **{"If-Match": first["ETag"]})  # fmt: skip
    history = api.get(URL + "/revisions").json()
    assert [(r["revision"], r["figures"]["fever"], r["reason"]) for r in history] == [
        (1, 0, ""), (2, 2, "补报发热"),
    ]  # fmt: skip
    assert history[1]["author"] == "operator"


def test_idempotency_key_replays_the_first_response(world, regime, clock):
    clock.set(at(10))
    api = world.api("operator")
    first = put(api, "1529210001", DAY, figures(), **{"Idempotency-Key": "k-1"})
    clock.set(at(16, 30))
    second = put(api, "1529210001", DAY, figures(), **{"Idempotency-Key": "k-1"})
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json() == first.json()
    assert second["ETag"] == first["ETag"]
    assert (DailyReport.objects.count(), ReportRevision.objects.count()) == (1, 1)


def test_idempotency_key_with_another_body_is_refused(world, regime, clock):
    clock.set(at(10))
    api = world.api("operator")
    put(api, "1529210001", DAY, figures(), **{"Idempotency-Key": "k-2"})
    response = put(api, "1529210001", DAY, figures(visitors=3), **{"Idempotency-Key": "k-2"})
    assert response.status_code == 422
    assert response.json()["field"] == "Idempotency-Key"
    assert DailyReport.objects.get().current.visitors == 0


def test_idempotency_keys_belong_to_their_user(world, regime, clock):
    clock.set(at(10))
    put(world.api("operator"), "1529210001", DAY, figures(), **{"Idempotency-Key": "same"})
    response = put(world.api("zuoqi"), "1529210002", DAY, figures(), **{"Idempotency-Key": "same"})
    assert response.status_code == 201
    assert IdempotencyRecord.objects.count() == 2


def test_a_body_larger_than_the_api_accepts_is_413(world, regime, clock):
    clock.set(at(10))
    response = put(world.api("operator"), "1529210001", DAY, {**figures(), "notes": "x" * 70000})
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert not DailyReport.objects.exists()


def test_another_institutions_report_is_404(world, regime, clock):
    clock.set(at(10))
    put(world.api("other_operator"), "1529230001", DAY, figures())
    assert put(world.api("operator"), "1529230001", DAY, figures()).status_code == 404
    assert (
        world.api("operator")
        .get(f"/api/v1/institutions/1529230001/daily-reports/{DAY}")
        .status_code
        == 404
    )
    assert (
        world.api("zuoqi")
        .get(f"/api/v1/institutions/1529230001/daily-reports/{DAY}/revisions")
        .status_code
        == 404
    )


def test_an_absent_report_is_404(world, regime):
    assert world.api("operator").get(URL).status_code == 404


def test_regime_is_created_as_the_contract_says(world):
    body = {"name": "左旗日报告", "region_code": "152921", "start_date": "2022-10-24",
            "end_date": None, "deadline": "16:00", "timezone": "Asia/Shanghai"}  # fmt: skip
    response = world.api("zuoqi").post(
        "/api/v1/regimes", data=json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 201
    assert response.json()["deadline"] == "16:00"


def test_an_officer_cannot_declare_a_regime_for_another_banner(world):
    body = {"name": "越权", "region_code": "152923", "start_date": "2022-10-24"}
    response = world.api("zuoqi").post(
        "/api/v1/regimes", data=json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["field"] == "region_code"


def test_a_date_that_is_not_a_date_is_named(world, regime):
    response = world.api("operator").get("/api/v1/institutions/1529210001/daily-reports/25-10-2022")
    assert response.status_code == 422
    assert response.json()["field"] == "day"


def test_future_day_is_refused(world, regime, clock):
    clock.set(at(10))
    tomorrow = DAY + datetime.timedelta(days=1)
    response = put(world.api("operator"), "1529210001", tomorrow, figures())
    assert (response.status_code, response.json()["code"]) == (400, "future_day")


def test_soft_warnings_are_shown_but_do_not_block(world, regime, clock):
    clock.set(at(10))
    api = world.api("operator")
    put(api, "1529210001", DAY - datetime.timedelta(days=1), figures(residents=80))
    response = put(api, "1529210001", DAY, figures(residents=120))
    assert response.status_code == 201
    warnings = {(w["field"], w["code"]) for w in response.json()["warnings"]}
    assert warnings == {("residents", "above_beds"), ("residents", "sudden_change")}


def test_an_overlong_idempotency_key_is_refused_naming_it(world, regime, clock):
    clock.set(at(10))
    response = put(
        world.api("operator"), "1529210001", DAY, figures(), **{"Idempotency-Key": "k" * 201}
    )
    assert (response.status_code, response.json()["field"]) == (422, "Idempotency-Key")
    assert not DailyReport.objects.exists()


def test_idempotency_records_are_forgotten_after_a_week(world, regime, clock):
    from fangkong.reporting.idempotency import forget_expired

    clock.set(at(10))
    put(world.api("operator"), "1529210001", DAY, figures(), **{"Idempotency-Key": "old"})
    kept_since = IdempotencyRecord.objects.get().created_at
    assert forget_expired(now=kept_since + datetime.timedelta(days=6)) == 0
    assert forget_expired(now=kept_since + datetime.timedelta(days=8)) == 1
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers")
@pytest.mark.parametrize("same_key", [True, False])
def test_twin_submissions_at_once_make_one_report(transactional_db, world, regime, clock,
                                                  same_key):  # fmt: skip
    """Two PUTs of one report race (a client's timeout-retry): one report, no half answer.

    With one Idempotency-Key both get the first answer; with two, the loser is told to amend.
    """
    clock.set(at(10))
    clients = [world.api("operator"), world.api("operator")]
    start = threading.Barrier(2)
    answers: list[Any] = [None, None]

    def submit(index: int) -> None:
        try:
            start.wait()
            key = "twin" if same_key else f"twin-{index}"
            answers[index] = put(clients[index], "1529210001", DAY, figures(),
                                 **{"Idempotency-Key": key})  # fmt: skip
        finally:
            db.connection.close()

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(a.status_code for a in answers)
    if same_key:
        assert statuses == [201, 201]
        assert answers[0].json() == answers[1].json()
        assert sorted(a.get("Idempotent-Replayed", "") for a in answers) == ["", "true"]
    else:
        assert statuses == [201, 428]
    assert (DailyReport.objects.count(), ReportRevision.objects.count()) == (1, 1)
    assert IdempotencyRecord.objects.count() == 1


def test_an_unknown_field_is_refused_naming_it_and_nothing_is_stored(world, regime, clock):
    """A mistyped figure is a lost figure: `fevr` must not leave a zero report behind."""
    clock.set(at(10))
    census = {"residents": 180, "staff_on_site": 60, "in_isolation": 0, "tested": 0,
              "ppe_days": 30, "is_zero": True, "fevr": 4}  # fmt: skip
    response = put(world.api("operator"), "1529210001", DAY, census)
    assert response.status_code == 422
    assert (response.json()["field"], response.json()["code"]) == ("fevr", "unknown_field")
    assert not DailyReport.objects.exists()


@pytest.mark.parametrize("value", [2**31, 2**63, 100_001])
def test_a_count_beyond_the_bound_is_refused_naming_it(world, regime, clock, value):
    clock.set(at(10))
    response = put(world.api("operator"), "1529210001", DAY, figures(visitors=value))
    assert response.status_code == 422
    assert (response.json()["field"], response.json()["code"]) == ("visitors", "too_large")
    assert not DailyReport.objects.exists()


def test_a_count_at_the_bound_is_stored(world, regime, clock):
    clock.set(at(10))
    response = put(world.api("operator"), "1529210001", DAY, figures(visitors=100_000))
    assert response.status_code == 201
    assert DailyReport.objects.get().current.visitors == 100_000


def regime_post(client, **fields):
    body = {"name": "左旗日报告", "region_code": "152921", "start_date": "2022-10-24", **fields}
    return client.post("/api/v1/regimes", data=json.dumps(body), content_type="application/json")


@pytest.mark.parametrize("field", ["deadline", "confirmation_deadline"])
@pytest.mark.parametrize("value", ["16:00+05:00", "16:00Z", "16:00:00", "4pm", "24:00", 960])
def test_a_deadline_is_a_time_of_day_without_offset(world, field, value):
    response = regime_post(world.api("zuoqi"), **{field: value})
    assert response.status_code == 422
    assert response.json()["field"] == field
    assert not ReportingRegime.objects.exists()


def test_a_regime_deadline_with_an_offset_is_refused_by_the_service_too(world):
    from django.core.exceptions import ValidationError

    from fangkong.core.errors import error_items
    from fangkong.core.scoping import SYSTEM
    from fangkong.reporting.services import regime_create

    with pytest.raises(ValidationError) as exc_info:
        regime_create(
            actor=SYSTEM, name="左旗日报告", region_code="152921", start_date=DAY,
            deadline=datetime.time(16, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=5))),
        )  # fmt: skip
    assert error_items(exc_info.value)[0]["field"] == "deadline"
    assert not ReportingRegime.objects.exists()


@pytest.mark.parametrize("name", ["\u200b", " \u3000 ", "\ufeff\u2060\u200c\u200d", "\u00a0"])
def test_a_regime_name_of_invisible_characters_is_refused(world, name):
    response = regime_post(world.api("zuoqi"), name=name)
    assert response.status_code == 422
    assert (response.json()["field"], response.json()["code"]) == ("name", "blank")
    assert not ReportingRegime.objects.exists()


@pytest.mark.parametrize(
    "extra", [{"timezone": "Asia/Shanghai", "fevr": 1}, {"reminder_minutes": "60"}]
)
def test_a_regime_is_refused_for_unknown_or_mistyped_fields(world, extra):
    response = regime_post(world.api("zuoqi"), **extra)
    assert response.status_code == 422
    assert not ReportingRegime.objects.exists()


def test_remarks_with_an_unknown_field_are_refused(world, regime):
    response = world.api("zuoqi").post(
        f"/api/v1/regions/152921/confirmations/{DAY}",
        data=json.dumps({"remarks": "ok", "remark": "typo"}),
        content_type="application/json",
    )
    assert (response.status_code, response.json()["field"]) == (422, "remark")
