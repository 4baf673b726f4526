from django.db import migrations, models

# A screening asks who was present in an institution in a window, then where else each of them
# was: both read from an index alone, check-out and the other side's id in its key. The two
# indexes take the place of (institution, check_in) and (visitor, check_in), their prefixes.


class Migration(migrations.Migration):
    dependencies = [("people", "0007_search_second_readings")]

    operations = [
        migrations.RemoveIndex(model_name="visit", name="visit_institution_check_in"),
        migrations.RemoveIndex(model_name="visit", name="visit_visitor_check_in"),
        migrations.AddIndex(
            model_name="visit",
            index=models.Index(
                fields=["institution", "check_in", "check_out", "visitor"],
                name="visit_institution_window",
            ),
        ),
        migrations.AddIndex(
            model_name="visit",
            index=models.Index(
                fields=["visitor", "check_in", "check_out", "institution"],
                name="visit_visitor_window",
            ),
        ),
    ]
