"""Uploaded files, kept from their upload until written, refused or expired, outside the web
root, under a random name, readable by this process's user only, and encrypted at rest.

The files hold identity numbers: each is sealed in segments under the project's cipher and
current key (`fangkong.core.sealed_file`), bound to its stored name, and read back through
`opened`, a seekable file object that decrypts as it reads. `fangkong keys rotate` moves the
files under the current key as it does the database's columns: each one while holding its
import's row, and only if the import still keeps it, so that a rotation never brings back a file
an expiry or the end of a write has just let go.
"""

import datetime
import hashlib
import logging
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from fangkong.core import sealed_file
from fangkong.core.rotation import FilesRotated
from fangkong.people.imports.models import KEEPS_FILE, FileImport
from fangkong.people.imports.reading import max_bytes

logger = logging.getLogger(__name__)

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


class Sealing:
    """A file sealed into the folder as its bytes arrive, its size and SHA-256 counted on the
    way. Past `limit` bytes what was written goes at once, and only the size is still counted
    (for the refusal to name it)."""

    def __init__(self, *, limit: int | None = None) -> None:
        folder = storage_dir()
        folder.mkdir(parents=True, exist_ok=True)
        self.stored_as = secrets.token_hex(_NAME_LENGTH // 2)
        self.size, self._limit, self._digest = 0, limit, hashlib.sha256()
        descriptor = os.open(folder / self.stored_as, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self._handle: BinaryIO | None = os.fdopen(descriptor, "wb")
        try:
            self._writer = sealed_file.SealedWriter(self._handle, file_id=self.stored_as)
        except BaseException:
            self.abandon()
            raise

    @property
    def over_limit(self) -> bool:
        return self._limit is not None and self.size > self._limit

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self._handle is None:
            return
        if self.over_limit:
            self.abandon()
            return
        self._digest.update(chunk)
        self._writer.write(chunk)

    def finish(self) -> tuple[str, int, str]:
        """Seal the last segment; return the stored name (empty if over the limit), the size
        and SHA-256 of the file as uploaded."""
        if self._handle is None:
            return "", self.size, ""
        with self._handle:
            self._writer.close()
        self._handle = None
        return self.stored_as, self.size, self._digest.hexdigest()

    def abandon(self) -> None:
        """Remove what was written (nothing if it was finished)."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None
            remove(self.stored_as)


class SealedUpload(UploadedFile):  # type: ignore[type-arg]
    """An upload sealed into the folder as the request was received (`uploads`): no clear
    byte of it was written anywhere. Its content is read through `opened(stored_as)`; unless
    an import keeps it, it is removed when its request ends."""

    def __init__(
        self, *, stored_as: str, size: int, sha256: str, name: str | None,
        content_type: str | None, charset: str | None,
        content_type_extra: dict[str, bytes] | None,
    ) -> None:  # fmt: skip
        super().__init__(None, name, content_type, size, charset, content_type_extra)
        self.stored_as, self.sha256, self.kept = stored_as, sha256, False

    def close(self) -> None:
        if not self.kept:
            remove(self.stored_as)
            self.stored_as = ""


def store(upload: Any) -> tuple[str, int, str]:
    """Seal the upload under a new random name (or take the one sealed as it was received);
    return the name, its size and SHA-256 (both of the file as uploaded)."""
    if isinstance(upload, SealedUpload):
        return upload.stored_as, int(upload.size or 0), upload.sha256
    sealing = Sealing()
    try:
        for chunk in upload.chunks(CHUNK):
            sealing.write(chunk)
        return sealing.finish()
    except BaseException:
        sealing.abandon()
        raise


@contextmanager
def stored(upload: Any) -> Iterator[tuple[str, int, str]]:
    """`store` the upload for the block; the file goes if the block fails, and is kept past
    its request if it does not."""
    stored_as, size, sha256 = store(upload)
    try:
        yield stored_as, size, sha256
    except BaseException:
        remove(stored_as)
        raise
    if isinstance(upload, SealedUpload):
        upload.kept = True


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


def folder_files() -> Iterator[tuple[Path, datetime.datetime]]:
    """Every file in the folder (a rotation's unfinished ones too) and when it last changed."""
    folder = storage_dir()
    if not folder.is_dir():
        return
    for path in sorted(folder.iterdir()):
        try:
            modified = path.stat().st_mtime
        except FileNotFoundError:
            continue
        if path.is_file():
            yield path, datetime.datetime.fromtimestamp(modified, tz=datetime.UTC)


def rotate() -> FilesRotated:
    """Seal every stored file an import keeps under the current key; skip (and count) those
    no import keeps (an upload being received, a file left behind) and those not sealed."""
    done = FilesRotated()
    for stored_as in stored_files():
        done.files += 1
        try:
            outcome = _reseal_kept(stored_as)
        except sealed_file.SealedFileError as error:
            logger.warning("key rotation: import file %s skipped: %s", stored_as, error)
            done.unsealed += 1
            continue
        done.moved += outcome is True
        done.unkept += outcome is None
    return done


@transaction.atomic
def _reseal_kept(stored_as: str) -> bool | None:
    """Reseal the file while holding the row of the import that keeps it; None if none does
    (nothing touched), else whether it moved."""
    keeper = (
        FileImport.objects.select_for_update()
        .filter(stored_as=stored_as, status__in=KEEPS_FILE)
        .values_list("pk", flat=True)
        .first()
    )
    if keeper is None:
        return None
    try:
        return sealed_file.reseal(path_of(stored_as), file_id=stored_as)
    except FileNotFoundError:  # removed by hand meanwhile: nothing to move
        return False
