"""Risk areas: declared by officers for their region, audited, matched against visitors."""

import datetime
import json

import pytest
from django.utils import timezone

from fangkong.audit.models import AuditEvent
from fangkong.core.scoping import SYSTEM
from fangkong.people.models import RiskArea
from fangkong.people.risk import RiskAreaData, risk_area_create, risk_match
from fangkong.people.tests.conftest import VISITOR, post, ric_number

AREAS = "/api/v1/risk-areas"


def _today() -> str:
    return timezone.localdate().isoformat()


def _area(world, authority="152921", region=None, place="", level="high", days_ago=0, end=None):
    start = timezone.localdate() - datetime.timedelta(days=days_ago)
    data = RiskAreaData(
        authority=world.regions[authority], region=world.regions[region] if region else None,
        place=place, level=level, start_date=start, end_date=end,
    )  # fmt: skip
    return risk_area_create(actor=SYSTEM, data=data)


def test_an_officer_declares_a_risk_area_and_it_is_audited(world):
    body = {"authority_code": "152921", "region_code": "620100", "level": "high",
            "start_date": _today(), "note": "兰州市疫情通报"}  # fmt: skip
    response = post(world.api("zuoqi"), AREAS, body)
    assert response.status_code == 201, response.json()
    assert response.json()["region_name"] == "兰州市"
    event = AuditEvent.objects.get(action="risk_area.create")
    assert event.actor_name == "zuoqi" and event.after["level"] == "high"


def test_a_risk_area_for_another_banner_is_refused_naming_the_field(world):
    body = {"authority_code": "152923", "place": "达来呼布镇", "level": "medium",
            "start_date": _today()}  # fmt: skip
    response = post(world.api("zuoqi"), AREAS, body)
    assert (response.status_code, response.json()["field"]) == (400, "authority_code")
    assert not RiskArea.objects.exists()


def test_an_operator_may_not_declare_risk_areas(world):
    body = {"authority_code": "152921", "place": "巴彦浩特", "level": "low", "start_date": _today()}
    response = post(world.api("operator"), AREAS, body)
    assert response.status_code in (400, 403)
    assert not RiskArea.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"place": "", "region_code": None}, "place"),
        ({"end_date": "2021-01-01"}, "end_date"),
        ({"region_code": "999999"}, "region_code"),
    ],
)
def test_bad_risk_areas_are_refused_naming_the_field(world, changes, field):
    body = {"authority_code": "152921", "place": "巴彦浩特", "level": "low",
            "start_date": "2021-10-17", **changes}  # fmt: skip
    response = world.api("zuoqi").post(
        AREAS, data=json.dumps(body), content_type="application/json",
        headers={"accept-language": "en"},
    )  # fmt: skip
    assert (response.status_code, response.json()["field"]) == (400, field)
    assert response.json()["message"]
    assert not RiskArea.objects.exists()


def test_an_officer_changes_a_risk_area_and_the_change_is_audited(world):
    area = _area(world, region="620100", level="high")
    body = {"authority_code": "152921", "region_code": "620100", "level": "medium",
            "start_date": area.start_date.isoformat(), "end_date": _today()}  # fmt: skip
    response = world.api("zuoqi").put(
        f"{AREAS}/{area.pk}", data=json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="risk_area.update")
    assert (event.before["level"], event.after["level"]) == ("high", "medium")
    other = world.api("ejina").put(
        f"{AREAS}/{area.pk}", data=json.dumps(body), content_type="application/json"
    )
    assert other.status_code == 404


def test_a_league_area_holds_in_its_banners_and_nowhere_else(world):
    area = _area(world, authority="152900", place="某小区")
    for persona, region in [("zuoqi", "152921"), ("ejina", "152923"), ("operator", "152921")]:
        items = world.api(persona).get(f"/api/v1/regions/{region}/risk-areas").json()["items"]
        assert [item["id"] for item in items] == [area.pk], persona
    admin = world.api("admin").get("/api/v1/regions/620100/risk-areas").json()["items"]
    assert admin == []


def test_a_visitor_registered_in_a_risk_area_is_matched(world):
    _area(world, region="152921", level="medium")
    match = risk_match(institution=world.institutions["1529210001"], document_type="ric",
                       id_number=VISITOR, came_from="家里")  # fmt: skip
    assert match.level == "medium"
    assert "阿拉善左旗" in match.note


def test_a_visitor_who_came_from_a_risk_area_is_matched_by_name_or_place(world):
    _area(world, region="620100", level="high")
    _area(world, place="城关区东岗街道", level="low")
    home = world.institutions["1529210001"]
    number = ric_number("152923", "19700101", "011")
    by_name = risk_match(institution=home, document_type="ric", id_number=number,
                         came_from="甘肃 兰州")  # fmt: skip
    by_place = risk_match(institution=home, document_type="ric", id_number=number,
                          came_from="城关区东岗街道3号")  # fmt: skip
    nowhere = risk_match(institution=home, document_type="ric", id_number=number,
                         came_from="巴彦浩特")  # fmt: skip
    assert (by_name.level, by_place.level, nowhere.level) == ("high", "low", "")


def test_an_area_ended_or_declared_elsewhere_flags_nobody(world):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    _area(world, region="620100", days_ago=10, end=yesterday)
    _area(world, authority="152923", region="620100")
    match = risk_match(institution=world.institutions["1529210001"], document_type="ric",
                       id_number=VISITOR, came_from="兰州市")  # fmt: skip
    assert match.level == ""


def test_an_officer_declares_and_changes_an_area_on_the_page(world):
    client = world.client("zuoqi")
    response = client.post("/people/regions/152921/risk-areas/", {
        "region_code": "620100", "place": "", "level": "high", "start_date": _today()})  # fmt: skip
    assert response.status_code == 302
    page = client.get("/people/regions/152921/risk-areas/").content.decode()
    assert "兰州市" in page and "高风险" in page
    area = RiskArea.objects.get()
    edited = client.post(f"/people/risk-areas/{area.pk}/", {
        "region_code": "620100", "level": "low", "start_date": _today()})  # fmt: skip
    assert edited.status_code == 302
    area.refresh_from_db()
    assert area.level == "low"


def test_the_operator_reads_the_areas_but_has_no_form(world):
    _area(world, place="某小区")
    page = world.client("operator").get("/people/regions/152921/risk-areas/").content.decode()
    assert "某小区" in page and 'id="add-risk-area"' not in page
    posted = world.client("operator").post("/people/regions/152921/risk-areas/", {
        "place": "x", "level": "low", "start_date": _today()})  # fmt: skip
    assert posted.status_code == 404
    assert RiskArea.objects.count() == 1


def test_a_visit_the_office_registers_is_flagged_on_the_people_page(world):
    from fangkong.people.services import person_register, visit_create

    _area(world, region="620100", level="high", days_ago=3)
    person = person_register(actor=SYSTEM, name="王五", id_number=VISITOR).person
    an_hour_ago = timezone.now() - datetime.timedelta(hours=1)
    visit_create(actor=SYSTEM, institution=world.institutions["1529210001"], visitor=person,
                 check_in=an_hour_ago, came_from="兰州市")  # fmt: skip
    page = world.client("operator").get("/people/institutions/1529210001/").content.decode()
    assert "risk-flag" in page and "高风险" in page
