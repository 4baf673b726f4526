from django.db import migrations

from fangkong.core.append_only import refuse_truncate

# TRUNCATE passes row triggers by: a statement trigger refuses it on PostgreSQL.


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_system_events_nowhere")]

    operations = [refuse_truncate("audit_auditevent")]
