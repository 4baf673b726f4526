import pytest
from django.test import Client

from fangkong.accounts.services import token_create
from fangkong.audit.models import AuditEvent
from fangkong.core.scoping import SYSTEM
from fangkong.liaison.models import DutyLog, Finding
from fangkong.liaison.services import assignment_create
from fangkong.liaison.tests.conftest import DAY, post


@pytest.fixture
def wang(world, leaders):
    assignment_create(actor=SYSTEM, institution_code="1529210001", username="wang",
                      level="league", start_date=DAY)  # fmt: skip
    _token, secret = token_create(actor=SYSTEM, user=leaders["wang"])
    return Client(headers={"authorization": f"Bearer {secret}"})


def entry(**overrides):
    return {"date": "2021-10-20", "method": "on_site", "checked": "门岗登记、体温监测",
            "found": "登记表缺两天", "findings": ["门岗登记不全"], **overrides}  # fmt: skip


def test_a_liaison_records_a_contact_with_its_findings(world, wang):
    response = post(wang, "/api/v1/institutions/1529210001/duty-log", entry())
    assert response.status_code == 201
    body = response.json()
    assert (body["date"], body["method"], body["level"], body["liaison"]) == (
        "2021-10-20",
        "on_site",
        "league",
        "wang",
    )
    assert [f["text"] for f in body["findings"]] == ["门岗登记不全"]
    finding = Finding.objects.get()
    assert finding.institution.code == "1529210001" and finding.raised_by.username == "wang"
    assert AuditEvent.objects.filter(action="liaison.duty_log").count() == 1
    listed = world.api("zuoqi").get("/api/v1/institutions/1529210001/duty-log").json()["items"]
    assert [item["id"] for item in listed] == [body["id"]]


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"date": "2021-10-17"}, "date", "not_liaison"),  # before the assignment
        ({"date": "2099-01-01"}, "date", "future"),
        ({"checked": "   "}, "checked", "required"),
    ],
)
def test_bad_entries_are_refused_naming_the_field(world, wang, overrides, field, code):
    response = post(wang, "/api/v1/institutions/1529210001/duty-log", entry(**overrides))
    assert response.status_code == 400
    assert (response.json()["field"], response.json()["code"]) == (field, code)
    assert not DutyLog.objects.exists() and not Finding.objects.exists()


def test_an_officer_who_is_no_liaison_cannot_log(world, wang):
    response = post(world.api("zuoqi"), "/api/v1/institutions/1529210001/duty-log", entry())
    assert (response.status_code, response.json()["code"]) == (400, "not_liaison")


def test_a_wrong_method_is_refused_by_the_schema(world, wang):
    response = post(wang, "/api/v1/institutions/1529210001/duty-log", entry(method="letter"))
    assert (response.status_code, response.json()["field"]) == (422, "method")


def test_the_phone_form_records_a_contact_in_a_few_taps(world, wang, leaders):
    phone = Client()
    phone.force_login(leaders["wang"])
    page = phone.get("/liaison/institution/1529210001/duty/")
    assert page.status_code == 200 and 'type="radio"' in page.content.decode()
    response = phone.post("/liaison/institution/1529210001/duty/", {
        "date": "2021-10-20", "method": "video", "usual": ["gate", "ppe"],
        "findings": "消毒记录不全\n\n", "found": "",
    })  # fmt: skip
    assert response.status_code == 302
    log = DutyLog.objects.get()
    assert log.method == "video" and log.checked
    assert [f.text for f in log.findings.all()] == ["消毒记录不全"]


def test_the_phone_form_shows_a_refusal_under_its_field(world, wang, leaders):
    phone = Client()
    phone.force_login(leaders["wang"])
    response = phone.post("/liaison/institution/1529210001/duty/", {
        "date": "2021-10-20", "method": "phone",
    }, headers={"accept-language": "en"})  # fmt: skip
    assert response.status_code == 200
    assert 'id="error-checked"' in response.content.decode()
    assert not DutyLog.objects.exists()


def test_an_operator_does_not_read_the_duty_log(world, wang):
    response = world.api("operator").get("/api/v1/institutions/1529210001/duty-log")
    assert response.status_code == 404


def test_the_institution_page_names_its_liaisons(world, wang, leaders):
    from django.utils import timezone

    assignment_create(actor=SYSTEM, institution_code="1529210001", username="zhao",
                      level="banner", start_date=timezone.localdate())  # fmt: skip
    page = world.client("zuoqi").get("/institutions/1529210001/").content.decode()
    section = page.split('id="liaisons"')[1].split("</section>")[0]
    assert "王局长" in section and "赵旗长" in section
