"""A visit names the resident visited: a resident of the institution at check-in, chosen from
the residents present by the office, linked at the gate from what the visitor typed (which the
visitor never sees matched), shown on the resident's page, read in a window by other measures."""

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.test import Client

from fangkong.core.scoping import SYSTEM
from fangkong.people import selectors
from fangkong.people.checkin import VisitorEntry, checkin_submit, poster_issue, poster_token
from fangkong.people.models import SelfCheckIn, Visit
from fangkong.people.services import (
    NotResidentThen,
    person_register,
    stay_create,
    visit_create,
)
from fangkong.people.tests.conftest import VISITOR, moment, post, ric_number

HOME = "1529210001"
VISITS = f"/api/v1/institutions/{HOME}/visits"
CHECK_IN = "2021-10-10T10:00:00+08:00"


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def visitor(world):
    """王五, whose number the operator and 阿拉善左旗's officer typed."""
    person = person_register(actor=SYSTEM, name="王五", id_number=VISITOR).person
    for persona in ("operator", "zuoqi"):
        person_register(actor=world.users[persona], name="王五", id_number=VISITOR)
    return person


def _visit(world, persona, body, code=HOME):
    url = f"/api/v1/institutions/{code}/visits"
    return post(world.api(persona), url, {"person_id": body.pop("person"), **body})


# The service's rules ----------------------------------------------------------------------------


def test_a_visit_names_a_resident_present_at_check_in(world, visitor, zhang):
    response = _visit(world, "operator", {"person": visitor.pk, "check_in": CHECK_IN,
                                          "visited_person_id": zhang.pk})  # fmt: skip
    assert response.status_code == 201
    body = response.json()
    assert (body["visited_person_id"], body["visited_person_name"]) == (zhang.pk, "张三")
    assert Visit.objects.get().visited == zhang


def test_a_person_who_is_not_a_resident_cannot_be_named(world, visitor, zhang):
    cook = person_register(actor=SYSTEM, name="赵厨", id_number=ric_number(sequence="055")).person
    stay_create(actor=SYSTEM, institution=world.institutions[HOME], person=cook, role="staff",
                start=moment("2021-09-01T08:00:00+08:00"))  # fmt: skip
    response = _visit(world, "operator", {"person": visitor.pk, "check_in": CHECK_IN,
                                          "visited_person_id": cook.pk})  # fmt: skip
    assert response.status_code == 422
    assert (response.json()["field"], response.json()["code"]) == ("visited_person_id",
                                                                   "not_resident")  # fmt: skip
    assert "赵厨" in response.json()["message"]
    assert not Visit.objects.exists()


def test_a_resident_not_yet_admitted_at_check_in_cannot_be_named(world, visitor, zhang):
    # 张三 came to live here on 1 October 2021.
    response = _visit(world, "operator", {"person": visitor.pk,
                                          "check_in": "2021-09-30T10:00:00+08:00",
                                          "visited_person_id": zhang.pk})  # fmt: skip
    assert response.status_code == 422
    assert (response.json()["field"], response.json()["code"]) == ("visited_person_id",
                                                                   "not_present")  # fmt: skip


def test_a_discharged_resident_cannot_be_named_after_leaving(world, visitor, zhang):
    from fangkong.people.services import stay_end

    stay_end(actor=SYSTEM, stay=zhang.stays.get(), end=moment("2021-10-05T10:00:00+08:00"))
    response = _visit(world, "operator", {"person": visitor.pk, "check_in": CHECK_IN,
                                          "visited_person_id": zhang.pk})  # fmt: skip
    assert (response.status_code, response.json()["code"]) == (422, "not_present")


def test_a_resident_of_another_institution_cannot_be_named(world, visitor, zhang):
    # The banner's officer sees both of its institutions; 张三 lives in the other one.
    body = {"person": visitor.pk, "check_in": CHECK_IN, "visited_person_id": zhang.pk}
    response = _visit(world, "zuoqi", body, code="1529210002")
    assert response.status_code == 422
    assert (response.json()["field"], response.json()["code"]) == ("visited_person_id",
                                                                   "not_resident")  # fmt: skip
    assert not Visit.objects.exists()


