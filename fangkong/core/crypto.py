"""Encryption of single values at rest, keyed lookup hashes and masking for display.

Personal data (identity numbers, telephone numbers) must not sit readable in the database or in
its backups. Each value is encrypted on its own with an AEAD cipher (AES-256-GCM by default,
SM4-GCM where a deployment must use China's commercial cryptography) and stored as text:

    enc:v1:<algorithm>:<key_id>:<base64url(nonce + ciphertext + tag)>

The value names its key and algorithm, so keys can rotate: new values use the current key, old
ones decrypt under the key they name until `reencrypt` moves them. The header and the caller's
associated data (for a model field, `app_label.Model.attname`) are authenticated, so a value
copied into another column, or edited, fails to decrypt instead of yielding wrong data.

Keys come from settings (the environment or `*_FILE`), never from the database:

- `FANGKONG_ENCRYPTION_KEYS`: comma-separated `key_id:base64key`, the first is current. A key's
  length binds it to one algorithm (32 bytes: AES-256-GCM, 16 bytes: SM4-GCM), so the same bytes
  never serve two ciphers. Switching cipher means putting a key of the new length in front.
- `FANGKONG_HASH_KEY`: base64 of 32 bytes, a separate key for `lookup_hash`.
- `FANGKONG_CIPHER`: `aes-256-gcm` (default) or `sm4-gcm`; the latter also makes lookup hashes
  HMAC-SM3 instead of HMAC-SHA256 (stored hashes must then be recomputed).

This module is part of the ground floor: it imports Django, the standard library and
`cryptography`, nothing else of Fangkong.
"""

import base64
import binascii
import functools
import hmac as std_hmac
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core import checks
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.lookups import Exact, Lookup, Transform
from django.dispatch import receiver

AES_256_GCM = "aes-256-gcm"
SM4_GCM = "sm4-gcm"
CIPHERS = (AES_256_GCM, SM4_GCM)
KEY_LENGTHS = {AES_256_GCM: 32, SM4_GCM: 16}
HASH_KEY_LENGTH = 32

PREFIX = "enc"
VERSION = "v1"
NONCE_LENGTH = 12  # 96 bits, GCM's native nonce size
TAG_LENGTH = 16

KEYS_SETTING = "FANGKONG_ENCRYPTION_KEYS"
HASH_KEY_SETTING = "FANGKONG_HASH_KEY"
CIPHER_SETTING = "FANGKONG_CIPHER"
_SETTINGS = frozenset({KEYS_SETTING, HASH_KEY_SETTING, CIPHER_SETTING})

_KEY_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}")
_PAYLOAD = re.compile(r"[A-Za-z0-9_-]+")


class DecryptionError(ValueError):
    """A value cannot be decrypted: malformed, tampered, moved, or under a key no longer held.

    The message never contains the value itself.
    """


@dataclass(frozen=True)
class _Key:
    key_id: str
    algorithm: str
    secret: bytes = field(repr=False)


@dataclass(frozen=True)
class _Keyring:
    cipher: str
    current: _Key
    keys: Mapping[str, _Key]


# --- configuration -------------------------------------------------------------------------


def _setting(name: str) -> str:
    value = getattr(settings, name, "")
    if not isinstance(value, str):
        raise ImproperlyConfigured(f"{name} must be a string")
    return value.strip()


def _decode_key(name: str, text: str) -> bytes:
    """Decode standard or URL-safe base64, padded or not; an error names the setting."""
    text = text.strip().replace("-", "+").replace("_", "/")
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise ImproperlyConfigured(f"{name}: a key is not valid base64") from None


@functools.cache
def sm4_supported() -> bool:
    """Whether the installed OpenSSL offers SM4-GCM and HMAC-SM3 (some builds leave SM out)."""
    try:
        _sm4_encrypt(bytes(16), bytes(NONCE_LENGTH), b"", b"")
        crypto_hmac.HMAC(bytes(HASH_KEY_LENGTH), hashes.SM3())
    except UnsupportedAlgorithm:
        return False
    return True


def _require_sm4() -> None:
    if not sm4_supported():
        raise ImproperlyConfigured(
            f"{CIPHER_SETTING}={SM4_GCM} (or a value stored under SM4) needs SM4-GCM and "
            "HMAC-SM3, which the installed OpenSSL does not provide"
        )


def _cipher() -> str:
    cipher = _setting(CIPHER_SETTING).lower() or AES_256_GCM
    if cipher not in CIPHERS:
        raise ImproperlyConfigured(f"{CIPHER_SETTING} must be one of {', '.join(CIPHERS)}")
    return cipher


