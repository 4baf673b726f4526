"""The API's shared input types and its error body, strict as the rules behind them.

Each type validates exactly what its OpenAPI schema says, so that a client generated from the
schema, or a property-based test driven by it, finds no request the schema allows and the
server refuses as malformed (422), and none the other way round. What no schema can say (a code
that exists, a scope, one figure against another) is refused by the services with 400.
"""

import datetime
import re
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Schema
from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    StrictInt,
    ValidationInfo,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from fangkong.core.dates import parse_day
from fangkong.core.errors import error_items
from fangkong.core.text import TEXT_PATTERN, VISIBLE_PATTERN, has_visible

# Every count of the daily report and an institution's beds: persons, visits, tests, days of
# stock. The largest elderly care institutions in China have a few thousand beds; a hundred
# thousand is far above any real figure of one institution for one day, and far below the 2^31
# a database integer holds (where PostgreSQL failed), so a run of mistyped digits is refused
# with the field's name instead of being stored or crashing. National sums are computed as
# 64-bit integers and stay far from their limit (41,000 institutions x 100,000).
MAX_COUNT = 100_000


def _whole(value: Any) -> Any:
    """JSON Schema's `integer` includes `4991.0`; a string or a boolean stays refused."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# The bounds stand before the validator, or they would not reach the JSON schema.
Count = Annotated[StrictInt, Field(ge=0, le=MAX_COUNT), BeforeValidator(_whole)]
MinutesOfDay = Annotated[StrictInt, Field(ge=0, le=24 * 60), BeforeValidator(_whole)]

# A day in the years `fangkong.core.dates` keeps (2000-2099); `format: date` rules out the days
# a month does not have.
DAY_SCHEMA_PATTERN = r"^20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
HOUR_MINUTE_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
# Region codes: six or nine digits (GB/T 2260) or a local code of capitals, digits, hyphens.
REGION_CODE_PATTERN = r"^[0-9A-Z][0-9A-Z-]{1,19}$"
INSTITUTION_CODE_PATTERN = r"^[0-9A-Za-z][0-9A-Za-z-]{2,31}$"

_HOUR_MINUTE = re.compile(HOUR_MINUTE_PATTERN, re.ASCII)


def _day(value: Any, info: ValidationInfo) -> datetime.date:
    """Read `YYYY-MM-DD` and nothing else: no timestamp, no `20261202`, no moment."""
    if type(value) is datetime.date:
        return value
    if not isinstance(value, str):
        raise PydanticCustomError("invalid_date", _("Enter a day as YYYY-MM-DD."))
    try:
        return parse_day(value, field=info.field_name or "date")
    except ValidationError as exc:
        item = error_items(exc)[0]
        raise PydanticCustomError(str(item["code"]), str(item["message"])) from None


Day = Annotated[
    datetime.date,
    BeforeValidator(_day),
    WithJsonSchema({"type": "string", "format": "date", "pattern": DAY_SCHEMA_PATTERN}),
]


def _hour_minute(value: Any) -> datetime.time:
    """Read `HH:MM`: a time of day in the regime's own time zone, so without an offset."""
    if type(value) is datetime.time and value.tzinfo is None:
        return value
    if isinstance(value, str) and _HOUR_MINUTE.fullmatch(value):
        return datetime.time.fromisoformat(value)
    raise PydanticCustomError(
        "invalid_time", _("Enter a time of day as HH:MM, without a time zone.")
    )


HourMinute = Annotated[
    datetime.time,
    BeforeValidator(_hour_minute),
    WithJsonSchema({"type": "string", "pattern": HOUR_MINUTE_PATTERN}),
]


def _visible(value: str) -> str:
    if not has_visible(value):
        raise PydanticCustomError("blank", _("Enter a name with at least one visible character."))
    return value


# A name, with at least one visible character: give its length as `Annotated[Name, Field(
# max_length=...)]`.
Name = Annotated[
    str,
    Field(min_length=1, json_schema_extra={"pattern": VISIBLE_PATTERN}),
    AfterValidator(_visible),
]
# Free text (the NUL character is refused before validation, as the pattern says).
Text = Annotated[str, Field(json_schema_extra={"pattern": TEXT_PATTERN})]


def _code(pattern: str, message: Promise) -> Any:
    compiled = re.compile(pattern, re.ASCII)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise PydanticCustomError("invalid_code", str(message))
        return value

    return Annotated[
        str, AfterValidator(check), WithJsonSchema({"type": "string", "pattern": pattern})
    ]


