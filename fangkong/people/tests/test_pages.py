import pytest

from fangkong.audit.models import AuditEvent
from fangkong.closures.tests.conftest import closed  # noqa: F401 - a fixture
from fangkong.people.models import Person, Stay, Visit
from fangkong.people.tests.conftest import VISITOR, ZHANG, ric_number

PAGE = "/people/institutions/1529210001/"


def test_the_institution_page_links_to_its_people(world):
    page = world.client("operator").get("/institutions/1529210001/").content.decode()
    assert PAGE in page


def test_the_people_page_lists_residents_present_masked(world, zhang):
    page = world.client("operator").get(PAGE).content.decode()
    assert "张三" in page and zhang.id_number_masked in page


def test_adding_a_resident_from_the_page(world):
    number = ric_number(sequence="061")
    response = world.client("operator").post(
        f"{PAGE}stays/",
        {
            "stay-name": "孙八",
            "stay-document_type": "ric",
            "stay-id_number": number,
            "stay-role": "resident",
            "stay-start": "2021-10-02T09:00",
        },
    )
    assert response.status_code == 302
    stay = Stay.objects.select_related("person").get()
    assert stay.person.name == "孙八" and stay.start.isoformat() == "2021-10-02T01:00:00+00:00"


def test_a_wrong_number_on_the_page_says_so_at_the_field(world):
    response = world.client("operator").post(
        f"{PAGE}stays/",
        {
            "stay-name": "孙八",
            "stay-document_type": "ric",
            "stay-id_number": ZHANG[:17] + "0",
            "stay-role": "resident",
            "stay-start": "2021-10-02T09:00",
        },
        headers={"accept-language": "zh-hans"},
    )
    assert response.status_code == 400
    assert "校验码错误" in response.content.decode()
    assert not Person.objects.exists()


def test_registering_a_visit_from_the_page(world):
    response = world.client("operator").post(
        f"{PAGE}visits/",
        {
            "visit-name": "王五",
            "visit-document_type": "ric",
            "visit-id_number": VISITOR,
            "visit-check_in": "2021-10-10T10:00",
            "visit-temperature": "36.6",
            "visit-came_from": "巴彦浩特",
        },
    )
    assert response.status_code == 302
    assert Visit.objects.get().came_from == "巴彦浩特"
    day = world.client("operator").get(f"{PAGE}?date=2021-10-10").content.decode()
    assert "王五" in day


@pytest.mark.usefixtures("closed")
def test_a_visit_during_a_closure_is_refused_on_the_page(world):
    response = world.client("operator").post(
        f"{PAGE}visits/",
        {
            "visit-name": "王五",
            "visit-document_type": "ric",
            "visit-id_number": VISITOR,
            "visit-check_in": "2021-10-20T10:00",
        },
        headers={"accept-language": "zh-hans"},
    )
    assert response.status_code == 400
    assert not Visit.objects.exists()


def test_the_person_page_reveals_after_a_reason_and_audits(world, zhang):
    client = world.client("operator")
    page = client.get(f"/people/persons/{zhang.pk}/").content.decode()
    assert zhang.id_number_masked in page
    revealed = client.post(f"/people/persons/{zhang.pk}/reveal/",
                           {"field": "id_number", "reason": "办理入院手续"})  # fmt: skip
    assert revealed.status_code == 200 and ZHANG in revealed.content.decode()
    assert "no-store" in revealed["Cache-Control"]
    assert AuditEvent.objects.get(action="person.reveal").after["reason"] == "办理入院手续"


def test_a_reveal_without_a_reason_shows_nothing(world, zhang):
    response = world.client("operator").post(f"/people/persons/{zhang.pk}/reveal/",
                                             {"field": "id_number", "reason": ""})  # fmt: skip
    assert response.status_code == 400
    assert ZHANG not in response.content.decode()


def test_the_search_page_finds_by_initials(world, zhang):
    page = world.client("operator").get("/people/", {"q": "zs"}).content.decode()
    assert f"/people/persons/{zhang.pk}/" in page


def test_the_pages_carry_no_inline_script_or_style(world, zhang):
    for url in [PAGE, f"/people/persons/{zhang.pk}/", "/people/?q=zs"]:
        html = world.client("operator").get(url).content.decode()
        assert "style=" not in html and "<script>" not in html and "onclick" not in html
