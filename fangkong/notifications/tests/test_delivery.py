"""Every message reaches every destination once: through refusals, errors, slowness and crashes.

The robot is a real HTTP server on loopback, the database the real one; only the clock of the
retries is moved forward by hand (`deliveries_run(now=…)`), as the worker's loop would.
"""

import contextlib
import datetime
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from fangkong.notifications import channels
from fangkong.notifications.models import Delivery, Dispatch, Notification, Webhook
from fangkong.notifications.services import backoff, deliveries_run, notify

DAY = datetime.date(2022, 10, 25)
TIMEOUT = 0.3
FAST = {**settings.NOTIFICATIONS, "WEBHOOK_TIMEOUT": TIMEOUT}


class Robot(BaseHTTPRequestHandler):
    """Answers as `server.behaviour` says: "500", "slow" (past the client's timeout) or "ok"."""

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        server: RobotServer = self.server  # type: ignore[assignment]
        behaviour = server.behaviour
        if behaviour == "500":
            self.send_response(500)
            self.end_headers()
            return
        if behaviour == "slow":
            # An overloaded gateway: it answers, but only after the sender has given up, and
            # it has not passed the message on.
            time.sleep(TIMEOUT * 3)
        else:
            with server.lock:
                server.received.append(body["markdown"]["content"])
        answer = json.dumps({"errcode": 0, "errmsg": "ok"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(answer)  # unless the sender gave up waiting

    def log_message(self, format, *args):
        pass


class RobotServer(ThreadingHTTPServer):
    daemon_threads = True
    behaviour: str
    received: list[str]
    lock: threading.Lock


@pytest.fixture
def port(monkeypatch):
    """A loopback port where nothing listens yet: connections to it are refused."""
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def start_robot():
    servers = []

    def start(port, behaviour):
        server = RobotServer(("127.0.0.1", port), Robot)
        server.behaviour, server.received, server.lock = behaviour, [], threading.Lock()
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02},
                         daemon=True).start()  # fmt: skip
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def robot(world, port):
    url = f"http://127.0.0.1:{port}/cgi-bin/webhook/send?key=k"
    return Webhook.objects.create(region=world.regions["152921"], flavour="wecom", url=url)


def send(world, number, webhooks, recipients=()):
    return notify(
        recipients=list(recipients), kind="escalation", key=f"region:152921:{number}", day=DAY,
        subject=f"缺报 {number}", body=f"第 {number} 条", webhooks=webhooks,
        region_path=world.regions["152921"].path,
    )  # fmt: skip


def later(minutes):
    return timezone.now() + datetime.timedelta(minutes=minutes)


@override_settings(NOTIFICATIONS=FAST)
def test_a_robot_that_refuses_errs_and_stalls_gets_every_message_once_when_it_recovers(
    world, port, start_robot, django_capture_on_commit_callbacks
):
    hook = robot(world, port)
    with django_capture_on_commit_callbacks(execute=True):  # the first attempt: refused
        for number in range(3):
            send(world, number, [hook])
    deliveries = Delivery.objects.filter(webhook=hook)
    assert set(deliveries.values_list("state", "attempts")) == {("pending", 1)}
    assert all(d.last_error == "URLError" for d in deliveries)

    server = start_robot(port, "500")
    assert deliveries_run(now=later(1)) == 0  # the second: 500
    server.behaviour = "slow"
    assert deliveries_run(now=later(3)) == 0  # the third: no answer in time
    assert set(deliveries.values_list("attempts", flat=True)) == {3}
    assert deliveries_run(now=later(4)) == 0  # not yet due: 4 minutes after the third
    server.behaviour = "ok"
    assert deliveries_run(now=later(8)) == 3  # recovered
    assert sorted(server.received) == [f"**缺报 {n}**\n第 {n} 条" for n in range(3)]
    assert set(deliveries.values_list("state", "attempts")) == {("sent", 4)}

    assert deliveries_run(now=later(60)) == 0  # delivered: never sent again
    assert len(server.received) == 3


def test_the_delay_doubles_up_to_an_hour():
    assert [backoff(n).total_seconds() / 60 for n in (1, 2, 3, 4, 7, 8, 20)] == [
        1, 2, 4, 8, 60, 60, 60,
    ]  # fmt: skip


