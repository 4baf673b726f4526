import pytest

from fangkong.audit.models import AuditEvent
from fangkong.screening.models import Screening, ScreeningSubject
from fangkong.screening.tests.conftest import HOME, WINDOW_END, WINDOW_START, post


@pytest.fixture
def present(timeline):
    """A positive resident, a staff member on duty with them, and a visitor after them."""
    index = timeline.stay("病例", HOME, "2021-10-01T09:00:00+08:00", "2021-10-20T12:00:00+08:00")
    staff = timeline.stay("护工", HOME, "2021-09-01T08:00:00+08:00", role="staff")
    visitor = timeline.person("家属")
    timeline.visit(visitor, HOME, "2021-10-22T10:00:00+08:00", "2021-10-22T11:00:00+08:00")
    return {"index": index, "staff": staff, "visitor": visitor}


def open_screening(world, persona="zuoqi", **body):
    body = {"institution_code": HOME, "start": WINDOW_START, "end": WINDOW_END,
            "reason": "阳性病例", **body}  # fmt: skip
    return post(world.api(persona), "/api/v1/screenings", body)


def test_a_screening_lists_everyone_present_in_the_window(world, present):
    response = open_screening(world, index_person_id=present["index"].pk)
    assert response.status_code == 201
    assert response.json()["subjects"] == 3
    subjects = world.api("zuoqi").get(f"/api/v1/screenings/{response.json()['id']}/subjects")
    rows = {row["person_id"]: row for row in subjects.json()}
    assert rows[present["staff"].pk]["roles"] == ["staff"]
    assert rows[present["visitor"].pk]["roles"] == ["visitor"]
    assert rows[present["index"].pk]["name"] == "病例"
    assert all(row["classification"] is None for row in rows.values())
    assert AuditEvent.objects.get(action="screening.create").after["subjects"] == 3


def test_a_class_is_proposed_from_overlap_with_the_index_person_never_applied(world, present):
    screening_id = open_screening(world, index_person_id=present["index"].pk).json()["id"]
    rows = world.api("zuoqi").get(f"/api/v1/screenings/{screening_id}/subjects").json()
    proposed = {row["person_id"]: row["proposed"] for row in rows}
    assert proposed == {present["index"].pk: None, present["staff"].pk: "close_contact",
                        present["visitor"].pk: "general_contact"}  # fmt: skip
    assert not ScreeningSubject.objects.exclude(classification="").exists()


def test_an_officer_classifies_a_subject_with_a_reason(world, present):
    screening_id = open_screening(world).json()["id"]
    url = f"/api/v1/screenings/{screening_id}/subjects/{present['staff'].pk}/classification"
    response = post(world.api("zuoqi"), url, {"classification": "close_contact",
                                              "reason": "同班次照护"})  # fmt: skip
    assert response.status_code == 200
    assert (response.json()["classification"], response.json()["classification_reason"]) == (
        "close_contact", "同班次照护")  # fmt: skip
    assert AuditEvent.objects.get(action="screening.classify").after["reason"] == "同班次照护"


def test_classifying_a_person_who_is_not_a_subject_names_the_field(world, present, timeline):
    stranger = timeline.stay("外人", HOME, "2021-11-01T09:00:00+08:00")
    screening_id = open_screening(world).json()["id"]
    url = f"/api/v1/screenings/{screening_id}/subjects/{stranger.pk}/classification"
    response = post(world.api("zuoqi"), url, {"classification": "excluded", "reason": "x"})
    assert (response.status_code, response.json()["field"]) == (400, "person_id")


@pytest.mark.parametrize(
    ("end", "code"),
    [(WINDOW_START, "end_first"), ("2021-10-16T00:00:00+08:00", "end_first"),
     ("2021-11-14T00:00:01+08:00", "too_long")],
)  # fmt: skip
def test_a_window_that_ends_first_or_spans_over_28_days_is_refused(world, present, end, code):
    response = open_screening(world, end=end)
    assert (response.status_code, response.json()["field"], response.json()["code"]) == (
        400, "end", code)  # fmt: skip
    assert not Screening.objects.exists()


def test_a_window_of_exactly_28_days_is_accepted(world, present):
    assert open_screening(world, end="2021-11-14T00:00:00+08:00").status_code == 201


def test_an_index_person_outside_scope_names_the_field(world, present, timeline):
    elsewhere = timeline.stay("额旗", "1529230001", "2021-10-01T09:00:00+08:00")
    response = open_screening(world, index_person_id=elsewhere.pk)
    assert (response.status_code, response.json()["field"]) == (400, "index_person_id")
    assert not Screening.objects.exists()


