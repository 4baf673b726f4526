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
    trigger = f"{table}_append_only"

    def forward(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(FUNCTION_SQL, params=None)
            schema_editor.execute(
                f"CREATE TRIGGER {trigger} BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION fangkong_refuse_change()",
                params=None,
            )

    def backward(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}", params=None)

    return migrations.RunPython(forward, backward)


def refuse_truncate(table: str) -> migrations.RunPython:
    """A migration operation that makes `table` refuse TRUNCATE on PostgreSQL (SQLite has none).

    Also when another table's TRUNCATE ... CASCADE reaches it.
    """
    trigger = f"{table}_no_truncate"

    def forward(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(FUNCTION_SQL, params=None)
            schema_editor.execute(
                f"CREATE TRIGGER {trigger} BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION fangkong_refuse_change()",
                params=None,
            )

    def backward(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}", params=None)

    return migrations.RunPython(forward, backward)
