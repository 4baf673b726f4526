from django.db import migrations

# A submitted report is never overwritten: on PostgreSQL the database itself refuses to change
# or remove a revision, as it does for audit events (see audit/migrations/0001_initial.py).
APPEND_ONLY_SQL = """
CREATE OR REPLACE FUNCTION fangkong_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER reporting_reportrevision_append_only
    BEFORE UPDATE OR DELETE ON reporting_reportrevision
    FOR EACH ROW EXECUTE FUNCTION fangkong_refuse_change();
"""
DROP_SQL = """
DROP TRIGGER IF EXISTS reporting_reportrevision_append_only ON reporting_reportrevision;
DROP FUNCTION IF EXISTS fangkong_refuse_change();
"""


def add_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY_SQL, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SQL, params=None)


class Migration(migrations.Migration):
    dependencies = [("reporting", "0003_aberration_withdrawn")]

    operations = [migrations.RunPython(add_trigger, drop_trigger)]
