"""Files encrypted at rest in segments, read back through a seekable, decrypting file object.

A file holding personal data (an uploaded list of residents with their identity numbers) is
never written in clear. It is cut into segments (64 KiB by default), each encrypted on its own
with the project's cipher and current key (`fangkong.core.crypto`) and a fresh nonce:

    header: b"FKSEALED" 0x01 | len + algorithm | len + key id | segment size (4 bytes)
    then, for each segment: nonce (12) + ciphertext + tag (16)

Every segment authenticates the header, the file's id (its stored name), its index and whether
it is the last one, so a changed byte, a segment moved or copied from another file, a file cut
short (even at a segment boundary) or a header naming another key is refused with
`SealedFileError`; nothing of a refused segment is returned. Memory stays at a segment or two
whatever the size of the file, on the way in too: `SealedWriter` seals bytes as they arrive
(an upload as it is received). The key id in the header lets files written under an older key
open while that key is still listed, and `reseal` moves them under the current one.
"""

import io
import os
import secrets
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from fangkong.core.crypto import (
    NONCE_LENGTH,
    TAG_LENGTH,
    DecryptionError,
    current_key,
    open_bytes,
    seal_bytes,
)

MAGIC = b"FKSEALED\x01"
SEGMENT = 64 * 1024
OVERHEAD = NONCE_LENGTH + TAG_LENGTH
_MAX_HEADER = len(MAGIC) + 2 * 256 + 4


class SealedFileError(DecryptionError):
    """A sealed file cannot be read: not one, cut short, changed, reordered or under a key no
    longer held. The message says which, never what the file holds."""


@dataclass(frozen=True)
class Header:
    algorithm: str
    key_id: str
    segment: int

    def encode(self) -> bytes:
        algorithm, key_id = self.algorithm.encode(), self.key_id.encode()
        return (MAGIC + bytes([len(algorithm)]) + algorithm + bytes([len(key_id)]) + key_id
                + self.segment.to_bytes(4, "big"))  # fmt: skip


def _aad(header: bytes, file_id: str, index: int, final: bool) -> bytes:
    return header + b"\x00" + file_id.encode() + b"\x00" + index.to_bytes(8, "big") + bytes([final])


def read_header(handle: BinaryIO) -> tuple[Header, bytes]:
    """The header at the start of `handle` and its bytes; the handle is left after it."""
    handle.seek(0)
    raw = handle.read(_MAX_HEADER)
    if not raw.startswith(MAGIC):
        raise SealedFileError("not a sealed file (no header): written in clear or damaged")
    at = len(MAGIC)
    try:
        algorithm = raw[at + 1 : at + 1 + raw[at]].decode()
        at += 1 + raw[at]
        key_id = raw[at + 1 : at + 1 + raw[at]].decode()
        at += 1 + raw[at]
        segment = int.from_bytes(raw[at : at + 4], "big")
    except (IndexError, UnicodeDecodeError):
        raise SealedFileError("the header of the sealed file is damaged") from None
    at += 4
    if len(raw) < at or not 0 < segment <= 16 * 1024 * 1024:
        raise SealedFileError("the header of the sealed file is damaged")
    handle.seek(at)
    return Header(algorithm, key_id, segment), raw[:at]


class SealedWriter:
    """Seal bytes into `destination` as they come, under the current key: whole segments are
    written as soon as the next byte shows they are not the last; `close` seals the last one
    (an empty file is one empty last segment). Memory stays at a segment."""

    def __init__(self, destination: BinaryIO, *, file_id: str, segment: int = SEGMENT) -> None:
        self._destination, self._file_id, self._segment = destination, file_id, segment
        self._algorithm, self._key_id = current_key()
        self._header = Header(self._algorithm, self._key_id, segment).encode()
        self._pending = bytearray()
        self._index = 0
        self.closed = False
        destination.write(self._header)

    def write(self, data: bytes) -> int:
        if self.closed:
            raise ValueError("write to a closed sealed file")
        self._pending += data
        while len(self._pending) > self._segment:
            self._seal(bytes(self._pending[: self._segment]), final=False)
            del self._pending[: self._segment]
        return len(data)

    def close(self) -> None:
        """Seal the last segment; the destination stays open."""
        if not self.closed:
            self._seal(bytes(self._pending), final=True)
            self._pending.clear()
            self.closed = True

    def _seal(self, data: bytes, *, final: bool) -> None:
        aad = _aad(self._header, self._file_id, self._index, final)
        self._destination.write(seal_bytes(data, algorithm=self._algorithm,
                                           key_id=self._key_id, aad=aad))  # fmt: skip
        self._index += 1


