"""Signing in, signing out and every failed attempt are in the audit log, once each, with the
address they came from and never the password typed."""

from django.test import Client

from fangkong.audit.models import AuditEvent
from fangkong.conftest import PASSWORD

LOGIN = "/accounts/login/"
ADDRESS = "203.0.113.7"
WRONG = "Wrong-pass-1"


def sign_in(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password},
                       REMOTE_ADDR=ADDRESS)  # fmt: skip


def actions():
    return list(AuditEvent.objects.order_by("id").values_list("action", flat=True))


def test_signing_in_and_out_is_audited(world):
    before = AuditEvent.objects.count()
    client = Client()
    assert sign_in(client, "operator", PASSWORD).status_code == 302
    assert client.post("/accounts/logout/", REMOTE_ADDR=ADDRESS).status_code == 302
    assert actions()[before:] == ["user.sign_in", "user.sign_out"]
    for event in AuditEvent.objects.order_by("id")[before:]:
        assert event.actor == world.users["operator"] and event.actor_name == "operator"
        assert event.ip == ADDRESS and event.target_id == str(world.users["operator"].pk)


def test_a_failed_sign_in_is_audited_once_without_the_password(world):
    before = AuditEvent.objects.count()
    assert sign_in(Client(), "operator", WRONG).status_code == 200
    assert actions()[before:] == ["user.sign_in_failed"]
    event = AuditEvent.objects.latest("id")
    assert event.actor is None and event.actor_name == "anonymous" and event.ip == ADDRESS
    assert event.target_id == str(world.users["operator"].pk)
    assert event.after == {"username": "operator", "locked_out": False}
    assert WRONG not in str(event.before) + str(event.after) + event.target_repr


def test_a_failed_sign_in_as_nobody_keeps_nothing_of_what_was_typed(world):
    """A password typed into the name box must not end up in the append-only log."""
    sign_in(Client(), WRONG, WRONG)
    event = AuditEvent.objects.get(action="user.sign_in_failed")
    assert (event.target_type, event.target_id) == ("accounts.user", "")
    assert WRONG not in str(event.before) + str(event.after) + event.target_repr
    assert event.after["username"] == "(no such account)"


def test_each_attempt_is_one_event_and_the_lockout_is_marked(world):
    """axes counts the same failures; the audit log has one event per attempt, no more."""
    client = Client()
    for _ in range(5):
        sign_in(client, "operator", WRONG)
    assert sign_in(client, "operator", PASSWORD).status_code == 429  # locked out
    failed = AuditEvent.objects.filter(action="user.sign_in_failed").order_by("id")
    # The fifth failure locks the account; the sixth attempt is refused as locked out.
    assert [event.after["locked_out"] for event in failed] == [False] * 4 + [True, True]
    assert not AuditEvent.objects.filter(action="user.sign_in").exists()
