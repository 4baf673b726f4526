"""Excel sheets: a region's closures on a day, and an institution's gate register of a day."""

import datetime
import io
from collections.abc import Sequence

from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.closures.models import (
    Closure,
    ClosureLevel,
    GateDirection,
    GateEvent,
    GatePurpose,
    RuleOutcome,
)
from fangkong.core.xlsx import workbook
from fangkong.institutions.models import Institution
from fangkong.regions.models import Region

Cell = str | int | float | None


def _book(title: str, sheet_name: str, headers: list[str], rows: Sequence[list[Cell]]) -> bytes:
    buffer = io.BytesIO()
    book = workbook(buffer)
    sheet = book.add_worksheet(sheet_name)
    bold = book.add_format({"bold": True, "font_size": 14})
    header = book.add_format({"bold": True, "border": 1, "text_wrap": True})
    cell = book.add_format({"border": 1, "text_wrap": True, "valign": "top"})
    sheet.write_string(0, 0, title, bold)
    for column, text in enumerate(headers):
        sheet.write_string(1, column, text, header)
        sheet.set_column(column, column, 16)
    for line, values in enumerate(rows, start=2):
        for column, value in enumerate(values):
            # write_string, never write(): a name starting with "=" must stay text.
            if value is None:
                sheet.write_blank(line, column, None, cell)
            elif isinstance(value, (int, float)):
                sheet.write_number(line, column, value, cell)
            else:
                sheet.write_string(line, column, value, cell)
    sheet.freeze_panes(2, 0)
    book.close()
    return buffer.getvalue()


def _day(value: datetime.date | None) -> str:
    return value.isoformat() if value else ""


def closures_xlsx(closures: list[Closure], *, region: Region, day: datetime.date) -> bytes:
    headers = [_("No."), _("Region"), _("Institution"), _("Level"), _("First day"),
               _("Last day"), _("Notice"), _("Notice number"), _("Notice date"),
               _("Ordered by"), _("Lifted at")]  # fmt: skip
    rows: list[list[Cell]] = [
        [number, c.institution.region.name, c.institution.name, str(ClosureLevel(c.level).label),
         _day(c.start_date), _day(c.end_date) or _("open-ended"), c.order.basis_title,
         c.order.basis_number, _day(c.order.basis_date), str(c.order.ordered_by or _("System")),
         timezone.localtime(c.lifted_at).strftime("%Y-%m-%d %H:%M") if c.lifted_at else None]
        for number, c in enumerate(closures, start=1)
    ]  # fmt: skip
    title = _("Institutions of %(region)s under closure on %(day)s") % {
        "region": region.name,
        "day": day.isoformat(),
    }
    return _book(title, _("Closures"), headers, rows)


def register_xlsx(
    events: list[GateEvent], *, institution: Institution, day: datetime.date
) -> bytes:
    headers = [_("Time"), _("Direction"), _("Purpose"), _("Name"), _("Vehicle plate"),
               _("Temperature (°C)"), _("Test proof"), _("Rule"), _("Exception reason"),
               _("Exception by"), _("Recorded by")]  # fmt: skip
    rows: list[list[Cell]] = [
        [timezone.localtime(e.at).strftime("%H:%M:%S"), str(GateDirection(e.direction).label),
         str(GatePurpose(e.purpose).label), e.person_name, e.vehicle,
         float(e.temperature) if e.temperature is not None else None, e.test_proof,
         str(RuleOutcome(e.outcome).label), e.exception_reason, str(e.exception_by or ""),
         str(e.recorded_by or "")]
        for e in events
    ]  # fmt: skip
    title = _("Gate register of %(institution)s, %(day)s") % {
        "institution": institution.name,
        "day": day.isoformat(),
    }
    return _book(title, _("Gate register"), headers, rows)
