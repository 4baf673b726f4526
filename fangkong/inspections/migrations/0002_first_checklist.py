from django.db import migrations

from fangkong.inspections.checklist import seed_first_version


def seed(apps, schema_editor):
    seed_first_version(
        apps.get_model("inspections", "ChecklistVersion"),
        apps.get_model("inspections", "ChecklistItem"),
    )


def unseed(apps, schema_editor):
    apps.get_model("inspections", "ChecklistItem").objects.filter(version__number=1).delete()
    apps.get_model("inspections", "ChecklistVersion").objects.filter(number=1).delete()


class Migration(migrations.Migration):
    dependencies = [("inspections", "0001_checklists_inspections_rectifications")]

    operations = [migrations.RunPython(seed, unseed)]
