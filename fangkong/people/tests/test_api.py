import pytest

from fangkong.audit.models import AuditEvent
from fangkong.people.models import Person, Registration, Stay
from fangkong.people.tests.conftest import LI, VISITOR, ZHANG, post, ric_number

PERSONS = "/api/v1/persons"
STAYS = "/api/v1/institutions/1529210001/stays"
VISITS = "/api/v1/institutions/1529210001/visits"


def test_a_new_number_creates_a_person_shown_masked(world):
    response = post(world.api("operator"), PERSONS, {"name": "王五", "id_number": VISITOR})
    assert response.status_code == 201
    body = response.json()
    assert body == {
        "id": body["id"],
        "name": "王五",
        "id_number_masked": VISITOR[:6] + "*" * 8 + VISITOR[-4:],
    }


def test_a_known_number_answers_200_with_the_same_person(world, zhang):
    response = post(world.api("operator"), PERSONS, {"name": "张三", "id_number": ZHANG})
    assert response.status_code == 200
    assert response.json()["id"] == zhang.pk


def test_a_15_digit_number_finds_the_person_of_its_18_digits(world, zhang):
    fifteen = ZHANG[:6] + ZHANG[8:17]
    response = post(world.api("operator"), PERSONS, {"name": "张三", "id_number": fifteen})
    assert (response.status_code, response.json()["id"]) == (200, zhang.pk)


def test_a_known_number_out_of_scope_masks_the_stored_name(world, li):
    response = post(world.api("operator"), PERSONS, {"name": "某人", "id_number": LI})
    assert response.status_code == 200
    assert response.json()["name"] == "李*"
    assert Registration.objects.filter(person=li, user=world.users["operator"]).exists()


def test_a_known_number_out_of_scope_lets_the_caller_record_a_stay_not_read(world, li):
    api = world.api("operator")
    post(api, PERSONS, {"name": "李四", "id_number": LI})
    assert api.get(f"{PERSONS}/{li.pk}").status_code == 404
    visit = post(api, VISITS, {"person_id": li.pk, "check_in": "2021-10-10T10:00:00+08:00"})
    assert visit.status_code == 201
    assert api.get(f"{PERSONS}/{li.pk}").status_code == 200


def test_an_overlap_with_a_stay_out_of_scope_does_not_say_where(world, li):
    api = world.api("operator")
    post(api, PERSONS, {"name": "李四", "id_number": LI})
    body = {"person_id": li.pk, "role": "staff", "start": "2021-11-01T08:00:00+08:00"}
    response = post(api, STAYS, body)
    assert response.status_code == 409
    assert "额济纳" not in response.content.decode()


def test_an_id_not_registered_by_the_caller_answers_404_for_a_stay(world, li):
    body = {"person_id": li.pk, "role": "staff", "start": "2021-11-01T08:00:00+08:00"}
    response = post(world.api("operator"), STAYS, body)
    assert response.status_code == 404


def test_a_wrong_check_digit_is_refused_naming_the_field_in_chinese(world):
    wrong = ZHANG[:17] + ("0" if ZHANG[17] != "0" else "1")
    response = post(world.api("operator"), PERSONS, {"name": "张三", "id_number": wrong})
    assert response.status_code == 400
    body = response.json()
    assert (body["code"], body["field"]) == ("invalid_checksum", "id_number")
    assert "校验" in body["message"]
    assert not Person.objects.exists()


def test_the_english_message_of_an_impossible_birth_date(world):
    number = ric_number(birth="19400231")
    response = world.api("operator").post(
        PERSONS, data={"name": "x", "id_number": number}, content_type="application/json",
        headers={"accept-language": "en"},
    )  # fmt: skip
    assert response.json()["code"] == "invalid_birth_date"
    assert response.json()["message"] == "The birth date in this identity number is impossible."


def test_a_stay_ending_before_it_starts_is_refused(world, zhang):
    body = {"person_id": zhang.pk, "role": "resident", "start": "2022-01-02T00:00:00+08:00",
            "end": "2022-01-01T00:00:00+08:00"}  # fmt: skip
    response = post(world.api("operator"), STAYS, body)
    assert (response.status_code, response.json()["field"]) == (400, "end")
    assert response.json()["code"] == "end_first"


def test_overlapping_stays_of_a_person_answer_409(world, zhang):
    body = {"person_id": zhang.pk, "role": "staff", "start": "2021-12-01T00:00:00+08:00"}
    response = post(world.api("operator"), STAYS, body)
    assert response.status_code == 409
    assert response.json()["code"] == "overlap"
    assert Stay.objects.filter(person=zhang).count() == 1


def test_a_stay_may_start_when_the_previous_one_ends(world, zhang):
    stay = Stay.objects.get(person=zhang)
    Stay.objects.filter(pk=stay.pk).update(end=stay.start.replace(month=11))
    body = {"person_id": zhang.pk, "role": "staff", "start": "2021-11-01T09:00:00+08:00"}
    assert post(world.api("operator"), STAYS, body).status_code == 201


