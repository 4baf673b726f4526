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


# Closed management (fangkong/closures): every endpoint and page that takes an object.
CLOSURE_API_URLS = [
    "/api/v1/regions/{region}/closures",
    "/api/v1/regions/{region}/gate-exceptions?date=2021-10-25",
    "/api/v1/institutions/{institution}/closures",
    "/api/v1/institutions/{institution}/gate-events?date=2021-10-25",
    "/api/v1/institutions/{institution}/entry-check?at=2021-10-25T10:00:00%2B08:00&purpose=visit",
]
CLOSURE_PAGES = [
    "/closures/regions/{region}/",
    "/closures/regions/{region}/closures.xlsx",
    "/closures/institutions/{institution}/",
    "/gate/{institution}/",
    "/gate/{institution}/register/",
    "/gate/{institution}/register.xlsx",
]


@pytest.mark.parametrize("url", CLOSURE_API_URLS)
@pytest.mark.parametrize("persona", INSIDE)
def test_closure_api_serves_objects_inside_scope(world, persona, url):
    region, institution = INSIDE[persona]
    response = world.api(persona).get(url.format(region=region, institution=institution))
    assert response.status_code == 200


@pytest.mark.parametrize("url", CLOSURE_API_URLS)
@pytest.mark.parametrize(("persona", "region", "institution"), OUTSIDE_CASES)
def test_closure_api_answers_404_outside_scope(world, persona, region, institution, url):
    response = world.api(persona).get(url.format(region=region, institution=institution))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(("persona", "region", "institution"), OUTSIDE_CASES)
