"""The officer's board as its users meet it: who may confirm, what a wrong day answers, the
banner's confirmation and its reason, rates, downloads, the fortnight grid and the missing list."""

import datetime
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fangkong.audit.models import AuditEvent
from fangkong.core.scoping import SYSTEM
from fangkong.reporting import selectors
from fangkong.reporting.confirmation import banner_confirm
from fangkong.reporting.models import BannerConfirmation
from fangkong.reporting.services import regime_create, report_submit
from fangkong.reporting.tests.conftest import DAY, at, figures

BOARD = "/board/152921/"
CONFIRM = "/board/152921/confirm/"
REASON = "巴彦浩特镇敬老院停电，已电话报告"
EN = {"accept-language": "en"}


def submit(world, code, when, day=DAY):
    report_submit(actor=SYSTEM, institution=world.institutions[code], day=day,
                  figures=figures(), is_zero=True, now=when)  # fmt: skip


def page(response):
    return response.content.decode()


# 1. Only those who may confirm see the form; the others get the page's 403, never a 500.


def test_only_the_banners_officers_and_admins_see_the_confirm_form(world, regime, clock):
    clock.set(at(15))
    assert 'id="confirm-form"' in page(world.client("zuoqi").get(BOARD))
    assert 'id="confirm-form"' in page(world.client("admin").get(BOARD))
    for persona in ("league", "operator"):
        body = page(world.client(persona).get(BOARD))
        assert 'id="confirm-form"' not in body and 'id="not-confirmed"' in body


@pytest.mark.parametrize("persona", ["league", "operator"])
def test_confirming_anothers_banner_from_the_board_is_403_not_500(world, regime, clock, persona):
    clock.set(at(15))
    response = world.client(persona).post(
        CONFIRM, {"date": str(DAY), "remarks": "无", "missing_reason": REASON}
    )
    assert response.status_code == 403
    assert "<main>" in page(response)  # the site's own page, not a bare error
    assert not BannerConfirmation.objects.exists()


def test_a_league_cannot_be_confirmed_from_its_board(world, regime, clock):
    clock.set(at(15))
    response = world.client("admin").post("/board/152900/confirm/", {"date": str(DAY)})
    assert response.status_code == 403
    assert not BannerConfirmation.objects.exists()


# 2. A day is YYYY-MM-DD within the kept years; the board offers no day after today.


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "0", "20261202", "1764633600",
                                   "2022-02-30"])  # fmt: skip
def test_a_wrong_day_on_the_board_is_a_400_page_saying_so(world, regime, clock, value):
    clock.set(at(15))
    response = world.client("zuoqi").get(f"{BOARD}?date={value}", headers=EN)
    assert response.status_code == 400
    body = page(response)
    assert "Wrong date" in body and "Enter a day" in body
    assert 'class="bar"' in body  # in the site's layout


def test_the_wrong_day_page_is_in_chinese_by_default(world, regime, clock):
    clock.set(at(15))
    response = world.client("zuoqi").get(f"{BOARD}?date=0")
    assert response.status_code == 400
    assert '<html lang="zh-hans">' in page(response)


def test_a_wrong_end_for_the_charts_is_400_in_the_error_shape(world, regime, clock):
    clock.set(at(15))
    response = world.client("zuoqi").get(f"{BOARD}trend.json?end=0001-01-01")
    assert response.status_code == 400
    body = response.json()
    assert (body["code"], body["field"]) == ("date_out_of_range", "end")


@pytest.mark.parametrize("url", ["/report/1529210001/0001-01-01/", "/report/1529210001/20221025/"])
def test_a_wrong_day_in_the_report_address_is_400(world, regime, clock, url):
    clock.set(at(15))
    assert world.client("operator").get(url).status_code == 400


def test_a_wrong_day_sent_with_a_confirmation_is_400_and_stores_nothing(world, regime, clock):
    clock.set(at(15))
    response = world.client("zuoqi").post(CONFIRM, {"date": "9999-12-31", "missing_reason": REASON})
    assert response.status_code == 400
    assert not BannerConfirmation.objects.exists()


def test_the_board_offers_no_day_after_today(world, regime, clock):
    clock.set(at(15))
    client = world.client("zuoqi")
    today = page(client.get(f"{BOARD}?date={DAY}"))
    assert 'id="next-day"' not in today
    yesterday = page(client.get(f"{BOARD}?date={DAY - datetime.timedelta(days=1)}"))
    assert f'href="{BOARD}?date={DAY}" id="next-day"' in yesterday


def test_a_later_day_shows_todays_board(world, regime, clock):
    clock.set(at(15))
    tomorrow = DAY + datetime.timedelta(days=1)
    response = world.client("zuoqi").get(f"{BOARD}?date={tomorrow}&status=missing")
    assert response.status_code == 302
    assert response["Location"] == f"{BOARD}?date={DAY}&status=missing"


# 3. One limit for remarks, whatever the way in.


