import datetime
import unicodedata

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric

from fangkong.core.errors import error_items
from fangkong.people import identity
from fangkong.people.identity import (
    DocumentType,
    mask_id,
    normalise,
    normalise_ric,
    pinyin_keys,
    sex_of,
    upgrade_15,
)
from fangkong.people.tests.conftest import ric_number

REGIONS = ["152921", "152922", "152923", "110101"]  # codes valid since 1900


def code_of(error: ValidationError) -> str | None:
    return error_items(error)[0]["code"]


@st.composite
def valid_numbers(draw: st.DrawFn) -> str:
    region = draw(st.sampled_from(REGIONS))
    day = draw(st.dates(datetime.date(1920, 1, 1), datetime.date(2020, 12, 31)))
    sequence = draw(st.integers(0, 999))
    return ric_number(region, day.strftime("%Y%m%d"), f"{sequence:03d}")


@given(valid_numbers())
def test_every_valid_number_is_accepted_as_it_is(number):
    assert normalise_ric(number) == number


@given(valid_numbers(), st.integers(0, 17), st.integers(1, 9))
def test_changing_one_digit_is_refused(number, position, shift):
    digits = "0123456789X" if position == 17 else "0123456789"
    wrong = digits[(digits.index(number[position]) + shift) % len(digits)]
    corrupted = number[:position] + wrong + number[position + 1 :]
    with pytest.raises(ValidationError):
        normalise_ric(corrupted)


def test_a_wrong_check_digit_names_the_field():
    number = ric_number()
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    with pytest.raises(ValidationError) as caught:
        normalise_ric(wrong)
    assert code_of(caught.value) == "invalid_checksum"
    assert error_items(caught.value)[0]["field"] == "id_number"


def test_an_impossible_birth_date_is_refused():
    body = "15292119400231123"  # 31 February
    with pytest.raises(ValidationError) as caught:
        normalise_ric(body + ric.calc_check_digit(body + "0"))
    assert code_of(caught.value) == "invalid_birth_date"


def test_an_unknown_region_is_refused():
    with pytest.raises(ValidationError) as caught:
        normalise_ric(ric_number(region="159999"))
    assert code_of(caught.value) == "invalid_region"


def test_a_15_digit_number_is_upgraded_to_18():
    eighteen = ric_number(birth="19401017")
    fifteen = eighteen[:6] + eighteen[8:17]
    assert upgrade_15(fifteen) == eighteen
    assert normalise_ric(fifteen) == eighteen


def test_a_lowercase_x_and_full_width_digits_are_normalised():
    number = next(
        ric_number(sequence=f"{s:03d}") for s in range(1000)
        if ric_number(sequence=f"{s:03d}").endswith("X")
    )  # fmt: skip
    full_width = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in number[:17])
    assert normalise_ric(full_width + "x") == number


def test_another_document_is_kept_as_typed():
    assert normalise(DocumentType.PASSPORT, " e12345678 ") == "E12345678"


def test_masking_keeps_the_region_and_the_last_four():
    assert mask_id("15292119401017123X") == "152921********123X"


def test_the_17th_digit_gives_the_sex():
    assert sex_of(ric_number(sequence="001")) == "male"
    assert sex_of(ric_number(sequence="002")) == "female"


def test_pinyin_and_initials_of_a_name():
    assert pinyin_keys("张三") == ("zhangsan", "zs")


def test_a_polyphonic_surname_is_read_as_a_surname():
    full, initials = pinyin_keys("单田芳")
    assert full.split()[0] == "shantianfang"
    assert initials.split()[0] == "stf"


def _compact_slowly(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in text if not ch.isspace() and ch != "-").upper()


def _phone_slowly(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).strip()
    digits = "".join(ch for ch in text if ch.isdigit())
    return digits[2:] if text.startswith("+86") and len(digits) == 13 else digits


@given(st.text(alphabet=st.sampled_from("0123456789xX０１２３４５６７８９Ｘ -+²٣"), max_size=20))
def test_an_identity_number_and_a_phone_read_alike_on_the_quick_path(text):
    """Numbers typed plainly skip normalisation: they must read exactly as the full path."""
    assert identity._compact(text) == _compact_slowly(text)
    assert identity.normalise_phone(text) == _phone_slowly(text)
