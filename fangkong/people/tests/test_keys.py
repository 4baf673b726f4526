"""`fangkong keys rotate`: every person's numbers move under the current key and still read the
same, for AES-256-GCM and SM4-GCM, on SQLite and PostgreSQL; the SM4 path meets published
test vectors."""

import base64
import io

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from fangkong.core import crypto
from fangkong.core.scoping import SYSTEM
from fangkong.people.models import Person
from fangkong.people.services import person_register
from fangkong.people.tests.conftest import ric_number

needs_sm4 = pytest.mark.skipif(not crypto.sm4_supported(), reason="OpenSSL lacks SM4")


def key(label: str, length: int) -> str:
    return base64.b64encode(label.encode().ljust(length, b"k")[:length]).decode()


OLD = f"old:{key('old', 32)}"
NEW_AES = f"new:{key('new', 32)}"
NEW_SM4 = f"sm4:{key('sm4', 16)}"


def raw_numbers() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone FROM people_person ORDER BY id")
        return list(cursor.fetchall())


@pytest.fixture
def persons(db):
    with override_settings(FANGKONG_ENCRYPTION_KEYS=OLD, FANGKONG_CIPHER="aes-256-gcm"):
        numbers = [ric_number(sequence=f"{n:03d}") for n in range(7)]
        for n, number in enumerate(numbers):
            person_register(actor=SYSTEM, name=f"测试{n}", id_number=number,
                            phone=f"1380000{n:04d}" if n % 2 else "")  # fmt: skip
        yield {n: number for n, number in enumerate(numbers)}


@pytest.mark.parametrize(
    ("cipher", "keys"),
    [("aes-256-gcm", f"{NEW_AES},{OLD}"),
     pytest.param("sm4-gcm", f"{NEW_SM4},{OLD}", marks=needs_sm4)],
)  # fmt: skip
def test_rotation_moves_every_row_and_loses_nothing(persons, cipher, keys):
    before = {p.pk: (p.id_number, p.phone) for p in Person.objects.all()}
    current = keys.split(":")[0]
    with override_settings(FANGKONG_ENCRYPTION_KEYS=keys, FANGKONG_CIPHER=cipher):
        call_command("keys", "rotate", "--batch-size", "3", stdout=io.StringIO())
        for id_number, phone in raw_numbers():
            assert id_number.split(":")[3] == current
            assert phone == "" or phone.split(":")[3] == current
        assert {p.pk: (p.id_number, p.phone) for p in Person.objects.all()} == before
        # The lookup hashes follow the cipher: a known number still finds its person.
        found = person_register(actor=SYSTEM, name="x", id_number=persons[3])
        assert not found.created
    with override_settings(FANGKONG_ENCRYPTION_KEYS=keys.split(",")[0], FANGKONG_CIPHER=cipher):
        # The old key can go: everything reads under the new one alone.
        assert {p.pk: (p.id_number, p.phone) for p in Person.objects.all()} == before


def test_a_second_rotation_changes_nothing(persons):
    with override_settings(FANGKONG_ENCRYPTION_KEYS=f"{NEW_AES},{OLD}"):
        call_command("keys", "rotate", stdout=io.StringIO())
        first = raw_numbers()
        call_command("keys", "rotate", stdout=io.StringIO())
        assert raw_numbers() == first


def test_a_value_that_does_not_decrypt_stops_the_run_naming_the_row(persons):
    from django.core.management.base import CommandError

    person = Person.objects.order_by("pk").first()
    value = raw_numbers()[0][0]
    tampered = value[:-2] + ("AA" if not value.endswith("AA") else "BB")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE people_person SET id_number = %s WHERE id = %s",
                       [tampered, person.pk])  # fmt: skip
    rotating = override_settings(FANGKONG_ENCRYPTION_KEYS=f"{NEW_AES},{OLD}")
    with rotating, pytest.raises(CommandError, match=f"row {person.pk}"):
        call_command("keys", "rotate", stdout=io.StringIO())
    assert raw_numbers()[0][0] == tampered  # nothing of its batch was written


@needs_sm4
def test_sm4_meets_the_block_vector_of_gb_t_32907():
    secret = bytes.fromhex("0123456789abcdeffedcba9876543210")
    encryptor = Cipher(algorithms.SM4(secret), modes.ECB()).encryptor()  # noqa: S305 - a vector
    assert (encryptor.update(secret) + encryptor.finalize()).hex() == (
        "681edf34d206965e86b3e94f536e4246"
    )


@needs_sm4
def test_sm4_gcm_meets_the_vector_of_rfc_8998():
    sealed = crypto._sm4_encrypt(
        bytes.fromhex("0123456789ABCDEFFEDCBA9876543210"),
        bytes.fromhex("00001234567800000000ABCD"),
        bytes.fromhex("AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD"
                      "EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA"),
        bytes.fromhex("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2"),
    )  # fmt: skip
    assert sealed.hex().upper() == (
        "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735"
        "D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D"
        "83DE3541E4C2B58177E065A9BF7B62EC"
    )


@needs_sm4
def test_sm3_meets_the_vector_of_gb_t_32905():
    digest = hashes.Hash(hashes.SM3())
    digest.update(b"abc")
    assert digest.finalize().hex() == (
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    )
