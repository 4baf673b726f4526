import base64
import hashlib
import hmac
import io
import json
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

from fangkong.accounts.models import User
from fangkong.accounts.scoping import SYSTEM
from fangkong.reporting import notify
from fangkong.reporting.models import Dispatch, Notification, ReportingRegime, Webhook
from fangkong.reporting.reminders import run_due
from fangkong.reporting.services import report_submit
from fangkong.reporting.tasks import run_reminders
from fangkong.reporting.tests.conftest import DAY, at, figures

ZUOQI_CENTRE = "阿拉善左旗社会福利中心"
ZUOQI_HOME = "阿拉善左旗巴彦浩特镇敬老院"
YOUQI_CENTRE = "阿拉善右旗社会福利中心"
EJINA_CENTRE = "额济纳旗社会福利中心"
HIGH_TECH_HOME = "阿拉善高新区颐养院"


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
    real_inbox = notify.inbox

    def crash_at_ejina(user, *args):
        if user.username == "other_operator":
            raise RuntimeError("worker killed")
        return real_inbox(user, *args)

    monkeypatch.setattr(notify, "inbox", crash_at_ejina)
    with pytest.raises(RuntimeError):
        run(at(15))
    assert len(inbox(world, "operator")) == 1
    assert inbox(world, "other_operator") == []

    monkeypatch.setattr(notify, "inbox", real_inbox)  # the restarted worker
    result = run(at(15, 1))
    assert result.reminders == 1
    for persona in ("operator", "other_operator"):
        assert len(inbox(world, persona)) == 1
        assert len(mails_to(persona)) == 1


def test_a_crash_between_commit_and_e_mail_loses_the_e_mail_not_the_inbox(world, regime, capture):
    with capture(execute=False):  # killed before sending
        run_due(now=at(15))
    with capture(execute=True):
        run_due(now=at(15, 1))
    assert len(inbox(world, "operator")) == 1
    assert mails_to("operator") == []  # at most once: never a second reminder
    dispatch = Dispatch.objects.get(unit="institution:1529210001", kind="reminder")
    assert "emailed" not in dispatch.detail


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
    assert dispatch.detail["missing"] == ["1529210002", "1529230001", "1529710001"]


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


# Group robots on a real HTTP server ----------------------------------------------------------


@dataclass
class Received:
    path: str
    query: dict[str, str]
    body: dict[str, Any]


class RobotServer(ThreadingHTTPServer):
    received: list[Received]
    answer: dict[str, Any]


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
        self.send_response(200)
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
    detail = Dispatch.objects.get(unit="region:152921").detail
    assert detail["posted"] == {str(dead.pk): False, str(alive.pk): True}


def test_a_robot_that_refuses_the_message_counts_as_failed(world, robots):
    robots.answer = {"errcode": 310000, "errmsg": "sign not match"}
    webhook = hook(world, "152921", "dingtalk", f"{base_url(robots)}/robot/send")
    assert notify.post_webhook(webhook, "title", "text") is False
    robots.answer = {"code": 0, "msg": "success"}
    assert notify.post_webhook(webhook, "title", "text") is True


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
    assert out.getvalue().strip() == "reminders: 2 sent; escalations: 0 sent"
    assert len(mails_to("operator")) == 1


def test_the_command_reads_a_time_without_offset_as_beijing_time(world, regime):
    out = io.StringIO()
    call_command("reminders", "run", "--at", "2022-10-25T16:00", stdout=out)
    assert "escalations: 3 sent" in out.getvalue()  # the league, 左旗 and 额济纳旗 have officers


def test_the_loop_runs_until_told_to_stop(world, regime, clock):
    clock.set(at(15, 30))
    out = io.StringIO()
    call_command("reminders", "loop", "--interval", "0", "--max-runs", "3", stdout=out)
    assert out.getvalue().strip() == "reminders: 2 sent; escalations: 0 sent"
    assert len(inbox(world, "operator")) == 1


def test_the_task_sends_what_is_due_now(world, regime, clock):
    clock.set(at(15, 30))
    result = run_reminders.enqueue()
    assert result.return_value == {"reminders": 2, "escalations": 0, "signals": 0}


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
    content = notify.webhook_payload("wecom", "缺报", "院" * 3000)["markdown"]["content"]
    assert len(content.encode()) <= 4096
    assert content.startswith("**缺报**\n院") and content.endswith("…")
