import base64
import datetime
import hashlib
import hmac
import io
import json
import logging
import socket
import threading
import time
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fangkong.accounts.models import User
from fangkong.audit.models import AuditEvent
from fangkong.core.scoping import SYSTEM
from fangkong.notifications import channels, services
from fangkong.notifications.models import Delivery, Dispatch, Notification, Webhook
from fangkong.reporting import reminders
from fangkong.reporting.models import ReportingRegime
from fangkong.reporting.reminders import run_due
from fangkong.reporting.services import regime_create, report_submit
from fangkong.reporting.tasks import run_reminders
from fangkong.reporting.tests.conftest import DAY, at, figures
from fangkong.surveillance.models import Aberration

ZUOQI_CENTRE = "阿拉善左旗社会福利中心"
ZUOQI_HOME = "阿拉善左旗巴彦浩特镇敬老院"
YOUQI_CENTRE = "阿拉善右旗社会福利中心"
EJINA_CENTRE = "额济纳旗社会福利中心"
HIGH_TECH_HOME = "阿拉善高新区颐养院"
NEXT_DAY = DAY + datetime.timedelta(days=1)


@pytest.fixture
def regime(world):
    """From 25 October 2022 (DAY) every institution of the league reports by 16:00 Beijing time.

    It starts on DAY so that no day before it has escalations of its own to catch up on.
    """
    return regime_create(actor=SYSTEM, name="阿拉善盟日报告", region_code="152900", start_date=DAY)


@pytest.fixture(autouse=True)
def addresses(world):
    for name, user in world.users.items():
        User.objects.filter(pk=user.pk).update(email=f"{name}@example.org")


@pytest.fixture
def capture(django_capture_on_commit_callbacks):
    """What runs after commit: the test's transaction never commits, so tests run it here."""
    return django_capture_on_commit_callbacks


@pytest.fixture
def run(regime, capture):
    """Run the worker's job at a moment, with what it does after commit done as in production."""

    def run(moment):
        with capture(execute=True):
            return run_due(now=moment)

    return run


def submit(world, code, when):
    report_submit(actor=SYSTEM, institution=world.institutions[code], day=DAY,
                  figures=figures(), now=when)  # fmt: skip


def inbox(world, persona, kind=None):
    messages = Notification.objects.filter(recipient=world.users[persona])
    return list(messages.filter(kind=kind) if kind else messages)


def mails_to(persona):
    return [m for m in mail.outbox if m.to == [f"{persona}@example.org"]]


# Reminders ---------------------------------------------------------------------------------


def test_a_silent_institution_is_reminded_once_however_often_the_worker_runs(world, run):
    run(at(15))
    run(at(15))
    run(at(15, 30))
    [message] = inbox(world, "operator")
    assert message.kind == "reminder" and message.day == DAY
    assert ZUOQI_CENTRE in message.body and "16:00" in message.body
    [email] = mails_to("operator")
    assert email.subject == message.title and email.body == message.body
    assert len(inbox(world, "other_operator")) == 1


def test_a_worker_that_died_mid_run_resumes_without_repeating(world, run, monkeypatch):
    real_notify = services.notify

    def crash_at_ejina(**message):
        if message["key"] == "institution:1529230001":
            raise RuntimeError("worker killed")
        return real_notify(**message)

    monkeypatch.setattr(reminders, "notify", crash_at_ejina)
    with pytest.raises(RuntimeError):
        run(at(15))
    assert len(inbox(world, "operator")) == 1
    assert inbox(world, "other_operator") == []

    monkeypatch.setattr(reminders, "notify", real_notify)  # the restarted worker
    result = run(at(15, 1))
    assert result.reminders == 1
    for persona in ("operator", "other_operator"):
        assert len(inbox(world, persona)) == 1
        assert len(mails_to(persona)) == 1


def test_a_crash_between_commit_and_e_mail_sends_the_e_mail_on_the_next_run(world, regime, capture):
    with capture(execute=False):  # killed before sending
        run_due(now=at(15))
    assert mails_to("operator") == []
    with capture(execute=True):
        run_due(now=at(15, 1))  # claims nothing new: the reminder is not sent twice
    assert mails_to("operator") == []
    services.deliveries_run()  # the worker's next round
    assert len(inbox(world, "operator")) == 1
    assert len(mails_to("operator")) == 1
    services.deliveries_run()
    assert len(mails_to("operator")) == 1