def test_a_resident_outside_the_callers_scope_answers_404(world, visitor, li):
    response = _visit(world, "operator", {"person": visitor.pk, "check_in": CHECK_IN,
                                          "visited_person_id": li.pk})  # fmt: skip
    assert response.status_code == 404
    assert not Visit.objects.exists()


def test_a_visitor_does_not_visit_themselves(world, zhang):
    with pytest.raises(NotResidentThen) as refused:
        visit_create(actor=SYSTEM, institution=world.institutions[HOME], visitor=zhang,
                     visited=zhang, check_in=moment(CHECK_IN))  # fmt: skip
    assert (refused.value.field, refused.value.code) == ("visited_person_id", "self_visit")
    # The database refuses it too.
    with pytest.raises(IntegrityError), transaction.atomic():
        Visit.objects.create(visitor=zhang, visited=zhang, institution=world.institutions[HOME],
                             check_in=moment(CHECK_IN))  # fmt: skip


def test_the_resident_visited_is_in_the_audit_row(world, visitor, zhang):
    from fangkong.audit.models import AuditEvent

    _visit(world, "operator", {"person": visitor.pk, "check_in": CHECK_IN,
                               "visited_person_id": zhang.pk})  # fmt: skip
    assert AuditEvent.objects.get(action="visit.create").after["visited"] == zhang.pk


# The selector other measures read ---------------------------------------------------------------


def test_the_visits_to_a_person_in_a_window(world, visitor, zhang):
    home = world.institutions[HOME]
    inside = visit_create(actor=SYSTEM, institution=home, visitor=visitor, visited=zhang,
                          check_in=moment("2021-10-10T10:00:00+08:00"),
                          check_out=moment("2021-10-10T11:00:00+08:00"))  # fmt: skip
    still_there = visit_create(actor=SYSTEM, institution=home, visitor=visitor, visited=zhang,
                               check_in=moment("2021-10-08T10:00:00+08:00"))  # fmt: skip
    visit_create(actor=SYSTEM, institution=home, visitor=visitor, visited=zhang,
                 check_in=moment("2021-10-03T10:00:00+08:00"),
                 check_out=moment("2021-10-03T11:00:00+08:00"))  # fmt: skip
    visit_create(actor=SYSTEM, institution=home, visitor=visitor,
                 check_in=moment("2021-10-10T12:00:00+08:00"))  # names nobody  # fmt: skip
    start, end = moment("2021-10-07T00:00:00+08:00"), moment("2021-10-11T00:00:00+08:00")
    officer = world.users["zuoqi"]
    found = selectors.visits_to_person(user=officer, person=zhang, start=start, end=end)
    assert list(found) == [inside, still_there]
    assert selectors.visits_to_person(user=officer, person=zhang, end=start).count() == 1
    outsider = world.users["ejina"]
    assert not selectors.visits_to_person(user=outsider, person=zhang, start=start, end=end)


# The pages of the institution's office ----------------------------------------------------------


def test_the_visit_form_offers_the_residents_present_searchable(world, zhang, li):
    page = world.client("operator").get(f"/people/institutions/{HOME}/").content.decode()
    form = page[page.index('id="add-visit"') :]
    assert 'name="visit-visited_person_id"' in form
    assert f'value="{zhang.pk}" data-search="张三 zhangsan zs' in form
    assert "resident-filter" in form and "resident_select.js" in page
    assert "李四" not in page  # a resident of another institution


def test_the_visit_form_says_what_to_choose_under_the_field(world, zhang):
    import re

    page = world.client("operator").get(f"/people/institutions/{HOME}/").content.decode()
    form = page[page.index('id="add-visit"') :]
    help_id = "id_visit-visited_person_id_helptext"
    assert re.search(rf'<small class="help" id="{help_id}">[^<]*留空', form)
    select = re.search(r'<select[^>]*name="visit-visited_person_id"[^>]*>', form)
    assert select and f'aria-describedby="{help_id}"' in select.group(0)


