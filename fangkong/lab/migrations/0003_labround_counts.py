from django.db import migrations, models
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce


def _count(queryset):  # type: ignore[no-untyped-def]
    rows = queryset.order_by().values("round_id").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def count_rounds(apps, schema_editor):  # type: ignore[no-untyped-def]
    """The rounds opened before they kept their counts, counted from their rows."""
    LabRound = apps.get_model("lab", "LabRound")
    LabExpected = apps.get_model("lab", "LabExpected")
    LabResult = apps.get_model("lab", "LabResult")
    final = Exists(
        LabResult.objects.filter(
            round_id=OuterRef("round_id"), person_id=OuterRef("person_id")
        ).exclude(result="pending")
    )
    expected = LabExpected.objects.filter(round_id=OuterRef("pk"))
    LabRound.objects.update(
        n_expected=_count(expected),
        n_tested=_count(expected.filter(final)),
        n_done=_count(expected.filter(final | ~Q(excused_reason=""))),
        n_positive=_count(LabResult.objects.filter(round_id=OuterRef("pk"), result="positive")),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("lab", "0002_labresult_method"),
    ]

    operations = [
        migrations.AddField(
            model_name="labround",
            name="n_done",
            field=models.PositiveIntegerField(
                default=0, editable=False, verbose_name="tested or excused"
            ),
        ),
        migrations.AddField(
            model_name="labround",
            name="n_expected",
            field=models.PositiveIntegerField(default=0, editable=False, verbose_name="expected"),
        ),
        migrations.AddField(
            model_name="labround",
            name="n_positive",
            field=models.PositiveIntegerField(default=0, editable=False, verbose_name="positive"),
        ),
        migrations.AddField(
            model_name="labround",
            name="n_tested",
            field=models.PositiveIntegerField(default=0, editable=False, verbose_name="tested"),
        ),
        migrations.RunPython(count_rounds, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="labround",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("n_tested__lte", models.F("n_done")), ("n_done__lte", models.F("n_expected"))
                ),
                name="lab_round_counts_ordered",
            ),
        ),
    ]
