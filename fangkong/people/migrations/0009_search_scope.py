from django.db import migrations, models

# A search in a narrow scope (an institution, a county's few) hashes its persons' ids first:
# read from indexes alone, the institution's stays and employments with their person in the
# key (in place of (institution, start), their prefix), its registrations with their id.


class Migration(migrations.Migration):
    dependencies = [("people", "0008_visit_window_index")]

    operations = [
        migrations.RemoveIndex(model_name="stay", name="stay_institution_start"),
        migrations.RemoveIndex(model_name="employment", name="employment_institution_start"),
        migrations.AddIndex(
            model_name="stay",
            index=models.Index(
                fields=["institution", "start", "person"], name="stay_institution_start_person"
            ),
        ),
        migrations.AddIndex(
            model_name="employment",
            index=models.Index(
                fields=["institution", "start", "person"], name="employment_inst_start_person"
            ),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(fields=["created_in", "id"], name="person_created_in_id"),
        ),
    ]
