"""The operator's form as a person sees it: the deadline before sending, every problem at once at
the top, and reporting for someone else (代报) as a deliberate, visible act."""

import csv
import io
import re

import pytest
from django.urls import reverse

from fangkong.accounts.models import Role
from fangkong.conftest import make_user
from fangkong.core.scoping import SYSTEM
from fangkong.reporting.models import DailyReport, ReportRevision
from fangkong.reporting.services import regime_create, report_submit
from fangkong.reporting.tests.conftest import DAY, at, figures, put

REPORT = f"/report/1529210001/{DAY}/"
ON_BEHALF = f"/report/1529210001/{DAY}/on-behalf/"
INSTITUTION = "/institutions/1529210001/"
CENSUS = {"residents": "180", "staff_on_site": "60", "in_isolation": "0", "tested": "0",
          "ppe_days": "30"}  # fmt: skip
EVENTS = ["admissions", "visitors", "fever", "respiratory", "suspected", "confirmed",
          "close_contacts", "positive"]  # fmt: skip
EN = {"accept-language": "en"}


def zero(values):
    return {f"zero-{name}": value for name, value in values.items()}


def page_of(response) -> str:
    text: str = response.content.decode()
    return text


def deadline_text(page: str) -> str:
    found = re.search(r'<p id="deadline"[^>]*>(.*?)</p>', page, re.S)
    assert found, "the form shows no deadline"
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


# The deadline ---------------------------------------------------------------------------------


def test_the_form_says_the_deadline_and_how_long_is_left(world, regime, clock):
    clock.set(at(13, 40))
    page = page_of(world.client("operator").get(REPORT, headers=EN))
    assert deadline_text(page) == "Deadline 16:00 2 h 20 min left"


def test_in_the_last_minute_a_minute_is_left(world, regime, clock):
    clock.set(at(15, 59, 30))
    page = page_of(world.client("operator").get(REPORT, headers=EN))
    assert deadline_text(page) == "Deadline 16:00 1 min left"


def test_after_the_deadline_the_form_says_a_report_now_counts_as_late(world, regime, clock):
    clock.set(at(16))
    page = page_of(world.client("operator").get(REPORT, headers=EN))
    assert 'class="deadline late"' in page
    assert deadline_text(page) == (
        "Deadline 16:00 The deadline has passed: a report sent now counts as late."
    )


def test_the_deadline_is_the_regimes_own(world, regime, clock):
    banner = world.regions["152921"]
    regime_create(actor=SYSTEM, name="左旗", region_code=banner.code, start_date=DAY,
                  deadline=at(17).time())  # fmt: skip
    clock.set(at(16, 30))
    page = page_of(world.client("operator").get(REPORT, headers=EN))
    assert deadline_text(page) == "Deadline 17:00 30 min left"


def test_once_sent_the_status_says_on_time_or_late(world, regime, clock):
    clock.set(at(16, 5))
    client = world.client("operator")
    client.post(REPORT, {**zero(CENSUS), "zero": "1"}, headers=EN)
    page = page_of(client.get(REPORT, headers=EN))
    assert "Reported late" in page
    assert 'id="deadline"' not in page


# Every problem at once ------------------------------------------------------------------------


def summary_links(page: str) -> dict[str, str]:
    found = re.search(r'<div class="error-summary" id="errors".*?</div>', page, re.S)
    assert found, "no error summary at the top of the form"
    return {
        anchor: " ".join(re.sub(r"<[^>]+>", "", text).split())
        for anchor, text in re.findall(r'<a href="#([^"]+)">(.*?)</a>', found.group(0), re.S)
    }


def test_a_full_report_lists_every_problem_at_the_top_with_links(world, regime, clock):
    clock.set(at(15))
    typed = {**CENSUS, "tested": "3", "positive": "5", "fever": "two", "visitors": "-1",
             "notes": "急需口罩"}  # fmt: skip
    response = world.client("operator").post(REPORT, typed, headers=EN)
    assert response.status_code == 422
    page = page_of(response)
    links = summary_links(page)
    assert list(links) == [f"id_{code}" for code in EVENTS]
    assert links["id_admissions"] == "New admissions today: This field is required."
    assert links["id_fever"] == "New fever cases today: Enter a whole number."
    assert links["id_positive"] == "Positive today: More positive results than people tested."
    assert links["id_visitors"].startswith("Visits today: ")
    # Each link leads to an input that is on the page, and what was typed is kept.
    for anchor in links:
        assert f'id="{anchor}"' in page
    assert "急需口罩" in page and 'value="3"' in page
    assert not DailyReport.objects.exists()


def test_a_blank_event_figure_is_required_not_read_as_zero(world, regime, clock):
    clock.set(at(15))
    full = {**CENSUS, **{code: "0" for code in EVENTS}}
    del full["fever"]
    response = world.client("operator").post(REPORT, full, headers=EN)
    assert response.status_code == 422
    assert list(summary_links(page_of(response))) == ["id_fever"]
    assert not DailyReport.objects.exists()


def test_a_problem_only_the_service_knows_joins_the_list(world, regime, clock):
    clock.set(at(15))
    future = f"/report/1529210001/{DAY.replace(day=26)}/"
    full = {**CENSUS, **{code: "0" for code in EVENTS}}
    response = world.client("operator").post(future, full, headers=EN)
    assert response.status_code == 422
    summary = re.search(r'<div class="error-summary".*?</div>', page_of(response), re.S)
    assert summary and "A report cannot be made for a future day." in summary.group(0)


