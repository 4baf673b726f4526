import datetime
import json

import pytest
from django.core.exceptions import ValidationError

from fangkong.core.exceptions import Forbidden
from fangkong.core.scoping import SYSTEM
from fangkong.reporting.confirmation import banner_confirm
from fangkong.reporting.models import BannerConfirmation
from fangkong.reporting.services import regime_create, report_submit
from fangkong.reporting.tests.conftest import DAY, at, figures
from fangkong.surveillance.models import Aberration

REASON = "额济纳旗社会福利中心停电，电话已报"


def submit(world, code, when, day=DAY, **overrides):
    report_submit(actor=SYSTEM, institution=world.institutions[code], day=day,
                  figures=figures(**overrides), is_zero=not overrides, now=when)  # fmt: skip


@pytest.fixture
def quiet_days(world):
    """A regime from 1 October and eleven quiet days of 阿拉善左旗社会福利中心 before the 25th:
    the history the early warning compares a day with."""
    regime_create(actor=SYSTEM, name="十月", region_code="152900",
                  start_date=datetime.date(2022, 10, 1))  # fmt: skip
    for offset in range(1, 12):
        day = DAY - datetime.timedelta(days=offset)
        submit(world, "1529210001", at(10, day=day), day=day)


def test_banner_confirmation_sums_its_institutions(world, regime):
    submit(world, "1529210001", at(9), residents=200, fever=2)
    submit(world, "1529210002", at(10), residents=60)
    confirmation = banner_confirm(actor=world.users["zuoqi"], region=world.regions["152921"],
                                  day=DAY, remarks="两家均已报告", now=at(15, 30))  # fmt: skip
    assert confirmation.status == "on_time"
    assert (confirmation.reports, confirmation.expected) == (2, 2)
    assert confirmation.totals["residents"] == 260
    assert confirmation.totals["fever"] == 2


def test_confirmation_after_the_deadline_is_late(world, regime):
    confirmation = banner_confirm(actor=world.users["zuoqi"], region=world.regions["152921"],
                                  day=DAY, missing_reason=REASON, now=at(16))  # fmt: skip
    assert confirmation.status == "late"


def test_a_banner_confirms_once(world, regime):
    banner_confirm(actor=world.users["zuoqi"], region=world.regions["152921"], day=DAY,
                   missing_reason=REASON, now=at(15))  # fmt: skip
    with pytest.raises(ValidationError):
        banner_confirm(actor=world.users["zuoqi"], region=world.regions["152921"], day=DAY,
                       missing_reason=REASON, now=at(15, 5))  # fmt: skip
    assert BannerConfirmation.objects.count() == 1


@pytest.mark.parametrize("persona", ["ejina", "league", "operator"])
def test_only_the_banners_own_officers_confirm(world, regime, persona):
    with pytest.raises(Forbidden):
        banner_confirm(actor=world.users[persona], region=world.regions["152921"], day=DAY,
                       now=at(15))  # fmt: skip


