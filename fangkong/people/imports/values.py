"""A cell's value as what a column means: a day, a moment, a yes or no, a temperature.

Offices type dates every way: as Excel dates, as the serial numbers Excel shows when the
column's format is lost (44486), as text (2021-10-17, 2021/10/17, 2021.10.17, 20211017,
2021年10月17日), with or without a time (2021-10-17 09:30, 9时30分). Each is read; anything
else is refused with the forms that are understood.
"""

import datetime
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.people.imports.reading import Cell, text_of

EXCEL_EPOCH = datetime.datetime(1899, 12, 30)  # serial 1 is 1900-01-01 (after Lotus' 29 Feb)
SERIAL_RANGE = (1, 2958465)  # 1900-01-01 to 9999-12-31
_DAY = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[\sT]*(\d{1,2})\s*[:时点]\s*(\d{1,2})(?:\s*[:分]\s*(\d{1,2})(?:\.\d+)?)?\s*秒?分?)?$"
)
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})$")
_SERIAL = re.compile(r"\d{1,7}(\.\d+)?$")

NOT_A_DAY = _("Not a date: write it as 2021-10-17, 2021/10/17 or 2021年10月17日.")
NOT_A_MOMENT = _("Not a date and time: write it as 2021-10-17 09:30.")


def _invalid(message: Any, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def _from_serial(serial: float) -> datetime.datetime:
    if not SERIAL_RANGE[0] <= serial <= SERIAL_RANGE[1]:
        raise _invalid(NOT_A_DAY, "invalid_date")
    moment = EXCEL_EPOCH + datetime.timedelta(days=serial)
    return (
        moment.replace(microsecond=0)
        if moment.microsecond < 500_000
        else (moment.replace(microsecond=0) + datetime.timedelta(seconds=1))
    )


def _naive(value: Cell) -> tuple[datetime.datetime, bool] | None:
    """The moment a cell names, naive, and whether it named a time; None when empty."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.replace(tzinfo=None), True
    if isinstance(value, datetime.date):
        return datetime.datetime.combine(value, datetime.time()), False
    if isinstance(value, bool):
        raise _invalid(NOT_A_DAY, "invalid_date")
    if isinstance(value, int | float):
        moment = _from_serial(float(value))
        return moment, not float(value).is_integer()
    text = text_of(value)
    if not text:
        return None
    try:
        return _parse_text(text)
    except ValueError:
        raise _invalid(NOT_A_DAY, "invalid_date") from None


def _parse_text(text: str) -> tuple[datetime.datetime, bool]:
    found = _DAY.match(text)
    if found:
        year, month, day, hour, minute, second = found.groups()
        timed = hour is not None
        return datetime.datetime(
            int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0)
        ), timed
    found = _COMPACT.match(text)
    if found:
        year, month, day = found.groups()
        return datetime.datetime(int(year), int(month), int(day)), False
    if _SERIAL.match(text):  # a serial typed as text
        serial = float(text)
        return _from_serial(serial), not serial.is_integer()
    raise ValueError(text)


def day_of(value: Cell) -> datetime.date | None:
    found = _naive(value)
    return found[0].date() if found else None


def moment_of(value: Cell, *, day_only: bool = True) -> datetime.datetime | None:
    """The moment in the site's time zone; a day without a time is its midnight, unless
    `day_only` is false (a visit needs its time)."""
    found = _naive(value)
    if found is None:
        return None
    moment, timed = found
    if not timed and not day_only:
        raise _invalid(NOT_A_MOMENT, "invalid_moment")
    return timezone.make_aware(moment, timezone.get_default_timezone())


YES = {"是", "y", "yes", "true", "1", "√", "✓", "住院内", "住院", "院内"}
NO = {"否", "n", "no", "false", "0", "", "×", "不住", "院外"}


def yes_no(value: Cell) -> bool:
    text = text_of(value).lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise _invalid(_("Write 是 (yes) or 否 (no)."), "invalid_choice")


def decimal_of(value: Cell) -> Decimal | None:
    text = text_of(value).replace("℃", "").replace("°C", "").replace("°", "").strip()
    if not text:
        return None
    try:
        return Decimal(text).quantize(Decimal("0.1"))
    except InvalidOperation:
        raise _invalid(_("Not a number."), "invalid_number") from None
