import datetime
import threading
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import ngettext

from fangkong.accounts.models import Role, RoleGrant
from fangkong.accounts.services import token_create
from fangkong.audit.models import AuditEvent
from fangkong.core.scoping import SYSTEM
from fangkong.liaison import services
from fangkong.liaison.models import LiaisonAssignment
from fangkong.liaison.services import assignment_create, assignment_end, roles_sync
from fangkong.liaison.tests.conftest import DAY, assign, post


def liaison_grants(user):
    return set(
        RoleGrant.objects.filter(user=user, role=Role.LIAISON).values_list(
            "institution__code", flat=True
        )
    )


def test_assigning_makes_the_official_liaison_of_the_institution(world, leaders):
    response = assign(world.api("league"), "1529210001", "wang", "league")
    assert response.status_code == 201
    body = response.json()
    assert (body["institution_code"], body["username"], body["level"]) == (
        "1529210001",
        "wang",
        "league",
    )
    assert body["start_date"] == "2021-10-18" and body["end_date"] is None
    assert body["warnings"] == []
    assert liaison_grants(leaders["wang"]) == {"1529210001"}
    event = AuditEvent.objects.get(action="liaison.assign")
    assert event.after["official"] == "wang" and event.actor.username == "league"
    # The official now sees the institution, and only it.
    official = Client()
    official.force_login(leaders["wang"])
    assert official.get("/institutions/1529210001/").status_code == 200
    assert official.get("/institutions/1529210002/").status_code == 404


def test_an_overlap_at_the_same_level_is_a_conflict_naming_the_start(world, leaders):
    api = world.api("league")
    assert assign(api, "1529210001", "wang", "league", end="2021-10-31").status_code == 201
    response = assign(api, "1529210001", "li", "league", start="2021-10-31")
    assert response.status_code == 409
    assert (response.json()["code"], response.json()["field"]) == ("overlap", "start_date")
    assert "wang" in response.json()["message"] or "王局长" in response.json()["message"]
    assert LiaisonAssignment.objects.count() == 1
    assert liaison_grants(leaders["li"]) == set()


def test_the_next_day_and_the_other_level_are_free(world, leaders):
    api = world.api("league")
    assert assign(api, "1529210001", "wang", "league", end="2021-10-31").status_code == 201
    assert assign(api, "1529210001", "li", "league", start="2021-11-01").status_code == 201
    assert assign(api, "1529210001", "zhao", "banner").status_code == 201
    assert LiaisonAssignment.objects.count() == 3


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ((DAY, None), (DAY + datetime.timedelta(days=400), None)),  # an open end runs on
        ((DAY, DAY), (DAY, DAY)),  # one day each
        ((DAY + datetime.timedelta(days=5), None), (DAY, DAY + datetime.timedelta(days=5))),
    ],
)
def test_the_database_itself_refuses_an_overlap(world, leaders, first, second):
    """Written past the service, as a second officer's insert racing the first would be."""
    institution = world.institutions["1529210001"]
    LiaisonAssignment.objects.create(official=leaders["wang"], institution=institution,
                                     level="league", start_date=first[0],
                                     end_date=first[1])  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        LiaisonAssignment.objects.create(official=leaders["li"], institution=institution,
                                         level="league", start_date=second[0],
                                         end_date=second[1])  # fmt: skip
    assert LiaisonAssignment.objects.count() == 1