def test_the_visit_form_links_the_resident_and_both_pages_show_it(world, zhang):
    client = world.client("operator")
    data = {
        "visit-name": "王五",
        "visit-document_type": "ric",
        "visit-id_number": VISITOR,
        "visit-check_in": "2021-10-10T10:00",
        "visit-visited_person_id": str(zhang.pk),
    }
    response = client.post(f"/people/institutions/{HOME}/visits/", data)
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert visit.visited == zhang
    day = client.get(f"/people/institutions/{HOME}/?date=2021-10-10").content.decode()
    assert "探视 <a" in day and f'/people/persons/{zhang.pk}/">张三</a>' in day
    resident = client.get(f"/people/persons/{zhang.pk}/").content.decode()
    received = resident[resident.index('id="visits-received"') :]
    assert "王五" in received and visit.visitor.id_number_masked in received
    visitor_page = client.get(f"/people/persons/{visit.visitor_id}/").content.decode()
    assert "探视 <a" in visitor_page


def test_the_visit_form_names_the_refusal_on_its_field(world, zhang):
    client = world.client("operator")
    data = {
        "visit-name": "王五",
        "visit-document_type": "ric",
        "visit-id_number": VISITOR,
        "visit-check_in": "2021-09-20T10:00",
        "visit-visited_person_id": str(zhang.pk),
    }
    response = client.post(f"/people/institutions/{HOME}/visits/", data)
    assert response.status_code == 400
    assert 'id="visit-visited_person_id_error"' in response.content.decode()
    assert not Visit.objects.exists()


def _form_visit(world, check_in: str, visited: int) -> Any:
    data = {
        "visit-name": "王五",
        "visit-document_type": "ric",
        "visit-id_number": VISITOR,
        "visit-check_in": check_in,
        "visit-visited_person_id": str(visited),
    }
    return world.client("operator").post(f"/people/institutions/{HOME}/visits/", data)


def test_the_visit_form_links_a_resident_present_at_check_in_who_has_left_since(world):
    gone = person_register(actor=SYSTEM, name="钱老", id_number=ric_number(sequence="057")).person
    stay_create(actor=SYSTEM, institution=world.institutions[HOME], person=gone, role="resident",
                start=moment("2021-09-01T09:00:00+08:00"),
                end=moment("2021-10-20T09:00:00+08:00"))  # fmt: skip
    page = world.client("operator").get(f"/people/institutions/{HOME}/").content.decode()
    assert f'value="{gone.pk}"' not in page[page.index('id="add-visit"') :]  # not there now
    response = _form_visit(world, "2021-10-10T10:00", gone.pk)
    assert response.status_code == 302
    assert Visit.objects.get().visited == gone


def test_the_visit_form_names_a_person_not_resident_at_check_in_on_its_field(world, zhang):
    cook = person_register(actor=SYSTEM, name="赵厨", id_number=ric_number(sequence="055")).person
    stay_create(actor=SYSTEM, institution=world.institutions[HOME], person=cook, role="staff",
                start=moment("2021-09-01T08:00:00+08:00"))  # fmt: skip
    response = _form_visit(world, "2021-10-10T10:00", cook.pk)
    assert response.status_code == 400
    page = response.content.decode()
    error = page[page.index('id="visit-visited_person_id_error"') :][:300]
    assert "赵厨不是阿拉善左旗社会福利中心的在院老人" in error
    assert "有效选项" not in page and "valid choice" not in page  # not the generic refusal
    assert not Visit.objects.exists()


def test_the_visit_form_shown_again_offers_the_residents_at_its_check_in(world, zhang):
    gone = person_register(actor=SYSTEM, name="钱老", id_number=ric_number(sequence="057")).person
    stay_create(actor=SYSTEM, institution=world.institutions[HOME], person=gone, role="resident",
                start=moment("2021-09-01T09:00:00+08:00"),
                end=moment("2021-09-25T09:00:00+08:00"))  # fmt: skip
    response = _form_visit(world, "2021-09-20T10:00", zhang.pk)  # 张三 came in October
    assert response.status_code == 400
    form = response.content.decode()
    form = form[form.index('id="add-visit"') :]
    assert f'value="{gone.pk}"' in form and f'value="{zhang.pk}"' not in form
    assert "探视登记时，张三不在" in form


# The gate ---------------------------------------------------------------------------------------


