"""Employments and shifts: recorded through the API, refused where they clash, kept in step
with the older staff stays, and counted by the testing rounds."""

from fangkong.audit.models import AuditEvent
from fangkong.core.scoping import SYSTEM
from fangkong.people.models import Employment, Shift, Stay
from fangkong.people.services import person_register, stay_create, stay_end
from fangkong.people.staff import employment_create, shift_create
from fangkong.people.tests.conftest import moment, post, ric_number

HOME = "1529210001"
EMPLOYMENTS = f"/api/v1/institutions/{HOME}/employments"


def person(name="王护工", sequence="201", actor=SYSTEM):
    number = ric_number(sequence=sequence)
    return person_register(actor=actor, name=name, id_number=number).person


def hire(world, who, start="2021-09-01T08:00:00+08:00", end=None, on_site=True, home=HOME):
    return employment_create(
        actor=SYSTEM, institution=world.institutions[home], person=who, start=moment(start),
        end=moment(end) if end else None, role="护理员", on_site=on_site,
    )  # fmt: skip


def test_an_operator_records_an_employment_and_its_shift(world):
    api, worker = world.api("operator"), person(actor=world.users["operator"])
    response = post(api, EMPLOYMENTS, {"person_id": worker.pk, "role": "护理员",
                                       "start": "2021-09-01T08:00:00+08:00"})  # fmt: skip
    assert response.status_code == 201
    body = response.json()
    assert (body["role"], body["on_site"], body["end"]) == ("护理员", True, None)
    assert body["id_number_masked"] == worker.id_number_masked
    shift = post(
        api,
        f"/api/v1/employments/{body['id']}/shifts",
        {"start": "2021-10-18T08:00:00+08:00", "end": "2021-10-18T16:00:00+08:00"},
    )
    assert shift.status_code == 201
    assert shift.json()["on_site"] is True
    day = api.get(f"/api/v1/institutions/{HOME}/shifts?date=2021-10-18").json()
    assert [s["person_id"] for s in day["items"]] == [worker.pk]
    assert AuditEvent.objects.filter(action__in=["employment.create", "shift.create"]).count() == 2


def test_an_overlapping_employment_in_the_same_institution_is_refused_with_409(world):
    worker = person()
    hire(world, worker, end="2021-12-01T08:00:00+08:00")
    response = post(world.api("operator"), EMPLOYMENTS, {
        "person_id": worker.pk, "start": "2021-11-30T08:00:00+08:00"})  # fmt: skip
    assert (response.status_code, response.json()["code"]) == (409, "overlap")
    assert Employment.objects.count() == 1


def test_employments_in_two_institutions_may_overlap(world):
    worker = person()
    hire(world, worker)
    hire(world, worker, home="1529210002")
    assert Employment.objects.filter(person=worker).count() == 2


def test_an_employment_that_ends_before_it_starts_is_refused(world):
    response = post(world.api("operator"), EMPLOYMENTS, {
        "person_id": person(actor=world.users["operator"]).pk,
        "start": "2021-10-01T08:00:00+08:00",
        "end": "2021-09-01T08:00:00+08:00"})  # fmt: skip
    assert response.status_code == 400
    assert response.json()["field"] == "end"
    assert not Employment.objects.exists()


def test_overlapping_shifts_of_one_person_are_refused_even_in_two_institutions(world):
    worker = person()
    here, there = hire(world, worker), hire(world, worker, home="1529210002")
    shift_create(actor=SYSTEM, employment=here, start=moment("2021-10-18T08:00:00+08:00"),
                 end=moment("2021-10-18T16:00:00+08:00"))  # fmt: skip
    response = post(
        world.api("zuoqi"),
        f"/api/v1/employments/{there.pk}/shifts",
        {"start": "2021-10-18T15:00:00+08:00", "end": "2021-10-18T23:00:00+08:00"},
    )
    assert (response.status_code, response.json()["code"]) == (409, "overlap")
    back_to_back = post(
        world.api("zuoqi"),
        f"/api/v1/employments/{there.pk}/shifts",
        {"start": "2021-10-18T16:00:00+08:00", "end": "2021-10-18T23:00:00+08:00"},
    )
    assert back_to_back.status_code == 201
    assert Shift.objects.count() == 2


def test_a_shift_outside_the_employment_or_too_long_is_refused_naming_the_field(world):
    job = hire(world, person(), end="2021-10-31T08:00:00+08:00")
    url = f"/api/v1/employments/{job.pk}/shifts"
    api = world.api("operator")
    before = post(api, url, {"start": "2021-08-31T20:00:00+08:00",
                             "end": "2021-09-01T08:00:00+08:00"})  # fmt: skip
    assert (before.status_code, before.json()["field"]) == (400, "start")
    long = post(api, url, {"start": "2021-09-02T08:00:00+08:00",
                           "end": "2021-10-30T08:00:00+08:00"})  # fmt: skip
    assert (long.status_code, long.json()["field"]) == (400, "end")
    backwards = post(api, url, {"start": "2021-10-02T08:00:00+08:00",
                                "end": "2021-10-02T07:00:00+08:00"})  # fmt: skip
    assert (backwards.status_code, backwards.json()["field"]) == (400, "end")
    assert not Shift.objects.exists()


