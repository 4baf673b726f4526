"""The database refuses two rows whose day ranges overlap for the same keys, on PostgreSQL and
SQLite: one liaison per institution and level, one closure per institution, on any day; and,
with `moments=True`, two rows whose moment intervals `[start, end)` overlap (a person's stays).

PostgreSQL: an exclusion constraint over the keys and the inclusive range `[start_date,
end_date]` (an open end is unbounded), through btree_gist (created by the app's migration), so two
writers at once cannot both win: the second waits for the first to commit, then fails. SQLite
has no exclusion constraints; triggers refuse an overlapping insert or update instead, and SQLite
runs one writer at a time, so the check and the write cannot interleave. Django rebuilds a SQLite
table to alter it, dropping its triggers: every `migrate` puts them back (`ensure_on_sqlite`,
after migrating), and they name no other table. Both raise an IntegrityError naming `constraint`,
which the services answer with 409 `overlap`.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Q


def covering(day: Any, prefix: str = "") -> Q:
    """Rows of `start_date` to `end_date` (the last day included; empty: open-ended) that cover
    `day`. `prefix` reaches them through a relation (`liaison_assignments__`)."""
    return Q(**{f"{prefix}start_date__lte": day}) & (
        Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": day})
    )


@dataclass(frozen=True)
class NoOverlap:
    table: str
    constraint: str
    keys: Sequence[str]
    message: str
    start: str = "start_date"
    end: str = "end_date"
    # Days include both ends (`[start_date, end_date]`); moments exclude the end (`[start, end)`).
    moments: bool = False

    def postgresql(self) -> str:
        keys = "".join(f"{key} WITH =, " for key in self.keys)
        kind, bounds = ("tstzrange", "[)") if self.moments else ("daterange", "[]")
        return (
            f"ALTER TABLE {self.table} ADD CONSTRAINT {self.constraint} EXCLUDE USING gist "
            f"({keys}{kind}({self.start}, {self.end}, '{bounds}') WITH &&)"
        )

    def sqlite(self) -> list[str]:
        # Days are stored as YYYY-MM-DD text on SQLite, and moments as UTC `YYYY-MM-DD
        # HH:MM:SS[.ffffff]` text, so both compare as strings.
        same = " AND ".join(f"other.{key} = NEW.{key}" for key in self.keys)
        start, end = self.start, self.end
        before = "<" if self.moments else "<="
        never = "'9999-12-31 23:59:59'" if self.moments else "'9999-12-31'"
        overlaps = (
            f"SELECT 1 FROM {self.table} AS other WHERE {same} "  # noqa: S608 - constants
            f"AND other.{start} {before} coalesce(NEW.{end}, {never}) "
            f"AND NEW.{start} {before} coalesce(other.{end}, {never})"
        )
        refuse = f"BEGIN SELECT RAISE(ABORT, '{self.constraint}: {self.message}'); END"
        columns = ", ".join([*self.keys, start, end])
        return [
            f"CREATE TRIGGER IF NOT EXISTS {self.constraint}_insert BEFORE INSERT ON "
            f"{self.table} FOR EACH ROW WHEN EXISTS ({overlaps}) {refuse}",
            f"CREATE TRIGGER IF NOT EXISTS {self.constraint}_update BEFORE UPDATE OF {columns} "
            f"ON {self.table} FOR EACH ROW WHEN EXISTS ({overlaps} AND other.id <> NEW.id) "
            f"{refuse}",
        ]

    def add(self, apps: Any, schema_editor: Any) -> None:
        """For a migration's RunPython: put the guard in place."""
        postgres = schema_editor.connection.vendor == "postgresql"
        for statement in [self.postgresql()] if postgres else self.sqlite():
            schema_editor.execute(statement, params=None)

    def remove(self, apps: Any, schema_editor: Any) -> None:
        """For a migration's RunPython: take the guard away."""
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f"ALTER TABLE {self.table} DROP CONSTRAINT IF EXISTS {self.constraint}"
            )
        else:
            for suffix in ("insert", "update"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {self.constraint}_{suffix}")

    def ensure_on_sqlite(self, connection: BaseDatabaseWrapper) -> None:
        """Create the triggers on SQLite where the table is and they are not (see above)."""
        if connection.vendor != "sqlite":
            return
        if self.table not in connection.introspection.table_names():
            return
        with connection.cursor() as cursor:
            for statement in self.sqlite():
                cursor.execute(statement)
