"""The daily report's default template (DESIGN.md, "The daily report")."""

from dataclasses import dataclass
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class FieldKind(StrEnum):
    CENSUS = "census"
    EVENT = "event"
    ACTIVITY = "activity"
    STOCK = "stock"


@dataclass(frozen=True)
class ReportField:
    code: str
    label: Promise
    kind: FieldKind

    @property
    def zero_in_zero_report(self) -> bool:
        return self.kind == FieldKind.EVENT


FIELDS = [
    ReportField("residents", _("Residents in the institution"), FieldKind.CENSUS),
    ReportField("staff_on_site", _("Staff on site"), FieldKind.CENSUS),
    ReportField("in_isolation", _("Under isolation and observation"), FieldKind.CENSUS),
    ReportField("admissions", _("New admissions today"), FieldKind.EVENT),
    ReportField("visitors", _("Visits today"), FieldKind.EVENT),
    ReportField("fever", _("New fever cases today"), FieldKind.EVENT),
    ReportField("respiratory", _("New respiratory symptoms today"), FieldKind.EVENT),
    ReportField("suspected", _("New suspected cases today"), FieldKind.EVENT),
    ReportField("confirmed", _("New confirmed cases today"), FieldKind.EVENT),
    ReportField("close_contacts", _("New close contacts today"), FieldKind.EVENT),
    ReportField("tested", _("Tested today"), FieldKind.ACTIVITY),
    ReportField("positive", _("Positive today"), FieldKind.EVENT),
    ReportField("ppe_days", _("Days of protective equipment left"), FieldKind.STOCK),
]
COUNT_FIELDS = [f.code for f in FIELDS]
EVENT_FIELDS = [f.code for f in FIELDS if f.zero_in_zero_report]
CENSUS_FIELDS = [f.code for f in FIELDS if f.kind in (FieldKind.CENSUS, FieldKind.STOCK)]
BY_CODE = {f.code: f for f in FIELDS}

# A stock (days of PPE left) does not add up across institutions: the region has as many days as
# its worst-supplied institution, so totals take the minimum.
STOCK_FIELDS = [f.code for f in FIELDS if f.kind == FieldKind.STOCK]


def total(code: str, values: list[int]) -> int | None:
    """Combine one field's values of several reports into the region's figure.

    Without any report a count adds up to 0, but a stock is not known: None, not 0 days.
    """
    if code in STOCK_FIELDS:
        return min(values) if values else None
    return sum(values)
