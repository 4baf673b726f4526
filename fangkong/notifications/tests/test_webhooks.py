"""A robot's URL (with its access token) and signing secret are stored encrypted, shown masked,
and every change to them is in the audit log."""

import pytest
from django.db import connection

from fangkong.audit.models import AuditEvent
from fangkong.core import crypto
from fangkong.notifications.models import Webhook

TOKEN_URL = (
    "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
)
SECRET = "SEC8f2e1c7d9b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0"


def raw_columns(pk):
    with connection.cursor() as cursor:
        cursor.execute("SELECT url, secret FROM notifications_webhook WHERE id = %s", [pk])
        return cursor.fetchone()


def add_through_admin(world, **fields):
    data = {"region": world.regions["152921"].pk, "flavour": "dingtalk", "url": TOKEN_URL,
            "secret": SECRET, "active": "on", **fields}  # fmt: skip
    return world.client("admin").post("/admin/notifications/webhook/add/", data)


def test_the_url_and_secret_are_encrypted_in_the_table(world):
    hook = Webhook.objects.create(region=world.regions["152921"], flavour="dingtalk",
                                  url=TOKEN_URL, secret=SECRET)  # fmt: skip
    url, secret = raw_columns(hook.pk)
    assert url.startswith("enc:v1:aes-256-gcm:") and secret.startswith("enc:v1:aes-256-gcm:")
    assert "693a91f6" not in url and "qyapi" not in url and SECRET not in secret
    assert crypto.decrypt(url, associated_data="notifications.Webhook.url") == TOKEN_URL
    reread = Webhook.objects.get(pk=hook.pk)
    assert (reread.url, reread.secret) == (TOKEN_URL, SECRET)


def test_a_secret_copied_into_another_column_does_not_decrypt(world):
    hook = Webhook.objects.create(region=world.regions["152921"], flavour="feishu",
                                  url=TOKEN_URL, secret=SECRET)  # fmt: skip
    _, secret = raw_columns(hook.pk)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE notifications_webhook SET url = %s WHERE id = %s", [secret, hook.pk])
    with pytest.raises(crypto.DecryptionError):
        Webhook.objects.get(pk=hook.pk)


def test_an_administrator_adds_a_robot_and_the_log_shows_it_masked(world):
    assert add_through_admin(world).status_code == 302
    hook = Webhook.objects.get()
    assert hook.url == TOKEN_URL and hook.secret == SECRET
    event = AuditEvent.objects.get(action="webhook.create")
    assert event.actor == world.users["admin"]
    # Not even the end of a secret: only that it is set.
    assert (event.after["url"], event.after["secret"]) == ("set", "set")
    assert "5aaa" not in str(event.after) and SECRET[-4:] not in str(event.after)
    assert event.region_path == world.regions["152921"].path


def test_the_admin_shows_the_secrets_masked_and_keeps_them_when_left_blank(world):
    add_through_admin(world)
    hook = Webhook.objects.get()
    admin = world.client("admin")
    listing = admin.get("/admin/notifications/webhook/").content.decode()
    form = admin.get(f"/admin/notifications/webhook/{hook.pk}/change/").content.decode()
    for page in (listing, form):
        assert "693a91f6" not in page and SECRET not in page and SECRET[3:12] not in page
    assert "5aaa" in form
    response = admin.post(
        f"/admin/notifications/webhook/{hook.pk}/change/",
        {"region": hook.region_id, "flavour": "dingtalk", "url": "", "secret": ""},
    )  # unticked: the robot is switched off, its secrets are kept
    assert response.status_code == 302
    hook.refresh_from_db()
    assert (hook.url, hook.secret, hook.active) == (TOKEN_URL, SECRET, False)
    event = AuditEvent.objects.get(action="webhook.update")
    assert event.before["active"] == "True" and event.after["active"] == "False"
    assert event.after["changed"] == ["active"]


def test_removing_a_robot_is_audited(world):
    add_through_admin(world)
    hook = Webhook.objects.get()
    response = world.client("admin").post(
        f"/admin/notifications/webhook/{hook.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302 and not Webhook.objects.exists()
    assert AuditEvent.objects.get(action="webhook.delete").before["flavour"] == "dingtalk"


@pytest.mark.parametrize("model", ["webhook", "dispatch", "delivery"])
def test_every_notifications_page_of_the_admin_opens(world, model):
    assert world.client("admin").get(f"/admin/notifications/{model}/").status_code == 200
