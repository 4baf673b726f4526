"""Key rotation over the database: every encrypted column moved under the current key, and the
lookup hashes recomputed after a change of cipher (HMAC-SHA256 to HMAC-SM3).

Rows are read and written in small batches by primary key, each batch its own transaction, so
the site keeps running meanwhile: a value is written back only if the column still holds what
was read (a row changed meanwhile was written under the current key already). A value that
does not decrypt stops the run before its batch is written, naming the row, never the value.
Running it again finds nothing left to do.

Files encrypted at rest (`fangkong.core.sealed_file`) are kept by the apps above; each
registers how to move its files (`register_files`, from its `AppConfig.ready`), and the
rotation runs them after the columns. A file the app no longer keeps, or one that is not sealed
(written before files were, or still being received), is skipped and counted, never fatal: the
rest of the rotation, the lookup hashes included, goes on.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.apps import apps
from django.db import connection, models, transaction

from fangkong.core.crypto import DecryptionError, EncryptedTextField, needs_rotation, reencrypt

BATCH = 500


@dataclass
class FilesRotated:
    """What a rotation of an app's files did: files seen, moved, and skipped as no record
    keeps them (`unkept`) or as they are not sealed or do not open (`unsealed`)."""

    files: int = 0
    moved: int = 0
    unkept: int = 0
    unsealed: int = 0


# name -> a function that seals the app's files under the current key
FILE_ROTATIONS: dict[str, Callable[[], FilesRotated]] = {}


def register_files(name: str, rotate: Callable[[], FilesRotated]) -> None:
    """Have `fangkong keys rotate` move an app's encrypted files under the current key too."""
    FILE_ROTATIONS[name] = rotate


@dataclass
class Rotated:
    model: str
    field: str
    rows: int = 0
    moved: int = 0


def encrypted_fields() -> Iterator[tuple[type[models.Model], EncryptedTextField]]:
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedTextField):
                yield model, field


def rotate_field(
    model: type[models.Model], field: EncryptedTextField, batch: int = BATCH
) -> Rotated:
    """Re-encrypt one column under the current key, batch by batch."""
    table, column = model._meta.db_table, str(field.column)
    pk = str(model._meta.pk.column)
    quote = connection.ops.quote_name
    select = (
        f"SELECT {quote(pk)}, {quote(column)} FROM {quote(table)} "  # noqa: S608 - names
        f"WHERE {quote(pk)} > %s ORDER BY {quote(pk)} LIMIT %s"
    )
    update = (
        f"UPDATE {quote(table)} SET {quote(column)} = %s "  # noqa: S608 - names
        f"WHERE {quote(pk)} = %s AND {quote(column)} = %s"
    )
    result = Rotated(model._meta.label, field.name)
    last: int | str = (
        -1 if isinstance(model._meta.pk, models.AutoField | models.BigAutoField) else ""
    )
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(select, [last, batch])
            rows = cursor.fetchall()
            if not rows:
                return result
            changes = []
            for key, value in rows:
                try:
                    if value is None or not needs_rotation(value):
                        continue
                    moved = reencrypt(value, associated_data=field.associated_data)
                except DecryptionError as error:
                    raise DecryptionError(
                        f"{result.model}.{field.name} row {key}: {error}"
                    ) from None
                changes.append((moved, key, value))
            cursor.executemany(update, changes)
            result.rows += len(rows)
            result.moved += len(changes)
            last = rows[-1][0]


def rehash_model(model: type[models.Model], batch: int = BATCH) -> int:
    """Recompute the lookup hashes a model names in its `lookup_hashes()`; return how many
    rows changed."""
    changed, last = 0, 0
    while True:
        with transaction.atomic():
            rows = list(model._default_manager.filter(pk__gt=last).order_by("pk")[:batch])
            if not rows:
                return changed
            stale = []
            for row in rows:
                hashes = row.lookup_hashes()  # type: ignore[attr-defined]
                if any(getattr(row, name) != value for name, value in hashes.items()):
                    for name, value in hashes.items():
                        setattr(row, name, value)
                    stale.append(row)
            if stale:
                model._default_manager.bulk_update(stale, list(stale[0].lookup_hashes()))  # type: ignore[attr-defined]
            changed += len(stale)
            last = rows[-1].pk


def hashed_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if callable(getattr(m, "lookup_hashes", None))]