def test_each_failed_e_mail_is_tried_again_until_it_goes(world, monkeypatch):
    sent = []

    def flaky(subject, body, from_email, to):
        if len(sent) < 2 and to == ["zuoqi@example.org"]:
            sent.append("failed")
            raise ConnectionRefusedError
        mail.outbox.append(mail.EmailMessage(subject, body, from_email, to))
        return 1

    monkeypatch.setattr("fangkong.notifications.channels.send_mail", flaky)
    zuoqi = world.users["zuoqi"]
    zuoqi.email = "zuoqi@example.org"
    send(world, 1, [], recipients=[zuoqi])
    deliveries_run()
    deliveries_run(now=later(1))
    assert mail.outbox == []
    deliveries_run(now=later(3))
    [email] = mail.outbox
    assert email.to == ["zuoqi@example.org"] and email.subject == "缺报 1"
    assert Delivery.objects.get().state == "sent"


def test_a_delivery_still_failing_after_a_day_is_shown_to_the_regions_officers(world, port):
    hook = robot(world, port)
    send(world, 1, [hook])
    for minutes in (0, 1, 3, 7, 15, 31, 63, 123, 183, 24 * 60 + 1):
        deliveries_run(now=later(minutes))
    delivery = Delivery.objects.get(webhook=hook)
    assert delivery.state == "undelivered" and delivery.last_error == "URLError"
    attempts = delivery.attempts
    deliveries_run(now=later(48 * 60))
    assert Delivery.objects.get(pk=delivery.pk).attempts == attempts  # given up
    for persona in ("zuoqi", "league"):  # the banner's officer and the league's above it
        [notice] = Notification.objects.filter(recipient=world.users[persona], kind="undelivered")
        assert "缺报 1" in notice.title and "阿拉善左旗" in notice.body
    assert not Notification.objects.filter(recipient=world.users["ejina"]).exists()
    assert not Delivery.objects.exclude(pk=delivery.pk).exists()  # the notice is inbox only


def test_an_attempt_cut_short_by_a_crash_is_never_repeated_blindly(world, port, start_robot):
    server = start_robot(port, "ok")
    hook = robot(world, port)
    send(world, 1, [hook])
    # The worker died after taking the delivery, before recording what the robot answered.
    Delivery.objects.update(state="sending", attempts=1, attempted_at=timezone.now())
    deliveries_run(now=later(5))
    assert Delivery.objects.get().state == "sending"  # another worker may still be on it
    deliveries_run(now=later(11))
    assert Delivery.objects.get().state == "unknown"
    assert server.received == []
    [notice] = Notification.objects.filter(recipient=world.users["zuoqi"], kind="undelivered")
    assert "缺报 1" in notice.title


def test_a_message_is_claimed_once_whoever_sends_it(world):
    assert send(world, 1, []) is not None
    assert send(world, 1, []) is None
    assert Dispatch.objects.count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent workers need PostgreSQL")
@pytest.mark.django_db(transaction=True)
@override_settings(NOTIFICATIONS=FAST)
def test_four_workers_at_once_deliver_each_message_once(world, port, start_robot):
    server = start_robot(port, "ok")
    hook = robot(world, port)
    for number in range(20):
        send(world, number, [hook])
    barrier = threading.Barrier(4)

    def worker():
        barrier.wait()
        try:
            deliveries_run()
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(server.received) == sorted(f"**缺报 {n}**\n第 {n} 条" for n in range(20))
    assert set(Delivery.objects.values_list("state", "attempts")) == {("sent", 1)}


def test_a_robot_switched_off_after_a_failure_gets_no_more_retries(world, port, start_robot):
    hook = robot(world, port)
    send(world, 1, [hook])
    deliveries_run()  # refused
    Webhook.objects.filter(pk=hook.pk).update(active=False)
    server = start_robot(port, "ok")
    deliveries_run(now=later(2))
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.last_error) == ("undelivered", "robot switched off")
    assert server.received == []
    assert not Notification.objects.filter(kind="undelivered").exists()


def test_a_worker_whose_attempt_was_taken_from_it_does_not_overwrite_the_outcome(world, port):
    hook = robot(world, port)
    send(world, 1, [hook])
    real_post = channels.post_webhook

    def slow_then_expired(webhook, title, text):
        # Meanwhile another worker took this attempt for a crashed one.
        Delivery.objects.update(state="unknown")
        return real_post(webhook, title, text)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(channels, "post_webhook", slow_then_expired)
        deliveries_run()
    assert Delivery.objects.get().state == "unknown"