def test_institutions_that_reported_are_not_reminded(world, run):
    submit(world, "1529210001", at(9))
    run(at(15, 30))
    assert inbox(world, "operator") == []
    assert mails_to("operator") == []
    assert len(inbox(world, "other_operator")) == 1


def test_nothing_is_sent_before_the_reminder_window(world, run):
    result = run(at(14, 59, 59))
    assert (result.reminders, result.escalations) == (0, 0)
    assert not Notification.objects.exists()
    assert not Dispatch.objects.exists()
    assert mail.outbox == []


def test_the_reminder_offset_is_the_regimes(world, run, regime):
    ReportingRegime.objects.filter(pk=regime.pk).update(reminder_minutes=15)
    run(at(15, 44, 59))
    assert inbox(world, "operator") == []
    run(at(15, 45))
    assert len(inbox(world, "operator")) == 1


def test_no_reminder_once_the_deadline_has_passed(world, run):
    run(at(16))
    assert inbox(world, "operator", kind="reminder") == []


def test_only_an_e_mail_address_gets_an_e_mail(world, run):
    User.objects.filter(username="operator").update(email="")
    run(at(15))
    assert len(inbox(world, "operator")) == 1
    assert [m.to for m in mail.outbox] == [["other_operator@example.org"]]


# Escalations -------------------------------------------------------------------------------


def test_after_the_deadline_each_banner_officer_hears_of_their_banner(world, run):
    submit(world, "1529210001", at(9))
    submit(world, "1529220001", at(10))
    run(at(16))
    [zuoqi] = inbox(world, "zuoqi")
    assert zuoqi.kind == "escalation"
    assert ZUOQI_HOME in zuoqi.body
    assert ZUOQI_CENTRE not in zuoqi.body and EJINA_CENTRE not in zuoqi.body
    [ejina] = inbox(world, "ejina")
    assert EJINA_CENTRE in ejina.body and ZUOQI_HOME not in ejina.body
    assert len(mails_to("zuoqi")) == 1 and len(mails_to("ejina")) == 1


def test_after_the_deadline_the_league_officer_hears_of_every_missing_institution(world, run):
    submit(world, "1529210001", at(9))
    submit(world, "1529220001", at(10))
    run(at(16, 1))
    [league] = inbox(world, "league")
    for name in (ZUOQI_HOME, EJINA_CENTRE, HIGH_TECH_HOME):
        assert name in league.body
    assert ZUOQI_CENTRE not in league.body and YOUQI_CENTRE not in league.body
    dispatch = Dispatch.objects.get(unit="region:152900", kind="escalation")
    assert dispatch.detail["missing"] == 3
    assert dispatch.detail["listed"] == ["1529210002", "1529230001", "1529710001"]


def test_an_escalation_names_the_first_institutions_and_counts_the_rest(world, run, monkeypatch):
    monkeypatch.setattr(reminders, "MISSING_LISTED", 2)
    submit(world, "1529210001", at(9))
    submit(world, "1529220001", at(10))
    run(at(16))
    [league] = inbox(world, "league")
    assert ZUOQI_HOME in league.body and EJINA_CENTRE in league.body
    assert HIGH_TECH_HOME not in league.body
    assert league.body.startswith("阿拉善盟有3家") and league.body.endswith("……另有1家。")
    summary = {"missing": 3, "listed": ["1529210002", "1529230001"]}
    dispatch = Dispatch.objects.get(unit="region:152900", kind="escalation")
    assert dispatch.detail.items() >= summary.items()
    event = AuditEvent.objects.get(action="escalation.send", target_id=str(dispatch.pk))
    assert event.after.items() >= summary.items()


def test_a_region_with_nobody_to_tell_costs_no_completeness_query(world, run):
    User.objects.filter(username__in=["league", "zuoqi", "ejina"]).update(is_active=False)
    with CaptureQueriesContext(connection) as queries:
        result = run(at(16))
    assert result.escalations == 0
    assert not any("reporting_dailyreport" in query["sql"] for query in queries)


