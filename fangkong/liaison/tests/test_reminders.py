import datetime
from zoneinfo import ZoneInfo

import pytest

from fangkong.core.scoping import SYSTEM
from fangkong.liaison.services import assignment_create
from fangkong.notifications.models import Notification
from fangkong.reporting.reminders import run_due
from fangkong.reporting.services import regime_create

DAY = datetime.date(2022, 10, 25)


def at(hour, minute=0):
    return datetime.datetime.combine(DAY, datetime.time(hour, minute),
                                     tzinfo=ZoneInfo("Asia/Shanghai"))  # fmt: skip


@pytest.fixture
def regime(world, leaders):
    regime_create(actor=SYSTEM, name="阿拉善盟日报告", region_code="152900",
                  start_date=datetime.date(2022, 10, 24))  # fmt: skip
    for code in ("1529210001", "1529220001", "1529230001", "1529710001"):
        for username, level in (("wang", "league"), ("zhao", "banner")):
            assignment_create(actor=SYSTEM, institution_code=code, username=username,
                              level=level, start_date=datetime.date(2022, 10, 1))  # fmt: skip
    # 1529210002 (左旗) has a league liaison only.
    assignment_create(actor=SYSTEM, institution_code="1529210002", username="li",
                      level="league", start_date=datetime.date(2022, 10, 1))  # fmt: skip


def gaps(persona):
    return list(Notification.objects.filter(kind="liaison_gap", recipient__username=persona))


def test_the_morning_notice_names_the_institution_without_both_liaisons(world, regime):
    assert run_due(now=at(7, 30)).liaison_gaps == 2  # the league's officers and 左旗's
    [notice] = gaps("league")
    assert "阿拉善左旗巴彦浩特镇敬老院" in notice.body
    assert "阿拉善左旗社会福利中心" not in notice.body
    [banner_notice] = gaps("zuoqi")
    assert "阿拉善左旗巴彦浩特镇敬老院" in banner_notice.body
    assert notice.link == "/liaison/152900/?date=2022-10-25"
    assert gaps("ejina") == []  # 额济纳's institution has both


def test_it_is_sent_once_per_region_and_day(world, regime):
    run_due(now=at(7, 30))
    assert run_due(now=at(8, 30)).liaison_gaps == 0
    assert len(gaps("league")) == 1


def test_nothing_is_sent_outside_the_morning(world, regime):
    assert run_due(now=at(6, 59)).liaison_gaps == 0
    assert run_due(now=at(9, 0)).liaison_gaps == 0
    assert gaps("league") == []


def test_no_notice_on_a_day_no_regime_covers(world, leaders):
    assert run_due(now=at(7, 30)).liaison_gaps == 0
