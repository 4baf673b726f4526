"""Uploaded files, kept from their upload until written, refused or expired, outside the web
root, under a random name, readable by this process's user only, and encrypted at rest.

The files hold identity numbers: each is sealed in segments under the project's cipher and
current key (`fangkong.core.sealed_file`), bound to its stored name, and read back through
`opened`, a seekable file object that decrypts as it reads. `fangkong keys rotate` moves the
files under the current key as it does the database's columns.
"""

import hashlib
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings

from fangkong.core import sealed_file
from fangkong.people.imports.reading import max_bytes

CHUNK = 1024 * 1024
# Room in a request for the multipart envelope around the file and its kind: a file over the
# limit by less than this reaches the check that refuses it naming `file` (400); a larger
# body is refused before it is read (413).
ENVELOPE = 64 * 1024
_NAME_LENGTH = 32  # hex digits of a stored name


def storage_dir() -> Path:
    default = Path(settings.VAR_DIR) / "imports"
    return Path(getattr(settings, "FANGKONG_IMPORT_DIR", default))


def path_of(stored_as: str) -> Path:
    return storage_dir() / stored_as


def store(upload: Any) -> tuple[str, int, str]:
    """Seal the upload under a new random name; return the name, its size and SHA-256 (both
    of the file as uploaded)."""
    folder = storage_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stored_as = secrets.token_hex(_NAME_LENGTH // 2)
    digest, size = hashlib.sha256(), 0

    def chunks() -> Iterator[bytes]:
        nonlocal size
        for chunk in upload.chunks(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            yield chunk

    descriptor = os.open(folder / stored_as, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            sealed_file.seal_stream(chunks(), handle, file_id=stored_as)
    except BaseException:
        remove(stored_as)
        raise
    return stored_as, size, digest.hexdigest()


@contextmanager
def opened(stored_as: str) -> Iterator[BinaryIO]:
    """The stored file as uploaded: read-only, seekable, decrypted as it is read.

    `sealed_file.SealedFileError` if it was changed, cut short or is under a key no longer held.
    """
    with sealed_file.opened(path_of(stored_as), file_id=stored_as) as handle:
        yield handle


def upload_body_limit() -> int:
    return max_bytes() + ENVELOPE


def remove(stored_as: str) -> None:
    if stored_as:
        path_of(stored_as).unlink(missing_ok=True)


def stored_files() -> Iterator[str]:
    """The stored names in the folder (none being written by a rotation)."""
    folder = storage_dir()
    if not folder.is_dir():
        return
    for path in sorted(folder.iterdir()):
        if len(path.name) == _NAME_LENGTH and path.is_file():
            yield path.name


def rotate() -> tuple[int, int]:
    """Seal every stored file under the current key; return (files, moved)."""
    files = moved = 0
    for stored_as in stored_files():
        files += 1
        try:
            moved += sealed_file.reseal(path_of(stored_as), file_id=stored_as)
        except FileNotFoundError:  # written or expired meanwhile
            continue
        except sealed_file.SealedFileError as error:
            raise sealed_file.SealedFileError(f"import file {stored_as}: {error}") from None
    return files, moved
