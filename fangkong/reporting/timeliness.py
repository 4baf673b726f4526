"""The database keeps what a report's first submission decided, on PostgreSQL and SQLite.

A report's timeliness (on time or late) is decided once, at its first submission: a trigger
refuses to change the institution, day, regime, status or first submission time of a report,
or to move it back a revision; on PostgreSQL also to point it at a revision that is not its
latest, or to delete a report (which could then be inserted again with other values).
Amendments still advance `revision` and `current` (services.report_submit).

On SQLite a trigger lives with its table, and Django rebuilds a table there to alter it: a later
migration that rebuilds reporting_dailyreport drops the trigger, so every `migrate` puts it back
(`ensure_on_sqlite`, after migrating). The SQLite trigger names no other table, since SQLite
refuses to rebuild a table that a trigger names.
"""

from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

TRIGGER = "reporting_dailyreport_timeliness_fixed"
MESSAGE = (
    "reporting_dailyreport: the institution, day, regime, status and first submission of a "
    "report are fixed; only its revision advances, to its latest revision"
)

# A report deleted and inserted again (foreign keys are checked at commit) would be a rewrite.
DELETE_MESSAGE = "reporting_dailyreport: a report is never deleted"

FIXED_COLUMNS_CHANGED = """
    NEW.id IS DISTINCT FROM OLD.id
    OR NEW.institution_id IS DISTINCT FROM OLD.institution_id
    OR NEW.day IS DISTINCT FROM OLD.day
    OR NEW.regime_id IS DISTINCT FROM OLD.regime_id
    OR NEW.status IS DISTINCT FROM OLD.status
    OR NEW.first_submitted_at IS DISTINCT FROM OLD.first_submitted_at
    OR NEW.revision < OLD.revision
"""

NOT_THE_LATEST = """
    OR (NEW.current_id IS DISTINCT FROM OLD.current_id AND NOT EXISTS (
        SELECT 1 FROM reporting_reportrevision r
        WHERE r.id = NEW.current_id AND r.report_id = NEW.id AND r.number = NEW.revision
    ))
"""

POSTGRESQL = f"""
CREATE OR REPLACE FUNCTION fangkong_report_timeliness_fixed() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION '{DELETE_MESSAGE}' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF {FIXED_COLUMNS_CHANGED} {NOT_THE_LATEST} THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {TRIGGER} BEFORE UPDATE OR DELETE ON reporting_dailyreport
    FOR EACH ROW EXECUTE FUNCTION fangkong_report_timeliness_fixed();
"""

SQLITE = f"""
CREATE TRIGGER IF NOT EXISTS {TRIGGER} BEFORE UPDATE ON reporting_dailyreport
FOR EACH ROW WHEN {FIXED_COLUMNS_CHANGED.replace("IS DISTINCT FROM", "IS NOT")}
BEGIN
    SELECT RAISE(ABORT, '{MESSAGE}');
END;
"""


def fix_timeliness(apps: Any, schema_editor: Any) -> None:
    postgres = schema_editor.connection.vendor == "postgresql"
    schema_editor.execute(POSTGRESQL if postgres else SQLITE, params=None)


def free_timeliness(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON reporting_dailyreport")
    else:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {TRIGGER}")


def ensure_on_sqlite(connection: BaseDatabaseWrapper) -> None:
    """Create the trigger on SQLite where the table is and the trigger is not (see above)."""
    if connection.vendor != "sqlite":
        return
    tables = connection.introspection.table_names()
    if "reporting_dailyreport" in tables:
        with connection.cursor() as cursor:
            cursor.execute(SQLITE)
