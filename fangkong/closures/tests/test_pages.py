import io

from django.utils import timezone, translation
from python_calamine import CalamineWorkbook

from fangkong.audit.models import AuditEvent
from fangkong.closures.models import GateEvent


def test_a_staff_member_returns_with_one_tap_after_the_name(world, closed):
    client = world.client("operator")
    response = client.post(
        "/gate/1529210001/",
        {
            "person_name": "赵六",
            "temperature": "36.5",
            "test_proof": "核酸阴性 10-24",
            "quick": "staff-in",
        },
    )
    assert response.status_code == 302
    event = GateEvent.objects.get()
    assert (event.direction, event.purpose, event.person_name) == ("in", "staff", "赵六")
    assert event.recorded_by == world.users["operator"]
    page = client.get("/gate/1529210001/").content.decode()
    assert '<option value="赵六">' in page  # picked next time, not typed


def test_supplies_are_handed_over_with_a_single_tap(world, closed):
    response = world.client("operator").post("/gate/1529210001/", {"quick": "supplies-in"})
    assert response.status_code == 302
    assert GateEvent.objects.get().purpose == "supplies"


def test_a_visit_is_refused_at_the_gate_with_the_rules_reason(world, closed):
    with translation.override("en"):
        response = world.client("operator").post(
            "/gate/1529210001/",
            {"person_name": "钱七", "direction": "in", "purpose": "visit", "quick": ""},
            headers={"accept-language": "en"},
        )
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="refusal"' in page
    assert not GateEvent.objects.exists()


def test_an_officer_lets_a_visit_through_with_a_reason_and_the_register_shows_it(world, closed):
    client = world.client("zuoqi")
    response = client.post("/gate/1529210001/", {
        "person_name": "钱七", "direction": "in", "purpose": "visit", "quick": "",
        "exception_reason": "临终探视",
    })  # fmt: skip
    assert response.status_code == 302
    day = timezone.localdate().isoformat()
    register = client.get(f"/gate/1529210001/register/?date={day}").content.decode()
    assert 'id="register-exceptions"' in register and "临终探视" in register
    region = world.client("league").get(f"/closures/regions/152900/?date={day}").content.decode()
    assert "临终探视" in region


def test_the_region_page_lists_the_closures_with_their_basis(world, closed):
    page = world.client("league").get("/closures/regions/152900/?date=2021-10-18").content.decode()
    assert "阿拉善左旗社会福利中心" in page and "阿民发〔2021〕1号" in page
    assert page.count('<li><a href="/closures/institutions/') == 5


def test_the_institution_page_shows_its_history_and_the_rule_table(world, closed):
    page = world.client("operator").get("/closures/institutions/1529210001/").content.decode()
    assert "2021-10-18" in page
    assert page.count("data-level=") == 20


def test_the_institution_page_says_it_is_closed(world, closed):
    page = world.client("operator").get("/institutions/1529210001/").content.decode()
    assert 'id="closure-status"' in page and "/gate/1529210001/" in page


def test_the_closures_sheet_has_a_row_per_closure(world, closed):
    response = world.client("league").get("/closures/regions/152900/closures.xlsx?date=2021-10-20")
    rows = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0)
    data = rows.to_python()
    assert len(data) == 2 + 5
    assert "阿民发〔2021〕1号" in data[2]


def test_the_register_sheet_is_audited(world, closed):
    world.client("operator").post(
        "/gate/1529210001/",
        {
            "person_name": "赵六",
            "temperature": "36.5",
            "test_proof": "核酸阴性 10-24",
            "quick": "staff-in",
        },
    )
    day = timezone.localdate().isoformat()
    response = world.client("zuoqi").get(f"/gate/1529210001/register.xlsx?date={day}")
    data = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0)
    assert "赵六" in data.to_python()[2]
    assert AuditEvent.objects.filter(action="gate.export").count() == 1


def test_the_home_page_leads_an_officer_to_the_regions_closures(world, closed):
    page = world.client("league").get("/").content.decode()
    assert 'href="/closures/regions/152900/"' in page


def test_a_wrong_day_in_the_address_answers_400_with_a_way_back(world, closed):
    for url in ("/closures/regions/152921/", "/gate/1529210001/register/"):
        response = world.client("zuoqi").get(url, {"date": "2021-02-30"})
        assert response.status_code == 400, url
        page = response.content.decode()
        assert "YYYY-MM-DD" in page and f'href="{url}"' in page  # today's page instead