def test_a_worker_down_over_midnight_sends_yesterdays_escalation_once(world, run):
    run(at(0, 30, day=NEXT_DAY))
    run(at(0, 31, day=NEXT_DAY))
    [league] = inbox(world, "league")
    assert league.day == DAY and "10月25日" in league.title
    assert EJINA_CENTRE in league.body
    assert set(Dispatch.objects.values_list("day", flat=True)) == {DAY}


def test_yesterdays_escalation_sent_on_time_is_not_repeated_after_midnight(world, run):
    run(at(16))
    run(at(0, 30, day=NEXT_DAY))
    assert len(inbox(world, "league")) == 1
    assert len(mails_to("league")) == 1


def test_yesterdays_escalation_is_sent_when_the_regime_ended_yesterday(world, run, regime):
    ReportingRegime.objects.filter(pk=regime.pk).update(end_date=DAY)
    result = run(at(0, 30, day=NEXT_DAY))
    assert result.escalations == 3
    assert [m.day for m in inbox(world, "zuoqi")] == [DAY]


def test_no_escalation_for_the_day_before_the_regime_began(world, run):
    run(at(16))
    assert set(Dispatch.objects.values_list("day", flat=True)) == {DAY}


def test_an_escalation_is_sent_once(world, run):
    run(at(16))
    run(at(16, 1))
    run(at(23, 59))
    assert len(inbox(world, "league")) == 1
    assert len(inbox(world, "zuoqi")) == 1
    assert len(mails_to("league")) == 1


def test_no_escalation_before_the_deadline(world, run):
    run(at(15, 59, 59))
    assert inbox(world, "league") == [] and inbox(world, "zuoqi") == []


def test_no_escalation_when_everyone_reported(world, run):
    for code in ("1529210001", "1529210002", "1529220001", "1529230001", "1529710001"):
        submit(world, code, at(9))
    result = run(at(16))
    assert result.escalations == 0
    assert not Dispatch.objects.exists()


def test_a_banner_whose_institutions_all_reported_hears_nothing(world, run):
    submit(world, "1529230001", at(9))
    run(at(16))
    assert inbox(world, "ejina") == []
    assert len(inbox(world, "zuoqi")) == 1


# Early-warning signals --------------------------------------------------------------------


def signal(world, code, day=DAY, **fields):
    return Aberration.objects.create(institution=world.institutions[code], day=day, field="fever",
                                     value=4, methods="C1", **fields)  # fmt: skip


def test_an_early_warning_reaches_the_officers_above_the_institution_once(world, run):
    signal(world, "1529210001")
    assert run(at(10)).signals == 1
    assert run(at(10, 1)).signals == 0
    for persona in ("zuoqi", "league"):
        [message] = inbox(world, persona, kind="signal")
        assert ZUOQI_CENTRE in message.title
        assert len(mails_to(persona)) == 1
    assert inbox(world, "ejina") == []


def test_a_withdrawn_early_warning_is_not_sent(world, run):
    signal(world, "1529210001", withdrawn_at=at(9, 30))
    assert run(at(10)).signals == 0
    assert inbox(world, "zuoqi") == [] and inbox(world, "league") == []
    assert not Dispatch.objects.exists()


def test_just_after_midnight_the_lookback_counts_beijing_days(world, run):
    # 01:00 on 28 October in Beijing is still 27 October in UTC: two days back is the 26th.
    signal(world, "1529210001", day=DAY)
    signal(world, "1529230001", day=NEXT_DAY)
    moment = at(1, day=DAY + datetime.timedelta(days=3)).astimezone(datetime.UTC)
    assert run(moment).signals == 1
    [message] = inbox(world, "ejina", kind="signal")
    assert EJINA_CENTRE in message.title
    assert inbox(world, "zuoqi", kind="signal") == []


