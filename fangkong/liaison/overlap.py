"""At most one liaison per institution and level on any day, kept by the database.

Two officers assigning at once must not both win, so the rule cannot live in the service alone.
On PostgreSQL it is an exclusion constraint over the inclusive day range `[start_date, end_date]`
(an open end is unbounded) with `=` on institution and level: GiST compares the integer and the
text through the btree_gist extension, created by the same migration. A concurrent second insert
waits for the first to commit and then fails. SQLite has no exclusion constraints; a trigger
refuses an overlapping insert or update, and SQLite runs one writer at a time, so the check and
the write cannot interleave.

On SQLite a trigger lives with its table, and Django rebuilds a table there to alter it: every
`migrate` puts the trigger back (`ensure_on_sqlite`, after migrating), as for the reports'
timeliness trigger. Both guards are named `CONSTRAINT`, which the services look for in the error.
"""

from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

TABLE = "liaison_liaisonassignment"
CONSTRAINT = "liaison_one_per_level"

POSTGRESQL = f"""
ALTER TABLE {TABLE} ADD CONSTRAINT {CONSTRAINT} EXCLUDE USING gist (
    institution_id WITH =,
    level WITH =,
    daterange(start_date, end_date, '[]') WITH &&
)
"""

# Days are stored as YYYY-MM-DD text on SQLite, so they compare as strings.
_OVERLAPS = f"""
    SELECT 1 FROM {TABLE} AS other
    WHERE other.institution_id = NEW.institution_id AND other.level = NEW.level
      AND other.start_date <= coalesce(NEW.end_date, '9999-12-31')
      AND NEW.start_date <= coalesce(other.end_date, '9999-12-31')
"""  # noqa: S608 - made of constants

SQLITE = [
    f"""
CREATE TRIGGER IF NOT EXISTS {CONSTRAINT}_insert BEFORE INSERT ON {TABLE}
FOR EACH ROW WHEN EXISTS ({_OVERLAPS})
BEGIN
    SELECT RAISE(ABORT, '{CONSTRAINT}: overlapping liaison assignment');
END
""",
    f"""
CREATE TRIGGER IF NOT EXISTS {CONSTRAINT}_update BEFORE UPDATE ON {TABLE}
FOR EACH ROW WHEN EXISTS ({_OVERLAPS} AND other.id <> NEW.id)
BEGIN
    SELECT RAISE(ABORT, '{CONSTRAINT}: overlapping liaison assignment');
END
""",
]


def add_guard(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL, params=None)
    else:
        for statement in SQLITE:
            schema_editor.execute(statement, params=None)


def remove_guard(apps: Any, schema_editor: Any) -> None:
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
