"""The names of DESIGN.md's API contract for regions and institutions."""

import json
import re

import pytest

from fangkong.audit.models import AuditEvent
from fangkong.core.schema import DAY_SCHEMA_PATTERN, MAX_COUNT
from fangkong.institutions.models import Institution
from fangkong.regions.models import Region


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
    assert response.status_code == 422  # the schema says `minimum: 0`
    assert response.json()["field"] == "beds"
    assert response.json()["code"] == "too_small"
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


def test_a_code_used_out_of_scope_answers_as_one_used_in_scope(world):
    """zuoqi may not learn that 额济纳旗 has an institution 1529230001: the refusal is word for
    word the one for a code zuoqi's own banner uses."""
    api = world.api("zuoqi")
    body = {"name": "新院", "region_code": "152921", "beds": 3}
    elsewhere = post(api, "/api/v1/institutions", {**body, "code": "1529230001"})
    in_scope = post(api, "/api/v1/institutions", {**body, "code": "1529210002"})
    assert elsewhere.status_code == in_scope.status_code == 400
    assert elsewhere.json() == in_scope.json()
    assert elsewhere.json()["field"] == "code"
    assert "1529230001" not in elsewhere.content.decode()
    assert Institution.objects.filter(name="新院").count() == 0


@pytest.mark.parametrize("name", ["\u200b", "  ", "\u3000\ufeff", "\u2060\u200c\u200d", "\t\n"])
def test_a_name_of_invisible_characters_is_refused(world, name):
    admin = world.api("admin")
    region = post(
        admin,
        "/api/v1/regions",
        {"code": "152924", "name": name, "parent_code": "152900", "level": "county"},
    )
    institution = post(
        admin,
        "/api/v1/institutions",
        {"code": "1529210009", "name": name, "region_code": "152921", "beds": 3},
    )
    for response in (region, institution):
        assert response.status_code == 422
        assert (response.json()["field"], response.json()["code"]) == ("name", "blank")
    assert not Region.objects.filter(code="152924").exists()
    assert not Institution.objects.filter(code="1529210009").exists()


@pytest.mark.parametrize("beds", [2**31, 100_001, 3.5, "3", True, None])
def test_beds_are_a_bounded_whole_number(world, beds):
    body = {"code": "1529210009", "name": "新院", "region_code": "152921", "beds": beds}
    response = post(world.api("zuoqi"), "/api/v1/institutions", body)
    assert (response.status_code, response.json()["field"]) == (422, "beds")
    assert not Institution.objects.filter(code="1529210009").exists()


def test_an_unknown_institution_field_is_refused_naming_it(world):
    body = {"code": "1529210009", "name": "新院", "region_code": "152921", "beds": 3,
            "bed": 40}  # fmt: skip
    response = post(world.api("zuoqi"), "/api/v1/institutions", body)
    assert (response.status_code, response.json()["field"]) == (422, "bed")
    assert not Institution.objects.filter(code="1529210009").exists()


def openapi(client):
    return client.get("/api/v1/openapi.json").json()


def test_every_operation_declares_its_refusals_in_the_error_shape(client, db):
    schema = openapi(client)
    error = {"$ref": "#/components/schemas/ErrorOut"}
    assert set(schema["components"]["schemas"]["ErrorOut"]["required"]) == {
        "code", "message", "field", "errors"
    }  # fmt: skip
    for path, operations in schema["paths"].items():
        if path == "/api/v1/openapi.json":
            continue
        for method, operation in operations.items():
            responses = operation["responses"]
            for status in ("401", "422"):
                assert status in responses, (method, path, status)
            for status, response in responses.items():
                if status.startswith("4"):
                    assert response["content"]["application/json"]["schema"] == error
            if method in ("post", "put"):
                assert {"403", "413"} <= responses.keys() or path.startswith("/api/v1/inbox")
    put = schema["paths"]["/api/v1/institutions/{code}/daily-reports/{day}"]["put"]
    assert {"412", "428"} <= put["responses"].keys()


