from django.db import migrations

from fangkong.closures.rules import seed_rules


def seed(apps, schema_editor):
    seed_rules(apps.get_model("closures", "EntryRule"))


def unseed(apps, schema_editor):
    apps.get_model("closures", "EntryRule").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("closures", "0002_closure_no_overlap")]

    operations = [migrations.RunPython(seed, unseed)]