def _waiting(world, visiting: str) -> tuple[Client, str, SelfCheckIn]:
    poster = poster_issue(actor=SYSTEM, institution=world.institutions[HOME])
    client = Client()
    url = f"/checkin/{HOME}/{poster_token(poster)}/"
    client.get(url)
    response = client.post(url, {
        "name": "王五", "document_type": "ric", "id_number": VISITOR, "phone": "13900001111",
        "visiting": visiting, "temperature": "36.5", "came_from": "巴彦浩特镇",
    })  # fmt: skip
    assert response.status_code == 302, response.content.decode()
    return client, response["Location"], SelfCheckIn.objects.latest("pk")


def _namesake(world, name: str, sequence: str):
    person = person_register(actor=SYSTEM, name=name, id_number=ric_number(sequence=sequence))
    stay_create(actor=SYSTEM, institution=world.institutions[HOME], person=person.person,
                role="resident", start=moment("2021-09-01T09:00:00+08:00"))  # fmt: skip
    return person.person


def test_the_gate_sees_the_resident_named_and_links_them(world, zhang):
    _client, _status, check_in = _waiting(world, "张三（母亲）")
    gate = world.client("operator")
    page = gate.get(f"/people/institutions/{HOME}/checkins/").content.decode()
    assert f'name="visited_person_id" value="{zhang.pk}" checked' in page
    response = gate.post(f"/people/checkins/{check_in.pk}/confirm/",
                         {"visited_person_id": str(zhang.pk)})  # fmt: skip
    assert response.status_code == 302
    assert Visit.objects.get().visited == zhang
    decided = gate.get(f"/people/institutions/{HOME}/checkins/").content.decode()
    assert f'/people/persons/{zhang.pk}/">张三</a>' in decided


def test_the_gate_sees_exact_names_first_then_those_read_alike(world, zhang):
    alike = _namesake(world, "章山", "071")  # zhangshan: not alike
    homophone = _namesake(world, "张叁", "073")  # zhangsan
    _namesake(world, "李四", "075")
    _client, _status, check_in = _waiting(world, "张三")
    found = selectors.residents_named(
        user=world.users["operator"], institution=world.institutions[HOME],
        at=check_in.submitted_at, typed=check_in.visiting,
    )  # fmt: skip
    assert found == [zhang, homophone]
    assert alike not in found
    typed_in_pinyin = selectors.residents_named(
        user=world.users["operator"],
        institution=world.institutions[HOME],
        at=check_in.submitted_at,
        typed="Zhang San",
    )
    assert set(typed_in_pinyin) == {zhang, homophone}


def test_two_residents_read_alike_are_offered_and_none_is_chosen_for_the_staff(world, zhang):
    homophone = _namesake(world, "张叁", "073")
    _waiting(world, "zhangsan")
    page = world.client("operator").get(f"/people/institutions/{HOME}/checkins/")
    text = page.content.decode()
    assert "张叁" in text and f'value="{homophone.pk}"' in text
    assert 'value="" checked' in text  # left unlinked until the staff choose


def test_the_gate_may_leave_the_visit_unlinked(world, zhang):
    _client, _status, check_in = _waiting(world, "张三")
    gate = world.client("operator")
    response = gate.post(f"/people/checkins/{check_in.pk}/confirm/", {"visited_person_id": ""})
    assert response.status_code == 302
    assert Visit.objects.get().visited is None


def test_the_gate_cannot_link_a_resident_it_was_not_shown(world, zhang):
    other = _namesake(world, "王大妈", "077")
    _client, _status, check_in = _waiting(world, "张三")
    gate = world.client("operator")
    response = gate.post(f"/people/checkins/{check_in.pk}/confirm/",
                         {"visited_person_id": str(other.pk)})  # fmt: skip
    assert response.status_code == 400
    assert "请从列出的老人中选择" in response.content.decode()
    check_in.refresh_from_db()
    assert check_in.status == "pending" and not Visit.objects.exists()


def test_the_gate_api_offers_the_candidates_and_links_one(world, zhang):
    _client, _status, check_in = _waiting(world, "张三")
    api = world.api("operator")
    rows = api.get(f"/api/v1/institutions/{HOME}/self-check-ins?status=pending").json()["items"]
    assert rows[0]["visited_candidates"] == [
        {"id": zhang.pk, "name": "张三", "id_number_masked": zhang.id_number_masked}
    ]
    url = f"/api/v1/self-check-ins/{check_in.pk}/confirm"
    confirmed = post(api, url, {"visited_person_id": zhang.pk})
    assert confirmed.status_code == 200
    body = confirmed.json()
    assert (body["visited_person_id"], body["visited_person_name"]) == (zhang.pk, "张三")
    assert body["visited_candidates"] == []


