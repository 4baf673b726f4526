"""A day as clients write it: `YYYY-MM-DD` and nothing else, within the days the system keeps.

Python's `date.fromisoformat` also takes `20261202` and pydantic's lax mode takes `0` or a Unix
timestamp; a mistyped day must be refused, never read as another one. The bounds keep arithmetic
on a day (the fortnight before it, the day after it) inside what `datetime.date` can hold.
"""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

DAY_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
FIRST_DAY = datetime.date(2000, 1, 1)
LAST_DAY = datetime.date(2099, 12, 31)

_DAY = re.compile(DAY_PATTERN, re.ASCII)


def parse_day(value: str, *, field: str = "date") -> datetime.date:
    """The day `value` names, or a ValidationError for `field` in the shared error shape."""
    try:
        day = datetime.date.fromisoformat(value) if _DAY.fullmatch(value) else None
    except ValueError:
        day = None
    if day is None:
        raise ValidationError(
            {field: ValidationError(_("Enter a day as YYYY-MM-DD."), code="invalid_date")}
        )
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValidationError({
            field: ValidationError(
                _("Enter a day from %(first)s to %(last)s."), code="date_out_of_range",
                params={"first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()},
            )
        })  # fmt: skip
    return day
