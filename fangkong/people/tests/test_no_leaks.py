"""No response of the suite's personas, API or page, holds a full number unless revealed (the
autouse fixture in conftest.py searches every response; these walk every read)."""

import pytest

from fangkong.people.tests.conftest import ZHANG

PERSONAS = ["admin", "league", "zuoqi", "ejina", "operator", "other_operator"]


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_read_shows_a_full_number(world, zhang, li, persona):
    api, page = world.api(persona), world.client(persona)
    urls = [
        f"/api/v1/persons/{zhang.pk}", f"/api/v1/persons/{li.pk}", "/api/v1/persons?q=zs",
        f"/api/v1/persons?q={ZHANG[-4:]}", "/api/v1/persons?q=13800001234",
        "/api/v1/institutions/1529210001/stays", "/api/v1/institutions/1529230001/stays",
        "/api/v1/institutions/1529210001/visits?date=2021-10-18",
    ]  # fmt: skip
    for url in urls:
        api.get(url)
    for url in [f"/people/persons/{zhang.pk}/", "/people/?q=zs", "/people/institutions/1529210001/",
                "/institutions/1529210001/"]:  # fmt: skip
        page.get(url)
    if persona == "admin":
        page.get(f"/admin/people/person/{zhang.pk}/change/")
        page.get("/admin/people/person/")


def test_an_error_never_repeats_the_number_typed(world, zhang):
    from fangkong.people.tests.conftest import post

    body = {"name": "张三", "id_number": ZHANG + "1"}
    response = post(world.api("operator"), "/api/v1/persons", body)
    assert response.status_code == 400
    assert ZHANG not in response.content.decode()
