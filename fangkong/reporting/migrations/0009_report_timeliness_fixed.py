from django.db import migrations

from fangkong.core.append_only import refuse_truncate
from fangkong.reporting.timeliness import fix_timeliness, free_timeliness

# A report's timeliness is fixed at its first submission: a trigger refuses to change it
# (fangkong/reporting/timeliness.py); and report revisions, append-only, refuse TRUNCATE too.


class Migration(migrations.Migration):
    dependencies = [("reporting", "0008_on_behalf_and_missing_reason")]

    operations = [
        refuse_truncate("reporting_reportrevision"),
        migrations.RunPython(fix_timeliness, free_timeliness),
    ]
