"""`Aberration` moved to the surveillance app, whose 0001 renamed its table: state only here."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0005_idempotency_created"),
        ("surveillance", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Aberration")],
            database_operations=[],
        ),
    ]
