"""The names of DESIGN.md's API contract for regions and institutions."""

import json

from fangkong.audit.models import AuditEvent
from fangkong.institutions.models import Institution


def post(client, path, body):
    return client.post(path, data=json.dumps(body), content_type="application/json")


def test_create_and_read_a_region(world):
    api = world.api("admin")
    body = {"code": "152924", "name": "新旗", "parent_code": "152900", "level": "county"}
    created = post(api, "/api/v1/regions", body)
    assert created.status_code == 201
    assert api.get("/api/v1/regions/152924").json() == {**body, "standard": True}


def test_a_non_standard_unit_says_so(world):
    unit = world.api("admin").get("/api/v1/regions/152971").json()
    assert unit == {"code": "152971", "name": "阿拉善高新技术产业开发区",
                    "parent_code": "152900", "level": "county", "standard": False}  # fmt: skip


def test_create_and_read_an_institution(world):
    api = world.api("league")
    body = {"code": "1529220009", "name": "阿拉善右旗敬老院", "region_code": "152922",
            "beds": 36, "kind": "rural"}  # fmt: skip
    created = post(api, "/api/v1/institutions", body)
    assert created.status_code == 201
    got = api.get("/api/v1/institutions/1529220009").json()
    assert {k: got[k] for k in body} == body


def test_institution_list_covers_the_whole_subtree(world):
    items = world.api("admin").get("/api/v1/institutions?region=152900&limit=100").json()
    assert items["count"] == 5
    assert "6201000001" not in {i["code"] for i in items["items"]}


def test_negative_beds_name_the_field_and_write_nothing(world):
    body = {"code": "1529210009", "name": "新院", "region_code": "152921", "beds": -3}
    response = post(world.api("zuoqi"), "/api/v1/institutions", body)
    assert response.status_code == 400
    assert response.json()["field"] == "beds"
    assert response.json()["code"] == "negative"
    assert not Institution.objects.filter(code="1529210009").exists()


def test_unknown_kind_names_the_field(world):
    body = {"code": "1529210009", "name": "新院", "region_code": "152921", "beds": 3,
            "kind": "state"}  # fmt: skip
    response = post(world.api("zuoqi"), "/api/v1/institutions", body)
    assert response.status_code == 422
    assert response.json()["field"] == "kind"


def test_duplicate_region_code_is_refused(world):
    body = {"code": "152921", "name": "重复", "parent_code": "152900", "level": "county"}
    response = post(world.api("admin"), "/api/v1/regions", body)
    assert response.status_code == 400
    assert (response.json()["field"], response.json()["code"]) == ("code", "duplicate")


def test_missing_field_is_named(world):
    response = post(world.api("admin"), "/api/v1/regions", {"name": "无代码", "level": "county"})
    assert response.status_code == 422
    assert response.json()["field"] == "code"
    assert response.json()["message"] == "此项为必填项。"


def test_api_write_is_audited_with_the_client_address(world):
    body = {"code": "1529210009", "name": "新院", "region_code": "152921", "beds": 3}
    world.api("zuoqi").post(
        "/api/v1/institutions", data=json.dumps(body), content_type="application/json",
        REMOTE_ADDR="10.1.2.3",
    )  # fmt: skip
    event = AuditEvent.objects.get(action="institution.create", target_repr="新院")
    assert (event.actor_name, event.ip) == ("zuoqi", "10.1.2.3")