def test_the_league_sees_which_banners_confirmed(world, regime, clock):
    clock.set(at(15, 30))
    response = world.api("zuoqi").post(
        f"/api/v1/regions/152921/confirmations/{DAY}",
        data=json.dumps({"remarks": "无异常", "missing_reason": REASON}),
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 201
    listing = world.api("league").get(f"/api/v1/regions/152900/confirmations?date={DAY}").json()
    by_code = {item["region_code"]: item for item in listing}
    assert by_code["152921"]["confirmed"] and by_code["152921"]["status"] == "on_time"
    assert by_code["152921"]["remarks"] == "无异常"
    assert not by_code["152923"]["confirmed"]


def test_confirming_another_banner_through_the_api_is_404(world, regime):
    response = world.api("ejina").post(
        f"/api/v1/regions/152921/confirmations/{DAY}", data="{}", content_type="application/json"
    )
    assert response.status_code == 404


def test_bulletin_reads_like_the_handwritten_one(world, regime, clock):
    for code in ["1529210001", "1529210002", "1529220001", "1529230001", "1529710001"]:
        submit(world, code, at(10))
    clock.set(at(16))
    body = world.api("league").get(f"/api/v1/regions/152900/bulletin?date={DAY}").json()
    assert body["zh_hans"].startswith(
        "截至10月25日16时，全盟应报告养老机构5家，已报告5家，其中零报告5家，迟报0家，未报告0家。"
    )
    assert body["en"].startswith("As of 16:00 on 25 October 2022, 阿拉善盟: 5 institutions")


def test_bulletin_names_late_and_missing_units_and_the_days_figures(world, regime, clock):
    report_submit(actor=SYSTEM, institution=world.institutions["1529210001"], day=DAY,
                  figures=figures(fever=2), notes="退热药品不足", now=at(10))  # fmt: skip
    submit(world, "1529230001", at(16, 30))
    clock.set(at(16, 45))
    text = world.api("league").get(f"/api/v1/regions/152900/bulletin?date={DAY}").json()["zh_hans"]
    assert "迟报1家" in text and "未报告3家" in text
    assert "额济纳旗社会福利中心" in text.split("迟报：")[1]
    assert "阿拉善高新区颐养院" in text.split("未报告：")[1]
    assert "当日新增发热人数：2（阿拉善左旗社会福利中心 2）" in text
    assert "阿拉善左旗社会福利中心反映的问题：退热药品不足" in text


def test_a_jump_in_fever_raises_an_early_warning(world, quiet_days):
    report_submit(actor=SYSTEM, institution=world.institutions["1529210001"], day=DAY,
                  figures=figures(fever=3), now=at(10))  # fmt: skip
    signal = Aberration.objects.get(institution__code="1529210001", day=DAY, field="fever")
    assert "C1" in signal.methods
    listing = world.api("zuoqi").get("/api/v1/regions/152921/signals?since=2022-10-01").json()
    assert [(s["institution_code"], s["field"]) for s in listing] == [("1529210001", "fever")]
    assert world.api("ejina").get("/api/v1/regions/152923/signals?since=2022-10-01").json() == []


def test_an_early_warning_is_sent_like_a_reminder_once(world, quiet_days):
    from fangkong.notifications.models import Notification
    from fangkong.reporting.reminders import run_due

    report_submit(actor=SYSTEM, institution=world.institutions["1529210001"], day=DAY,
                  figures=figures(fever=3), now=at(10))  # fmt: skip
    assert run_due(now=at(10, 5)).signals == 1
    assert run_due(now=at(10, 6)).signals == 0
    told = set(Notification.objects.filter(kind="signal").values_list("recipient__username",
                                                                      flat=True))  # fmt: skip
    assert told == {"zuoqi", "league"}
    assert "阿拉善左旗社会福利中心" in Notification.objects.filter(kind="signal").first().title


def test_a_banner_confirms_against_its_own_regime_not_a_nested_one(world, regime):
    regime_create(actor=SYSTEM, name="乡镇", region_code="152921", start_date=DAY,
                  deadline=datetime.time(10, 0))  # fmt: skip
    regime_create(actor=SYSTEM, name="额济纳旗", region_code="152923", start_date=DAY,
                  deadline=datetime.time(18, 0))  # fmt: skip
    confirmation = banner_confirm(actor=world.users["ejina"], region=world.regions["152923"],
                                  day=DAY, missing_reason=REASON, now=at(17))  # fmt: skip
    assert (confirmation.regime.name, confirmation.status) == ("额济纳旗", "on_time")


def test_before_the_deadline_the_bulletin_counts_who_may_still_report(world, regime, clock):
    submit(world, "1529210001", at(9))
    clock.set(at(11, 30))
    body = world.api("league").get(f"/api/v1/regions/152900/bulletin?date={DAY}").json()
    assert body["zh_hans"].startswith("截至10月25日11时30分，全盟应报告养老机构5家，已报告1家")
    assert "4家尚未到截止时间" in body["zh_hans"]
    assert "4 still before the deadline" in body["en"]


def test_the_bulletin_reads_the_time_in_the_regimes_zone(world, clock):
    regime_create(actor=SYSTEM, name="乌鲁木齐时间", region_code="152900", start_date=DAY,
                  timezone="Asia/Urumqi")  # fmt: skip
    clock.set(at(18))  # 18:00 in Beijing is 16:00 in Urumqi
    text = world.api("league").get(f"/api/v1/regions/152900/bulletin?date={DAY}").json()
    assert text["zh_hans"].startswith("截至10月25日16时")


def test_an_amendment_that_takes_the_cases_away_withdraws_the_signal(world, quiet_days):
    first = report_submit(actor=SYSTEM, institution=world.institutions["1529210001"], day=DAY,
                          figures=figures(fever=30), now=at(10)).report  # fmt: skip
    report_submit(actor=SYSTEM, institution=world.institutions["1529210001"], day=DAY,
                  figures=figures(fever=0), reason="误填", if_match=first.etag,
                  now=at(11))  # fmt: skip
    assert Aberration.objects.get(field="fever").withdrawn_at is not None
    assert world.api("zuoqi").get("/api/v1/regions/152921/signals?since=2022-10-01").json() == []


def test_a_day_after_today_cannot_be_confirmed(world, regime):
    with pytest.raises(ValidationError) as exc_info:
        banner_confirm(actor=world.users["zuoqi"], region=world.regions["152921"],
                       day=DAY + datetime.timedelta(days=1), missing_reason=REASON,
                       now=at(15))  # fmt: skip
    assert exc_info.value.error_dict["date"][0].code == "future_day"
    assert not BannerConfirmation.objects.exists()
