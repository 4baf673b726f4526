"""A region's view of open screenings and overdue follow-ups, and the Excel line list."""

import io

import pytest
from python_calamine import CalamineWorkbook

from fangkong.audit.models import AuditEvent
from fangkong.screening.services import follow_up_start, screening_create
from fangkong.screening.tests.conftest import open_and_classify


@pytest.fixture
def case(world, timeline):
    found = open_and_classify(world, timeline)
    follow_up_start(actor=world.users["zuoqi"], screening=found["screening"],
                    person_id=found["staff"].pk, quarantine_until=found["screening"].end.date(),
                    test_days=[])  # fmt: skip
    # A screening in 额济纳旗, outside 阿拉善左旗's scope, its one resident not yet classified.
    timeline.stay("额旗住民", "1529230001", "2021-10-01T09:00:00+08:00")
    found["ejina"] = screening_create(
        actor=world.users["ejina"], institution=world.institutions["1529230001"],
        start=found["screening"].start, end=found["screening"].end, reason="额旗",
    )  # fmt: skip
    return found


def test_the_region_view_lists_open_screenings_and_overdue_follow_ups(world, case):
    body = world.api("zuoqi").get("/api/v1/regions/152921/screenings").json()
    assert [row["id"] for row in body["screenings"]] == [case["screening"].pk]
    row = body["screenings"][0]
    assert (row["close_contacts"], row["active_follow_ups"], row["unclassified"]) == (1, 1, 1)
    assert [(r["name"], r["overdue_since"]) for r in body["overdue_follow_ups"]] == [
        ("护工", "2021-10-24")]  # fmt: skip


def test_the_league_sees_every_banner_and_a_banner_only_its_own(world, case):
    league = world.api("league").get("/api/v1/regions/152900/screenings").json()
    assert {row["id"] for row in league["screenings"]} == {case["screening"].pk, case["ejina"].pk}
    ejina = world.api("ejina").get("/api/v1/regions/152923/screenings").json()
    assert [row["id"] for row in ejina["screenings"]] == [case["ejina"].pk]
    assert ejina["overdue_follow_ups"] == []
    assert world.api("ejina").get("/api/v1/regions/152921/screenings").status_code == 404
    assert world.api("zuoqi").get("/api/v1/regions/152900/screenings").status_code == 404


def test_a_screening_with_every_subject_classified_and_no_active_follow_up_is_not_open(world, case):
    from fangkong.screening.services import follow_up_close, subject_classify

    screening = case["screening"]
    officer = world.users["zuoqi"]
    subject_classify(actor=officer, screening=screening, person_id=case["index"].pk,
                     classification="excluded", reason="病例本人")  # fmt: skip
    follow_up = screening.subjects.get(person=case["staff"]).follow_up
    follow_up_close(actor=officer, follow_up=follow_up, outcome="released")
    body = world.api("zuoqi").get("/api/v1/regions/152921/screenings").json()
    assert body == {"screenings": [], "overdue_follow_ups": []}


def test_the_region_page_shows_both_lists(world, case):
    page = world.client("zuoqi").get("/screenings/regions/152921/").content.decode()
    assert f"/screenings/{case['screening'].pk}/" in page and "护工" in page
    assert f"/screenings/{case['ejina'].pk}/" not in page


def _sheet(response):
    return CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(
        0).to_python()  # fmt: skip


def test_the_line_list_in_excel_shows_full_numbers_to_an_officer_and_is_audited(world, case):
    response = world.client("zuoqi").get(f"/screenings/{case['screening'].pk}/line-list.xlsx")
    assert response.status_code == 200
    rows = _sheet(response)
    by_name = {row[1]: row for row in rows[2:]}
    assert set(by_name) == {"病例", "护工", "家属"}
    assert by_name["护工"][2] == case["staff"].id_number
    classes = (by_name["护工"][4], by_name["家属"][4], by_name["病例"][4])
    assert classes == ("密切接触者", "一般接触者", "")
    event = AuditEvent.objects.get(action="screening.export")
    assert (event.after["rows"], event.after["full_numbers"]) == (3, True)


def test_the_line_list_in_excel_masks_numbers_for_a_role_that_may_not_see_them(world, case):
    from fangkong.accounts.models import Role
    from fangkong.conftest import make_user

    world.users["liaison"] = make_user("liaison", Role.LIAISON, world.institutions["1529210001"])
    response = world.client("liaison").get(f"/screenings/{case['screening'].pk}/line-list.xlsx")
    assert response.status_code == 200
    numbers = {row[1]: row[2] for row in _sheet(response)[2:]}
    assert numbers["护工"] == case["staff"].id_number_masked != case["staff"].id_number
    assert AuditEvent.objects.get(action="screening.export").after["full_numbers"] is False