def test_a_decided_check_in_answers_decided_whatever_resident_is_chosen(world, zhang):
    _client, _status, check_in = _waiting(world, "张三")
    api = world.api("operator")
    url = f"/api/v1/self-check-ins/{check_in.pk}/confirm"
    assert post(api, url, {"visited_person_id": zhang.pk}).status_code == 200
    again = post(api, url, {"visited_person_id": zhang.pk})
    assert (again.status_code, again.json()["field"], again.json()["code"]) == (
        400, "status", "decided")  # fmt: skip
    page = world.client("operator").post(f"/people/checkins/{check_in.pk}/confirm/",
                                         {"visited_person_id": str(zhang.pk)})  # fmt: skip
    assert page.status_code == 400
    assert "该登记已处理过" in page.content.decode()
    assert "请从列出的老人中选择" not in page.content.decode()
    assert Visit.objects.count() == 1


def test_a_user_who_may_not_record_is_refused_before_the_resident_is_looked_at(world, zhang):
    from fangkong.accounts.models import Role
    from fangkong.conftest import make_user
    from fangkong.core.exceptions import Forbidden
    from fangkong.people.checkin import checkin_confirm

    liaison = make_user("liaison", Role.LIAISON, world.regions["152921"])
    _client, _status, check_in = _waiting(world, "张三")
    for chosen in (zhang.pk, zhang.pk + 1000):
        with pytest.raises(Forbidden):
            checkin_confirm(actor=liaison, check_in=check_in, visited_person_id=chosen)
    check_in.refresh_from_db()
    assert check_in.status == "pending" and not Visit.objects.exists()


def test_a_resident_admitted_after_the_check_in_is_not_offered(world):
    _client, _status, check_in = _waiting(world, "赵七")
    late = person_register(actor=SYSTEM, name="赵七", id_number=ric_number(sequence="079")).person
    stay_create(actor=SYSTEM, institution=world.institutions[HOME], person=late, role="resident",
                start=check_in.submitted_at + datetime.timedelta(minutes=5))  # fmt: skip
    assert selectors.residents_named(user=world.users["operator"],
                                     institution=world.institutions[HOME],
                                     at=check_in.submitted_at, typed="赵七") == []  # fmt: skip


# No enumeration: the visitor's pages never show a resident ---------------------------------------


def test_the_visitors_pages_never_show_a_resident(world, zhang):
    homophone = _namesake(world, "张叁", "073")
    client, status_url, check_in = _waiting(world, "zhangsan")
    poster = check_in.poster
    form_url = f"/checkin/{HOME}/{poster_token(poster)}/"
    refused = client.post(form_url, {"name": "王五", "visiting": "zhangsan"})  # a bad form
    pages = [client.get(form_url), refused, client.get(status_url),
             client.get(status_url, headers={"HX-Request": "true"})]  # fmt: skip
    world.client("operator").post(f"/people/checkins/{check_in.pk}/confirm/",
                                  {"visited_person_id": str(zhang.pk)})  # fmt: skip
    pages.append(client.get(status_url))
    assert Visit.objects.get().visited == zhang
    for page in pages:
        text = page.content.decode()
        for person in (zhang, homophone):
            assert person.name not in text
            assert person.id_number_masked not in text
            assert f'value="{person.pk}"' not in text
        assert "<select" not in text or 'name="visited' not in text


def test_what_the_visitor_submits_does_not_depend_on_residents(world, zhang):
    """A name that is a resident's and one that is nobody's get the same answer."""
    poster = poster_issue(actor=SYSTEM, institution=world.institutions[HOME])
    answers = []
    for visiting in ("张三", "无此人"):
        entry = VisitorEntry(
            name="王五", id_number=VISITOR, phone="13900001111", visiting=visiting,
            temperature=Decimal("36.5"), came_from="巴彦浩特",
        )  # fmt: skip
        submitted = checkin_submit(poster=poster, entry=entry)
        page = Client().get(f"/checkin/status/{submitted.secret}/").content.decode()
        answers.append(len(page.replace(visiting, "<typed>")))
    assert answers[0] == answers[1]
