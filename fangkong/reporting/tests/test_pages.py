import pytest

from fangkong.accounts.models import Role
from fangkong.conftest import make_user
from fangkong.core.scoping import SYSTEM
from fangkong.regions.models import NATION_CODE
from fangkong.reporting.models import DailyReport
from fangkong.reporting.services import report_submit
from fangkong.reporting.tests.conftest import DAY, at, figures

REPORT = f"/report/1529210001/{DAY}/"
CENSUS = {"residents": "180", "staff_on_site": "60", "in_isolation": "0", "tested": "0",
          "ppe_days": "30"}  # fmt: skip


def zero(values):
    """The zero report's own form names its inputs with a prefix."""
    return {f"zero-{name}": value for name, value in values.items()}


def test_the_zero_report_is_one_button_after_the_census(world, regime, clock):
    clock.set(at(15))
    client = world.client("operator")
    response = client.post(REPORT, {**zero(CENSUS), "zero": "1"})
    assert response.status_code == 302
    report = DailyReport.objects.get()
    assert (report.status, report.current.is_zero, report.current.fever) == ("on_time", True, 0)
    page = client.get(REPORT).content.decode()
    assert "按时报告" in page and "零报告" in page


def test_the_census_is_prefilled_from_the_previous_report(world, regime, clock):
    report_submit(actor=SYSTEM, institution=world.institutions["1529210001"],
                  day=DAY.replace(day=24), figures=figures(residents=177), now=at(9))  # fmt: skip
    clock.set(at(9))
    page = world.client("operator").get(REPORT).content.decode()
    assert 'value="177"' in page


def test_a_refused_report_keeps_what_was_typed(world, regime, clock):
    clock.set(at(15))
    typed = {**CENSUS, "admissions": "0", "visitors": "4", "fever": "0", "respiratory": "0",
             "suspected": "0", "confirmed": "0", "close_contacts": "0", "tested": "3",
             "positive": "5", "notes": "急需口罩"}  # fmt: skip
    response = world.client("operator").post(REPORT, typed)
    page = response.content.decode()
    assert response.status_code == 422
    assert "阳性人数多于检测人数" in page
    assert 'value="4"' in page and "急需口罩" in page
    assert not DailyReport.objects.exists()


def test_an_amendment_needs_a_reason_on_the_page_too(world, regime, clock):
    clock.set(at(15))
    client = world.client("operator")
    client.post(REPORT, {**zero(CENSUS), "zero": "1"})
    etag = DailyReport.objects.get().etag
    full = {**CENSUS, **{f: "0" for f in ["admissions", "visitors", "respiratory", "suspected",
            "confirmed", "close_contacts", "positive"]}, "fever": "1", "etag": etag}  # fmt: skip
    refused = client.post(REPORT, full)
    assert refused.status_code == 422
    assert "更正须填写原因" in refused.content.decode()
    assert client.post(REPORT, {**full, "reason": "补报"}).status_code == 302
    assert DailyReport.objects.get().revision == 2


def test_history_shows_each_day(world, regime, clock):
    clock.set(at(15))
    world.client("operator").post(REPORT, {**zero(CENSUS), "zero": "1"})
    page = world.client("operator").get("/report/1529210001/history/").content.decode()
    assert "按时" in page and "未报" in page


@pytest.mark.parametrize(
    "url",
    [REPORT, "/report/1529210001/history/", "/report/1529210001/",
     "/board/152921/", "/board/152921/trend.json"],
)  # fmt: skip
def test_pages_of_another_banner_are_404(world, regime, url):
    assert world.client("ejina").get(url).status_code == 404


def test_the_board_shows_every_status_and_filters(world, regime, clock):
    report_submit(actor=SYSTEM, institution=world.institutions["1529210001"], day=DAY,
                  figures=figures(), now=at(9, 5))  # fmt: skip
    clock.set(at(17))
    client = world.client("league")
    page = client.get(f"/board/152900/?date={DAY}").content.decode()
    assert "阿拉善左旗社会福利中心" in page and "09:05" in page
    assert "未报告" in page
    partial = client.get(
        f"/board/152900/?date={DAY}&status=missing", headers={"HX-Request": "true"}
    )
    body = partial.content.decode()
    assert "<html" not in body
    assert "阿拉善左旗社会福利中心" not in body and "额济纳旗社会福利中心" in body


def test_the_trend_feeds_the_charts(world, regime, clock):
    report_submit(actor=SYSTEM, institution=world.institutions["1529210001"], day=DAY,
                  figures=figures(fever=2), now=at(9))  # fmt: skip
    clock.set(at(17))
    data = world.client("zuoqi").get(f"/board/152921/trend.json?end={DAY}").json()
    assert data["days"][-1] == str(DAY)
    assert data["fever"][-1] == 2
    assert data["reporting_rate"][-1] == 0.5


def test_a_banner_officer_confirms_from_the_board(world, regime, clock):
    clock.set(at(15))
    response = world.client("zuoqi").post("/board/152921/confirm/", {
        "date": str(DAY), "remarks": "无", "missing_reason": "两家尚未到截止时间",
    })  # fmt: skip
    assert response.status_code == 302
    listing = world.api("league").get(f"/api/v1/regions/152900/confirmations?date={DAY}").json()
    assert {c["region_code"] for c in listing if c["confirmed"]} == {"152921"}


def test_enter_in_the_full_form_never_sends_a_zero_report(world, regime, clock):
    clock.set(at(15))
    response = world.client("operator").post(REPORT, CENSUS)  # no "zero": the full form
    assert response.status_code == 422
    assert "此项为必填项" in response.content.decode()
    assert not DailyReport.objects.exists()


def test_a_ministry_officer_drills_down_from_the_nation(world, regime, clock):
    world.users["ministry"] = make_user("ministry", Role.OFFICER, world.regions[NATION_CODE])
    clock.set(at(17))
    client = world.client("ministry")
    page = client.get(f"/board/{NATION_CODE}/?date={DAY}").content.decode()
    assert "内蒙古自治区" in page and "甘肃省" in page
    assert 'href="/board/150000/' in page
    league = client.get(f"/board/152900/?date={DAY}").content.decode()
    assert "阿拉善左旗社会福利中心" in league
    assert client.get(f"/board/{NATION_CODE}/trend.json").status_code == 200
    assert world.client("league").get(f"/board/{NATION_CODE}/").status_code == 404