def test_early_warnings_read_officers_and_robots_once_per_run(world, run):
    for code in ("1529210001", "1529210002", "1529230001", "1529710001"):
        signal(world, code)
    with CaptureQueriesContext(connection) as queries:
        assert run(at(10)).signals == 4
    sql = [query["sql"] for query in queries]
    assert sum('FROM "accounts_rolegrant"' in q for q in sql) == 1
    assert sum('FROM "notifications_webhook"' in q for q in sql) == 1
    assert {m.recipient.username for m in Notification.objects.filter(kind="signal")} == {
        "league",
        "zuoqi",
        "ejina",
    }


# Group robots on a real HTTP server ----------------------------------------------------------


@dataclass
class Received:
    path: str
    query: dict[str, str]
    body: dict[str, Any]


class RobotServer(ThreadingHTTPServer):
    received: list[Received]
    answer: dict[str, Any]
    status: int


class Robot(BaseHTTPRequestHandler):
    timeout = 5

    def do_POST(self):
        server = self.server
        assert isinstance(server, RobotServer)
        length = min(int(self.headers.get("Content-Length", "0")), 64 * 1024)
        body = json.loads(self.rfile.read(length))
        parts = urllib.parse.urlsplit(self.path)
        server.received.append(Received(parts.path, dict(urllib.parse.parse_qsl(parts.query)),
                                        body))  # fmt: skip
        answer = json.dumps(server.answer).encode()
        self.send_response(server.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format, *args):
        pass


@pytest.fixture
def robots(monkeypatch):
    """Group robots listening on loopback, recording what they are sent."""
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    server = RobotServer(("127.0.0.1", 0), Robot)
    server.received = []
    server.answer = {"errcode": 0, "errmsg": "ok"}
    server.status = 200
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)  # fmt: skip
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def base_url(server):
    return f"http://127.0.0.1:{server.server_address[1]}"


def hook(world, region, flavour, url, secret=""):
    return Webhook.objects.create(region=world.regions[region], flavour=flavour, url=url,
                                  secret=secret)  # fmt: skip


def by_path(server):
    return {r.path: r for r in server.received}


def b64_hmac(key, message):
    return base64.b64encode(hmac.new(key.encode(), message.encode(), hashlib.sha256).digest())


def test_each_robot_receives_its_documented_json(world, run, robots):
    url = base_url(robots)
    hook(world, "152921", "wecom", f"{url}/cgi-bin/webhook/send?key=wecom-key")
    hook(world, "152921", "dingtalk", f"{url}/robot/send?access_token=ding-token")
    hook(world, "152921", "feishu", f"{url}/open-apis/bot/v2/hook/feishu-token")
    run(at(16))
    received = by_path(robots)
    [zuoqi] = inbox(world, "zuoqi")

    wecom = received["/cgi-bin/webhook/send"]
    assert wecom.query == {"key": "wecom-key"}
    content = f"**{zuoqi.title}**\n{zuoqi.body}"
    assert wecom.body == {"msgtype": "markdown", "markdown": {"content": content}}
    assert ZUOQI_HOME in content

    ding = received["/robot/send"]
    assert ding.query == {"access_token": "ding-token"}  # unsigned: no timestamp, no sign
    assert ding.body == {"msgtype": "text", "text": {"content": f"{zuoqi.title}\n{zuoqi.body}"}}

    feishu = received["/open-apis/bot/v2/hook/feishu-token"]
    assert feishu.body == {"msg_type": "text", "content": {"text": f"{zuoqi.title}\n{zuoqi.body}"}}


def test_dingtalk_signs_in_the_query_string(world, run, robots):
    hook(world, "152921", "dingtalk", f"{base_url(robots)}/robot/send?access_token=t",
         secret="SECding")  # fmt: skip
    run(at(16))
    [request] = robots.received
    stamp = request.query["timestamp"]
    assert abs(int(stamp) / 1000 - time.time()) < 60  # milliseconds, the real clock
    assert request.query["sign"].encode() == b64_hmac("SECding", f"{stamp}\nSECding")
    assert request.query["access_token"] == "t"
    assert request.body["msgtype"] == "text"


