"""Notifications move out of reporting: the same rows, in tables renamed for this app.

Only the state moves (`SeparateDatabaseAndState`); in the database each table is renamed, so
every inbox message, dispatch and robot is kept, with its id. Their content types follow, so
permissions and admin history granted on them stay attached.
"""

from typing import Any

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

TABLES = [
    ("reporting_notification", "notifications_notification"),
    ("reporting_dispatch", "notifications_dispatch"),
    ("reporting_webhook", "notifications_webhook"),
]

MODELS = ["notification", "dispatch", "webhook"]


def _move_content_types(apps: Any, from_app: str, to_app: str) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        rows = content_type.objects.filter(model=model)
        if not rows.filter(app_label=to_app).exists():
            rows.filter(app_label=from_app).update(app_label=to_app)


def content_types_forwards(apps: Any, schema_editor: Any) -> None:
    _move_content_types(apps, "reporting", "notifications")


def content_types_backwards(apps: Any, schema_editor: Any) -> None:
    _move_content_types(apps, "notifications", "reporting")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("regions", "0002_nation"),
        ("reporting", "0006_aberration_to_surveillance"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f"ALTER TABLE {old} RENAME TO {new}",
                    reverse_sql=f"ALTER TABLE {new} RENAME TO {old}",
                )
                for old, new in TABLES
            ],
            state_operations=[
                migrations.CreateModel(
                    name="Dispatch",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("unit", models.CharField(max_length=64, verbose_name="unit")),
                        ("day", models.DateField(verbose_name="day")),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("reminder", "Reminder before the deadline"),
                                    ("escalation", "Missing reports after the deadline"),
                                    ("signal", "Early-warning signal"),
                                ],
                                max_length=20,
                                verbose_name="kind",
                            ),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(
                                default=django.utils.timezone.now, verbose_name="created at"
                            ),
                        ),
                        ("detail", models.JSONField(default=dict, verbose_name="detail")),
                    ],
                    options={
                        "verbose_name": "dispatch",
                        "verbose_name_plural": "dispatches",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("unit", "day", "kind"), name="dispatch_once"
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="Webhook",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "flavour",
                            models.CharField(
                                choices=[
                                    ("wecom", "WeCom group robot"),
                                    ("dingtalk", "DingTalk group robot"),
                                    ("feishu", "Feishu group robot"),
                                ],
                                max_length=10,
                                verbose_name="flavour",
                            ),
                        ),
                        ("url", models.URLField(max_length=500, verbose_name="URL")),
                        (
                            "secret",
                            models.CharField(
                                blank=True, max_length=200, verbose_name="signing secret"
                            ),
                        ),
                        ("active", models.BooleanField(default=True, verbose_name="active")),
                        (
                            "region",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="regions.region",
                                verbose_name="region",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "webhook",
                        "verbose_name_plural": "webhooks",
                    },
                ),
                migrations.CreateModel(
                    name="Notification",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("kind", models.CharField(max_length=30, verbose_name="kind")),
                        ("title", models.CharField(max_length=200, verbose_name="title")),
                        ("body", models.TextField(blank=True, verbose_name="body")),
                        ("day", models.DateField(blank=True, null=True, verbose_name="day")),
                        (
                            "created_at",
                            models.DateTimeField(
                                default=django.utils.timezone.now, verbose_name="created at"
                            ),
                        ),
                        (
                            "read_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="read at"),
                        ),
                        (
                            "recipient",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="notifications",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="recipient",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "notification",
                        "verbose_name_plural": "notifications",
                        "ordering": ["-created_at"],
                        "indexes": [
                            models.Index(
                                fields=["recipient", "read_at"], name="notification_unread"
                            )
                        ],
                    },
                ),
            ],
        ),
        migrations.RunPython(content_types_forwards, content_types_backwards),
    ]
