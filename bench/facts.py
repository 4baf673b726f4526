"""What decides a benchmark's figures, recorded beside them so that two runs can be compared:
the database server's version and the settings that matter, the dataset's size on disk, the
run's date, and whether the timed runs found their pages in the server's cache."""

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection

SETTINGS = ["jit", "shared_buffers", "work_mem", "effective_cache_size",
            "max_parallel_workers_per_gather", "random_page_cost"]  # fmt: skip


def database_facts() -> dict[str, Any]:
    facts: dict[str, Any] = {"date": datetime.datetime.now(datetime.UTC).isoformat(
        timespec="seconds"), "vendor": connection.vendor}  # fmt: skip
    if connection.vendor != "postgresql":
        return facts
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        facts["server_version"] = cursor.fetchone()[0]
        for name in SETTINGS:
            cursor.execute(f"SHOW {name}")  # the names are the constants above
            facts[name] = cursor.fetchone()[0]
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        facts["database_size"] = cursor.fetchone()[0]
    return facts


@contextmanager
def cache_meter(into: dict[str, Any]) -> Iterator[None]:
    """Put into `into["cache_hit_ratio"]` the share of pages the block reads inside found in
    PostgreSQL's buffer cache (1.0: a warm cache; the operating system's is not seen)."""
    if connection.vendor != "postgresql":
        yield
        return
    query = ("SELECT blks_hit, blks_read FROM pg_stat_database "
             "WHERE datname = current_database()")  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(query)
        hit0, read0 = cursor.fetchone()
    yield
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(query)
        hit1, read1 = cursor.fetchone()
    hits, reads = hit1 - hit0, read1 - read0
    into["cache_hit_ratio"] = round(hits / (hits + reads), 4) if hits + reads else None
