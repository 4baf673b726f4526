"""The database refuses two overlapping closures of one institution, on PostgreSQL and SQLite.

PostgreSQL: an exclusion constraint over the institution and the closure's days (btree_gist), so
two officers closing the same institution at once cannot both win. SQLite has no such
constraint; a trigger refuses the row instead (SQLite runs one writer at a time, so the check
and the write cannot interleave). Django rebuilds a SQLite table to alter it, dropping its
triggers: every `migrate` puts them back (`ensure_on_sqlite`), and they name no other table.
Both raise an IntegrityError, which the services answer with 409 `overlap`.
"""

from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

CONSTRAINT = "closure_no_overlap"
TABLE = "closures_closure"

POSTGRESQL = f"""
ALTER TABLE {TABLE} ADD CONSTRAINT {CONSTRAINT} EXCLUDE USING gist (
    institution_id WITH =, daterange(start_date, end_date, '[]') WITH &&
)
"""

_OVERLAPS = """
    SELECT 1 FROM closures_closure c
    WHERE c.institution_id = NEW.institution_id
      AND (c.end_date IS NULL OR c.end_date >= NEW.start_date)
      AND (NEW.end_date IS NULL OR NEW.end_date >= c.start_date)
"""

SQLITE = [
    f"""
    CREATE TRIGGER IF NOT EXISTS {CONSTRAINT}_insert BEFORE INSERT ON {TABLE}
    FOR EACH ROW WHEN EXISTS ({_OVERLAPS})
    BEGIN SELECT RAISE(ABORT, '{CONSTRAINT}: the closures of an institution overlap'); END
    """,
    f"""
    CREATE TRIGGER IF NOT EXISTS {CONSTRAINT}_update
    BEFORE UPDATE OF institution_id, start_date, end_date ON {TABLE}
    FOR EACH ROW WHEN EXISTS ({_OVERLAPS} AND c.id <> NEW.id)
    BEGIN SELECT RAISE(ABORT, '{CONSTRAINT}: the closures of an institution overlap'); END
    """,
]


def refuse_overlaps(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL, params=None)
    else:
        for statement in SQLITE:
            schema_editor.execute(statement, params=None)


def allow_overlaps(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {TABLE} DROP CONSTRAINT IF EXISTS {CONSTRAINT}")
    else:
        for suffix in ("insert", "update"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {CONSTRAINT}_{suffix}")


def ensure_on_sqlite(connection: BaseDatabaseWrapper) -> None:
    """Create the triggers on SQLite where the table is and they are not (see above)."""
    if connection.vendor != "sqlite" or TABLE not in connection.introspection.table_names():
        return
    with connection.cursor() as cursor:
        for statement in SQLITE:
            cursor.execute(statement)
