"""Take over `Aberration` from reporting: the table is renamed, its rows kept.

In the state the model is created here (and deleted from reporting by its 0006); in the
database `reporting_aberration` becomes `surveillance_aberration`, as `AlterModelTable` would do
it. Its content type follows, so permissions and admin history granted on it stay attached.
"""

from typing import Any

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


def _move_content_type(apps: Any, from_app: str, to_app: str) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    rows = content_type.objects.filter(model="aberration")
    if not rows.filter(app_label=to_app).exists():
        rows.filter(app_label=from_app).update(app_label=to_app)


def content_type_forwards(apps: Any, schema_editor: Any) -> None:
    _move_content_type(apps, "reporting", "surveillance")


def content_type_backwards(apps: Any, schema_editor: Any) -> None:
    _move_content_type(apps, "surveillance", "reporting")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("institutions", "0001_initial"),
        ("reporting", "0005_idempotency_created"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Aberration",
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
                        ("day", models.DateField(verbose_name="day")),
                        ("field", models.CharField(max_length=30, verbose_name="field")),
                        ("value", models.PositiveIntegerField(verbose_name="value")),
                        ("c1", models.FloatField(null=True)),
                        ("c2", models.FloatField(null=True)),
                        ("c3", models.FloatField(null=True)),
                        (
                            "methods",
                            models.CharField(max_length=20, verbose_name="methods that signalled"),
                        ),
                        (
                            "detected_at",
                            models.DateTimeField(
                                default=django.utils.timezone.now, verbose_name="detected at"
                            ),
                        ),
                        (
                            "withdrawn_at",
                            models.DateTimeField(
                                blank=True,
                                help_text=(
                                    "Set when an amendment took away the figure that raised "
                                    "the signal."
                                ),
                                null=True,
                                verbose_name="withdrawn at",
                            ),
                        ),
                        (
                            "institution",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="aberrations",
                                to="institutions.institution",
                                verbose_name="institution",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "early-warning signal",
                        "verbose_name_plural": "early-warning signals",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("institution", "day", "field"), name="aberration_once"
                            )
                        ],
                    },
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    sql="ALTER TABLE reporting_aberration RENAME TO surveillance_aberration",
                    reverse_sql="ALTER TABLE surveillance_aberration RENAME TO reporting_aberration",
                ),
            ],
        ),
        migrations.RunPython(content_type_forwards, content_type_backwards, elidable=True),
    ]
