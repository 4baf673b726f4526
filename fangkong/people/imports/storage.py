"""Uploaded files, kept from their upload until written or refused, outside the web root,
under a random name, readable by this process's user only; removed when the import ends."""

import hashlib
import os
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings

CHUNK = 1024 * 1024


def storage_dir() -> Path:
    default = Path(settings.VAR_DIR) / "imports"
    return Path(getattr(settings, "FANGKONG_IMPORT_DIR", default))


def path_of(stored_as: str) -> Path:
    return storage_dir() / stored_as


def store(upload: Any) -> tuple[str, int, str]:
    """Write the upload under a new random name; return the name, its size and SHA-256."""
    folder = storage_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stored_as = secrets.token_hex(16)
    digest, size = hashlib.sha256(), 0
    descriptor = os.open(folder / stored_as, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        for chunk in upload.chunks(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            handle.write(chunk)
    return stored_as, size, digest.hexdigest()


def remove(stored_as: str) -> None:
    if stored_as:
        path_of(stored_as).unlink(missing_ok=True)