def test_remarks_beyond_the_limit_are_refused_by_the_board_and_nothing_is_stored(
    world, regime, clock
):
    clock.set(at(15))
    response = world.client("zuoqi").post(
        CONFIRM,
        {"date": str(DAY), "remarks": "长" * 200_000, "missing_reason": REASON},
        headers=EN,
    )
    assert response.status_code == 422
    assert "Remarks: at most 2000 characters, not 200000." in page(response)
    assert not BannerConfirmation.objects.exists()


def test_the_service_refuses_long_remarks_for_every_caller(world, regime):
    with pytest.raises(Exception) as refused:
        banner_confirm(actor=world.users["zuoqi"], region=world.regions["152921"], day=DAY,
                       remarks="x" * 2001, missing_reason=REASON, now=at(15))  # fmt: skip
    assert "remarks" in refused.value.message_dict  # type: ignore[attr-defined]
    assert not BannerConfirmation.objects.exists()
    confirmed = banner_confirm(actor=world.users["zuoqi"], region=world.regions["152921"],
                               day=DAY, remarks="x" * 2000, missing_reason=REASON,
                               now=at(15))  # fmt: skip
    assert len(confirmed.remarks) == 2000


# 4. The confirmation is complete: who and when, and why with reports still out.


def test_confirming_with_reports_out_asks_for_the_reason(world, regime, clock):
    submit(world, "1529210001", at(9))
    clock.set(at(15))
    response = world.client("zuoqi").post(CONFIRM, {"date": str(DAY), "remarks": "无"},
                                          headers=EN)  # fmt: skip
    assert response.status_code == 422
    body = page(response)
    assert (
        "Reason for the missing reports: required while institutions have not reported (1 now)."
        in body
    )
    assert "无</textarea>" in body  # what was typed stays
    assert 'href="?' not in body  # drawn at the confirm address, its links still name the board
    assert not BannerConfirmation.objects.exists()


def test_confirming_with_every_report_in_needs_no_reason(world, regime, clock):
    submit(world, "1529210001", at(9))
    submit(world, "1529210002", at(10))
    clock.set(at(15))
    response = world.client("zuoqi").post(CONFIRM, {"date": str(DAY), "remarks": "无"})
    assert response.status_code == 302
    assert BannerConfirmation.objects.get().missing_reason == ""


def test_the_banners_board_shows_who_confirmed_and_when(world, regime, clock):
    officer = world.users["zuoqi"]
    officer.full_name = "巴特尔"
    officer.save()
    clock.set(at(15, 30))
    client = world.client("zuoqi")
    client.post(CONFIRM, {"date": str(DAY), "remarks": "无异常", "missing_reason": REASON})
    body = page(client.get(f"{BOARD}?date={DAY}"))
    confirmed = body.split('id="confirmed"')[1].split("</section>")[0]
    assert "2022-10-25 15:30" in confirmed and "巴特尔" in confirmed
    assert "无异常" in confirmed and REASON in confirmed
    assert 'id="confirm-form"' not in body


def test_the_league_reads_the_banners_remarks_and_reason(world, regime, clock):
    clock.set(at(15, 30))
    world.client("zuoqi").post(
        CONFIRM, {"date": str(DAY), "remarks": "无异常", "missing_reason": REASON}
    )
    body = page(world.client("league").get(f"/board/152900/?date={DAY}"))
    row = body.split('id="area-152921"')[1].split("</tr>")[0]
    assert "15:30" in row and "无异常" in row and REASON in row


def test_the_audit_records_the_reason(world, regime):
    banner_confirm(actor=world.users["zuoqi"], region=world.regions["152921"], day=DAY,
                   missing_reason=REASON, now=at(15))  # fmt: skip
    event = AuditEvent.objects.get(action="report.confirm")
    assert event.after["missing_reason"] == REASON


def test_the_api_takes_the_reason_and_refuses_without_it(world, regime, clock):
    clock.set(at(15))
    client = world.api("zuoqi")
    url = f"/api/v1/regions/152921/confirmations/{DAY}"
    refused = client.post(url, data=json.dumps({"remarks": "无"}), content_type="application/json")
    assert refused.status_code == 400
    assert refused.json()["field"] == "missing_reason"
    done = client.post(url, data=json.dumps({"missing_reason": REASON}),
                       content_type="application/json")  # fmt: skip
    assert done.status_code == 201 and done.json()["missing_reason"] == REASON
    listing = world.api("league").get(f"/api/v1/regions/152900/confirmations?date={DAY}").json()
    assert {c["region_code"]: c["missing_reason"] for c in listing}["152921"] == REASON


# 5. The board an officer needs.


@pytest.mark.parametrize(
    ("persona", "boards"),
    [("league", ["152900"]), ("zuoqi", ["152921"]), ("admin", ["000000"]), ("operator", [])],
)
def test_the_home_page_leads_to_the_users_own_board(world, persona, boards):
    body = page(world.client(persona).get("/"))
    found = re.findall(r'<nav class="boards".*?</nav>', body, re.S)
    links = re.findall(r'href="/board/(\d+)/"', found[0]) if found else []
    assert links == boards