def test_another_operators_employment_answers_404(world):
    job = hire(world, person())
    api = world.api("other_operator")
    shift = post(
        api,
        f"/api/v1/employments/{job.pk}/shifts",
        {"start": "2021-10-18T08:00:00+08:00", "end": "2021-10-18T16:00:00+08:00"},
    )
    end = post(api, f"/api/v1/employments/{job.pk}/end", {"end": "2021-11-01T08:00:00+08:00"})
    assert (shift.status_code, end.status_code) == (404, 404)
    assert api.get(EMPLOYMENTS).status_code == 404


def test_a_staff_stay_records_its_employment_and_ending_either_ends_both(world):
    worker = person()
    stay = stay_create(
        actor=SYSTEM,
        institution=world.institutions[HOME],
        person=worker,
        role="staff",
        start=moment("2021-06-01T08:00:00+08:00"),
        job="厨师",
    )
    employment = Employment.objects.get(stay=stay)
    assert (employment.role, employment.on_site, employment.end) == ("厨师", True, None)
    stay_end(actor=SYSTEM, stay=stay, end=moment("2021-11-01T08:00:00+08:00"))
    employment.refresh_from_db()
    assert employment.end == moment("2021-11-01T08:00:00+08:00")
    other = stay_create(actor=SYSTEM, institution=world.institutions[HOME],
                        person=person("赵", "202"), role="staff",
                        start=moment("2021-06-01T08:00:00+08:00"))  # fmt: skip
    response = post(world.api("operator"), f"/api/v1/employments/{other.employment.pk}/end",
                    {"end": "2021-12-01T08:00:00+08:00"})  # fmt: skip
    assert response.status_code == 200
    assert Stay.objects.get(pk=other.pk).end == moment("2021-12-01T08:00:00+08:00")


def test_the_migration_gives_every_earlier_staff_stay_its_employment(world):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("fangkong.people.migrations.0005_employments_and_shifts")
    stay = stay_create(
        actor=SYSTEM,
        institution=world.institutions[HOME],
        person=person(),
        role="staff",
        start=moment("2021-06-01T08:00:00+08:00"),
        job="厨师",
    )
    Employment.objects.all().delete()
    migration.employments_of_staff_stays(apps, None)
    assert list(Employment.objects.values_list("stay_id", "role", "on_site")) == [
        (stay.pk, "厨师", True)
    ]


def test_a_round_expects_residents_and_staff_employed_on_site_not_those_off_site(world):
    from fangkong.lab.services import round_create

    inside, outside, resident = person("院内", "211"), person("院外", "212"), person("老人", "213")
    hire(world, inside)
    hire(world, outside, on_site=False)
    stay_create(actor=SYSTEM, institution=world.institutions[HOME], person=resident,
                role="resident", start=moment("2021-06-01T08:00:00+08:00"))  # fmt: skip
    opened = round_create(
        actor=SYSTEM,
        name="第一轮",
        institution_code=HOME,
        started_at=moment("2021-10-20T08:00:00+08:00"),
        method="nucleic_acid",
    )
    expected = dict(opened[0].round.expected.values_list("person_id", "role"))
    assert expected == {inside.pk: "staff", resident.pk: "resident"}


def test_an_employee_lies_in_the_scope_of_their_institution(world):
    worker = person()
    hire(world, worker, home="1529230001")
    assert world.api("other_operator").get(f"/api/v1/persons/{worker.pk}").status_code == 200
    assert world.api("operator").get(f"/api/v1/persons/{worker.pk}").status_code == 404


STAFF_PAGE = f"/people/institutions/{HOME}/staff/"


def test_adding_a_staff_member_and_a_shift_from_the_page(world):
    client = world.client("operator")
    response = client.post(f"/people/institutions/{HOME}/employments/", {
        "employment-name": "钱护工", "employment-document_type": "ric",
        "employment-id_number": ric_number(sequence="221"), "employment-role": "护理员",
        "employment-on_site": "on", "employment-start": "2021-09-01T08:00",
    })  # fmt: skip
    assert response.status_code == 302
    employment = Employment.objects.select_related("person").get()
    assert (employment.person.name, employment.role, employment.on_site) == (
        "钱护工",
        "护理员",
        True,
    )
    prefix = f"shift{employment.pk}"
    shift = client.post(f"/people/employments/{employment.pk}/shifts/", {
        f"{prefix}-start": "2021-10-18T08:00", f"{prefix}-end": "2021-10-18T16:00",
        f"{prefix}-on_site": "on",
    })  # fmt: skip
    assert shift.status_code == 302 and shift["Location"].endswith("?date=2021-10-18")
    page = client.get(shift["Location"]).content.decode()
    assert "钱护工" in page and "10-18 08:00–10-18 16:00" in page
    assert employment.person.id_number_masked in page


def test_a_refused_shift_is_shown_at_its_field_and_nothing_is_written(world):
    job = hire(world, person())
    prefix = f"shift{job.pk}"
    response = world.client("operator").post(f"/people/employments/{job.pk}/shifts/", {
        f"{prefix}-start": "2021-10-18T16:00", f"{prefix}-end": "2021-10-18T08:00",
    })  # fmt: skip
    assert response.status_code == 400
    assert "班次结束时间早于开始时间" in response.content.decode()
    assert not Shift.objects.exists()


def test_the_staff_page_shows_the_days_census(world):
    job = hire(world, person())
    shift_create(actor=SYSTEM, employment=job, start=moment("2021-10-18T08:00:00+08:00"),
                 end=moment("2021-10-18T16:00:00+08:00"))  # fmt: skip
    page = world.client("operator").get(f"{STAFF_PAGE}?date=2021-10-18").content.decode()
    assert "在院老人 0 人，在岗（院内）工作人员 1 人" in page