def test_an_operator_reads_their_screening_but_may_not_open_or_classify(world, present):
    refused = open_screening(world, "operator")
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    screening_id = open_screening(world).json()["id"]
    api = world.api("operator")
    assert api.get(f"/api/v1/screenings/{screening_id}/subjects").status_code == 200
    url = f"/api/v1/screenings/{screening_id}/subjects/{present['staff'].pk}/classification"
    response = post(api, url, {"classification": "excluded", "reason": "x"})
    assert (response.status_code, response.json()["code"]) == (403, "forbidden")


@pytest.mark.parametrize("persona", ["ejina", "other_operator"])
def test_a_screening_outside_scope_answers_404(world, present, persona):
    screening_id = open_screening(world).json()["id"]
    api = world.api(persona)
    assert api.get(f"/api/v1/screenings/{screening_id}").status_code == 404
    assert api.get(f"/api/v1/screenings/{screening_id}/subjects").status_code == 404
    url = f"/api/v1/screenings/{screening_id}/subjects/{present['staff'].pk}/classification"
    assert post(api, url, {"classification": "excluded", "reason": "x"}).status_code == 404
    assert not ScreeningSubject.objects.exclude(classification="").exists()


def test_the_line_list_page_shows_masked_numbers_and_classifies(world, present):
    screening_id = open_screening(world, index_person_id=present["index"].pk).json()["id"]
    client = world.client("zuoqi")
    page = client.get(f"/screenings/{screening_id}/").content.decode()
    assert "护工" in page and present["staff"].id_number_masked in page
    response = client.post(
        f"/screenings/{screening_id}/",
        {"person": present["staff"].pk, "classification": "close_contact", "reason": "同班"},
    )
    assert response.status_code == 302
    assert ScreeningSubject.objects.get(person=present["staff"]).classification == "close_contact"
    institution_page = client.get(f"/institutions/{HOME}/").content.decode()
    assert f"/screenings/{screening_id}/" in institution_page


def test_a_subject_lists_their_presence_in_another_institution(world, present, timeline):
    timeline.visit(present["visitor"], "1529230001", "2021-10-22T15:00:00+08:00",
                   "2021-10-22T16:00:00+08:00")  # fmt: skip
    screening_id = open_screening(world).json()["id"]
    rows = world.api("zuoqi").get(f"/api/v1/screenings/{screening_id}/subjects").json()
    visitor = next(row for row in rows if row["person_id"] == present["visitor"].pk)
    assert [(p["code"], p["role"]) for p in visitor["elsewhere"]] == [("1529230001", "visitor")]


def test_a_positive_offers_a_screening_with_its_person_as_index_ending_at_the_sample(
    world, present
):
    from fangkong.core.scoping import SYSTEM
    from fangkong.lab.services import result_record, round_create
    from fangkong.people.tests.conftest import moment

    opened = round_create(actor=SYSTEM, name="R", method="antigen", institution_code=HOME,
                          started_at=moment("2021-10-20T08:00:00+08:00"))  # fmt: skip
    result_record(actor=SYSTEM, lab_round=opened[0].round, person=present["index"],
                  sampled_at=moment("2021-10-20T09:00:00+08:00"), result="positive")  # fmt: skip
    client = world.client("zuoqi")
    page = client.get(f"/institutions/{HOME}/").content.decode()
    assert f"/screenings/institutions/{HOME}/new/?index={present['index'].pk}&amp;end=" in page
    end = "2021-10-20T09:00:00%2B08:00"
    url = f"/screenings/institutions/{HOME}/new/?index={present['index'].pk}&end={end}"
    form = client.get(url).content.decode()
    assert 'value="2021-10-13T09:00"' in form and 'value="2021-10-20T09:00"' in form
    response = client.post(url, {"index": present["index"].pk, "start": "2021-10-13T09:00",
                                 "end": "2021-10-20T09:00", "reason": "阳性病例"})  # fmt: skip
    screening = Screening.objects.get()
    assert response.status_code == 302 and screening.index_person == present["index"]
    assert screening.subjects.count() == 2  # the index and the staff member; the visitor came later


def test_an_operator_may_not_open_a_screening_page(world, present):
    assert world.client("operator").get(f"/screenings/institutions/{HOME}/new/").status_code == 403