def _algorithm_for(length: int) -> str:
    for algorithm, expected in KEY_LENGTHS.items():
        if length == expected:
            return algorithm
    raise ImproperlyConfigured(
        f"{KEYS_SETTING}: a key must be 32 bytes (AES-256-GCM) or 16 bytes (SM4-GCM), not {length}"
    )


def _parse_key(item: str) -> _Key:
    key_id, colon, encoded = item.partition(":")
    key_id = key_id.strip()
    if not colon or not _KEY_ID.fullmatch(key_id):
        raise ImproperlyConfigured(
            f"{KEYS_SETTING}: each entry must be key_id:base64key, the id 1-32 letters, digits, "
            "'.', '_' or '-'"
        )
    secret = _decode_key(KEYS_SETTING, encoded)
    return _Key(key_id=key_id, algorithm=_algorithm_for(len(secret)), secret=secret)


@functools.cache
def _keyring() -> _Keyring:
    """Parse the keys once; `setting_changed` clears the cache (tests, key rotation)."""
    cipher = _cipher()
    items = [item for item in _setting(KEYS_SETTING).split(",") if item.strip()]
    if not items:
        raise ImproperlyConfigured(f"{KEYS_SETTING} (or {KEYS_SETTING}_FILE) must be set")
    keys: dict[str, _Key] = {}
    for item in items:
        key = _parse_key(item)
        if key.key_id in keys:
            raise ImproperlyConfigured(f"{KEYS_SETTING}: key id {key.key_id!r} appears twice")
        keys[key.key_id] = key
    current = keys[next(iter(keys))]
    if current.algorithm != cipher:
        raise ImproperlyConfigured(
            f"{KEYS_SETTING}: the first (current) key must be {KEY_LENGTHS[cipher]} bytes "
            f"for {CIPHER_SETTING}={cipher}"
        )
    if cipher == SM4_GCM:
        _require_sm4()
    return _Keyring(cipher=cipher, current=current, keys=keys)


@functools.cache
def _hash_key() -> bytes:
    encoded = _setting(HASH_KEY_SETTING)
    if not encoded:
        raise ImproperlyConfigured(f"{HASH_KEY_SETTING} (or {HASH_KEY_SETTING}_FILE) must be set")
    secret = _decode_key(HASH_KEY_SETTING, encoded)
    if len(secret) != HASH_KEY_LENGTH:
        raise ImproperlyConfigured(
            f"{HASH_KEY_SETTING} must be {HASH_KEY_LENGTH} bytes, not {len(secret)}"
        )
    if any(std_hmac.compare_digest(secret, key.secret) for key in _keyring().keys.values()):
        raise ImproperlyConfigured(f"{HASH_KEY_SETTING} must differ from every encryption key")
    return secret


@receiver(setting_changed)
def _clear_caches(*, setting: str, **kwargs: Any) -> None:
    """Forget parsed keys when `override_settings` (or anything else) changes them."""
    if setting in _SETTINGS:
        _keyring.cache_clear()
        _hash_key.cache_clear()


@checks.register(checks.Tags.security)
def check_keys(**kwargs: Any) -> list[checks.CheckMessage]:
    """Report bad keys at `manage.py check`/`migrate` instead of at the first encrypted read."""
    try:
        _keyring()
        _hash_key()
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="fangkong.core.E001")]
    return []


# --- ciphers -------------------------------------------------------------------------------


