"""催报: an officer reminds an institution that has not reported, through every channel, once a
day per institution, audited; nobody else may."""

import datetime

import pytest

from fangkong.audit.models import AuditEvent
from fangkong.core.exceptions import Forbidden
from fangkong.core.scoping import SYSTEM
from fangkong.notifications.models import Dispatch, Notification, Webhook
from fangkong.reporting import reminders
from fangkong.reporting.models import DispatchKind
from fangkong.reporting.services import report_submit
from fangkong.reporting.tests.conftest import DAY, at, figures

REMIND = "/institutions/1529210001/remind/"
EN = {"accept-language": "en"}


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]] if response.context else []


def test_an_officer_reminds_a_missing_institution_once_a_day(world, regime, clock):
    clock.set(at(16, 30))
    client = world.client("zuoqi")
    first = client.post(REMIND, {"date": str(DAY), "next": "/board/152921/"}, follow=True,
                        headers=EN)  # fmt: skip
    assert first.redirect_chain[0] == ("/board/152921/", 302)
    assert "A reminder was sent to 阿拉善左旗社会福利中心." in messages_of(first)
    inbox = Notification.objects.get(recipient=world.users["operator"])
    assert inbox.kind == DispatchKind.REMIND_NOW and inbox.day == DAY
    assert "阿拉善左旗社会福利中心" in inbox.body

    again = client.post(REMIND, {"date": str(DAY)}, follow=True, headers=EN)
    assert again.redirect_chain[0] == (f"/institutions/1529210001/?date={DAY}", 302)
    already = "A reminder was already sent to 阿拉善左旗社会福利中心 for this day."
    assert already in messages_of(again)
    assert Notification.objects.filter(recipient=world.users["operator"]).count() == 1
    event = AuditEvent.objects.get(action="report.remind")
    assert event.actor == world.users["zuoqi"]
    assert event.after["institution"] == "1529210001"


def test_the_page_shows_that_a_reminder_went_out(world, regime, clock):
    clock.set(at(16, 30))
    client = world.client("zuoqi")
    client.post(REMIND, {"date": str(DAY)})
    page = client.get(f"/institutions/1529210001/?date={DAY}", headers=EN).content.decode()
    assert 'id="reminded"' in page and "A reminder was sent at" in page


def test_the_scheduled_reminder_does_not_block_remind_now(world, regime, clock):
    clock.set(at(15, 10))
    assert reminders.run_due(now=at(15, 10)).reminders >= 1
    sent = reminders.remind_now(actor=world.users["zuoqi"],
                                institution=world.institutions["1529210001"], day=DAY)  # fmt: skip
    assert sent is not None
    kinds = set(
        Dispatch.objects.filter(unit="institution:1529210001").values_list("kind", flat=True)
    )
    assert kinds == {DispatchKind.REMINDER, DispatchKind.REMIND_NOW}


def test_the_regions_group_robot_hears_it_too(world, regime, clock):
    robot = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"
    Webhook.objects.create(region=world.regions["152921"], flavour="wecom", url=robot)
    clock.set(at(16, 30))
    sent = reminders.remind_now(actor=world.users["league"],
                                institution=world.institutions["1529210001"], day=DAY)  # fmt: skip
    assert sent is not None
    assert sent.deliveries.filter(channel="webhook").count() == 1


def test_an_institution_that_reported_is_not_reminded(world, regime, clock):
    report_submit(actor=SYSTEM, institution=world.institutions["1529210001"], day=DAY,
                  figures=figures(), is_zero=True, now=at(9))  # fmt: skip
    clock.set(at(10))
    response = world.client("zuoqi").post(REMIND, {"date": str(DAY)}, follow=True, headers=EN)
    assert any("already reported" in message for message in messages_of(response))
    assert not Dispatch.objects.filter(kind=DispatchKind.REMIND_NOW).exists()


@pytest.mark.parametrize(("persona", "status"), [("operator", 403), ("ejina", 404),
                                                 ("other_operator", 404)])  # fmt: skip
def test_only_an_officer_in_scope_may_remind(world, regime, clock, persona, status):
    clock.set(at(16, 30))
    assert world.client(persona).post(REMIND, {"date": str(DAY)}).status_code == status
    assert not Dispatch.objects.exists()
    with pytest.raises(Forbidden):
        reminders.remind_now(actor=world.users["operator"],
                             institution=world.institutions["1529210001"], day=DAY)  # fmt: skip


def test_remind_is_a_post_with_a_proper_day_and_a_next_on_this_site(world, regime, clock):
    clock.set(at(16, 30))
    client = world.client("zuoqi")
    assert client.get(REMIND).status_code == 405
    refused = client.post(REMIND, {"date": "20221025"}, headers=EN)
    assert refused.status_code == 400
    assert "Enter a day as YYYY-MM-DD." in refused.content.decode()  # the site's page, saying why
    response = client.post(REMIND, {"date": str(DAY), "next": "https://evil.example/"})
    assert response["Location"] == f"/institutions/1529210001/?date={DAY}"


def test_a_reminder_goes_out_for_today_or_yesterday_only(world, regime, clock):
    clock.set(at(10, day=DAY + datetime.timedelta(days=2)))
    client = world.client("zuoqi")
    old = client.post(REMIND, {"date": str(DAY)}, follow=True, headers=EN)
    assert "A reminder goes out for today's or yesterday's report only." in messages_of(old)
    assert not Dispatch.objects.filter(kind=DispatchKind.REMIND_NOW).exists()
    client.post(REMIND, {"date": str(DAY + datetime.timedelta(days=1))})
    assert Dispatch.objects.filter(kind=DispatchKind.REMIND_NOW).count() == 1
