"""Overdue rectifications: told once to the institution and its liaisons, then once to the
officers a further day on; through the reminder loop (`fangkong reminders run`)."""

import datetime

from fangkong.inspections.models import RectificationStatus
from fangkong.inspections.services import rectification_fix, rectification_verify
from fangkong.inspections.tests.conftest import BEIJING
from fangkong.notifications.models import Notification
from fangkong.reporting.reminders import run_due


def at(day: int, hour: int = 9) -> datetime.datetime:
    return datetime.datetime(2021, 10, day, hour, tzinfo=BEIJING)


def told(kind: str, due: int = 26) -> list[str]:
    """Who heard of the rectification due on `due` October (item 4's; item 19's is due 27)."""
    rows = Notification.objects.filter(kind=kind, day=datetime.date(2021, 10, due))
    rows = rows.order_by("recipient__username")
    return list(rows.values_list("recipient__username", flat=True))


def test_nothing_is_told_on_the_deadline_day(world, liaison, rectification):
    assert rectification.due_date == datetime.date(2021, 10, 26)
    run_due(now=at(26, 20))
    assert told("rect_overdue") == []


def test_the_day_after_the_deadline_the_operator_and_the_liaison_are_told_once(
    world, liaison, rectification
):
    assert run_due(now=at(27)).rectifications == 1  # item 19's is due today
    run_due(now=at(27, 10))
    assert told("rect_overdue") == ["liaison", "operator"]
    notice = Notification.objects.filter(kind="rect_overdue").first()
    assert "阿拉善左旗社会福利中心" in notice.body
    assert told("rect_escalate") == []


def test_a_further_day_on_the_officers_are_told_once(world, liaison, rectification):
    run_due(now=at(27))
    run_due(now=at(28))
    run_due(now=at(29))
    assert told("rect_escalate") == ["league", "zuoqi"]
    assert told("rect_overdue") == ["liaison", "operator"]


def test_a_fixed_but_unverified_rectification_is_still_overdue(world, rectification):
    rectification_fix(actor=world.users["operator"], rectification=rectification, evidence="已整改")
    run_due(now=at(27))
    assert told("rect_overdue") == ["operator"]


def test_a_verified_rectification_is_not_told(world, inspector, rectification):
    rectification_fix(actor=world.users["operator"], rectification=rectification, evidence="已整改")
    verified = rectification_verify(actor=inspector, rectification=rectification, accepted=True)
    assert verified.status == RectificationStatus.VERIFIED
    run_due(now=at(28))
    assert told("rect_overdue") == [] and told("rect_escalate") == []