# Reporting for someone else (代报) ------------------------------------------------------------


def test_an_officer_opening_a_missing_institution_gets_its_page(world, regime, clock):
    clock.set(at(17))
    client = world.client("zuoqi")
    response = client.get(REPORT)
    assert response.status_code == 302
    assert response["Location"] == f"{INSTITUTION}?date={DAY}"
    page = page_of(client.get(response["Location"], headers=EN))
    assert 'name="zero"' not in page
    assert 'id="day-status"' in page and ">Missing<" in page
    assert 'action="/institutions/1529210001/remind/"' in page
    assert f'href="{ON_BEHALF}"' in page


def test_the_institution_page_gives_the_contact_and_a_phone_link(world, regime, clock):
    institution = world.institutions["1529210001"]
    type(institution).objects.filter(pk=institution.pk).update(
        contact_person="王秀兰", contact_phone="0483-8221001"
    )
    clock.set(at(17))
    page = page_of(world.client("zuoqi").get(f"{INSTITUTION}?date={DAY}"))
    assert "王秀兰" in page
    assert 'href="tel:0483-8221001"' in page


def test_an_officer_cannot_send_a_report_through_the_operators_form(world, regime, clock):
    clock.set(at(15))
    response = world.client("zuoqi").post(REPORT, {**zero(CENSUS), "zero": "1"}, follow=True,
                                          headers=EN)  # fmt: skip
    assert response.redirect_chain[0][1] == 302
    assert "Nothing was sent: you are not this institution&#x27;s operator." in page_of(response)
    assert not DailyReport.objects.exists()


def test_reporting_on_behalf_is_announced_and_recorded(world, regime, clock):
    clock.set(at(15))
    client = world.client("zuoqi")
    page = page_of(client.get(ON_BEHALF, headers=EN))
    assert 'id="on-behalf"' in page and "Reporting on behalf of 阿拉善左旗社会福利中心" in page
    response = client.post(ON_BEHALF, {**zero(CENSUS), "zero": "1"}, headers=EN)
    assert response.status_code == 302
    revision = ReportRevision.objects.get()
    assert (revision.on_behalf, revision.author.username) == (True, "zuoqi")


def test_an_operator_reports_as_itself(world, regime, clock):
    clock.set(at(15))
    client = world.client("operator")
    assert client.get(ON_BEHALF)["Location"] == REPORT
    client.post(REPORT, {**zero(CENSUS), "zero": "1"})
    assert ReportRevision.objects.get().on_behalf is False


def test_a_liaison_may_see_but_not_report_on_behalf(world, regime, clock):
    make_user("liaison", Role.LIAISON, world.regions["152921"])
    world.users["liaison"] = type(world.users["zuoqi"]).objects.get(username="liaison")
    clock.set(at(15))
    assert world.client("liaison").get(ON_BEHALF).status_code == 403
    assert world.client("ejina").get(ON_BEHALF).status_code == 404


def test_a_report_on_behalf_is_marked_in_history_board_and_export(world, regime, clock):
    report_submit(actor=world.users["zuoqi"], institution=world.institutions["1529210001"],
                  day=DAY, figures=figures(), is_zero=True, now=at(15))  # fmt: skip
    report_submit(actor=SYSTEM, institution=world.institutions["1529210002"],
                  day=DAY, figures=figures(), is_zero=True, now=at(15))  # fmt: skip
    clock.set(at(17))
    history = page_of(world.client("zuoqi").get("/report/1529210001/history/", headers=EN))
    assert history.count("reported on its behalf") == 1
    board = page_of(world.client("league").get(f"/board/152900/?date={DAY}", headers=EN))
    row = re.search(r"<li><a [^>]*>阿拉善左旗社会福利中心</a>.*?</li>", board, re.S)
    assert row and "reported on its behalf" in row.group(0)
    other = re.search(r"<li><a [^>]*>阿拉善左旗巴彦浩特镇敬老院</a>.*?</li>", board, re.S)
    assert other and "reported on its behalf" not in other.group(0)
    response = world.api("league").get(f"/api/v1/regions/152900/daily-summary.csv?date={DAY}")
    lines = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    by_code = {line["institution_code"]: line["on_behalf"] for line in lines}
    assert by_code["1529210001"] == "true" and by_code["1529210002"] == "false"
    assert by_code["1529220001"] == ""  # no report


@pytest.mark.parametrize(("persona", "on_behalf"), [("operator", False), ("league", True)])
def test_the_api_marks_a_put_by_a_non_operator_as_on_behalf(
    world, regime, clock, persona, on_behalf
):
    clock.set(at(15))
    api = world.api(persona)
    assert put(api, "1529210001", DAY, {**figures(), "is_zero": True}).status_code == 201
    body = api.get(f"/api/v1/institutions/1529210001/daily-reports/{DAY}").json()
    assert body["on_behalf"] is on_behalf
    revisions = api.get(f"/api/v1/institutions/1529210001/daily-reports/{DAY}/revisions").json()
    assert revisions[0]["on_behalf"] is on_behalf


@pytest.mark.parametrize("value", ["0", "20261202", "9999-12-31"])
def test_a_wrong_day_on_the_institution_page_is_a_400_in_the_sites_layout(world, regime, value):
    response = world.client("zuoqi").get(f"{INSTITUTION}?date={value}", headers=EN)
    assert response.status_code == 400
    page = page_of(response)
    assert "Bad request" in page
    assert f'action="{reverse("accounts:logout")}"' in page  # the signed-in header, not bare
