import django.db.models.deletion
from django.db import migrations, models

import fangkong.people.models

# Each person's places (`PersonPlace`), filled from the rows recorded so far: the institution
# each person was registered in, and those of their stays, employments and visits, with the
# person's search keys. In SQL, one range of each table's ids at a time (a province holds
# millions of stays); a pair met twice is kept once (ON CONFLICT DO NOTHING).
BATCH = 50_000
SOURCES = (  # table, the person's column, the institution's column
    ("people_person", "id", "created_in_id"),
    ("people_stay", "person_id", "institution_id"),
    ("people_employment", "person_id", "institution_id"),
    ("people_visit", "visitor_id", "institution_id"),
)


def fill(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for table, person, institution in SOURCES:
            cursor.execute(f"SELECT min(id), max(id) FROM {table}")  # noqa: S608
            low, high = cursor.fetchone()
            if low is None:
                continue
            for start in range(low, high + 1, BATCH):
                cursor.execute(
                    "INSERT INTO people_personplace (person_id, institution_id, pinyin, initials) "  # noqa: S608 - names
                    f"SELECT t.{person}, t.{institution}, p.pinyin, p.initials "
                    f"FROM {table} t JOIN people_person p ON p.id = t.{person} "
                    f"WHERE t.id >= %s AND t.id < %s AND t.{institution} IS NOT NULL "
                    "ON CONFLICT (person_id, institution_id) DO NOTHING",
                    [start, start + BATCH],
                )


class Migration(migrations.Migration):
    dependencies = [
        ("institutions", "0001_initial"),
        ("people", "0011_import_expiry"),
    ]

    operations = [
        migrations.CreateModel(
            name="PersonPlace",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "pinyin",
                    fangkong.people.models.SearchKeyField(
                        blank=True, max_length=200, verbose_name="pinyin"
                    ),
                ),
                (
                    "initials",
                    fangkong.people.models.SearchKeyField(
                        blank=True, max_length=100, verbose_name="pinyin initials"
                    ),
                ),
                (
                    "institution",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="institutions.institution",
                        verbose_name="institution",
                    ),
                ),
                (
                    "person",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="people.person",
                        verbose_name="person",
                    ),
                ),
            ],
            options={
                "verbose_name": "place of a person",
                "verbose_name_plural": "places of persons",
                "indexes": [
                    models.Index(
                        fields=["institution", "initials", "pinyin", "person"],
                        name="place_institution_initials",
                    ),
                    models.Index(
                        fields=["institution", "pinyin", "person"],
                        name="place_institution_pinyin",
                    ),
                ],
                "constraints": [
                    models.UniqueConstraint(fields=("person", "institution"), name="place_unique"),
                ],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
    ]