def test_feishu_signs_in_the_body(world, run, robots):
    hook(world, "152921", "feishu", f"{base_url(robots)}/open-apis/bot/v2/hook/x",
         secret="feishu-secret")  # fmt: skip
    run(at(16))
    [request] = robots.received
    stamp = request.body["timestamp"]
    assert isinstance(stamp, str) and abs(int(stamp) - time.time()) < 60  # seconds
    assert request.body["sign"].encode() == b64_hmac(f"{stamp}\nfeishu-secret", "")
    assert request.body["msg_type"] == "text" and "text" in request.body["content"]


def test_robots_hear_only_their_regions_escalation(world, run, robots):
    hook(world, "152923", "wecom", f"{base_url(robots)}/ejina")
    hook(world, "152900", "wecom", f"{base_url(robots)}/league")
    submit(world, "1529230001", at(9))
    run(at(16))
    assert set(by_path(robots)) == {"/league"}


def test_a_robot_alone_is_told_of_its_regions_missing_reports(world, run, robots):
    User.objects.filter(username="ejina").update(is_active=False)
    hook(world, "152923", "wecom", f"{base_url(robots)}/ejina")
    run(at(16))
    [request] = robots.received
    assert EJINA_CENTRE in request.body["markdown"]["content"]
    assert inbox(world, "ejina") == []


def test_reminders_do_not_go_to_robots(world, run, robots):
    hook(world, "152921", "wecom", f"{base_url(robots)}/zuoqi")
    run(at(15, 30))
    assert robots.received == []


def test_an_unreachable_robot_does_not_stop_the_inbox_or_other_robots(world, run, robots):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    dead = hook(world, "152921", "dingtalk", f"http://127.0.0.1:{closed}/robot/send")
    alive = hook(world, "152921", "feishu", f"{base_url(robots)}/alive")
    run(at(16))
    assert len(inbox(world, "zuoqi")) == 1
    assert len(mails_to("zuoqi")) == 1
    assert [r.path for r in robots.received] == ["/alive"]
    states = dict(Delivery.objects.filter(channel="webhook").values_list("webhook", "state"))
    assert states == {dead.pk: "pending", alive.pk: "sent"}  # the dead one is tried again


def test_a_robot_that_refuses_the_message_counts_as_failed(world, robots):
    robots.answer = {"errcode": 310000, "errmsg": "sign not match"}
    webhook = hook(world, "152921", "dingtalk", f"{base_url(robots)}/robot/send")
    assert channels.post_webhook(webhook, "title", "text") is not None
    robots.answer = {"code": 0, "msg": "success"}
    assert channels.post_webhook(webhook, "title", "text") is None


def test_a_failed_post_logs_the_robots_id_but_never_its_key(world, caplog):
    caplog.set_level(logging.WARNING, logger="fangkong.notifications.channels")
    # http.client.InvalidURL quotes the URL in its message: the key must not reach the log.
    webhook = hook(
        world, "152921", "wecom", "http://127.0.0.1:9/cgi-bin/webhook/send?key=SECRET KEY"
    )
    assert channels.post_webhook(webhook, "title", "text") is not None
    assert f"webhook {webhook.pk} (wecom) failed: InvalidURL" in caplog.text
    assert "SECRET" not in caplog.text


def test_a_robot_answering_an_http_error_is_logged_with_its_status(world, robots, caplog):
    caplog.set_level(logging.WARNING, logger="fangkong.notifications.channels")
    robots.status = 502
    webhook = hook(
        world, "152921", "dingtalk", f"{base_url(robots)}/robot/send?access_token=SECRET"
    )
    assert channels.post_webhook(webhook, "title", "text") is not None
    assert f"webhook {webhook.pk} (dingtalk) failed: HTTPError 502" in caplog.text
    assert "SECRET" not in caplog.text


def test_an_inactive_robot_is_not_posted_to(world, run, robots):
    Webhook.objects.create(region=world.regions["152921"], flavour="wecom",
                           url=f"{base_url(robots)}/off", active=False)  # fmt: skip
    run(at(16))
    assert robots.received == []


# Command line and task ---------------------------------------------------------------------


def test_the_command_sends_what_is_due_at_the_given_moment(world, regime, capture):
    out = io.StringIO()
    with capture(execute=True):
        call_command("reminders", "run", "--at", "2022-10-25T15:30:00+08:00", stdout=out)
    assert out.getvalue().strip() == (
        "reminders: 2 sent; escalations: 0 sent; signals: 0 sent; liaison gaps: 0 sent"
    )
    assert len(mails_to("operator")) == 1


