"""fangkong.core.crypto: encrypted values, key rotation, lookup hashes, masking, the field."""

import base64
import runpy
import secrets

import pytest
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import models
from django.test import override_settings

from fangkong.core import crypto
from fangkong.core.crypto import (
    AES_256_GCM,
    SM4_GCM,
    DecryptionError,
    EncryptedTextField,
    decrypt,
    encrypt,
    is_encrypted,
    lookup_hash,
    mask,
    needs_rotation,
    reencrypt,
)

needs_sm4 = pytest.mark.skipif(
    not crypto.sm4_supported(), reason="the installed OpenSSL lacks SM4-GCM or HMAC-SM3"
)


def b64(length: int) -> str:
    return base64.b64encode(secrets.token_bytes(length)).decode()


AES_KEY, AES_KEY_2, SM4_KEY = b64(32), b64(32), b64(16)
HASH_KEY = b64(32)


def keys(cipher: str, entries: str, hash_key: str = HASH_KEY) -> override_settings:
    return override_settings(
        FANGKONG_CIPHER=cipher, FANGKONG_ENCRYPTION_KEYS=entries, FANGKONG_HASH_KEY=hash_key
    )


CONFIGS = [
    pytest.param(AES_256_GCM, f"a1:{AES_KEY}", id="aes"),
    pytest.param(SM4_GCM, f"s1:{SM4_KEY}", id="sm4", marks=needs_sm4),
]


def payload(value: str) -> bytes:
    text = value.rsplit(":", 1)[1]
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def with_payload(value: str, raw: bytes) -> str:
    header = value.rsplit(":", 1)[0]
    return f"{header}:{base64.urlsafe_b64encode(raw).rstrip(b'=').decode()}"


# --- encrypt / decrypt ---------------------------------------------------------------------


@pytest.mark.parametrize(("cipher", "entries"), CONFIGS)
@pytest.mark.parametrize("text", ["152921199001011234", "阿拉善左旗 张三", "", "x" * 5000])
def test_round_trip(cipher, entries, text):
    with keys(cipher, entries):
        value = encrypt(text, associated_data="people.Person.id_number")
        assert value.startswith(f"enc:v1:{cipher}:{entries.split(':')[0]}:")
        assert text.encode() not in value.encode() or text == ""
        assert is_encrypted(value)
        assert decrypt(value, associated_data="people.Person.id_number") == text


@pytest.mark.parametrize(("cipher", "entries"), CONFIGS)
def test_a_fresh_nonce_each_time(cipher, entries):
    with keys(cipher, entries):
        first, second = encrypt("same"), encrypt("same")
    assert first != second
    assert payload(first)[:12] != payload(second)[:12]
    assert len(payload(first)) == 12 + len(b"same") + 16  # nonce + ciphertext + tag


@pytest.mark.parametrize(("cipher", "entries"), CONFIGS)
def test_a_changed_value_fails(cipher, entries):
    with keys(cipher, entries):
        value = encrypt("152921199001011234")
        raw = payload(value)
        for index in (0, 12, len(raw) - 1):  # nonce, ciphertext, tag
            flipped = bytearray(raw)
            flipped[index] ^= 1
            with pytest.raises(DecryptionError, match="authentication failed"):
                decrypt(with_payload(value, bytes(flipped)))
        with pytest.raises(DecryptionError, match="too short"):
            decrypt(with_payload(value, raw[:20]))


@pytest.mark.parametrize(("cipher", "entries"), CONFIGS)
def test_wrong_associated_data_fails(cipher, entries):
    """A value copied into another column does not decrypt there."""
    with keys(cipher, entries):
        value = encrypt("13800000000", associated_data="people.Person.phone")
        with pytest.raises(DecryptionError):
            decrypt(value, associated_data="people.Person.id_number")
        with pytest.raises(DecryptionError):
            decrypt(value)