def test_every_request_body_refuses_unknown_fields(client, db):
    schemas = openapi(client)["components"]["schemas"]
    inputs = [name for name in schemas if name.endswith("In")]
    assert {"RegionIn", "InstitutionIn", "RegimeIn", "ReportIn", "ConfirmIn"} <= set(inputs)
    for name in inputs:
        assert schemas[name]["additionalProperties"] is False, name


def test_the_schema_says_what_a_date_a_count_and_a_name_are(client, db):
    schemas = openapi(client)["components"]["schemas"]
    start = schemas["RegimeIn"]["properties"]["start_date"]
    assert (start["format"], start["pattern"]) == ("date", DAY_SCHEMA_PATTERN)
    assert schemas["ReportIn"]["properties"]["fever"]["anyOf"][0]["maximum"] == MAX_COUNT
    assert schemas["InstitutionIn"]["properties"]["beds"]["maximum"] == MAX_COUNT
    name = schemas["RegionIn"]["properties"]["name"]
    assert name["minLength"] == 1
    assert re.search(name["pattern"], "新旗") and not re.search(name["pattern"], "\u200b ")
    deadline = schemas["RegimeIn"]["properties"]["deadline"]
    assert re.fullmatch(deadline["pattern"], "16:00")
    assert not re.search(deadline["pattern"], "16:00+05:00")


def test_an_empty_region_query_names_no_region(world):
    # `region=` is no code (the schema says so): it answers as an unknown one, not as no filter.
    api = world.api("league")
    assert api.get("/api/v1/institutions?region=").status_code == 404
    assert api.get("/api/v1/regions?parent=").status_code == 404


def test_no_two_schemas_share_a_name():
    """OpenAPI keys its components by class name: two schemas of one name would show one."""
    import importlib
    import inspect
    import pkgutil

    from ninja import Schema

    import fangkong

    owners: dict[str, list[str]] = {}
    modules = [
        importlib.import_module(f"fangkong.{app.name}.{mod.name}")
        for app in pkgutil.iter_modules(fangkong.__path__)
        if app.ispkg
        for mod in pkgutil.iter_modules([f"{fangkong.__path__[0]}/{app.name}"])
        if mod.name.startswith("api")
    ]
    assert len(modules) > 5
    for module in modules:
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Schema) and cls.__module__ == module.__name__:
                owners.setdefault(name, []).append(module.__name__)
    assert {name: mods for name, mods in owners.items() if len(mods) > 1} == {}


def test_every_text_input_declares_what_it_refuses():
    """A string field of a request names its pattern, format or choices (free text: `Text`,
    which refuses the NUL character), so that the schema tells clients what is refused."""
    import importlib
    import inspect
    import pkgutil

    import fangkong
    from fangkong.core.schema import InputSchema

    root = fangkong.__path__[0]
    bare, seen = [], 0
    for app in pkgutil.iter_modules([root]):
        for mod in pkgutil.walk_packages([f"{root}/{app.name}"], prefix=f"fangkong.{app.name}."):
            if not app.ispkg or not mod.name.rsplit(".", 1)[-1].startswith("api"):
                continue
            module = importlib.import_module(mod.name)
            for name, cls in inspect.getmembers(module, inspect.isclass):
                if not (issubclass(cls, InputSchema) and cls.__module__ == module.__name__):
                    continue
                seen += 1
                schema = cls.model_json_schema()
                nested = [d.get("properties", {}) for d in schema.get("$defs", {}).values()]
                fields = [(f, spec) for props in [schema.get("properties", {}), *nested]
                          for f, spec in props.items()]  # fmt: skip
                for field, spec in fields:
                    options = [spec, *spec.get("anyOf", [])]
                    options += [o["items"] for o in list(options) if "items" in o]
                    for option in options:
                        if option.get("type") == "string" and not (
                            option.get("pattern") or option.get("format") or option.get("enum")
                        ):
                            bare.append(f"{module.__name__}.{name}.{field}")
    assert seen > 20
    assert bare == []
