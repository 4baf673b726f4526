import json

import pytest
from django.test import Client

from fangkong.institutions.models import Institution
from fangkong.regions.models import Region
from fangkong.reporting.models import ReportingRegime


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


def test_a_deeply_nested_body_with_nul_is_refused_before_authentication(client, db):
    """The NUL scan parses the body before any token is read: it must not crash on depth."""
    body = '{"name": "\\u0000", "x": ' + "[" * 20_000 + "]" * 20_000 + "}"
    response = client.post("/api/v1/regions", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert (response.json()["code"], response.json()["field"]) == ("too_deep", None)
    assert response.json()["errors"] == [
        {"code": "too_deep", "message": response.json()["message"], "field": None}
    ]


def test_a_deeply_nested_body_is_refused_as_too_deep_like_with_nul(world):
    body = "[" * 20_000 + "]" * 20_000
    response = world.api("admin").post(
        "/api/v1/regions", data=body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "too_deep"


def test_an_unauthenticated_write_is_401_in_the_error_shape(client, db):
    body = {"code": "152924", "name": "新旗", "parent_code": "152900", "level": "county"}
    response = post(client, "/api/v1/regions", body)
    assert response.status_code == 401
    assert response.json() == {
        "code": "unauthenticated", "message": "需要身份认证。", "field": None,
        "errors": [{"code": "unauthenticated", "message": "需要身份认证。", "field": None}],
    }  # fmt: skip
    assert not Region.objects.filter(code="152924").exists()


def test_a_signed_in_browser_without_its_csrf_token_is_refused_in_the_error_shape(world):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.users["admin"])
    body = {"code": "152924", "name": "新旗", "parent_code": "152900", "level": "county"}
    response = post(browser, "/api/v1/regions", body)
    assert (response.status_code, response.json()["code"]) == (403, "csrf_failed")
    assert not Region.objects.filter(code="152924").exists()


@pytest.mark.parametrize("value", ["0", "1764633600", "20261202", "9999-12-31", "2026-02-30",
                                   "2026-12-02T00:00:00", " 2026-12-02"])  # fmt: skip
def test_a_query_date_is_yyyy_mm_dd_and_nothing_else(world, value):
    response = world.api("league").get(
        "/api/v1/regions/152900/completeness", {"date": value}, headers={"accept-language": "en"}
    )
    assert response.status_code == 422, response.content
    assert response.json()["field"] == "date"
    assert response.json()["message"].startswith("Enter a day ")


def test_a_path_date_is_yyyy_mm_dd_and_nothing_else(world):
    for value in ("0", "1764633600", "20261202", "9999-12-31"):
        response = world.api("operator").get(
            f"/api/v1/institutions/1529210001/daily-reports/{value}"
        )
        assert (response.status_code, response.json()["field"]) == (422, "day"), value


def test_a_body_date_is_yyyy_mm_dd_and_nothing_else(world):
    for value in (0, "0", 1764633600, "20261202", "9999-12-31", "2022-10-24T00:00:00+08:00"):
        body = {"name": "左旗日报告", "region_code": "152921", "start_date": value}
        response = post(world.api("zuoqi"), "/api/v1/regimes", body)
        assert (response.status_code, response.json()["field"]) == (422, "start_date"), value
    assert not ReportingRegime.objects.exists()


def test_a_wrong_date_is_told_in_chinese_by_default(world):
    response = world.api("league").get("/api/v1/regions/152900/completeness?date=20261202")
    assert response.json()["message"] == str(_zh("Enter a day as YYYY-MM-DD."))


def test_an_out_of_range_date_says_the_range(world):
    response = world.api("league").get(
        "/api/v1/regions/152900/completeness?date=1999-12-31", headers={"accept-language": "en"}
    )
    assert response.status_code == 422
    assert response.json()["code"] == "date_out_of_range"
    assert response.json()["message"] == "Enter a day from 2000-01-01 to 2099-12-31."


def test_every_refusal_carries_the_list_of_problems(world):
    response = world.api("zuoqi").get("/api/v1/institutions/no-such-code")
    assert response.status_code == 404
    body = response.json()
    assert body["errors"] == [{k: body[k] for k in ("code", "message", "field")}]


def _zh(message):
    from django.utils import translation

    with translation.override("zh-hans"):
        return translation.gettext(message)
