"""Writing many rows at once: PostgreSQL's COPY (ids drawn from the table's sequence first, so
that the rows written can be pointed to), or `bulk_create` elsewhere.

Each value goes through its field's own preparation (`get_db_prep_save`), so encrypted
columns are encrypted exactly as a `save()` would; the table's constraints (the stays'
exclusion constraint among them) apply to COPY as to INSERT.
"""

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.models import Field, Model

BATCH = 500  # rows per statement of bulk_create


def copy_rows(
    model: type[Model], fields: Sequence[str], rows: Iterable[list[Any]], count: int
) -> list[int]:
    """COPY `count` rows of database values (prepared: encrypted, ids) into the model's table,
    each with a new primary key; return the keys in the rows' order (PostgreSQL only).

    `rows` may be a generator: each row is then made while PostgreSQL takes in the rows before
    it (its indexes, its constraints), instead of all of them before the first is sent."""
    meta = model._meta
    table, pk = meta.db_table, meta.pk
    assert pk is not None and connection.vendor == "postgresql"
    columns = [str(pk.column)] + [_column(model, name) for name in fields]
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, pk.column, count],
        )
        ids = [value for (value,) in cursor.fetchall()]
        with (
            connection.wrap_database_errors,
            cursor.copy(f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN") as copy,
        ):
            for key, row in zip(ids, rows, strict=True):
                copy.write_row([key, *row])
    return ids


def _column(model: type[Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, Field)
    return str(field.column)


def prepare(model: type[Model], name: str, value: Any) -> Any:
    """A value as its field stores it (an encrypted column: encrypted)."""
    return model._meta.get_field(name).get_db_prep_save(value, connection)  # type: ignore[union-attr]


def insert[M: Model](objects: Sequence[M]) -> None:
    """Insert `objects`, setting their primary keys."""
    if not objects:
        return
    model = type(objects[0])
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objects, batch_size=BATCH)
        return
    meta = model._meta
    fields = list(meta.concrete_fields)
    table, pk = meta.db_table, meta.pk
    assert pk is not None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, pk.column, len(objects)],
        )
        for obj, (value,) in zip(objects, cursor.fetchall(), strict=True):
            obj.pk = value
        # psycopg's own errors become Django's (an overlap: IntegrityError), as for execute().
        columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
        with (
            connection.wrap_database_errors,
            cursor.copy(f"COPY {connection.ops.quote_name(table)} ({columns}) FROM STDIN") as copy,
        ):
            for obj in objects:
                copy.write_row(
                    [f.get_db_prep_save(f.pre_save(obj, add=True), connection) for f in fields]
                )
    for obj in objects:
        obj._state.adding, obj._state.db = False, connection.alias
