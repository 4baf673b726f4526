from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def method_of_round(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Results recorded before a result had its own method were taken by the round's."""
    LabResult = apps.get_model("lab", "LabResult")
    LabRound = apps.get_model("lab", "LabRound")
    rounds = LabRound.objects.filter(pk=OuterRef("round_id")).values("method")
    LabResult.objects.update(method=Subquery(rounds[:1]))


class Migration(migrations.Migration):
    dependencies = [
        ("lab", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="labresult",
            name="method",
            field=models.CharField(
                choices=[("nucleic_acid", "Nucleic acid"), ("antigen", "Antigen")],
                default="nucleic_acid",
                max_length=20,
                verbose_name="method",
            ),
            preserve_default=False,
        ),
        migrations.RunPython(method_of_round, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="labresult",
            constraint=models.CheckConstraint(
                condition=models.Q(("method__in", ["nucleic_acid", "antigen"])),
                name="lab_result_method_valid",
            ),
        ),
    ]