def test_gate_events_cannot_be_recorded_outside_scope(world, persona, region, institution):
    body = {"at": "2021-10-25T10:00:00+08:00", "direction": "in", "purpose": "staff",
            "person_name": "张三"}  # fmt: skip
    response = world.api(persona).post(
        f"/api/v1/institutions/{institution}/gate-events", data=json.dumps(body),
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 404


@pytest.mark.parametrize("url", CLOSURE_PAGES)
@pytest.mark.parametrize("persona", INSIDE)
def test_closure_pages_serve_objects_inside_scope(world, persona, url):
    region, institution = INSIDE[persona]
    response = world.client(persona).get(url.format(region=region, institution=institution))
    assert response.status_code == 200


@pytest.mark.parametrize("url", CLOSURE_PAGES)
@pytest.mark.parametrize(("persona", "region", "institution"), OUTSIDE_CASES)
def test_closure_pages_answer_404_outside_scope(world, persona, region, institution, url):
    response = world.client(persona).get(url.format(region=region, institution=institution))
    assert response.status_code == 404


@pytest.mark.parametrize(("persona", "region", "institution"), OUTSIDE_CASES)
def test_closures_cannot_be_ordered_outside_scope(world, persona, region, institution):
    from fangkong.closures.models import Closure

    for target in ({"institution_code": institution}, {"region_code": region}):
        body = {**target, "start_date": "2021-10-18", "level": "full", "basis": "通知"}
        response = world.api(persona).post(
            "/api/v1/closures", data=json.dumps(body), content_type="application/json"
        )
        assert response.status_code == 400
        assert response.json()["field"] in target
    assert not Closure.objects.exists()


# Leader liaison (fangkong/liaison) --------------------------------------------------------------

LIAISON_API_URLS = [
    "/api/v1/regions/{region}/liaison-coverage?date=2021-10-18",
    "/api/v1/regions/{region}/liaison-coverage.xlsx?date=2021-10-18",
    "/api/v1/institutions/{institution}/liaison-assignments",
    "/api/v1/institutions/{institution}/duty-log",
    "/api/v1/liaison-assignments/{assignment}",
]
LIAISON_PAGES = [
    "/liaison/{region}/",
    "/liaison/institution/{institution}/",
    "/liaison/institution/{institution}/duty/",
]


def _liaison_of(world, institution):
    """An assignment at the institution, by the system, of a user of no scope of their own."""
    import datetime

    from fangkong.accounts.services import user_ensure
    from fangkong.core.scoping import SYSTEM
    from fangkong.liaison.services import assignment_create

    user_ensure(actor=SYSTEM, username="leader")
    return assignment_create(actor=SYSTEM, institution_code=institution, username="leader",
                             level="league", start_date=datetime.date(2021, 10, 1))  # fmt: skip


@pytest.mark.parametrize("url", LIAISON_API_URLS)
@pytest.mark.parametrize(("persona", "region", "institution"), OUTSIDE_CASES)
def test_liaison_api_answers_404_outside_scope(world, persona, region, institution, url):
    assignment = _liaison_of(world, institution)
    api = world.api(persona)
    response = api.get(url.format(region=region, institution=institution, assignment=assignment.pk))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(("persona", "region", "institution"), OUTSIDE_CASES)
def test_liaison_writes_answer_404_outside_scope(world, persona, region, institution):
    assignment = _liaison_of(world, institution)
    api = world.api(persona)
    end = api.post(f"/api/v1/liaison-assignments/{assignment.pk}/end",
                   data=json.dumps({"end_date": "2021-10-20"}),
                   content_type="application/json")  # fmt: skip
    log = api.post(f"/api/v1/institutions/{institution}/duty-log",
                   data=json.dumps({"date": "2021-10-20", "method": "phone", "checked": "x"}),
                   content_type="application/json")  # fmt: skip
    assert (end.status_code, log.status_code) == (404, 404)
    assignment.refresh_from_db()
    assert assignment.end_date is None


@pytest.mark.parametrize("url", LIAISON_PAGES)
@pytest.mark.parametrize(("persona", "region", "institution"), OUTSIDE_CASES)
def test_liaison_pages_answer_404_outside_scope(world, persona, region, institution, url):
    assignment = _liaison_of(world, institution)
    client = world.client(persona)
    assert client.get(url.format(region=region, institution=institution)).status_code == 404
    end = client.post(f"/liaison/assignment/{assignment.pk}/end/", {"end_date": "2021-10-20"})
    assert end.status_code == 404


@pytest.mark.parametrize("persona", ["admin", "league", "zuoqi", "ejina"])
def test_liaison_coverage_serves_officers_inside_scope(world, persona):
    region, institution = INSIDE[persona]
    api = world.api(persona)
    assert api.get(f"/api/v1/regions/{region}/liaison-coverage?date=2021-10-18").status_code == 200
    assert world.client(persona).get(f"/liaison/{region}/").status_code == 200
    assert api.get(f"/api/v1/institutions/{institution}/liaison-assignments").status_code == 200


# Residents, staff and visitors (fangkong/people) -------------------------------------------------

PEOPLE_API_URLS = [
    "/api/v1/institutions/{institution}/stays",
    "/api/v1/institutions/{institution}/stays?at=2021-10-18T12:00:00%2B08:00",
    "/api/v1/institutions/{institution}/visits?date=2021-10-18",
    "/api/v1/persons/{person}",
    "/api/v1/persons/{person}?reveal=id_number&reason=check",
]
PEOPLE_PAGES = [
    "/people/institutions/{institution}/",
    "/people/persons/{person}/",
]


def _resident_of(world, institution):
    """A resident of the institution since 1 October 2021, registered by the system."""
    import datetime

    from stdnum.cn import ric

    from fangkong.core.scoping import SYSTEM
    from fangkong.people.services import person_register, stay_create

    body = f"15292119400101{sorted(world.institutions).index(institution):03d}"
    number = body + ric.calc_check_digit(body + "0")
    person = person_register(actor=SYSTEM, name="张三", id_number=number).person
    start = datetime.datetime(2021, 10, 1, 9, tzinfo=datetime.UTC)
    stay_create(actor=SYSTEM, institution=world.institutions[institution], person=person,
                role="resident", start=start)  # fmt: skip
    return person


@pytest.mark.parametrize("url", PEOPLE_API_URLS)
@pytest.mark.parametrize("persona", ["league", "zuoqi", "ejina", "operator", "other_operator"])
def test_people_api_serves_objects_inside_scope(world, persona, url):
    _region, institution = INSIDE[persona]
    person = _resident_of(world, institution)
    response = world.api(persona).get(url.format(institution=institution, person=person.pk))
    assert response.status_code == 200


@pytest.mark.parametrize("url", PEOPLE_API_URLS)
@pytest.mark.parametrize(("persona", "region", "institution"), OUTSIDE_CASES)
def test_people_api_answers_404_outside_scope(world, persona, region, institution, url):
    person = _resident_of(world, institution)
    response = world.api(persona).get(url.format(institution=institution, person=person.pk))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(("persona", "region", "institution"), OUTSIDE_CASES)
def test_people_writes_answer_404_outside_scope(world, persona, region, institution):
    from fangkong.people.models import Stay, Visit

    person = _resident_of(world, institution)
    api = world.api(persona)
    inside = INSIDE[persona][1]
    bodies = [
        (f"/api/v1/institutions/{institution}/visits",
         {"person_id": person.pk, "check_in": "2021-10-10T10:00:00+08:00"}),
        (f"/api/v1/institutions/{inside}/visits",
         {"person_id": person.pk, "check_in": "2021-10-10T10:00:00+08:00"}),
        (f"/api/v1/institutions/{inside}/stays",
         {"person_id": person.pk, "role": "staff", "start": "2022-10-10T10:00:00+08:00"}),
    ]  # fmt: skip
    for url, body in bodies:
        response = api.post(url, data=json.dumps(body), content_type="application/json")
        assert response.status_code == 404, url
    stay = Stay.objects.get(person=person)
    end = api.post(f"/api/v1/stays/{stay.pk}/end", data=json.dumps({"end": "2022-01-01T00:00:00Z"}),
                   content_type="application/json")  # fmt: skip
    assert end.status_code == 404
    client = world.client(persona)
    reveal = client.post(f"/people/persons/{person.pk}/reveal/", {"field": "id_number",
                                                                  "reason": "x"})  # fmt: skip
    assert reveal.status_code == 404
    assert (Stay.objects.count(), Visit.objects.count()) == (1, 0)
    assert Stay.objects.get().end is None


def _visitor_of(world, persona):
    """A visitor whose number the persona typed (so the persona may record their visits)."""
    from stdnum.cn import ric

    body = "15292119700512031"
    number = body + ric.calc_check_digit(body + "0")
    body = json.dumps({"name": "王五", "id_number": number})
    response = world.api(persona).post("/api/v1/persons", data=body,
                                       content_type="application/json")  # fmt: skip
    assert response.status_code in (200, 201)
    return response.json()["id"]


@pytest.mark.parametrize("persona", ["league", "zuoqi", "ejina", "operator", "other_operator"])
def test_a_visit_names_a_resident_inside_scope(world, persona):
    _region, institution = INSIDE[persona]
    resident = _resident_of(world, institution)
    api = world.api(persona)
    body = {"person_id": _visitor_of(world, persona), "check_in": "2021-10-10T10:00:00+08:00",
            "visited_person_id": resident.pk}  # fmt: skip
    response = api.post(f"/api/v1/institutions/{institution}/visits", data=json.dumps(body),
                        content_type="application/json")  # fmt: skip
    assert response.status_code == 201
    received = api.get(f"/api/v1/persons/{resident.pk}").json()["visits_received"]
    assert [v["person_name"] for v in received] == ["王五"]
    page = world.client(persona).get(f"/people/persons/{resident.pk}/").content.decode()
    assert "王五" in page[page.index('id="visits-received"') :]


@pytest.mark.parametrize(("persona", "region", "institution"), OUTSIDE_CASES)
def test_a_visit_cannot_name_a_resident_outside_scope(world, persona, region, institution):
    from fangkong.people.models import Visit

    resident = _resident_of(world, institution)
    inside = INSIDE[persona][1]
    body = {"person_id": _visitor_of(world, persona), "check_in": "2021-10-10T10:00:00+08:00",
            "visited_person_id": resident.pk}  # fmt: skip
    response = world.api(persona).post(
        f"/api/v1/institutions/{inside}/visits", data=json.dumps(body),
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 404
    assert not Visit.objects.exists()


@pytest.mark.parametrize(("persona", "region", "institution"), OUTSIDE_CASES)
def test_visits_cannot_be_checked_out_outside_scope(world, persona, region, institution):
    import datetime

    from fangkong.core.scoping import SYSTEM
    from fangkong.people.services import visit_create

    person = _resident_of(world, institution)
    at = datetime.datetime(2021, 10, 10, 2, tzinfo=datetime.UTC)
    visit = visit_create(actor=SYSTEM, institution=world.institutions[institution],
                         visitor=person, check_in=at)  # fmt: skip
    response = world.api(persona).post(
        f"/api/v1/visits/{visit.pk}/check-out",
        data=json.dumps({"check_out": "2021-10-10T11:00:00+08:00"}),
        content_type="application/json",
    )
    assert response.status_code == 404
    visit.refresh_from_db()
    assert visit.check_out is None


@pytest.mark.parametrize("url", PEOPLE_PAGES)
@pytest.mark.parametrize("persona", INSIDE)
def test_people_pages_serve_objects_inside_scope(world, persona, url):
    _region, institution = INSIDE[persona]
    person = _resident_of(world, institution)
    page = world.client(persona).get(url.format(institution=institution, person=person.pk))
    assert page.status_code == 200


@pytest.mark.parametrize("url", PEOPLE_PAGES)
@pytest.mark.parametrize(("persona", "region", "institution"), OUTSIDE_CASES)
def test_people_pages_answer_404_outside_scope(world, persona, region, institution, url):
    person = _resident_of(world, institution)
    page = world.client(persona).get(url.format(institution=institution, person=person.pk))
    assert page.status_code == 404


@pytest.mark.parametrize("persona", ["admin", "liaison_of_zuoqi"])
def test_reveal_is_refused_to_roles_other_than_officers_and_operators(world, persona):
    from fangkong.accounts.models import Role
    from fangkong.conftest import make_user

    if persona not in world.users:
        world.users[persona] = make_user(persona, Role.LIAISON, world.regions["152921"])
    person = _resident_of(world, "1529210001")
    api = world.api(persona)
    assert api.get(f"/api/v1/persons/{person.pk}").status_code == 200
    revealed = api.get(f"/api/v1/persons/{person.pk}?reveal=id_number&reason=check")
    assert (revealed.status_code, revealed.json()["code"]) == (403, "forbidden")


IMPORT_API_URLS = ["/api/v1/imports/{record}", "/api/v1/institutions/{institution}/imports"]
IMPORT_PAGES = ["/people/institutions/{institution}/imports/", "/people/imports/{record}/"]


def _import_of(world, institution):
    """A checked file of one resident, uploaded into the institution by the system."""
    from fangkong.people.imports.models import FileImport

    return FileImport.objects.create(
        institution=world.institutions[institution], kind="residents", file_name="名单.xlsx",
        size=10, sha256="0" * 64, status="checked", new_rows=1, rows_total=1,
    )  # fmt: skip


@pytest.mark.parametrize("url", IMPORT_API_URLS)
@pytest.mark.parametrize("persona", INSIDE)
def test_import_api_serves_imports_inside_scope(world, persona, url):
    _region, institution = INSIDE[persona]
    record = _import_of(world, institution)
    response = world.api(persona).get(url.format(institution=institution, record=record.pk))
    assert response.status_code == 200


@pytest.mark.parametrize("url", IMPORT_API_URLS)
@pytest.mark.parametrize(("persona", "region", "institution"), OUTSIDE_CASES)
def test_import_api_answers_404_outside_scope(world, persona, region, institution, url):
    record = _import_of(world, institution)
    response = world.api(persona).get(url.format(institution=institution, record=record.pk))
    assert response.status_code == 404


@pytest.mark.parametrize("url", IMPORT_PAGES)
@pytest.mark.parametrize("persona", INSIDE)
def test_import_pages_serve_imports_inside_scope(world, persona, url):
    _region, institution = INSIDE[persona]
    record = _import_of(world, institution)
    page = world.client(persona).get(url.format(institution=institution, record=record.pk))
    assert page.status_code == 200


@pytest.mark.parametrize("url", IMPORT_PAGES)
@pytest.mark.parametrize(("persona", "region", "institution"), OUTSIDE_CASES)
def test_import_pages_answer_404_outside_scope(world, persona, region, institution, url):
    record = _import_of(world, institution)
    page = world.client(persona).get(url.format(institution=institution, record=record.pk))
    assert page.status_code == 404


@pytest.mark.parametrize(("persona", "region", "institution"), OUTSIDE_CASES)
def test_imports_cannot_be_uploaded_or_confirmed_outside_scope(world, persona, region, institution):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from fangkong.people.imports.models import FileImport

    record = _import_of(world, institution)
    client = world.client(persona)
    file = SimpleUploadedFile("名单.csv", "姓名,证件号码,入住日期\n".encode())
    uploaded = client.post(f"/people/institutions/{institution}/imports/",
                           {"kind": "residents", "file": file})  # fmt: skip
    assert uploaded.status_code == 404
    assert client.post(f"/people/imports/{record.pk}/import/").status_code == 404
    api = world.api(persona).post(f"/api/v1/imports/{record.pk}/confirm")
    assert api.status_code == 404
    assert list(FileImport.objects.values_list("status", flat=True)) == ["checked"]


def _api_upload(world, persona, institution):
    from django.core.files.uploadedfile import SimpleUploadedFile

    file = SimpleUploadedFile("名单.csv", "姓名,证件号码,入住日期\n".encode())
    return world.api(persona).post(f"/api/v1/institutions/{institution}/imports",
                                   {"kind": "residents", "file": file})  # fmt: skip


@pytest.mark.parametrize("persona", INSIDE)
def test_imports_are_uploaded_through_the_api_inside_scope(world, persona, settings, tmp_path):
    from fangkong.people.imports.models import FileImport

    settings.FANGKONG_IMPORT_DIR = tmp_path
    _region, institution = INSIDE[persona]
    response = _api_upload(world, persona, institution)
    assert response.status_code == 202, response.json()
    assert FileImport.objects.get().institution.code == institution


@pytest.mark.parametrize("persona", ["liaison_of_zuoqi", "inspector_of_zuoqi"])
def test_roles_that_may_not_import_are_refused_the_api_upload(world, persona, settings, tmp_path):
    from fangkong.accounts.models import Role
    from fangkong.conftest import make_user
    from fangkong.people.imports.models import FileImport

    settings.FANGKONG_IMPORT_DIR = tmp_path
    role = Role.LIAISON if persona.startswith("liaison") else Role.INSPECTOR
    world.users[persona] = make_user(persona, role, world.regions["152921"])
    response = _api_upload(world, persona, "1529210001")
    assert response.status_code in (403, 404)
    assert FileImport.objects.count() == 0 and not any(tmp_path.iterdir())


@pytest.mark.parametrize(("persona", "region", "institution"), OUTSIDE_CASES)
def test_imports_cannot_be_uploaded_through_the_api_outside_scope(
    world, persona, region, institution, settings, tmp_path
):
    from fangkong.people.imports.models import FileImport

    settings.FANGKONG_IMPORT_DIR = tmp_path
    response = _api_upload(world, persona, institution)
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert FileImport.objects.count() == 0 and not any(tmp_path.iterdir())


def test_imports_cannot_be_uploaded_through_the_api_without_a_token(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    file = SimpleUploadedFile("名单.csv", b"a,b\n")
    response = client.post("/api/v1/institutions/1529210001/imports",
                           {"kind": "residents", "file": file})  # fmt: skip
    assert response.status_code == 401


def test_import_templates_are_for_signed_in_users(client, world):
    assert client.get("/people/imports/templates/residents.xlsx").status_code == 302
    assert world.client("operator").get("/people/imports/templates/visits.xlsx").status_code == 200


# Supervision (fangkong/inspections) -------------------------------------------------------------

INSPECTION_API_URLS = [
    "/api/v1/institutions/{institution}/inspections",
    "/api/v1/institutions/{institution}/rectifications",
    "/api/v1/regions/{region}/rectifications",
    "/api/v1/regions/{region}/rectifications?status=overdue",
    "/api/v1/regions/{region}/spot-checks",
    "/api/v1/inspections/{inspection}",
    "/api/v1/rectifications/{rectification}",
    "/api/v1/regions/{region}/inspection-plans",
    "/api/v1/regions/{region}/inspection-plans?status=late",
    "/api/v1/institutions/{institution}/inspection-plans",
    "/api/v1/inspection-plans/{plan}",
]
INSPECTION_PAGES = [
    "/inspections/institutions/{institution}/",
    "/inspections/institutions/{institution}/new/",
    "/inspections/regions/{region}/",
    "/inspections/{inspection}/",
    "/inspections/regions/{region}/plans/",
    "/inspections/plans/{plan}/",
]


def _inspection_of(institution):
    """An inspection of the institution by the system, its item 4 failed."""
    import datetime
    from zoneinfo import ZoneInfo

    from fangkong.core.scoping import SYSTEM
    from fangkong.inspections.services import AnswerIn, inspection_record

    done_at = datetime.datetime(2021, 10, 25, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
    return inspection_record(actor=SYSTEM, institution=institution, method="video",
                             unannounced=False, done_at=done_at,
                             answers=[AnswerIn(item=4, result="fail")])  # fmt: skip


def _plan_of(institution, unannounced=False):
    """A video check of the institution planned by the system for tomorrow."""
    import datetime

    from django.utils import timezone

    from fangkong.core.scoping import SYSTEM
    from fangkong.inspections.plans import plan_create

    return plan_create(actor=SYSTEM, institution=institution, method="video",
                       planned_at=timezone.now() + datetime.timedelta(days=1),
                       unannounced=unannounced)  # fmt: skip


def _inspection_urls(url, region, institution):
    inspection = _inspection_of(institution)
    return url.format(region=region, institution=institution, inspection=inspection.pk,
                      rectification=inspection.rectifications.get().pk,
                      plan=_plan_of(institution).pk)  # fmt: skip


@pytest.mark.parametrize("url", INSPECTION_API_URLS)
@pytest.mark.parametrize("persona", INSIDE)
def test_inspection_api_serves_objects_inside_scope(world, persona, url):
    region, institution = INSIDE[persona]
    response = world.api(persona).get(_inspection_urls(url, region, institution))
    assert response.status_code == 200


@pytest.mark.parametrize("url", INSPECTION_API_URLS)
@pytest.mark.parametrize(("persona", "region", "institution"), OUTSIDE_CASES)
def test_inspection_api_answers_404_outside_scope(world, persona, region, institution, url):
    response = world.api(persona).get(_inspection_urls(url, region, institution))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("url", INSPECTION_PAGES)
@pytest.mark.parametrize("persona", INSIDE)
def test_inspection_pages_serve_objects_inside_scope(world, persona, url):
    region, institution = INSIDE[persona]
    response = world.client(persona).get(_inspection_urls(url, region, institution))
    assert response.status_code in (200, 302)  # the form sends an operator back to the list


@pytest.mark.parametrize("url", INSPECTION_PAGES)
@pytest.mark.parametrize(("persona", "region", "institution"), OUTSIDE_CASES)
def test_inspection_pages_answer_404_outside_scope(world, persona, region, institution, url):
    response = world.client(persona).get(_inspection_urls(url, region, institution))
    assert response.status_code == 404


@pytest.mark.parametrize(("persona", "region", "institution"), OUTSIDE_CASES)
def test_inspection_writes_answer_404_outside_scope(world, persona, region, institution):
    from fangkong.inspections.models import Inspection, SpotCheckDraw

    rectification = _inspection_of(institution).rectifications.get()
    api, client = world.api(persona), world.client(persona)
    body = {"institution_code": institution, "method": "video", "unannounced": False,
            "done_at": "2021-10-25T10:00:00+08:00",
            "answers": [{"item": 1, "result": "pass", "note": ""}]}  # fmt: skip
    answers = [
        api.post("/api/v1/inspections", data=json.dumps(body), content_type="application/json"),
        api.post(f"/api/v1/rectifications/{rectification.pk}/fix",
                 data=json.dumps({"evidence": "x"}), content_type="application/json"),
        api.post(f"/api/v1/rectifications/{rectification.pk}/verify",
                 data=json.dumps({"accepted": True}), content_type="application/json"),
        api.post(f"/api/v1/regions/{region}/spot-checks",
                 data=json.dumps({"count": 1, "method": "video"}),
                 content_type="application/json"),
        client.post(f"/rectifications/{rectification.pk}/fix/", {"evidence": "x"}),
        client.post(f"/rectifications/{rectification.pk}/verify/", {"accepted": "1"}),
        client.post(f"/inspections/regions/{region}/", {"count": "1", "method": "video"}),
        client.post(f"/inspections/institutions/{institution}/draft/", {"result_1": "fail"}),
        client.post(f"/inspections/institutions/{institution}/new/", {"method": "video"}),
    ]  # fmt: skip
    assert [response.status_code for response in answers] == [404] * len(answers)
    rectification.refresh_from_db()
    assert rectification.status == "open"
    assert Inspection.objects.count() == 1 and not SpotCheckDraw.objects.exists()


@pytest.mark.parametrize(("persona", "region", "institution"), OUTSIDE_CASES)
def test_inspection_plan_and_upload_writes_answer_404_outside_scope(
    world, persona, region, institution, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from fangkong.inspections.models import Evidence, InspectionPlan, Rectification

    settings.FANGKONG_EVIDENCE_DIR = tmp_path
    inspection = _inspection_of(institution)
    rectification = inspection.rectifications.get()
    plan = _plan_of(institution)
    finding = _finding_of(world, institution)
    api, client = world.api(persona), world.client(persona)

    def photo():
        return {"file": SimpleUploadedFile("x.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)}

    body = {"institution_code": institution, "method": "video",
            "planned_at": "2099-01-01T10:00:00+08:00"}  # fmt: skip
    answers = [
        api.post("/api/v1/inspection-plans", data=json.dumps(body),
                 content_type="application/json"),
        api.post(f"/api/v1/inspection-plans/{plan.pk}/cancel",
                 data=json.dumps({"reason": "x"}), content_type="application/json"),
        api.post(f"/api/v1/rectifications/{rectification.pk}/evidence", photo()),
        api.post(f"/api/v1/inspections/{inspection.pk}/answers/4/photos", photo()),
        api.post(f"/api/v1/liaison-findings/{finding.pk}/rectification",
                 data=json.dumps({"due_date": "2099-01-01"}), content_type="application/json"),
        client.post(f"/inspections/regions/{region}/plans/",
                    {"institution": institution, "method": "video",
                     "planned_at": "2099-01-01T10:00"}),
        client.post(f"/inspections/plans/{plan.pk}/cancel/", {"reason": "x"}),
        client.post(f"/liaison-findings/{finding.pk}/rectification/", {"due_date": "2099-01-01"}),
        client.get(f"/inspections/institutions/{institution}/new/?plan={plan.pk}"),
    ]  # fmt: skip
    assert [response.status_code for response in answers] == [404] * len(answers)
    plan.refresh_from_db()
    assert plan.status == "planned" and InspectionPlan.objects.count() == 1
    assert not Evidence.objects.exists()
    assert not Rectification.objects.filter(finding=finding).exists()


def _finding_of(world, institution):
    """A liaison's finding at the institution."""
    import datetime

    from fangkong.accounts.services import user_ensure
    from fangkong.core.scoping import SYSTEM
    from fangkong.liaison.services import assignment_create, duty_log_add

    leader, _created = user_ensure(actor=SYSTEM, username=f"leader-{institution}")
    assignment_create(actor=SYSTEM, institution_code=institution, username=leader.username,
                      level="league", start_date=datetime.date(2021, 10, 1))  # fmt: skip
    log = duty_log_add(actor=leader, institution=world.institutions[institution],
                       day=datetime.date(2021, 10, 20), method="phone", checked="门岗",
                       findings=["隔离室未配备消毒用品"])  # fmt: skip
    return log.findings.get()


@pytest.mark.parametrize("persona", ["operator", "other_operator"])
def test_an_unannounced_plan_is_hidden_from_the_institution_inside_its_scope(world, persona):
    region, institution = INSIDE[persona]
    plan = _plan_of(institution, unannounced=True)
    api, client = world.api(persona), world.client(persona)
    assert api.get(f"/api/v1/inspection-plans/{plan.pk}").status_code == 404
    assert client.get(f"/inspections/plans/{plan.pk}/").status_code == 404
    listed = api.get(f"/api/v1/institutions/{institution}/inspection-plans").json()
    assert listed["count"] == 0
    assert api.get(f"/api/v1/regions/{region}/inspection-plans").json()["count"] == 0


def test_the_own_plans_list_and_page_show_only_plans_naming_the_reader(world):
    import datetime

    from django.utils import timezone

    from fangkong.accounts.models import Role
    from fangkong.conftest import make_user
    from fangkong.core.scoping import SYSTEM
    from fangkong.inspections.plans import plan_create

    world.users["inspector"] = make_user("inspector", Role.INSPECTOR, world.regions["152921"])
    _plan_of("1529230001")  # naming nobody
    mine = plan_create(actor=SYSTEM, institution="1529210001", method="video",
                       planned_at=timezone.now() + datetime.timedelta(days=1),
                       inspectors=["inspector"])  # fmt: skip
    listed = world.api("inspector").get("/api/v1/inspection-plans").json()
    assert [p["id"] for p in listed["items"]] == [mine.pk]
    for persona in ("zuoqi", "operator", "ejina"):
        assert world.api(persona).get("/api/v1/inspection-plans").json()["count"] == 0
        page = world.client(persona).get("/inspections/plans/mine/").content.decode()
        assert f'id="plan-{mine.pk}"' not in page


# Testing rounds (fangkong/lab) ------------------------------------------------------------------

LAB_API_URLS = [
    "/api/v1/lab-rounds/{round}",
    "/api/v1/regions/{region}/lab-coverage?name=R1",
    "/api/v1/regions/{region}/lab-progress?name=R1",
]
LAB_PAGES = [
    "/lab/rounds/{round}/",
    "/lab/rounds/{round}/grid/",
    "/lab/regions/{region}/",
    "/lab/regions/{region}/?name=R1",
]


def _round_of(world, institution):
    """Round R1 of the institution, started on 20 October 2021 with its one resident."""
    import datetime

    from fangkong.core.scoping import SYSTEM
    from fangkong.lab.services import round_create

    person = _resident_of(world, institution)
    started = datetime.datetime(2021, 10, 20, 0, tzinfo=datetime.UTC)
    opened = round_create(actor=SYSTEM, name="R1", started_at=started, method="antigen",
                          institution_code=institution)  # fmt: skip
    return opened[0].round, person


@pytest.mark.parametrize("url", LAB_API_URLS)
@pytest.mark.parametrize("persona", INSIDE)
def test_lab_api_serves_objects_inside_scope(world, persona, url):
    region, institution = INSIDE[persona]
    lab_round, _person = _round_of(world, institution)
    response = world.api(persona).get(url.format(region=region, round=lab_round.pk))
    assert response.status_code == 200


@pytest.mark.parametrize("url", LAB_API_URLS)
@pytest.mark.parametrize(("persona", "region", "institution"), OUTSIDE_CASES)
def test_lab_api_answers_404_outside_scope(world, persona, region, institution, url):
    lab_round, _person = _round_of(world, institution)
    response = world.api(persona).get(url.format(region=region, round=lab_round.pk))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(("persona", "region", "institution"), OUTSIDE_CASES)
def test_lab_writes_answer_404_outside_scope(world, persona, region, institution):
    from fangkong.lab.models import LabExpected, LabResult

    lab_round, person = _round_of(world, institution)
    api = world.api(persona)
    url = f"/api/v1/lab-rounds/{lab_round.pk}"
    body = {"sampled_at": "2021-10-20T10:00:00+08:00", "result": "positive"}
    result = api.put(f"{url}/results/{person.pk}", data=json.dumps(body),
                     content_type="application/json")  # fmt: skip
    excuse = api.post(f"{url}/excuses/{person.pk}", data=json.dumps({"reason": "x"}),
                      content_type="application/json")  # fmt: skip
    many = api.post(f"{url}/results", data=json.dumps({"results": [{**body, "person_id":
                    person.pk}]}), content_type="application/json")  # fmt: skip
    page = world.client(persona).post(f"/lab/rounds/{lab_round.pk}/", {
        "result-person": person.pk, "result-result": "positive",
        "result-sampled_at": "2021-10-20T10:00"})  # fmt: skip
    grid = world.client(persona).post(f"/lab/rounds/{lab_round.pk}/grid/", {
        "row-TOTAL_FORMS": 1, "row-INITIAL_FORMS": 1, "row-0-person": person.pk,
        "row-0-result": "positive", "row-0-sampled_at": "2021-10-20T10:00",
        "row-0-method": "antigen"})  # fmt: skip
    assert (result.status_code, excuse.status_code, many.status_code) == (404, 404, 404)
    assert (page.status_code, grid.status_code) == (404, 404)
    assert not LabResult.objects.exists()
    assert LabExpected.objects.get().excused_reason == ""


@pytest.mark.parametrize("url", LAB_PAGES)
@pytest.mark.parametrize("persona", INSIDE)
def test_lab_pages_serve_objects_inside_scope(world, persona, url):
    region, institution = INSIDE[persona]
    lab_round, _person = _round_of(world, institution)
    page = world.client(persona).get(url.format(region=region, round=lab_round.pk))
    assert page.status_code == 200


@pytest.mark.parametrize("url", LAB_PAGES)
@pytest.mark.parametrize(("persona", "region", "institution"), OUTSIDE_CASES)
def test_lab_pages_answer_404_outside_scope(world, persona, region, institution, url):
    lab_round, _person = _round_of(world, institution)
    page = world.client(persona).get(url.format(region=region, round=lab_round.pk))
    assert page.status_code == 404


@pytest.mark.parametrize("persona", INSIDE)
def test_lab_export_serves_the_bureau_inside_scope_and_refuses_an_institution(world, persona):
    region, institution = INSIDE[persona]
    _round_of(world, institution)
    response = world.client(persona).get(f"/lab/regions/{region}/rounds.xlsx?name=R1")
    assert response.status_code == (403 if persona.endswith("operator") else 200)


@pytest.mark.parametrize(("persona", "region", "institution"), OUTSIDE_CASES)
def test_lab_export_answers_404_outside_scope(world, persona, region, institution):
    from fangkong.audit.models import AuditEvent

    _round_of(world, institution)
    response = world.client(persona).get(f"/lab/regions/{region}/rounds.xlsx?name=R1")
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="lab_round.export").exists()


def test_a_liaison_reads_a_round_but_records_no_result(world):
    from fangkong.accounts.models import Role
    from fangkong.conftest import make_user

    world.users["liaison_of_home"] = make_user(
        "liaison_of_home", Role.LIAISON, world.institutions["1529210001"]
    )
    lab_round, person = _round_of(world, "1529210001")
    api = world.api("liaison_of_home")
    assert api.get(f"/api/v1/lab-rounds/{lab_round.pk}").status_code == 200
    body = {"sampled_at": "2021-10-20T10:00:00+08:00", "result": "negative"}
    response = api.put(f"/api/v1/lab-rounds/{lab_round.pk}/results/{person.pk}",
                       data=json.dumps(body), content_type="application/json")  # fmt: skip
    assert (response.status_code, response.json()["code"]) == (403, "forbidden")
    bulk = json.dumps({"results": [{**body, "person_id": person.pk}]})
    many = api.post(f"/api/v1/lab-rounds/{lab_round.pk}/results", data=bulk,
                    content_type="application/json")  # fmt: skip
    assert (many.status_code, many.json()["code"]) == (403, "forbidden")
    assert (
        world.client("liaison_of_home").get(f"/lab/rounds/{lab_round.pk}/grid/").status_code == 403
    )


# Close-contact screening (fangkong/screening) ---------------------------------------------------

SCREENING_API_URLS = [
    "/api/v1/screenings/{screening}",
    "/api/v1/screenings/{screening}/subjects",
]
SCREENING_PAGES = ["/screenings/{screening}/"]


def _screening_of(world, institution):
    """A screening of the 7 days since 17 October 2021 with the institution's one resident."""
    import datetime

    from fangkong.core.scoping import SYSTEM
    from fangkong.screening.services import screening_create

    person = _resident_of(world, institution)
    start = datetime.datetime(2021, 10, 16, 16, tzinfo=datetime.UTC)
    screening = screening_create(
        actor=SYSTEM, institution=world.institutions[institution], start=start,
        end=start + datetime.timedelta(days=7), reason="R",
    )  # fmt: skip
    return screening, person


@pytest.mark.parametrize("url", SCREENING_API_URLS)
@pytest.mark.parametrize("persona", INSIDE)
def test_screening_api_serves_objects_inside_scope(world, persona, url):
    _region, institution = INSIDE[persona]
    screening, _person = _screening_of(world, institution)
    response = world.api(persona).get(url.format(screening=screening.pk))
    assert response.status_code == 200


@pytest.mark.parametrize("url", SCREENING_API_URLS)
@pytest.mark.parametrize(("persona", "region", "institution"), OUTSIDE_CASES)
def test_screening_api_answers_404_outside_scope(world, persona, region, institution, url):
    screening, _person = _screening_of(world, institution)
    response = world.api(persona).get(url.format(screening=screening.pk))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(("persona", "region", "institution"), OUTSIDE_CASES)
def test_screening_writes_answer_404_or_400_outside_scope(world, persona, region, institution):
    from fangkong.screening.models import Screening, ScreeningSubject

    screening, person = _screening_of(world, institution)
    api = world.api(persona)
    url = f"/api/v1/screenings/{screening.pk}/subjects/{person.pk}/classification"
    body = {"classification": "excluded", "reason": "x"}
    classify = api.post(url, data=json.dumps(body), content_type="application/json")
    page = world.client(persona).post(f"/screenings/{screening.pk}/",
                                      {"person": person.pk, **body})  # fmt: skip
    opened = api.post(
        "/api/v1/screenings",
        data=json.dumps(
            {
                "institution_code": institution,
                "start": "2021-10-17T00:00:00+08:00",
                "end": "2021-10-24T00:00:00+08:00",
                "reason": "x",
            }
        ),
        content_type="application/json",
    )
    assert (classify.status_code, page.status_code) == (404, 404)
    assert (opened.status_code, opened.json()["field"]) == (400, "institution_code")
    assert Screening.objects.count() == 1
    assert ScreeningSubject.objects.get().classification == ""


@pytest.mark.parametrize("url", SCREENING_PAGES)
@pytest.mark.parametrize("persona", INSIDE)
def test_screening_pages_serve_objects_inside_scope(world, persona, url):
    _region, institution = INSIDE[persona]
    screening, _person = _screening_of(world, institution)
    assert world.client(persona).get(url.format(screening=screening.pk)).status_code == 200


@pytest.mark.parametrize("url", SCREENING_PAGES)
@pytest.mark.parametrize(("persona", "region", "institution"), OUTSIDE_CASES)
def test_screening_pages_answer_404_outside_scope(world, persona, region, institution, url):
    screening, _person = _screening_of(world, institution)
    assert world.client(persona).get(url.format(screening=screening.pk)).status_code == 404


@pytest.mark.parametrize("persona", INSIDE)
def test_the_new_screening_page_serves_officers_and_refuses_operators(world, persona):
    _region, institution = INSIDE[persona]
    page = world.client(persona).get(f"/screenings/institutions/{institution}/new/")
    assert page.status_code == (403 if "operator" in persona else 200)


@pytest.mark.parametrize(("persona", "region", "institution"), OUTSIDE_CASES)
def test_the_new_screening_page_answers_404_outside_scope(world, persona, region, institution):
    from fangkong.screening.models import Screening

    client = world.client(persona)
    url = f"/screenings/institutions/{institution}/new/"
    assert client.get(url).status_code == 404
    body = {"start": "2021-10-17T00:00", "end": "2021-10-24T00:00", "reason": "x"}
    assert client.post(url, body).status_code == 404
    assert not Screening.objects.exists()


# Self check-in by QR code and risk areas (fangkong/people) -------------------------------------

CHECKIN_API_URLS = [
    "/api/v1/institutions/{institution}/self-check-ins",
    "/api/v1/institutions/{institution}/self-check-ins?status=pending",
    "/api/v1/regions/{region}/risk-areas",
    "/api/v1/regions/{region}/risk-areas?date=2021-10-18",
    "/api/v1/risk-areas/{area}",
]
CHECKIN_PAGES = [
    "/people/institutions/{institution}/checkins/",
    "/people/institutions/{institution}/poster/",
    "/people/regions/{region}/risk-areas/",
    "/people/risk-areas/{area}/",
]


def _check_in_at(world, region, institution):
    """A risk area declared for the region, and a visitor waiting at the institution's gate."""
    import datetime
    from decimal import Decimal

    from stdnum.cn import ric

    from fangkong.core.scoping import SYSTEM
    from fangkong.people.checkin import VisitorEntry, checkin_submit, poster_issue
    from fangkong.people.risk import RiskAreaData, risk_area_create

    area = risk_area_create(actor=SYSTEM, data=RiskAreaData(
        authority=world.regions[region], region=None, place="某小区", level="high",
        start_date=datetime.date(2021, 10, 17)))  # fmt: skip
    poster = poster_issue(actor=SYSTEM, institution=world.institutions[institution])
    body = "15292119700512031"
    entry = VisitorEntry(name="王五", id_number=body + ric.calc_check_digit(body + "0"),
                         phone="13900001111", visiting="张三", temperature=Decimal("36.5"),
                         came_from="巴彦浩特")  # fmt: skip
    return area, checkin_submit(poster=poster, entry=entry).check_in


def _checkin_url(world, url, region, institution):
    area, _check_in = _check_in_at(world, region, institution)
    return url.format(region=region, institution=institution, area=area.pk)


@pytest.mark.parametrize("url", CHECKIN_API_URLS)
@pytest.mark.parametrize("persona", INSIDE)
def test_checkin_api_serves_objects_inside_scope(world, persona, url):
    region, institution = INSIDE[persona]
    response = world.api(persona).get(_checkin_url(world, url, region, institution))
    assert response.status_code == 200


@pytest.mark.parametrize("url", CHECKIN_API_URLS)
@pytest.mark.parametrize(("persona", "region", "institution"), OUTSIDE_CASES)
def test_checkin_api_answers_404_outside_scope(world, persona, region, institution, url):
    response = world.api(persona).get(_checkin_url(world, url, region, institution))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("url", CHECKIN_PAGES)
@pytest.mark.parametrize("persona", INSIDE)
def test_checkin_pages_serve_objects_inside_scope(world, persona, url):
    region, institution = INSIDE[persona]
    page = world.client(persona).get(_checkin_url(world, url, region, institution))
    assert page.status_code == 200


@pytest.mark.parametrize("url", CHECKIN_PAGES)
@pytest.mark.parametrize(("persona", "region", "institution"), OUTSIDE_CASES)
def test_checkin_pages_answer_404_outside_scope(world, persona, region, institution, url):
    page = world.client(persona).get(_checkin_url(world, url, region, institution))
    assert page.status_code == 404


@pytest.mark.parametrize(("persona", "region", "institution"), OUTSIDE_CASES)
def test_checkin_writes_answer_404_or_400_outside_scope(world, persona, region, institution):
    from fangkong.people.models import CheckInPoster, RiskArea, SelfCheckIn, Visit

    area, check_in = _check_in_at(world, region, institution)
    api, client = world.api(persona), world.client(persona)
    area_body = {"authority_code": region, "place": "别处", "level": "low",
                 "start_date": "2021-10-18"}  # fmt: skip
    answers = [
        api.post(f"/api/v1/self-check-ins/{check_in.pk}/confirm", data="{}",
                 content_type="application/json"),
        api.post(f"/api/v1/self-check-ins/{check_in.pk}/refuse", data='{"reason": "x"}',
                 content_type="application/json"),
        api.post(f"/api/v1/institutions/{institution}/check-in-posters", data="{}",
                 content_type="application/json"),
        api.put(f"/api/v1/risk-areas/{area.pk}", data=json.dumps(area_body),
                content_type="application/json"),
        client.post(f"/people/checkins/{check_in.pk}/confirm/"),
        client.post(f"/people/checkins/{check_in.pk}/refuse/", {"reason": "x"}),
        client.post(f"/people/institutions/{institution}/poster/", {"days": "7"}),
        client.post(f"/people/risk-areas/{area.pk}/", {"place": "x", "level": "low",
                                                       "start_date": "2021-10-18"}),
        client.post(f"/people/regions/{region}/risk-areas/", {"place": "x", "level": "low",
                                                              "start_date": "2021-10-18"}),
    ]  # fmt: skip
    assert [response.status_code for response in answers] == [404] * len(answers)
    declared = api.post("/api/v1/risk-areas", data=json.dumps(area_body),
                        content_type="application/json")  # fmt: skip
    assert (declared.status_code, declared.json()["field"]) == (400, "authority_code")
    check_in.refresh_from_db()
    assert check_in.status == "pending" and not Visit.objects.exists()
    assert RiskArea.objects.get().place == "某小区"
    assert CheckInPoster.objects.count() == 1 and SelfCheckIn.objects.count() == 1


@pytest.mark.parametrize(("persona", "region", "institution"), OUTSIDE_CASES)
def test_the_gate_cannot_link_a_resident_outside_scope(world, persona, region, institution):
    """A waiting visitor at the persona's own gate says they visit a resident elsewhere."""
    from fangkong.people.models import Visit

    resident = _resident_of(world, institution)  # 张三, as the visitor typed
    own_region, own = INSIDE[persona]
    _area, check_in = _check_in_at(world, own_region, own)
    rows = world.api(persona).get(f"/api/v1/institutions/{own}/self-check-ins").json()["items"]
    assert rows[0]["visited_candidates"] == []
    body = json.dumps({"visited_person_id": resident.pk})
    api = world.api(persona).post(f"/api/v1/self-check-ins/{check_in.pk}/confirm", data=body,
                                  content_type="application/json")  # fmt: skip
    page = world.client(persona).post(f"/people/checkins/{check_in.pk}/confirm/",
                                      {"visited_person_id": resident.pk})  # fmt: skip
    assert (api.status_code, api.json()["field"], page.status_code) == (
        400, "visited_person_id", 400)  # fmt: skip
    check_in.refresh_from_db()
    assert check_in.status == "pending" and not Visit.objects.exists()


def test_the_gate_pages_ask_a_stranger_to_sign_in_and_the_api_refuses_one(client, world):
    area, check_in = _check_in_at(world, "152921", "1529210001")
    for url in ["/people/institutions/1529210001/checkins/",
                "/people/institutions/1529210001/poster/", "/people/regions/152921/risk-areas/",
                f"/people/risk-areas/{area.pk}/"]:  # fmt: skip
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    assert client.post(f"/people/checkins/{check_in.pk}/confirm/").status_code == 302
    api = client.get("/api/v1/institutions/1529210001/self-check-ins")
    assert api.status_code == 401
    check_in.refresh_from_db()
    assert check_in.status == "pending"