def _sm4_encrypt(secret: bytes, nonce: bytes, data: bytes, aad: bytes) -> bytes:
    encryptor = Cipher(algorithms.SM4(secret), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(aad)
    return encryptor.update(data) + encryptor.finalize() + encryptor.tag


def _sm4_decrypt(secret: bytes, nonce: bytes, sealed: bytes, aad: bytes) -> bytes:
    ciphertext, tag = sealed[:-TAG_LENGTH], sealed[-TAG_LENGTH:]
    decryptor = Cipher(algorithms.SM4(secret), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(aad)
    return decryptor.update(ciphertext) + decryptor.finalize()


def _seal(key: _Key, nonce: bytes, data: bytes, aad: bytes) -> bytes:
    if key.algorithm == SM4_GCM:
        _require_sm4()
        return _sm4_encrypt(key.secret, nonce, data, aad)
    return AESGCM(key.secret).encrypt(nonce, data, aad)


def _open(key: _Key, nonce: bytes, sealed: bytes, aad: bytes) -> bytes:
    if key.algorithm == SM4_GCM:
        _require_sm4()
        return _sm4_decrypt(key.secret, nonce, sealed, aad)
    return AESGCM(key.secret).decrypt(nonce, sealed, aad)


def _header(algorithm: str, key_id: str) -> str:
    return f"{PREFIX}:{VERSION}:{algorithm}:{key_id}"


def _aad(header: str, associated_data: str) -> bytes:
    """Authenticate the header too, so neither it nor the associated data can be swapped."""
    return header.encode() + b"\x00" + associated_data.encode()


@dataclass(frozen=True)
class _Parsed:
    algorithm: str
    key_id: str
    payload: str


def _parse(value: str) -> _Parsed:
    parts = value.split(":")
    if len(parts) != 5 or parts[0] != PREFIX:
        raise DecryptionError("not an encrypted value")
    _prefix, version, algorithm, key_id, payload = parts
    if version != VERSION or algorithm not in CIPHERS:
        raise DecryptionError(f"unknown format {version}/{algorithm}")
    if not _PAYLOAD.fullmatch(payload):
        raise DecryptionError("the payload is not base64url")
    return _Parsed(algorithm=algorithm, key_id=key_id, payload=payload)


# --- public API ----------------------------------------------------------------------------


def is_encrypted(value: str) -> bool:
    """Whether `value` has the shape of an encrypted value (it is not decrypted here)."""
    try:
        _parse(value)
    except DecryptionError:
        return False
    return True


def encrypt(plaintext: str, *, associated_data: str = "") -> str:
    """Encrypt under the current key with a fresh random 96-bit nonce."""
    key = _keyring().current
    header = _header(key.algorithm, key.key_id)
    nonce = os.urandom(NONCE_LENGTH)
    sealed = _seal(key, nonce, plaintext.encode(), _aad(header, associated_data))
    payload = base64.urlsafe_b64encode(nonce + sealed).rstrip(b"=").decode("ascii")
    return f"{header}:{payload}"


def decrypt(value: str, *, associated_data: str = "") -> str:
    """Decrypt under the key the value names; the tag and the associated data are checked."""
    parsed = _parse(value)
    key = _keyring().keys.get(parsed.key_id)
    if key is None:
        raise DecryptionError(f"key {parsed.key_id!r} is not in {KEYS_SETTING}")
    if key.algorithm != parsed.algorithm:
        raise DecryptionError(f"key {parsed.key_id!r} is not a {parsed.algorithm} key")
    raw = base64.urlsafe_b64decode(parsed.payload + "=" * (-len(parsed.payload) % 4))
    if len(raw) < NONCE_LENGTH + TAG_LENGTH:
        raise DecryptionError("the payload is too short")
    header = _header(parsed.algorithm, parsed.key_id)
    try:
        data = _open(key, raw[:NONCE_LENGTH], raw[NONCE_LENGTH:], _aad(header, associated_data))
    except InvalidTag:
        raise DecryptionError(
            "authentication failed: wrong key, column or a changed value"
        ) from None
    return data.decode()


def needs_rotation(value: str) -> bool:
    """Whether `value` is under another key or algorithm than the current; "" never is."""
    if value == "":
        return False
    parsed = _parse(value)
    current = _keyring().current
    return (parsed.algorithm, parsed.key_id) != (current.algorithm, current.key_id)


def reencrypt(value: str, *, associated_data: str = "") -> str:
    """Decrypt under the named key and encrypt again under the current one ("" stays "")."""
    if value == "":
        return value
    return encrypt(decrypt(value, associated_data=associated_data), associated_data=associated_data)


def current_key() -> tuple[str, str]:
    """The algorithm and id of the key that encrypts new values (and new files)."""
    key = _keyring().current
    return key.algorithm, key.key_id


def seal_bytes(data: bytes, *, algorithm: str, key_id: str, aad: bytes) -> bytes:
    """Encrypt bytes under the named key with a fresh nonce: nonce + ciphertext + tag.

    For formats of their own (a file in segments): the caller binds its header into `aad`.
    """
    key = _named_key(algorithm, key_id)
    nonce = os.urandom(NONCE_LENGTH)
    return nonce + _seal(key, nonce, data, aad)


def open_bytes(sealed: bytes, *, algorithm: str, key_id: str, aad: bytes) -> bytes:
    """Decrypt what `seal_bytes` made; `DecryptionError` if anything was changed."""
    key = _named_key(algorithm, key_id)
    if len(sealed) < NONCE_LENGTH + TAG_LENGTH:
        raise DecryptionError("the payload is too short")
    try:
        return _open(key, sealed[:NONCE_LENGTH], sealed[NONCE_LENGTH:], aad)
    except InvalidTag:
        raise DecryptionError("authentication failed: wrong key or changed data") from None


def _named_key(algorithm: str, key_id: str) -> _Key:
    key = _keyring().keys.get(key_id)
    if key is None:
        raise DecryptionError(f"key {key_id!r} is not in {KEYS_SETTING}")
    if key.algorithm != algorithm:
        raise DecryptionError(f"key {key_id!r} is not a {algorithm} key")
    return key


def lookup_hash(text: str, *, purpose: str) -> str:
    """A keyed hash (hex) to find a row by an encrypted value without decrypting every row.

    HMAC-SHA256, or HMAC-SM3 under `sm4-gcm`, with `FANGKONG_HASH_KEY`. `purpose` (e.g.
    "people.id_number") derives a separate key, so equal text in two columns hashes differently;
    it must never change for a column. The caller normalises `text` (case, spaces) first.
    """
    if not purpose:
        raise ValueError("lookup_hash needs a purpose")
    algorithm: hashes.HashAlgorithm = hashes.SHA256()
    if _cipher() == SM4_GCM:
        _require_sm4()
        algorithm = hashes.SM3()
    return _hmac(_subkey(_hash_key(), algorithm.name, purpose), algorithm, text.encode()).hex()


@functools.lru_cache(maxsize=64)
def _subkey(hash_key: bytes, algorithm_name: str, purpose: str) -> bytes:
    """The purpose's key, derived once per hash key (an import hashes every row with it)."""
    algorithm: hashes.HashAlgorithm = hashes.SM3() if algorithm_name == "sm3" else hashes.SHA256()
    return _hmac(hash_key, algorithm, b"fangkong lookup hash\x00" + purpose.encode())


def _hmac(key: bytes, algorithm: hashes.HashAlgorithm, data: bytes) -> bytes:
    mac = crypto_hmac.HMAC(key, algorithm)
    mac.update(data)
    return mac.finalize()


def mask(text: str, keep_start: int = 0, keep_end: int = 4, char: str = "*") -> str:
    """Hide the middle of `text`, keeping its length: `152921********123X`, `****abcd`.

    A value no longer than what would be kept is masked whole, so nothing short is shown in full.
    """
    if keep_start < 0 or keep_end < 0:
        raise ValueError("keep_start and keep_end must not be negative")
    if len(char) != 1:
        raise ValueError("char must be one character")
    if len(text) <= keep_start + keep_end:
        return char * len(text)
    hidden = len(text) - keep_start - keep_end
    return text[:keep_start] + char * hidden + text[len(text) - keep_end :]


# --- model field ---------------------------------------------------------------------------


class _EmptyOnlyExact(Exact):
    """`field=""` works (empty values are stored as they are); any other value could never
    match a randomly encrypted column, so it is refused instead of silently finding nothing."""

    def get_prep_lookup(self) -> Any:
        if self.rhs != "":
            raise FieldError(
                "An encrypted field can only be compared with ''; look rows up by lookup_hash"
            )
        return super().get_prep_lookup()


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """A text column stored encrypted; Python code, forms and the admin see plain text.

    The associated data is `app_label.Model.attname`, so a value copied to another column or
    model fails to decrypt. "" is stored as "" and None as None (not encrypted), so emptiness
    is visible in the database. Only `isnull` and `=""` lookups are allowed; search by a
    separate `lookup_hash` column. `dumpdata` writes plain text, as `value_from_object` does.
    """

    description = "Encrypted text"

    @property
    def associated_data(self) -> str:
        """What binds a value to this column; also what `reencrypt` needs during rotation."""
        return f"{self.model._meta.label}.{self.attname}"

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value), associated_data=self.associated_data)

    def from_db_value(
        self, value: str | None, expression: Any, connection: BaseDatabaseWrapper
    ) -> str | None:
        if value is None or value == "":
            return value
        return decrypt(value, associated_data=self.associated_data)

    def get_lookup(self, lookup_name: str) -> type[Lookup] | None:
        if lookup_name == "exact":
            return _EmptyOnlyExact
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        return None

    def get_transform(self, lookup_name: str) -> type[Transform] | None:
        return None