def test_the_stays_present_at_a_moment(world, zhang):
    api = world.api("operator")
    before = api.get(STAYS, {"at": "2021-09-30T12:00:00+08:00"}).json()
    during = api.get(STAYS, {"at": "2021-10-18T12:00:00+08:00"}).json()
    assert before["count"] == 0
    assert [s["person_id"] for s in during["items"]] == [zhang.pk]


def test_the_person_page_is_masked(world, zhang):
    body = world.api("zuoqi").get(f"{PERSONS}/{zhang.pk}").json()
    assert body["id_number_masked"] == ZHANG[:6] + "********" + ZHANG[-4:]
    assert body["phone_masked"] == "138****1234"
    assert body["id_number"] is None and body["phone"] is None


@pytest.mark.parametrize("persona", ["operator", "zuoqi", "league"])
def test_an_officer_or_operator_in_scope_reveals_with_a_reason(world, zhang, persona):
    response = world.api(persona).get(f"{PERSONS}/{zhang.pk}", {"reveal": "id_number",
                                                                "reason": "核对身份"})  # fmt: skip
    assert response.status_code == 200
    assert response.json()["id_number"] == ZHANG


def test_a_reveal_is_audited_with_who_whom_and_why(world, zhang):
    world.api("zuoqi").get(f"{PERSONS}/{zhang.pk}", {"reveal": "id_number", "reason": "核对身份"})
    event = AuditEvent.objects.get(action="person.reveal")
    assert event.actor == world.users["zuoqi"]
    assert (event.target_type, event.target_id) == ("people.person", str(zhang.pk))
    assert event.after == {"field": "id_number", "reason": "核对身份"}
    assert ZHANG not in str(event.after) + event.target_repr


def test_a_reveal_without_a_reason_is_refused(world, zhang):
    response = world.api("zuoqi").get(f"{PERSONS}/{zhang.pk}", {"reveal": "id_number"})
    assert (response.status_code, response.json()["field"]) == (400, "reason")
    assert not AuditEvent.objects.filter(action="person.reveal").exists()


def test_the_administrator_may_not_reveal(world, zhang):
    response = world.api("admin").get(f"{PERSONS}/{zhang.pk}", {"reveal": "id_number",
                                                               "reason": "好奇"})  # fmt: skip
    assert response.status_code == 403
    assert ZHANG not in response.content.decode()


@pytest.mark.parametrize("persona", ["ejina", "other_operator"])
def test_a_person_outside_scope_answers_404(world, zhang, persona):
    api = world.api(persona)
    assert api.get(f"{PERSONS}/{zhang.pk}").status_code == 404
    revealed = api.get(f"{PERSONS}/{zhang.pk}", {"reveal": "id_number", "reason": "x"})
    assert revealed.status_code == 404


def test_search_by_pinyin_initials_last_four_and_phone(world, zhang):
    api = world.api("operator")
    for q in ["张", "zhangsan", "zs", ZHANG[-4:], "13800001234"]:
        assert [p["id"] for p in api.get(PERSONS, {"q": q}).json()] == [zhang.pk], q


def test_search_finds_nobody_outside_scope(world, zhang):
    assert world.api("other_operator").get(PERSONS, {"q": "zs"}).json() == []


def test_the_database_holds_no_clear_number(world, zhang):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM people_person")
        rows = cursor.fetchall()
    dump = repr(rows)
    assert rows and ZHANG not in dump and "13800001234" not in dump
    assert ZHANG[:17] not in dump


def test_a_discharge_ends_the_stay_with_its_reason(world, zhang):
    stay = Stay.objects.get(person=zhang)
    body = {"end": "2021-12-01T10:00:00+08:00", "discharge_reason": "转入医院"}
    response = post(world.api("operator"), f"/api/v1/stays/{stay.pk}/end", body)
    assert response.status_code == 200
    assert response.json()["end"].startswith("2021-12-01T")
    assert AuditEvent.objects.filter(action="stay.end").count() == 1


def test_a_stay_ends_only_once(world, zhang):
    stay = Stay.objects.get(person=zhang)
    post(
        world.api("operator"), f"/api/v1/stays/{stay.pk}/end", {"end": "2021-12-01T10:00:00+08:00"}
    )
    again = post(world.api("operator"), f"/api/v1/stays/{stay.pk}/end",
                 {"end": "2021-12-02T10:00:00+08:00"})  # fmt: skip
    assert (again.status_code, again.json()["code"]) == (400, "already_ended")


def test_a_stay_cannot_end_before_it_starts(world, zhang):
    stay = Stay.objects.get(person=zhang)
    response = post(world.api("operator"), f"/api/v1/stays/{stay.pk}/end",
                    {"end": "2021-09-01T10:00:00+08:00"})  # fmt: skip
    assert (response.status_code, response.json()["field"]) == (400, "end")


def test_a_visitor_is_checked_out(world, zhang):
    api = world.api("operator")
    visit = post(api, VISITS, {"person_id": zhang.pk, "check_in": "2021-10-10T10:00:00+08:00"})
    response = post(api, f"/api/v1/visits/{visit.json()['id']}/check-out",
                    {"check_out": "2021-10-10T10:30:00+08:00"})  # fmt: skip
    assert response.status_code == 200
    assert response.json()["check_out"].startswith("2021-10-10T")