def test_the_database_refuses_an_update_into_an_overlap(world, leaders):
    institution = world.institutions["1529210001"]
    LiaisonAssignment.objects.create(official=leaders["wang"], institution=institution,
                                     level="league", start_date=DAY, end_date=DAY)  # fmt: skip
    later = LiaisonAssignment.objects.create(
        official=leaders["li"], institution=institution, level="league",
        start_date=DAY + datetime.timedelta(days=1),
    )  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        LiaisonAssignment.objects.filter(pk=later.pk).update(start_date=DAY)


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"end_date": "2021-10-17"}, "end_date", "end_first"),
        ({"username": "nobody"}, "username", "unknown_user"),
        ({"institution_code": "1529219999"}, "institution_code", "unknown_institution"),
        # Another province's institution answers as an absent one.
        ({"institution_code": "6201000001"}, "institution_code", "unknown_institution"),
        # A user whose grants lie elsewhere (兰州's officer) answers as an unknown one.
        ({"username": "lanzhou"}, "username", "unknown_user"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(
    world, leaders, body, field, code
):
    from fangkong.conftest import make_user

    make_user("lanzhou", Role.OFFICER, world.regions["620100"])
    full = {"institution_code": "1529210001", "username": "wang", "level": "league",
            "start_date": "2021-10-18", **body}  # fmt: skip
    response = post(world.api("league"), "/api/v1/liaison-assignments", full)
    assert response.status_code == 400
    assert {(e["field"], e["code"]) for e in response.json()["errors"]} == {(field, code)}
    assert not LiaisonAssignment.objects.exists()
    assert not AuditEvent.objects.filter(action="liaison.assign").exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [({"level": "province"}, "level"), ({"start_date": "2021-10-32"}, "start_date"),
     ({"extra": 1}, "extra")],
)  # fmt: skip
def test_malformed_input_is_refused_by_the_schema(world, leaders, body, field):
    full = {"institution_code": "1529210001", "username": "wang", "level": "league",
            "start_date": "2021-10-18", **body}  # fmt: skip
    response = post(world.api("league"), "/api/v1/liaison-assignments", full)
    assert (response.status_code, response.json()["field"]) == (422, field)
    assert not LiaisonAssignment.objects.exists()


def test_a_banner_officer_cannot_assign_in_another_banner(world, leaders):
    response = assign(world.api("zuoqi"), "1529230001", "zhao", "banner")
    assert (response.status_code, response.json()["field"]) == (400, "institution_code")
    assert not LiaisonAssignment.objects.exists()


def test_an_operator_cannot_assign_at_their_own_institution(world, leaders):
    response = assign(world.api("operator"), "1529210001", "zhao", "banner")
    assert (response.status_code, response.json()["field"]) == (400, "institution_code")


def test_a_second_institution_at_one_level_is_a_warning_not_a_refusal(world, leaders):
    api = world.api("league")
    assert assign(api, "1529210001", "wang", "league").status_code == 201
    response = assign(api, "1529220001", "wang", "league")
    assert response.status_code == 201
    [warning] = response.json()["warnings"]
    assert (warning["code"], warning["field"]) == ("several_institutions", "username")
    assert "阿拉善左旗社会福利中心" in warning["message"]


def test_ending_in_the_past_takes_the_role_back_at_once(world, leaders):
    assignment = assignment_create(actor=SYSTEM, institution_code="1529210001", username="wang",
                                   level="league", start_date=DAY)  # fmt: skip
    response = post(world.api("league"), f"/api/v1/liaison-assignments/{assignment.pk}/end",
                    {"end_date": "2021-10-31"})  # fmt: skip
    assert response.status_code == 200
    assert response.json()["end_date"] == "2021-10-31"
    assert liaison_grants(leaders["wang"]) == set()
    assert AuditEvent.objects.filter(action="liaison.end").count() == 1
    assert AuditEvent.objects.filter(action="user.revoke").count() == 1


def test_ending_later_keeps_the_role_until_the_day_after_the_last(world, leaders):
    now = datetime.datetime(2021, 10, 20, 9, tzinfo=datetime.UTC)
    assignment = assignment_create(actor=SYSTEM, institution_code="1529210001", username="wang",
                                   level="league", start_date=DAY)  # fmt: skip
    assignment_end(actor=SYSTEM, assignment=assignment, end_date=datetime.date(2021, 10, 25),
                   now=now)  # fmt: skip
    assert liaison_grants(leaders["wang"]) == {"1529210001"}
    assert roles_sync(today=datetime.date(2021, 10, 25)) == (0, 0)
    assert liaison_grants(leaders["wang"]) == {"1529210001"}
    assert roles_sync(today=datetime.date(2021, 10, 26)) == (0, 1)
    assert liaison_grants(leaders["wang"]) == set()


def test_the_role_stays_while_another_assignment_there_runs(world, leaders):
    first = assignment_create(actor=SYSTEM, institution_code="1529210001", username="wang",
                              level="league", start_date=DAY)  # fmt: skip
    assignment_create(actor=SYSTEM, institution_code="1529210001", username="wang",
                      level="banner", start_date=DAY)  # fmt: skip
    assignment_end(actor=SYSTEM, assignment=first, end_date=DAY)
    assert liaison_grants(leaders["wang"]) == {"1529210001"}


