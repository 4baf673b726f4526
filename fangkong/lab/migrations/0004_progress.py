import zoneinfo

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import Count
from django.db.models.functions import TruncHour


SHARDS = 16  # models.PROGRESS_SHARDS when written
BATCH = 5000


def count_hours(apps, schema_editor):  # type: ignore[no-untyped-def]
    """The rounds' tested persons by hour, and their campaigns', counted from their results."""
    LabResult = apps.get_model("lab", "LabResult")
    LabRoundHour = apps.get_model("lab", "LabRoundHour")
    LabCampaignHour = apps.get_model("lab", "LabCampaignHour")
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    rows = (
        LabResult.objects.filter(added_reason="")
        .exclude(result="pending")
        .annotate(hour=TruncHour("sampled_at", tzinfo=zone))
        .values("round_id", "round__name", "hour")
        .annotate(n=Count("pk"))
        .order_by()
    )
    batch, campaigns = [], {}  # type: ignore[var-annotated]
    for row in rows.iterator(chunk_size=BATCH):
        batch.append(LabRoundHour(round_id=row["round_id"], hour=row["hour"], tested=row["n"]))
        key = (row["round__name"], row["round_id"] % SHARDS, row["hour"])
        campaigns[key] = campaigns.get(key, 0) + row["n"]
        if len(batch) >= BATCH:
            LabRoundHour.objects.bulk_create(batch)
            batch = []
    LabRoundHour.objects.bulk_create(batch)
    LabCampaignHour.objects.bulk_create(
        [LabCampaignHour(name=name, shard=shard, hour=hour, tested=n)
         for (name, shard, hour), n in campaigns.items()],
        batch_size=BATCH,
    )  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [
        ("lab", "0003_labround_counts"),
    ]

    operations = [
        migrations.CreateModel(
            name="LabCampaignHour",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=100, verbose_name="name")),
                ("shard", models.PositiveSmallIntegerField(verbose_name="slice")),
                ("hour", models.DateTimeField(verbose_name="hour")),
                ("tested", models.IntegerField(verbose_name="tested")),
            ],
            options={
                "verbose_name": "tested in an hour of a campaign",
                "verbose_name_plural": "tested in an hour of a campaign",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("name", "hour", "shard"), name="lab_campaign_hour_unique"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("tested__gte", 0)),
                        name="lab_campaign_hour_not_negative",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="LabRoundHour",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("hour", models.DateTimeField(verbose_name="hour")),
                ("tested", models.PositiveIntegerField(verbose_name="tested")),
                (
                    "round",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="hours",
                        to="lab.labround",
                        verbose_name="round",
                    ),
                ),
            ],
            options={
                "verbose_name": "tested in an hour of a round",
                "verbose_name_plural": "tested in an hour of a round",
                "constraints": [
                    models.UniqueConstraint(fields=("round", "hour"), name="lab_round_hour_unique"),
                    models.CheckConstraint(
                        condition=models.Q(("tested__gt", 0)), name="lab_round_hour_some"
                    ),
                ],
            },
        ),
        migrations.RunPython(count_hours, migrations.RunPython.noop),
    ]
