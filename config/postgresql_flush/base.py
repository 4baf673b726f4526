"""PostgreSQL for the tests and benchmarks, whose flush may empty the append-only tables.

Their BEFORE TRUNCATE triggers (fangkong.core.append_only) refuse Django's flush, which empties
every table with one TRUNCATE after each transactional test. Here that statement runs with
`session_replication_role = replica`, under which ordinary triggers do not fire; only a
superuser may set it, so a deployment's application role could not do the same. Never name
this backend in production settings: it refuses to flush a database whose name does not begin
with `test_` or `bench_`.
"""

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.backends.postgresql import base, operations

THROWAWAY = ("test_", "bench_")


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(self, style: Any, tables: Any, **kwargs: Any) -> list[str]:
        statements: list[str] = super().sql_flush(style, tables, **kwargs)
        if not statements:
            return statements
        name = str(self.connection.settings_dict["NAME"])
        if not name.startswith(THROWAWAY):
            raise ImproperlyConfigured(
                f"config.postgresql_flush empties only a test_ or bench_ database, not {name}"
            )
        # execute_sql_flush runs the list in one transaction: SET LOCAL ends with it.
        return ["SET LOCAL session_replication_role = replica", *statements]


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
