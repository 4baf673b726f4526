"""Files sealed in segments: read back as written, from anywhere in them; a changed, cut,
reordered or moved file is refused; a file under an older key opens and is moved by `reseal`."""

import base64
import io
import os

import pytest
from django.test import override_settings

from fangkong.core import crypto
from fangkong.core.sealed_file import SealedFileError, key_of, opened, reseal, seal_stream

CLEAR = bytes(range(256)) * 5 + b"152921194502030415"  # 1,298 bytes
SEGMENT = 100
needs_sm4 = pytest.mark.skipif(not crypto.sm4_supported(), reason="OpenSSL lacks SM4")


def key(label: str, length: int) -> str:
    return f"{label}:" + base64.b64encode(label.encode().ljust(length, b"k")[:length]).decode()


def sealed(tmp_path, content: bytes = CLEAR, *, name: str = "a" * 32, chunk: int = 37):
    path = tmp_path / name
    pieces = [content[i : i + chunk] for i in range(0, len(content), chunk)]
    with path.open("wb") as out:
        seal_stream(pieces, out, file_id=name, segment=SEGMENT)
    return path


def read(path, name: str = "a" * 32) -> bytes:
    with opened(path, file_id=name) as handle:
        return handle.read()


@pytest.mark.parametrize(
    "cipher", ["aes-256-gcm", pytest.param("sm4-gcm", marks=needs_sm4)]
)  # fmt: skip
def test_a_sealed_file_reads_back_as_written_and_holds_nothing_in_clear(tmp_path, cipher):
    keys = key("k1", 32 if cipher == "aes-256-gcm" else 16)
    with override_settings(FANGKONG_ENCRYPTION_KEYS=keys, FANGKONG_CIPHER=cipher):
        path = sealed(tmp_path)
        raw = path.read_bytes()
        assert b"152921194502030415" not in raw and bytes(range(64)) not in raw
        assert read(path) == CLEAR
        assert key_of(path) == (cipher, "k1")


@pytest.mark.parametrize("size", [0, 1, SEGMENT - 1, SEGMENT, SEGMENT + 1, 3 * SEGMENT])
def test_every_size_reads_back(tmp_path, size):
    assert read(sealed(tmp_path, CLEAR[:size])) == CLEAR[:size]


def test_the_file_object_seeks_like_a_file(tmp_path):
    with opened(sealed(tmp_path), file_id="a" * 32) as handle:
        assert handle.seekable() and handle.seek(0, io.SEEK_END) == len(CLEAR)
        handle.seek(250)
        assert handle.read(120) == CLEAR[250:370]  # across two segments
        handle.seek(-18, io.SEEK_END)
        assert handle.read() == b"152921194502030415"
        handle.seek(5)
        assert handle.read(3) == CLEAR[5:8] and handle.tell() == 8


def flip(path, at: int) -> None:
    raw = bytearray(path.read_bytes())
    raw[at] ^= 1
    path.write_bytes(bytes(raw))


def test_a_changed_byte_is_refused(tmp_path):
    path = sealed(tmp_path)
    flip(path, os.path.getsize(path) // 2)
    with pytest.raises(SealedFileError, match="does not authenticate"):
        read(path)


def test_a_file_cut_at_a_segment_boundary_is_refused(tmp_path):
    path = sealed(tmp_path)
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) - (len(CLEAR) % SEGMENT + 28)])  # the last segment gone
    with pytest.raises(SealedFileError, match="does not authenticate"):
        read(path)
    path.write_bytes(raw[:20])
    with pytest.raises(SealedFileError):
        read(path)


def test_reordered_segments_are_refused(tmp_path):
    path = sealed(tmp_path)
    raw = path.read_bytes()
    stride = SEGMENT + 28
    start = raw.index(b"\x00\x00\x00\x64") + 4  # after the header's segment size
    one, two = raw[start : start + stride], raw[start + stride : start + 2 * stride]
    path.write_bytes(raw[:start] + two + one + raw[start + 2 * stride :])
    with opened(path, file_id="a" * 32) as handle, pytest.raises(SealedFileError):
        handle.read()


def test_a_file_moved_under_another_name_is_refused(tmp_path):
    path = sealed(tmp_path)
    with pytest.raises(SealedFileError):
        read(path, name="b" * 32)


def test_a_file_in_clear_is_refused(tmp_path):
    path = tmp_path / "clear.csv"
    path.write_bytes(b"name,id\n")
    with pytest.raises(SealedFileError, match="not a sealed file"):
        read(path)


def test_a_file_under_an_older_key_opens_and_reseal_moves_it(tmp_path):
    old, new = key("old", 32), key("new", 32)
    with override_settings(FANGKONG_ENCRYPTION_KEYS=old):
        path = sealed(tmp_path)
    with override_settings(FANGKONG_ENCRYPTION_KEYS=f"{new},{old}"):
        assert read(path) == CLEAR
        assert reseal(path, file_id="a" * 32) is True
        assert key_of(path)[1] == "new" and read(path) == CLEAR
        assert reseal(path, file_id="a" * 32) is False
    with override_settings(FANGKONG_ENCRYPTION_KEYS=new):
        assert read(path) == CLEAR
    with override_settings(FANGKONG_ENCRYPTION_KEYS=old), pytest.raises(SealedFileError):
        read(path)


def test_two_reseals_at_once_never_write_into_one_temporary_file(tmp_path):
    old, new = key("old", 32), key("new", 32)
    with override_settings(FANGKONG_ENCRYPTION_KEYS=old):
        path = sealed(tmp_path)
    other = path.with_name(path.name + ".rotating")  # another rotation's file, being written
    other.write_bytes(b"half written")
    with override_settings(FANGKONG_ENCRYPTION_KEYS=f"{new},{old}"):
        assert reseal(path, file_id="a" * 32) is True
        assert read(path) == CLEAR
    assert other.read_bytes() == b"half written"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([path.name, other.name])
