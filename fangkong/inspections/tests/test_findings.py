"""A liaison's finding becomes a rectification here, followed like an inspection's."""

import datetime

import pytest

from fangkong.core.scoping import SYSTEM
from fangkong.inspections.models import Rectification
from fangkong.inspections.tests.conftest import post
from fangkong.liaison.services import assignment_create, duty_log_add


@pytest.fixture
def finding(world):
    from fangkong.accounts.services import user_ensure

    leader, _created = user_ensure(actor=SYSTEM, username="leader")
    assignment_create(actor=SYSTEM, institution_code="1529210001", username="leader",
                      level="league", start_date=datetime.date(2021, 10, 1))  # fmt: skip
    log = duty_log_add(actor=leader, institution=world.institutions["1529210001"],
                       day=datetime.date(2021, 10, 20), method="phone", checked="门岗",
                       findings=["隔离室未配备消毒用品"])  # fmt: skip
    return log.findings.get()


def test_an_officer_opens_a_rectification_for_a_liaisons_finding(world, finding):
    response = post(world.api("zuoqi"), f"/api/v1/liaison-findings/{finding.pk}/rectification",
                    {"due_date": "2021-10-23"})  # fmt: skip
    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["finding_id"], body["item"]) == ("open", finding.pk, None)
    assert body["what"] == "隔离室未配备消毒用品"


def test_a_finding_has_one_rectification_at_most(world, finding):
    url = f"/api/v1/liaison-findings/{finding.pk}/rectification"
    post(world.api("zuoqi"), url, {"due_date": "2021-10-23"})
    again = post(world.api("zuoqi"), url, {"due_date": "2021-10-24"})
    assert (again.status_code, again.json()["field"]) == (400, "finding")
    assert Rectification.objects.count() == 1


def test_a_deadline_before_the_finding_is_refused(world, finding):
    response = post(world.api("zuoqi"), f"/api/v1/liaison-findings/{finding.pk}/rectification",
                    {"due_date": "2021-10-19"})  # fmt: skip
    assert (response.status_code, response.json()["field"]) == (400, "due_date")
    assert not Rectification.objects.exists()


def test_a_finding_out_of_scope_answers_404(world, finding):
    response = post(world.api("ejina"), f"/api/v1/liaison-findings/{finding.pk}/rectification",
                    {"due_date": "2021-10-23"})  # fmt: skip
    assert response.status_code == 404
    assert not Rectification.objects.exists()


def test_the_supervision_page_offers_an_officer_a_button_for_the_finding(world, finding):
    client = world.client("zuoqi")
    page = client.get("/inspections/institutions/1529210001/").content.decode()
    assert f'id="finding-{finding.pk}"' in page and "生成整改" in page
    response = client.post(f"/liaison-findings/{finding.pk}/rectification/",
                           {"due_date": "2021-10-30"})  # fmt: skip
    assert response.status_code == 302
    rectification = Rectification.objects.get(finding=finding)
    assert (rectification.status, rectification.due_date) == ("open", datetime.date(2021, 10, 30))
    after = client.get("/inspections/institutions/1529210001/").content.decode()
    assert f'id="finding-{finding.pk}"' not in after  # listed with the rectifications now
    assert "隔离室未配备消毒用品" in after


def test_the_institution_sees_the_finding_but_no_button(world, finding):
    page = world.client("operator").get("/inspections/institutions/1529210001/").content.decode()
    assert f'id="finding-{finding.pk}"' in page and "生成整改" not in page
    response = world.client("operator").post(f"/liaison-findings/{finding.pk}/rectification/",
                                             {"due_date": "2021-10-30"})  # fmt: skip
    assert response.status_code == 302
    assert not Rectification.objects.exists()


def test_a_deadline_before_the_finding_is_refused_on_the_page(world, finding):
    client = world.client("zuoqi")
    response = client.post(f"/liaison-findings/{finding.pk}/rectification/",
                           {"due_date": "2021-10-01"})  # fmt: skip
    assert not Rectification.objects.exists()
    assert "整改期限早于发现日期" in client.get(response["Location"]).content.decode()


def test_the_button_of_a_finding_out_of_scope_answers_404(world, finding):
    response = world.client("ejina").post(f"/liaison-findings/{finding.pk}/rectification/",
                                          {"due_date": "2021-10-30"})  # fmt: skip
    assert response.status_code == 404
    assert not Rectification.objects.exists()