def test_the_board_has_the_downloads_and_they_work_for_a_signed_in_officer(world, regime, clock):
    submit(world, "1529210001", at(9))
    clock.set(at(17))
    client = world.client("zuoqi")
    body = page(client.get(f"{BOARD}?date={DAY}"))
    for kind, content_type in (("xlsx", "spreadsheetml"), ("csv", "text/csv")):
        url = f"/api/v1/regions/152921/daily-summary.{kind}?date={DAY}"
        assert f'href="{url}"' in body
        response = client.get(url)
        assert response.status_code == 200 and content_type in response["Content-Type"]


def test_the_tiles_and_the_areas_show_the_rates(world, regime, clock):
    submit(world, "1529210001", at(9))  # on time
    submit(world, "1529210002", at(16, 30))  # late
    clock.set(at(17))
    banner = page(world.client("zuoqi").get(f"{BOARD}?date={DAY}"))
    tile = banner.split('id="tile-reporting-rate"')[1].split("</div>")[0]
    assert "100%" in tile
    assert "50%" in banner.split('id="tile-on-time-rate"')[1].split("</div>")[0]
    league = page(world.client("league").get(f"/board/152900/?date={DAY}"))
    row = league.split('id="area-152921"')[1].split("</tr>")[0]
    assert ">100%<" in row and ">50%<" in row


def test_todays_chart_point_counts_pending_as_pending(world, regime, clock):
    submit(world, "1529210001", at(9))
    clock.set(at(11))
    data = world.client("zuoqi").get(f"{BOARD}trend.json?end={DAY}").json()
    assert (data["reporting_rate"][-1], data["pending"][-1]) == (0.5, 0.5)
    assert data["labels"]["pending"]
    clock.set(at(17))
    data = world.client("zuoqi").get(f"{BOARD}trend.json?end={DAY}").json()
    assert data["pending"][-1] == 0


@pytest.fixture
def fortnight(world):
    """From 1 October, 阿拉善左旗社会福利中心 reports every day; 巴彦浩特镇敬老院 skips the 22nd
    to the 24th (three days running) and reports again on the 25th."""
    regime_create(actor=SYSTEM, name="十月", region_code="152900",
                  start_date=datetime.date(2022, 10, 1))  # fmt: skip
    for offset in range(14):
        day = DAY - datetime.timedelta(days=offset)
        submit(world, "1529210001", at(9, day=day), day=day)
        if day not in (DAY - datetime.timedelta(days=n) for n in (1, 2, 3)):
            submit(world, "1529210002", at(9, day=day), day=day)


def test_the_grid_shows_a_fortnight_and_flags_three_missed_days(world, fortnight, clock):
    clock.set(at(17))
    body = page(world.client("zuoqi").get(f"{BOARD}?date={DAY}", headers=EN))
    grid = body.split('id="grid"')[1].split("</section>")[0]
    rows = re.findall(r'<tr id="grid-(\d+)">(.*?)</tr>', grid, re.S)
    assert [code for code, _row in rows] == ["1529210002", "1529210001"]  # the missed first
    cells = re.findall(r'<td class="cell cell-(\w+)"[^>]*aria-label="([^"]+)"', rows[0][1])
    assert len(cells) == 14
    assert cells[-4:] == [("missing", "10-22 Missing"), ("missing", "10-23 Missing"),
                          ("missing", "10-24 Missing"), ("on_time", "10-25 On time")]  # fmt: skip
    assert "missed 3 days running" in rows[0][1]
    assert "running" not in rows[1][1]


def test_the_grid_reads_the_fortnight_in_a_few_queries(world, fortnight, clock):
    """However many institutions and days: the units, the regimes, the reports."""
    region = world.regions["152900"]
    plan = selectors.day_plan(region, DAY, at(17))
    with CaptureQueriesContext(connection) as queries:
        rows = selectors.unit_grid(user=world.users["league"], plan=plan, end=DAY, now=at(17))
    assert sum(len(row.cells) for row in rows) == 5 * 14
    assert len(queries) <= 4


def test_the_missing_list_gives_contacts_and_a_reminder_button(world, regime, clock):
    unit = world.institutions["1529210002"]
    unit.contact_person, unit.contact_phone = "王芳", "0483 8221234"
    unit.save()
    clock.set(at(17))
    board = f"{BOARD}?date={DAY}"
    client = world.client("zuoqi")
    body = page(client.get(board))
    item = body.split('id="unreported-1529210002"')[1].split("</li>")[0]
    assert "王芳" in item and 'href="tel:04838221234"' in item
    assert f'action="{reverse("reporting:remind", args=["1529210002"])}"' in item
    assert f'name="date" value="{DAY}"' in item and f'name="next" value="{board}"' in item
    response = client.post(reverse("reporting:remind", args=["1529210002"]),
                           {"date": str(DAY), "next": board})  # fmt: skip
    assert response.status_code == 302 and response["Location"] == board
    # An operator sees who is missing but has no button to remind them.
    assert 'class="inline remind"' not in page(world.client("operator").get(board))