def seal_stream(
    chunks: Iterable[bytes], destination: BinaryIO, *, file_id: str, segment: int = SEGMENT
) -> None:
    """Write `chunks` to `destination` sealed under the current key."""
    writer = SealedWriter(destination, file_id=file_id, segment=segment)
    for chunk in chunks:
        writer.write(chunk)
    writer.close()


class SealedReader(io.RawIOBase):
    """The clear bytes of a sealed file: read-only, seekable, one segment decrypted at a time."""

    def __init__(self, raw: BinaryIO, *, file_id: str) -> None:
        super().__init__()
        self._raw, self._file_id = raw, file_id
        self.header, self._header_bytes = read_header(raw)
        self._start = raw.tell()
        body = raw.seek(0, os.SEEK_END) - self._start
        stride = self.header.segment + OVERHEAD
        self._count = -(-body // stride)
        last = body - (self._count - 1) * stride - OVERHEAD
        if self._count == 0 or last < 0:
            raise SealedFileError("the sealed file is cut short")
        self.size = (self._count - 1) * self.header.segment + last
        self._position = 0
        self._cached: tuple[int, bytes] = (-1, b"")
        self._segment(self._count - 1)  # a file cut at a segment boundary is refused here

    def _segment(self, index: int) -> bytes:
        if self._cached[0] == index:
            return self._cached[1]
        stride = self.header.segment + OVERHEAD
        self._raw.seek(self._start + index * stride)
        sealed = self._raw.read(stride)
        final = index == self._count - 1
        aad = _aad(self._header_bytes, self._file_id, index, final)
        try:
            data = open_bytes(sealed, algorithm=self.header.algorithm,
                              key_id=self.header.key_id, aad=aad)  # fmt: skip
        except DecryptionError as error:
            raise SealedFileError(
                f"segment {index} of the sealed file does not authenticate (changed, moved, "
                f"cut short or from another file): {error}"
            ) from None
        self._cached = (index, data)
        return data

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._position, os.SEEK_END: self.size}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._position = base + offset
        return self._position

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._position >= self.size:
            return 0
        index, within = divmod(self._position, self.header.segment)
        data = self._segment(index)[within : within + len(buffer)]
        memoryview(buffer)[: len(data)] = data
        self._position += len(data)
        return len(data)

    def close(self) -> None:
        self._cached = (-1, b"")
        self._raw.close()
        super().close()


@contextmanager
def opened(path: Path, *, file_id: str) -> Iterator[BinaryIO]:
    """The sealed file at `path`, decrypting as it is read (seekable, read-only)."""
    handle = path.open("rb")
    try:
        reader = SealedReader(handle, file_id=file_id)
    except BaseException:
        handle.close()
        raise
    try:
        yield io.BufferedReader(reader, buffer_size=reader.header.segment)
    finally:
        reader.close()


def key_of(path: Path) -> tuple[str, str]:
    """The algorithm and key id a sealed file names in its header."""
    with path.open("rb") as handle:
        header, _raw = read_header(handle)
    return header.algorithm, header.key_id


def reseal(path: Path, *, file_id: str) -> bool:
    """Seal the file again under the current key, if it is under another; return whether it
    was. The new file replaces the old one at once (a reader holding the old one keeps it);
    it is written under a name of its own, so two rotations at once never write into one."""
    if key_of(path) == current_key():
        return False
    fresh = path.with_name(f"{path.name}.{secrets.token_hex(8)}.rotating")
    descriptor = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as out, opened(path, file_id=file_id) as source:
            seal_stream(iter(lambda: source.read(SEGMENT), b""), out, file_id=file_id)
        os.replace(fresh, path)
    finally:
        fresh.unlink(missing_ok=True)
    return True
