"""Notifications, dispatches and robots moved to the notifications app, whose 0001 renamed
their tables: state only here."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0006_aberration_to_surveillance"),
        ("notifications", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="Notification"),
                migrations.DeleteModel(name="Dispatch"),
                migrations.DeleteModel(name="Webhook"),
            ],
            database_operations=[],
        ),
    ]