@pytest.mark.parametrize(
    ("end", "code"), [("2021-10-17", "end_first"), ("2021-11-30", "end_later")]
)
def test_an_end_before_the_start_or_after_the_end_is_refused(world, leaders, end, code):
    assignment = assignment_create(actor=SYSTEM, institution_code="1529210001", username="wang",
                                   level="league", start_date=DAY,
                                   end_date=datetime.date(2021, 11, 1))  # fmt: skip
    response = post(world.api("league"), f"/api/v1/liaison-assignments/{assignment.pk}/end",
                    {"end_date": end})  # fmt: skip
    assert (response.status_code, response.json()["field"], response.json()["code"]) == (
        400,
        "end_date",
        code,
    )
    assignment.refresh_from_db()
    assert assignment.end_date == datetime.date(2021, 11, 1)


def test_the_liaison_may_read_but_not_end_their_assignment(world, leaders):
    assignment = assignment_create(actor=SYSTEM, institution_code="1529210001", username="wang",
                                   level="league", start_date=DAY)  # fmt: skip
    _token, secret = token_create(actor=SYSTEM, user=leaders["wang"])
    api = Client(headers={"authorization": f"Bearer {secret}"})
    assert api.get(f"/api/v1/liaison-assignments/{assignment.pk}").status_code == 200
    response = post(api, f"/api/v1/liaison-assignments/{assignment.pk}/end",
                    {"end_date": "2021-10-20"})  # fmt: skip
    assert response.status_code == 403
    assignment.refresh_from_db()
    assert assignment.end_date is None


def test_the_institutions_assignments_are_listed(world, leaders):
    api = world.api("league")
    assign(api, "1529210001", "wang", "league")
    assign(api, "1529210001", "zhao", "banner")
    listed = api.get("/api/v1/institutions/1529210001/liaison-assignments").json()
    assert [(a["level"], a["username"]) for a in listed] == [("banner", "zhao"), ("league", "wang")]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers")
@pytest.mark.django_db(transaction=True)
def test_two_officers_assigning_at_once_make_one_liaison(world, leaders, monkeypatch):
    """Both read no overlap, then both insert: the exclusion constraint lets exactly one commit.

    Each waits for the other after its check and before its insert, so that the database's
    guard, not the service's check, decides.
    """
    clients = [world.api("league"), world.api("league")]
    start = threading.Barrier(2, timeout=10)
    checked = threading.Barrier(2, timeout=10)
    answers: list[Any] = [None, None]
    insert = services._insert

    def insert_after_both_checked(**fields):
        checked.wait()
        return insert(**fields)

    monkeypatch.setattr(services, "_insert", insert_after_both_checked)

    def attempt(index: int) -> None:
        try:
            start.wait()
            answers[index] = assign(clients[index], "1529210001", ["wang", "li"][index], "league")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(a.status_code for a in answers) == [201, 409]
    loser = next(a for a in answers if a.status_code == 409)
    assert (loser.json()["code"], loser.json()["field"]) == ("overlap", "start_date")
    assert LiaisonAssignment.objects.count() == 1
    winner = LiaisonAssignment.objects.get().official
    assert RoleGrant.objects.filter(role=Role.LIAISON).get().user == winner


def one_other() -> str:  # the API answers in Chinese by default
    with translation.override("zh-hans"):
        return ngettext("%(count)d other institution", "%(count)d other institutions", 1) % {
            "count": 1
        }


