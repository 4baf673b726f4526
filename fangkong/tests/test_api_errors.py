import json

from fangkong.institutions.models import Institution
from fangkong.regions.models import Region


def post(client, path, body):
    return client.post(path, data=json.dumps(body), content_type="application/json")


def test_api_without_token_is_401(client, world):
    response = client.get("/api/v1/institutions")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_malformed_json_names_no_field_and_writes_nothing(world):
    api = world.api("zuoqi")
    before = Institution.objects.count()
    response = api.post("/api/v1/institutions", data="{not json", content_type="application/json")
    assert response.status_code in (400, 422)
    assert {"code", "message", "field"} <= response.json().keys()
    assert Institution.objects.count() == before


def test_wrong_type_names_the_field_in_chinese_by_default(world):
    api = world.api("zuoqi")
    body = {"code": "X1529210009", "name": "新院", "region_code": "152921", "beds": "many"}
    response = post(api, "/api/v1/institutions", body)
    assert response.status_code == 422
    assert response.json()["field"] == "beds"
    assert response.json()["message"] == "请输入整数。"


def test_error_message_follows_accept_language(world):
    api = world.api("zuoqi")
    body = {"code": "X1529210009", "name": "新院", "region_code": "152921", "beds": "many"}
    response = api.post(
        "/api/v1/institutions",
        data=json.dumps(body),
        content_type="application/json",
        headers={"accept-language": "en"},
    )
    assert response.json()["message"] == "Enter a whole number."


def test_openapi_schema_is_published(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/regions" in paths
    assert "/api/v1/institutions/{code}" in paths


def test_an_unknown_api_path_answers_in_the_error_shape(world):
    response = world.api("zuoqi").get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_wrong_method_answers_in_the_error_shape(world):
    response = world.api("zuoqi").delete("/api/v1/regions/152921")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_pages_are_capped(world):
    response = world.api("admin").get("/api/v1/institutions?limit=5000")
    assert response.status_code == 422
    assert response.json()["field"] == "limit"


def test_an_offset_beyond_reach_is_refused_naming_it(world):
    for path in ("/api/v1/institutions", "/api/v1/regions", "/api/v1/inbox",
                 "/api/v1/regions/152900/completeness?date=2022-10-25&"):  # fmt: skip
        separator = "" if path.endswith("&") else "?"
        response = world.api("league").get(f"{path}{separator}offset=12266233487420036525")
        assert response.status_code == 422, (path, response.content)
        assert response.json()["field"] == "offset"


def test_a_server_failure_answers_in_the_error_shape(world, monkeypatch):
    def fail(**kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("fangkong.reporting.api.selectors.completeness", fail)
    client = world.api("league")
    client.raise_request_exception = False
    response = client.get("/api/v1/regions/152900/completeness?date=2022-10-25")
    assert response.status_code == 500
    assert response.json()["code"] == "server_error"
    assert "a bug" not in response.json()["message"]


def test_the_nul_character_is_refused_naming_where_it_was(world):
    api = world.api("league")
    cases = [
        (api.get("/api/v1/institutions?region=1529%0021"), "region"),
        (api.get("/api/v1/regions/1529%0000"), None),
        (post(api, "/api/v1/regions", {"code": "152924", "name": "新\u0000旗",
                                       "level": "county", "parent_code": "152900"}), "name"),
    ]  # fmt: skip
    for response, field in cases:
        assert response.status_code == 422, response.content
        assert (response.json()["code"], response.json()["field"]) == ("null_character", field)
    assert not Region.objects.filter(code="152924").exists()


def test_a_page_asked_for_the_nul_character_answers_bad_request(world):
    response = world.client("league").get("/?q=%00")
    assert response.status_code == 400