RegionCode = _code(
    REGION_CODE_PATTERN,
    gettext_lazy("A region code has 2 to 20 characters: digits, capital letters and hyphens."),
)
InstitutionCode = _code(
    INSTITUTION_CODE_PATTERN,
    gettext_lazy("An institution code has 3 to 32 letters, digits or hyphens."),
)
# A code to look up (in a path or a query): any code that is not one answers 404 as an unknown
# one does; the pattern tells clients which codes can exist.
RegionCodeRef = Annotated[str, WithJsonSchema({"type": "string", "pattern": REGION_CODE_PATTERN})]
InstitutionCodeRef = Annotated[
    str, WithJsonSchema({"type": "string", "pattern": INSTITUTION_CODE_PATTERN})
]


# A moment: ISO 8601 / RFC 3339 with its offset, in the years a day may have (2000-2099).
MOMENT_PATTERN = (
    r"^20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    r"T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?"
    # The world's offsets run from -12:00 to +14:00; PostgreSQL refuses one past ±15:59.
    r"(Z|[+-](0[0-9]|1[0-4]):[0-5][0-9])$"
)
_MOMENT = re.compile(MOMENT_PATTERN, re.ASCII)
# In a query string an unencoded "+" arrives as a space: "…T10:00:00 08:00" means +08:00.
_SPACED_OFFSET = re.compile(r" ([0-9]{2}:[0-9]{2})$")


def _moment(value: Any) -> datetime.datetime:
    """Read a moment with its offset; a naive one is refused (whose clock would it be?)."""
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        return value
    if isinstance(value, str):
        value = _SPACED_OFFSET.sub(r"+\1", value)
        if _MOMENT.fullmatch(value):
            try:
                return datetime.datetime.fromisoformat(value)
            except ValueError:
                pass
    raise PydanticCustomError(
        "invalid_moment",
        _("Enter a moment as YYYY-MM-DDTHH:MM:SS with its offset, e.g. +08:00."),
    )


Moment = Annotated[
    datetime.datetime,
    BeforeValidator(_moment),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": MOMENT_PATTERN}),
]


def _reading(value: Any) -> float:
    """A number as JSON writes it (not a string, not a boolean)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PydanticCustomError("invalid_number", _("Enter a number."))
    return float(value)


# Body temperature in °C, kept to the tenth a thermometer shows. The bounds stand before the
# validator, or they would not reach the JSON schema.
Temperature = Annotated[float, Field(ge=30, le=45), BeforeValidator(_reading)]


class InputSchema(Schema):
    """A request body: a field it does not know is refused, never silently dropped."""

    model_config = ConfigDict(extra="forbid")


class ErrorItemOut(Schema):
    code: str = Field(description="A stable code, e.g. `required`, `not_found`, `stale`.")
    message: str = Field(description="What went wrong, in the request's language.")
    field: str | None = Field(description="The offending field, parameter or header, if any.")


class ErrorOut(ErrorItemOut):
    """Every refusal: the first problem, and in `errors` every problem found."""

    errors: list[ErrorItemOut]


# What the statuses mean, and which operations answer them (see `answers`).
BAD_REQUEST = 400  # a rule the schema cannot say: a code in use, a scope, a future day
UNAUTHENTICATED = 401  # no token, or one revoked
FORBIDDEN = 403  # the role may see but not do this; a signed-in browser's CSRF check
NOT_FOUND = 404  # absent or out of the caller's scope
CONFLICT = 409  # a uniqueness rule over time: two liaisons at one level, overlapping closures
PRECONDITION_FAILED = 412  # a stale If-Match
TOO_LARGE = 413  # a body over FANGKONG_API_MAX_BODY
UNPROCESSABLE = 422  # not what the schema describes; an Idempotency-Key reused for another body
PRECONDITION_REQUIRED = 428  # an existing report changed without If-Match

READ = (BAD_REQUEST, UNAUTHENTICATED, NOT_FOUND, UNPROCESSABLE)
WRITE = (BAD_REQUEST, UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, TOO_LARGE, UNPROCESSABLE)


def answers(success: dict[int, Any], errors: tuple[int, ...]) -> dict[Any, Any]:
    """An operation's responses: its success bodies and the error statuses it can give."""
    return {**success, frozenset(errors): ErrorOut}
