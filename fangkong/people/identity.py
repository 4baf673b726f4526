"""Identity documents: the resident identity number (GB 11643) checked and normalised, other
documents kept as typed, masking for display, and the pinyin a name is searched by.

A 15-digit number (issued before 1999) is upgraded to its 18 digits: the year gains "19" and a
check digit is computed, so the same person typed either way is one person.
"""

import datetime
import functools
import unicodedata

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from pypinyin import Style, lazy_pinyin
from stdnum.cn import ric
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength

from fangkong.core.crypto import lookup_hash, mask
from fangkong.core.errors import field_error


class DocumentType(models.TextChoices):
    RIC = "ric", _("Resident identity card")
    PASSPORT = "passport", _("Passport")
    HK_MACAU = "hk_macau", _("Mainland travel permit for Hong Kong and Macao residents")
    TAIWAN = "taiwan", _("Mainland travel permit for Taiwan residents")
    OTHER = "other", _("Other document")


class Sex(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")
    UNKNOWN = "unknown", _("Unknown")


def _compact(text: str) -> str:
    """Full-width digits and letters become ASCII; spaces and hyphens go."""
    if text.isascii() and text.isalnum():  # most numbers as typed: nothing to normalise
        return text.upper()
    text = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in text if not ch.isspace() and ch != "-").upper()


def upgrade_15(number: str) -> str:
    """The 18-digit form of a 15-digit number: "19" before the year, and its check digit."""
    body = number[:6] + "19" + number[6:]
    return body + ric.calc_check_digit(body + "0")


def normalise_ric(text: str, field: str = "id_number") -> str:
    """Return the 18-digit number with an uppercase 'X', or refuse it naming what is wrong."""
    number = _compact(text)
    if len(number) == 15 and number.isdigit():
        number = upgrade_15(number)
    if len(number) != 18:
        raise field_error(field, _("A resident identity number has 18 digits."), "invalid_length")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise field_error(
            field, _("A resident identity number is 17 digits and a digit or X."), "invalid_format"
        )
    try:
        born = birth_date_of(number)
    except ValueError:
        born = None
    if born is None or born > datetime.date.today():
        raise field_error(
            field, _("The birth date in this identity number is impossible."), "invalid_birth_date"
        ) from None
    if number[17] != ric.calc_check_digit(number):
        raise field_error(
            field, _("The check digit of this identity number is wrong."), "invalid_checksum"
        )
    if not _region_known(number[:6], number[6:10]):
        # A prefix stdnum knows only partly (a development zone's 152971) has no county.
        raise field_error(
            field, _("The region code of this identity number does not exist."), "invalid_region"
        )
    return number


@functools.lru_cache(maxsize=8192)
def _region_known(prefix: str, year: str) -> bool:
    """Whether stdnum's division list has the number's region in its birth year (asked once
    per region and year: the lookup costs a tenth of a millisecond, and a file of 100,000
    numbers holds a few hundred of them)."""
    try:
        ric.get_birth_place(f"{prefix}{year}0101000")
    except (InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength, KeyError):
        return False
    return True


def normalise(document_type: str, text: str, field: str = "id_number") -> str:
    """The number as stored: a resident identity number checked, another document as typed."""
    if document_type == DocumentType.RIC:
        return normalise_ric(text, field)
    number = _compact(text)
    if not number:
        raise field_error(field, _("Enter the document's number."), "required")
    if len(number) > 40:
        raise field_error(field, _("A document number has at most 40 characters."), "too_long")
    return number


ID_PURPOSE = "people.id_number"
PHONE_PURPOSE = "people.phone"


def id_hash_of(document_type: str, number: str) -> str:
    """The keyed hash a person is found by: of the document type and the normalised number."""
    return lookup_hash(f"{document_type}:{number}", purpose=ID_PURPOSE)


def phone_hash_of(phone: str) -> str:
    return lookup_hash(phone, purpose=PHONE_PURPOSE) if phone else ""


def birth_date_of(number: str) -> datetime.date:
    """The birth date an 18-digit number (17 digits and a digit or X) holds in its digits 7 to
    14 (ValueError when no such day exists): what stdnum reads, without cleaning the number
    again (an import reads it twice a row)."""
    return datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def sex_of(number: str) -> str:
    """The 17th digit is odd for men, even for women."""
    return Sex.MALE if int(number[16]) % 2 else Sex.FEMALE


def mask_id(number: str) -> str:
    """`152921********123X`: the region (first six) and the last four."""
    return mask(number, keep_start=6, keep_end=4)


def normalise_phone(text: str) -> str:
    """Digits only (a leading + kept); full-width digits become ASCII."""
    if text.isascii() and text.isdigit():  # most phones as typed: nothing to normalise
        return text
    text = unicodedata.normalize("NFKC", text).strip()
    digits = "".join(ch for ch in text if ch.isdigit())
    if text.startswith("+86") and len(digits) == 13:
        digits = digits[2:]
    return digits


def mask_phone(phone: str) -> str:
    """`138****5678`: the carrier's prefix and the last four."""
    return mask(phone, keep_start=3, keep_end=4)


# Surnames read otherwise than as the character usually is (单 shàn, not dān): the first
# characters of a name are read by this table before pypinyin reads the rest. Pypinyin's own
# phrase table knows few of them.
SURNAMES = {
    "万俟": "moqi", "尉迟": "yuchi", "单于": "chanyu", "长孙": "zhangsun",
    "单": "shan", "曾": "zeng", "解": "xie", "区": "ou", "仇": "qiu", "朴": "piao",
    "查": "zha", "盖": "ge", "乐": "yue", "覃": "qin", "缪": "miao", "翟": "zhai",
    "繁": "po", "员": "yun", "种": "chong", "召": "shao", "秘": "bi", "尉": "yu",
    "隗": "wei", "折": "she", "华": "hua", "纪": "ji", "燕": "yan", "宁": "ning",
    "葛": "ge", "黑": "he", "沈": "shen", "任": "ren", "藏": "zang", "都": "du",
    "过": "guo", "句": "gou", "阚": "kan", "蕃": "pi", "重": "chong", "澹台": "tantai",
}  # fmt: skip


def _syllables(name: str) -> list[str]:
    for length in (2, 1):
        reading = SURNAMES.get(name[:length])
        if reading is not None and len(name) > length:
            return [reading, *_plain(name[length:])]
    return _plain(name)


def _surname_reading(name: str) -> bool:
    return any(name[:n] in SURNAMES and len(name) > n for n in (2, 1))


def _plain(text: str) -> list[str]:
    return [s.lower() for s in lazy_pinyin(text, style=Style.NORMAL, errors="default") if s]


def pinyin_keys(name: str) -> tuple[str, str]:
    """The name's full pinyin and its initials, each with the ordinary reading of a polyphonic
    surname after the surname's own (`shantianfang dantianfang`, `stf dtf`), for search."""
    name = "".join(name.split())
    ordinary = _plain(name)  # read once: a name without a surname of its own reading is that
    variants = [_syllables(name) if _surname_reading(name) else ordinary]
    if ordinary != variants[0]:
        variants.append(ordinary)
    full = " ".join("".join(v) for v in variants)
    initials = " ".join("".join(s[0] for s in v if s) for v in variants)
    return full[:200], initials[:100]


def mask_name(name: str) -> str:
    """`张*`, `欧阳**`: the surname's first character and stars, for a person out of scope."""
    return name[:1] + "*" * max(len(name) - 1, 1)


def validate_reason(text: str | None, field: str = "reason") -> str:
    if text is None or not text.strip():
        raise ValidationError({field: ValidationError(_("Say why."), code="required")})
    return text.strip()
