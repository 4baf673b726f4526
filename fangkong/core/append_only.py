"""Tables the database itself keeps append-only on PostgreSQL (audit events, report revisions).

Not even a bug or a hand-typed statement under the application's role can rewrite them: a row
trigger refuses UPDATE and DELETE, a statement trigger TRUNCATE (row triggers do not see it). An
append-only table takes both operations, `refuse_changes` and `refuse_truncate`. The table's
owner could still lift the triggers, which is why the application runs as a role that does not
own the tables (README, "The database role"). SQLite, the embedded default, relies on the models
refusing it: Django's test flush must DELETE there. On PostgreSQL the test flush empties the
tables as a superuser with the triggers asleep (`config.postgresql_flush`).
"""

from typing import Any

from django.db import migrations

FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION fangkong_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def refuse_changes(table: str) -> migrations.RunPython:
    """A migration operation that makes `table` refuse UPDATE and DELETE on PostgreSQL."""
    return _trigger(table, "append_only", "BEFORE UPDATE OR DELETE", "FOR EACH ROW")


def refuse_truncate(table: str) -> migrations.RunPython:
    """A migration operation that makes `table` refuse TRUNCATE on PostgreSQL (SQLite has none).

    Also when another table's TRUNCATE ... CASCADE reaches it.
    """
    return _trigger(table, "no_truncate", "BEFORE TRUNCATE", "FOR EACH STATEMENT")


def _trigger(table: str, suffix: str, when: str, each: str) -> migrations.RunPython:
    trigger = f"{table}_{suffix}"

    def forward(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(FUNCTION_SQL, params=None)
            schema_editor.execute(
                f"CREATE TRIGGER {trigger} {when} ON {table} "
                f"{each} EXECUTE FUNCTION fangkong_refuse_change()",
                params=None,
            )

    def backward(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}", params=None)

    return migrations.RunPython(forward, backward)