def test_the_header_is_authenticated():
    """Renaming the key in the header, even to a key holding the same bytes, fails."""
    with keys(AES_256_GCM, f"a1:{AES_KEY},a2:{AES_KEY}"):
        value = encrypt("secret")
        with pytest.raises(DecryptionError, match="authentication failed"):
            decrypt(value.replace(":a1:", ":a2:"))


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("plain text", "not an encrypted value"),
        ("enc:v2:aes-256-gcm:a1:AAAA", "unknown format"),
        ("enc:v1:des:a1:AAAA", "unknown format"),
        ("enc:v1:aes-256-gcm:a1:not+base64url", "not base64url"),
        ("enc:v1:aes-256-gcm:gone:" + "A" * 40, "'gone' is not in FANGKONG_ENCRYPTION_KEYS"),
        ("enc:v1:sm4-gcm:a1:" + "A" * 40, "'a1' is not a sm4-gcm key"),
    ],
)
def test_malformed_values_are_refused(value, message):
    with keys(AES_256_GCM, f"a1:{AES_KEY}"), pytest.raises(DecryptionError, match=message):
        decrypt(value)
    assert not is_encrypted(value) or value.startswith("enc:v1:")


# --- rotation ------------------------------------------------------------------------------


def test_an_old_key_still_decrypts_and_reencrypt_moves_the_value():
    with keys(AES_256_GCM, f"old:{AES_KEY}"):
        old = encrypt("152921199001011234", associated_data="c")
        assert not needs_rotation(old)
    with keys(AES_256_GCM, f"new:{AES_KEY_2},old:{AES_KEY}"):
        assert decrypt(old, associated_data="c") == "152921199001011234"
        assert needs_rotation(old)
        moved = reencrypt(old, associated_data="c")
        assert moved.startswith("enc:v1:aes-256-gcm:new:")
        assert not needs_rotation(moved)
        assert decrypt(moved, associated_data="c") == "152921199001011234"
    with keys(AES_256_GCM, f"new:{AES_KEY_2}"):  # the old key retired
        assert decrypt(moved, associated_data="c") == "152921199001011234"
        with pytest.raises(DecryptionError, match="'old' is not in"):
            decrypt(old, associated_data="c")


@needs_sm4
def test_switching_to_sm4_rotates_aes_values():
    with keys(AES_256_GCM, f"a1:{AES_KEY}"):
        old = encrypt("value")
    with keys(SM4_GCM, f"s1:{SM4_KEY},a1:{AES_KEY}"):
        assert needs_rotation(old)
        moved = reencrypt(old)
        assert moved.startswith("enc:v1:sm4-gcm:s1:")
        assert decrypt(moved) == "value"
        assert not needs_rotation(moved)


def test_empty_values_need_no_rotation():
    with keys(AES_256_GCM, f"a1:{AES_KEY}"):
        assert not needs_rotation("")
        assert reencrypt("") == ""


def test_the_key_cache_follows_setting_changes():
    """`override_settings` sends `setting_changed`; the parsed keys must not outlive it."""
    with keys(AES_256_GCM, f"first:{AES_KEY}"):
        assert ":first:" in encrypt("x")
        with override_settings(FANGKONG_ENCRYPTION_KEYS=f"second:{AES_KEY_2}"):
            assert ":second:" in encrypt("x")
        assert ":first:" in encrypt("x")


# --- lookup hash ---------------------------------------------------------------------------


@pytest.mark.parametrize(("cipher", "entries"), CONFIGS)
def test_lookup_hash_is_stable_and_keyed(cipher, entries):
    with keys(cipher, entries):
        digest = lookup_hash("152921199001011234", purpose="people.id_number")
        assert digest == lookup_hash("152921199001011234", purpose="people.id_number")
        assert len(digest) == 64
        int(digest, 16)
        assert digest != lookup_hash("152921199001011235", purpose="people.id_number")
        assert digest != lookup_hash("152921199001011234", purpose="people.phone")
    with keys(cipher, entries, hash_key=b64(32)):
        assert digest != lookup_hash("152921199001011234", purpose="people.id_number")