def test_the_warning_names_no_institution_outside_the_callers_scope(world, leaders):
    # zhao was banner liaison of 额济纳旗's and of 左旗's 敬老院 in October (ended: no role left).
    for code in ("1529230001", "1529210002"):
        assignment_create(actor=SYSTEM, institution_code=code, username="zhao", level="banner",
                          start_date=DAY, end_date=datetime.date(2021, 10, 31))  # fmt: skip
    assert liaison_grants(leaders["zhao"]) == set()
    response = assign(world.api("zuoqi"), "1529210001", "zhao", "banner")
    assert response.status_code == 201
    [warning] = response.json()["warnings"]
    assert warning["code"] == "several_institutions"
    assert "阿拉善左旗巴彦浩特镇敬老院" in warning["message"]
    assert one_other() in warning["message"]
    assert "额济纳" not in response.content.decode()
    # Only the hidden one: counted, not named.
    LiaisonAssignment.objects.filter(institution__code="1529210002").delete()
    LiaisonAssignment.objects.filter(institution__code="1529210001").delete()
    response = assign(world.api("zuoqi"), "1529210001", "zhao", "banner")
    [warning] = response.json()["warnings"]
    assert one_other() in warning["message"] and "额济纳" not in warning["message"]
    # The league's officer sees both and names both.
    LiaisonAssignment.objects.filter(institution__code="1529210001").delete()
    response = assign(world.api("league"), "1529210001", "zhao", "banner")
    [warning] = response.json()["warnings"]
    assert "额济纳旗社会福利中心" in warning["message"] and one_other() not in warning["message"]


def test_the_assignment_page_names_no_institution_outside_the_callers_scope(world, leaders):
    assignment_create(actor=SYSTEM, institution_code="1529230001", username="zhao",
                      level="banner", start_date=DAY,
                      end_date=datetime.date(2021, 10, 31))  # fmt: skip
    page = world.client("zuoqi").post(
        "/liaison/institution/1529210001/",
        {"username": "zhao", "level": "banner", "start_date": "2021-10-18"},
        follow=True,
    )
    assert page.status_code == 200
    assert LiaisonAssignment.objects.filter(institution__code="1529210001").exists()
    assert "额济纳" not in page.content.decode()


def test_an_assignment_starting_tomorrow_gives_the_role_on_its_first_day(world, leaders):
    today = timezone.localdate()
    tomorrow = today + datetime.timedelta(days=1)
    assignment = assignment_create(actor=SYSTEM, institution_code="1529210001", username="wang",
                                   level="league", start_date=tomorrow)  # fmt: skip
    assert liaison_grants(leaders["wang"]) == set()
    assert roles_sync(today=today) == (0, 0)
    assert liaison_grants(leaders["wang"]) == set()
    assert roles_sync(today=tomorrow) == (1, 0)
    assert liaison_grants(leaders["wang"]) == {"1529210001"}
    assert roles_sync(today=tomorrow) == (0, 0)  # once
    # Ending keeps working: the role stays through the last day and goes the day after.
    noon = datetime.datetime.combine(
        tomorrow, datetime.time(12), tzinfo=timezone.get_current_timezone()
    )
    assignment_end(actor=SYSTEM, assignment=assignment, end_date=tomorrow, now=noon)
    assert liaison_grants(leaders["wang"]) == {"1529210001"}
    assert roles_sync(today=tomorrow + datetime.timedelta(days=1)) == (0, 1)
    assert liaison_grants(leaders["wang"]) == set()


def test_the_reminder_run_grants_the_role_of_an_assignment_that_started(world, leaders):
    from fangkong.reporting.reminders import run_due

    start = timezone.localdate() + datetime.timedelta(days=1)
    assignment_create(actor=SYSTEM, institution_code="1529210001", username="wang",
                      level="league", start_date=start)  # fmt: skip
    run_due(now=timezone.now())
    assert liaison_grants(leaders["wang"]) == set()
    run_due(now=timezone.now() + datetime.timedelta(days=1))
    assert liaison_grants(leaders["wang"]) == {"1529210001"}


def test_an_assignment_with_a_later_one_to_come_still_loses_the_role_in_between(world, leaders):
    today = timezone.localdate()
    day = datetime.timedelta(days=1)
    assignment_create(actor=SYSTEM, institution_code="1529210001", username="wang",
                      level="league", start_date=today - 5 * day, end_date=today)  # fmt: skip
    assignment_create(actor=SYSTEM, institution_code="1529210001", username="wang",
                      level="league", start_date=today + 3 * day)  # fmt: skip
    assert liaison_grants(leaders["wang"]) == {"1529210001"}
    assert roles_sync(today=today + day) == (0, 1)
    assert roles_sync(today=today + 3 * day) == (1, 0)
    assert liaison_grants(leaders["wang"]) == {"1529210001"}