def test_the_command_reads_a_time_without_offset_as_beijing_time(world, regime):
    out = io.StringIO()
    call_command("reminders", "run", "--at", "2022-10-25T16:00", stdout=out)
    assert "escalations: 3 sent" in out.getvalue()  # the league, 左旗 and 额济纳旗 have officers


def test_the_loop_runs_until_told_to_stop(world, regime, clock):
    clock.set(at(15, 30))
    out = io.StringIO()
    call_command("reminders", "loop", "--interval", "0", "--max-runs", "3", stdout=out)
    assert out.getvalue().strip() == (
        "reminders: 2 sent; escalations: 0 sent; signals: 0 sent; liaison gaps: 0 sent"
    )
    assert len(inbox(world, "operator")) == 1


def test_the_task_sends_what_is_due_now(world, regime, clock):
    clock.set(at(15, 30))
    result = run_reminders.enqueue()
    assert result.return_value == {
        "reminders": 2,
        "escalations": 0,
        "signals": 0,
        "liaison_gaps": 0,
        "rectifications": 0,
        "follow_ups": 0,
    }


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_the_same_moment_send_each_reminder_once(world, regime):
    if connection.vendor == "sqlite":
        pytest.skip("in-memory SQLite's shared cache answers 'table is locked' instead of waiting")
    start = threading.Barrier(2, timeout=10)
    failures = []

    def worker():
        try:
            start.wait()
            run_due(now=at(15))
        except Exception as exc:
            failures.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=worker) for _ in range(2)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=30)
    assert failures == []
    for persona in ("operator", "other_operator"):
        assert len(inbox(world, persona)) == 1
        assert len(mails_to(persona)) == 1


def test_a_wecom_message_is_cut_to_the_robots_4096_bytes():
    content = channels.webhook_payload("wecom", "缺报", "院" * 3000)["markdown"]["content"]
    assert len(content.encode()) <= 4096
    assert content.startswith("**缺报**\n院") and content.endswith("…")


# A banner with a regime of its own inside the league's -----------------------------------


@pytest.fixture
def zuoqi_regime(world, regime):
    """阿拉善左旗 reports under its own regime, until 17:00, inside the league's (16:00)."""
    return regime_create(actor=SYSTEM, name="阿拉善左旗日报告", region_code="152921",
                         start_date=DAY, deadline=datetime.time(17, 0))  # fmt: skip


def test_the_league_hears_of_a_banner_with_a_later_deadline_at_that_deadline(
    world, run, zuoqi_regime
):
    submit(world, "1529220001", at(10))
    run(at(16, 1))
    [first] = inbox(world, "league")
    assert EJINA_CENTRE in first.body and ZUOQI_CENTRE not in first.body  # still pending
    run(at(17, 1))
    run(at(17, 30))
    league = inbox(world, "league")
    assert len(league) == 2
    [second] = [message for message in league if "阿拉善左旗" in message.title]
    assert ZUOQI_CENTRE in second.body and ZUOQI_HOME in second.body
    assert EJINA_CENTRE not in second.body
    dispatch = Dispatch.objects.get(unit="region:152900:152921")
    assert (dispatch.detail["to"], dispatch.detail["missing"]) == ("152900", 2)
    [zuoqi] = inbox(world, "zuoqi")  # the banner's officers hear it from their own regime
    assert ZUOQI_CENTRE in zuoqi.body


def test_a_banner_with_an_earlier_deadline_is_in_the_leagues_own_escalation(world, run):
    regime_create(actor=SYSTEM, name="阿拉善左旗日报告", region_code="152921", start_date=DAY,
                  deadline=datetime.time(15, 0))  # fmt: skip
    run(at(15, 1))
    assert inbox(world, "league") == []
    run(at(16, 1))
    [league] = inbox(world, "league")
    assert ZUOQI_CENTRE in league.body and EJINA_CENTRE in league.body
    assert not Dispatch.objects.filter(unit="region:152900:152921").exists()