@needs_sm4
def test_sm4_deployments_hash_with_sm3():
    with keys(AES_256_GCM, f"a1:{AES_KEY}"):
        sha256 = lookup_hash("x", purpose="p")
    with keys(SM4_GCM, f"s1:{SM4_KEY}"):
        assert lookup_hash("x", purpose="p") != sha256


def test_lookup_hash_needs_a_purpose():
    with pytest.raises(ValueError, match="purpose"):
        lookup_hash("x", purpose="")


# --- mask ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kwargs", "masked"),
    [
        ("15292119900101123X", {"keep_start": 6, "keep_end": 4}, "152921********123X"),
        ("1234abcd", {}, "****abcd"),
        ("13800001234", {"keep_start": 3}, "138****1234"),
        ("张三丰", {"keep_start": 1, "keep_end": 0}, "张**"),
        ("abcd", {}, "****"),  # no longer than what would be kept: all hidden
        ("abc", {}, "***"),
        ("", {}, ""),
        ("secret", {"keep_end": 0, "char": "•"}, "••••••"),
    ],
)
def test_mask(text, kwargs, masked):
    assert mask(text, **kwargs) == masked


def test_mask_refuses_bad_arguments():
    with pytest.raises(ValueError, match="negative"):
        mask("abcdef", keep_end=-1)
    with pytest.raises(ValueError, match="one character"):
        mask("abcdef", char="**")


# --- settings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"FANGKONG_ENCRYPTION_KEYS": ""}, "FANGKONG_ENCRYPTION_KEYS .*must be set"),
        ({"FANGKONG_ENCRYPTION_KEYS": "a1:not*base64"}, "FANGKONG_ENCRYPTION_KEYS: .*base64"),
        ({"FANGKONG_ENCRYPTION_KEYS": f"a1:{b64(24)}"}, "FANGKONG_ENCRYPTION_KEYS: .*not 24"),
        ({"FANGKONG_ENCRYPTION_KEYS": AES_KEY}, "FANGKONG_ENCRYPTION_KEYS: .*key_id:base64key"),
        ({"FANGKONG_ENCRYPTION_KEYS": f"a b:{AES_KEY}"}, "FANGKONG_ENCRYPTION_KEYS: .*key_id"),
        (
            {"FANGKONG_ENCRYPTION_KEYS": f"a1:{AES_KEY},a1:{AES_KEY_2}"},
            "FANGKONG_ENCRYPTION_KEYS: .*twice",
        ),
        ({"FANGKONG_ENCRYPTION_KEYS": f"s1:{SM4_KEY}"}, "current.* 32 bytes"),
        ({"FANGKONG_CIPHER": "des"}, "FANGKONG_CIPHER must be one of"),
    ],
)
def test_bad_keys_name_the_setting(overrides, message):
    with keys(AES_256_GCM, f"a1:{AES_KEY}"), override_settings(**overrides):
        with pytest.raises(ImproperlyConfigured, match=message):
            encrypt("x")
        assert [error.id for error in crypto.check_keys()] == ["fangkong.core.E001"]


@pytest.mark.parametrize(
    ("hash_key", "message"),
    [
        ("", "FANGKONG_HASH_KEY .*must be set"),
        (b64(16), "FANGKONG_HASH_KEY must be 32 bytes, not 16"),
        ("%%%", "FANGKONG_HASH_KEY: .*base64"),
        (AES_KEY, "FANGKONG_HASH_KEY must differ"),
    ],
)
def test_bad_hash_keys_name_the_setting(hash_key, message):
    with keys(AES_256_GCM, f"a1:{AES_KEY}", hash_key=hash_key):
        with pytest.raises(ImproperlyConfigured, match=message):
            lookup_hash("x", purpose="p")
        assert crypto.check_keys()


