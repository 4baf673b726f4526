"""Every endpoint and page that takes an object answers 404 outside the caller's scope."""

import json

import pytest

# (persona, region code, institution code): objects inside the persona's scope.
INSIDE = {
    "admin": ("620100", "6201000001"),
    "league": ("152971", "1529710001"),
    "zuoqi": ("152921", "1529210002"),
    "ejina": ("152923", "1529230001"),
    "operator": ("152921", "1529210001"),
    "other_operator": ("152923", "1529230001"),
}
# Objects outside: another banner, another institution, another province.
OUTSIDE = {
    "league": [("620100", "6201000001")],
    "zuoqi": [("152923", "1529230001"), ("152900", "1529710001"), ("620100", "6201000001")],
    "ejina": [("152921", "1529210001"), ("152971", "1529710001")],
    "operator": [("152923", "1529230001"), ("152900", "1529210002")],
    "other_operator": [("152921", "1529210001"), ("152922", "1529220001")],
}
OUTSIDE_CASES = [(p, r, i) for p, cases in OUTSIDE.items() for r, i in cases]

OBJECT_URLS = [
    "/api/v1/regions/{region}",
    "/api/v1/regions?parent={region}",
    "/api/v1/institutions/{institution}",
    "/api/v1/institutions?region={region}",
]


@pytest.mark.parametrize("url", OBJECT_URLS)
@pytest.mark.parametrize("persona", INSIDE)
def test_api_serves_objects_inside_scope(world, persona, url):
    region, institution = INSIDE[persona]
    response = world.api(persona).get(url.format(region=region, institution=institution))
    assert response.status_code == 200


@pytest.mark.parametrize("url", OBJECT_URLS)
@pytest.mark.parametrize(("persona", "region", "institution"), OUTSIDE_CASES)
def test_api_answers_404_outside_scope(world, persona, region, institution, url):
    response = world.api(persona).get(url.format(region=region, institution=institution))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(("persona", "region", "institution"), OUTSIDE_CASES)
def test_institution_page_answers_404_outside_scope(world, persona, region, institution):
    assert world.client(persona).get(f"/institutions/{institution}/").status_code == 404


@pytest.mark.parametrize("persona", INSIDE)
def test_institution_page_shows_an_institution_inside_scope(world, persona):
    _region, institution = INSIDE[persona]
    response = world.client(persona).get(f"/institutions/{institution}/")
    assert response.status_code == 200
    assert world.institutions[institution].name in response.content.decode()


def test_absent_and_out_of_scope_look_the_same(world):
    api = world.api("zuoqi")
    absent = api.get("/api/v1/institutions/0000000000")
    hidden = api.get("/api/v1/institutions/1529230001")
    assert absent.status_code == hidden.status_code == 404
    assert absent.json() == hidden.json()


EXPECTED_LISTS = {
    "admin": {"1529210001", "1529210002", "1529220001", "1529230001", "1529710001", "6201000001"},
    "league": {"1529210001", "1529210002", "1529220001", "1529230001", "1529710001"},
    "zuoqi": {"1529210001", "1529210002"},
    "ejina": {"1529230001"},
    "operator": {"1529210001"},
    "other_operator": {"1529230001"},
}


@pytest.mark.parametrize("persona", EXPECTED_LISTS)
def test_api_list_holds_exactly_the_scope(world, persona):
    items = world.api(persona).get("/api/v1/institutions?limit=100").json()["items"]
    assert {item["code"] for item in items} == EXPECTED_LISTS[persona]


@pytest.mark.parametrize("persona", EXPECTED_LISTS)
def test_home_page_lists_exactly_the_scope(world, persona):
    page = world.client(persona).get("/").content.decode()
    for code, institution in world.institutions.items():
        assert (institution.name in page) == (code in EXPECTED_LISTS[persona])


def test_region_list_of_a_banner_officer_is_their_banner(world):
    codes = {r["code"] for r in world.api("zuoqi").get("/api/v1/regions").json()["items"]}
    assert codes == {"152921"}


def test_officer_cannot_place_an_institution_in_another_banner(world):
    body = {"code": "1529230009", "name": "新院", "region_code": "152923", "beds": 10}
    response = world.api("zuoqi").post(
        "/api/v1/institutions", data=json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["field"] == "region_code"


def test_operator_cannot_add_institutions_even_in_their_own_region(world):
    body = {"code": "1529210009", "name": "新院", "region_code": "152921", "beds": 10}
    response = world.api("operator").post(
        "/api/v1/institutions", data=json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["field"] == "region_code"


def test_anonymous_pages_redirect_to_login(client, world):
    for url in ["/", "/institutions/1529210001/", "/audit/", "/audit/export.xlsx"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_out_of_scope_page_is_a_friendly_404_in_chinese(world):
    response = world.client("ejina").get("/institutions/1529210001/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "未找到" in page
    assert 'name="viewport"' in page


def test_audit_link_is_offered_only_to_those_who_may_read_it(world):
    assert "审计日志" in world.client("zuoqi").get("/").content.decode()
    assert "审计日志" not in world.client("operator").get("/").content.decode()
