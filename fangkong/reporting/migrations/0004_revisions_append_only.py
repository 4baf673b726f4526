from django.db import migrations

from fangkong.core.append_only import refuse_changes

# A submitted report is never overwritten: PostgreSQL itself refuses to change or remove a
# revision, as it does for audit events.


class Migration(migrations.Migration):
    dependencies = [("reporting", "0003_aberration_withdrawn")]

    operations = [refuse_changes("reporting_reportrevision")]
