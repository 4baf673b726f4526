"""Moving the inbox, dispatches and robots from reporting keeps every row, and encrypts the
robots' URLs and secrets that the previous version stored in plain text."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from fangkong.notifications.models import Dispatch, Notification, Webhook
from fangkong.tests.migrations import before_the_move, migrate

MOVE = ("notifications", "0001_initial")
URL = "https://oapi.dingtalk.com/robot/send?access_token=plain-token-4f1e"


@pytest.mark.django_db(transaction=True)
def test_rows_written_by_the_previous_version_are_kept_and_secrets_encrypted():
    graph = MigrationExecutor(connection).loader.graph
    before = before_the_move(graph, MOVE)
    assert ("reporting", "0006_aberration_to_surveillance") in before
    assert ("notifications", None) in before
    try:
        old = migrate(before)
        region = old.get_model("regions", "Region").objects.create(
            code="152921", name="阿拉善左旗", level="county", path="152921/", depth=0
        )
        user = old.get_model("accounts", "User").objects.create(username="zuoqi")
        hook = old.get_model("reporting", "Webhook").objects.create(
            region=region, flavour="dingtalk", url=URL, secret="SECplain"
        )
        note = old.get_model("reporting", "Notification").objects.create(
            recipient=user,
            kind="escalation",
            title="缺报",
            body="3 家",
            day=datetime.date(2022, 10, 25),
        )
        dispatch = old.get_model("reporting", "Dispatch").objects.create(
            unit="region:152921", day=datetime.date(2022, 10, 25), kind="escalation",
            detail={"missing": 3},
        )  # fmt: skip
    finally:
        migrate(graph.leaf_nodes())

    moved = Webhook.objects.get()
    assert (moved.pk, moved.url, moved.secret) == (hook.pk, URL, "SECplain")
    with connection.cursor() as cursor:
        cursor.execute("SELECT url, secret FROM notifications_webhook")
        raw_url, raw_secret = cursor.fetchone()
    assert raw_url.startswith("enc:v1:") and "plain-token" not in raw_url
    assert raw_secret.startswith("enc:v1:") and "SECplain" not in raw_secret
    [message] = Notification.objects.filter(pk=note.pk)
    assert (message.recipient.username, message.title, message.read_at) == ("zuoqi", "缺报", None)
    [claimed] = Dispatch.objects.filter(pk=dispatch.pk)
    assert (claimed.unit, claimed.detail, claimed.subject) == ("region:152921", {"missing": 3}, "")
    tables = connection.introspection.table_names()
    assert not {"reporting_webhook", "reporting_notification", "reporting_dispatch"} & set(tables)