def test_the_test_settings_pass_the_check_and_url_safe_keys_work():
    assert crypto.check_keys() == []
    url_safe = base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()
    with keys(AES_256_GCM, f"u1:{url_safe}"):
        assert decrypt(encrypt("x")) == "x"


def test_sm4_unsupported_is_a_configuration_error(monkeypatch):
    monkeypatch.setattr(crypto, "sm4_supported", lambda: False)
    with keys(SM4_GCM, f"s1:{SM4_KEY}"), pytest.raises(ImproperlyConfigured, match="OpenSSL"):
        encrypt("x")


def test_production_requires_the_keys(monkeypatch):
    monkeypatch.setenv("DJANGO_SECRET_KEY", "production-test")
    for name in ("FANGKONG_ENCRYPTION_KEYS", "FANGKONG_HASH_KEY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(f"{name}_FILE", raising=False)
    with pytest.raises(ImproperlyConfigured, match="FANGKONG_ENCRYPTION_KEYS"):
        runpy.run_module("config.settings.production")
    monkeypatch.setenv("FANGKONG_ENCRYPTION_KEYS", f"a1:{AES_KEY}")
    with pytest.raises(ImproperlyConfigured, match="FANGKONG_HASH_KEY"):
        runpy.run_module("config.settings.production")


# --- EncryptedTextField --------------------------------------------------------------------
#
# A throwaway model with a table is awkward in Django, so the field is exercised through
# get_prep_value/from_db_value on an abstract model (no table). A real column read back raw
# from the database is checked in the notifications app's tests.


class Holder(models.Model):
    id_number = EncryptedTextField(blank=True, null=True)
    phone = EncryptedTextField(blank=True)

    class Meta:
        abstract = True
        app_label = "core"


def holder_field(name: str) -> EncryptedTextField:
    field = Holder._meta.get_field(name)
    assert isinstance(field, EncryptedTextField)
    return field


@pytest.mark.parametrize(("cipher", "entries"), CONFIGS)
def test_field_round_trip(cipher, entries):
    field = holder_field("id_number")
    assert field.associated_data == "core.Holder.id_number"
    with keys(cipher, entries):
        stored = field.get_prep_value("15292119900101123X")
        assert stored.startswith(f"enc:v1:{cipher}:")
        assert "15292119900101123X" not in stored
        assert field.from_db_value(stored, None, None) == "15292119900101123X"
        assert decrypt(stored, associated_data="core.Holder.id_number") == "15292119900101123X"


def test_field_keeps_empty_and_null_as_they_are():
    field = holder_field("id_number")
    assert field.get_prep_value(None) is None
    assert field.get_prep_value("") == ""
    assert field.from_db_value(None, None, None) is None
    assert field.from_db_value("", None, None) == ""


def test_field_value_moved_to_another_column_fails():
    stored = holder_field("id_number").get_prep_value("15292119900101123X")
    with pytest.raises(DecryptionError):
        holder_field("phone").from_db_value(stored, None, None)


def test_field_refuses_plain_text_in_the_column():
    with pytest.raises(DecryptionError, match="not an encrypted value"):
        holder_field("phone").from_db_value("13800001234", None, None)


def test_field_deconstructs_without_key_material():
    name, path, args, kwargs = holder_field("id_number").deconstruct()
    assert (name, path, args) == ("id_number", "fangkong.core.crypto.EncryptedTextField", [])
    assert kwargs == {"blank": True, "null": True}


def test_field_form_field_is_plain_text():
    assert holder_field("phone").formfield().to_python(" 13800001234 ") == "13800001234"


def test_field_lookups_that_cannot_match_are_refused():
    field = holder_field("phone")
    assert field.get_lookup("isnull") is not None
    assert field.get_lookup("icontains") is None
    assert field.get_transform("lower") is None
    exact = field.get_lookup("exact")
    assert exact is not None
    with pytest.raises(FieldError, match="lookup_hash"):
        exact(models.Value("", output_field=field), "13800001234")
    assert exact(models.Value("", output_field=field), "").rhs == ""
