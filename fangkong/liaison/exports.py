"""A region's liaison coverage of a day as an Excel sheet: one row per open institution."""

import datetime
import io
from typing import Any

from django.db.models import F
from django.utils import formats
from django.utils.translation import gettext as _

from fangkong.core.xlsx import workbook
from fangkong.liaison import selectors
from fangkong.liaison.models import LiaisonLevel
from fangkong.regions.models import Region


def rows(region: Region, day: datetime.date) -> list[dict[str, Any]]:
    """Every institution open on `day` in the subtree, with both liaisons' names (or None)."""
    units: Any = (
        selectors.institutions_with_liaisons(region, day)
        .select_related(None)
        .order_by("region__path", "code")
        .values(
            "code",
            "name",
            region__name=F("region__name"),
            **{
                f"{level}__official__{name}": F(f"{level}__official__{name}")
                for level in LiaisonLevel.values
                for name in ("full_name", "username")
            },
        )
    )
    return [
        {
            "code": unit["code"],
            "name": unit["name"],
            "region": unit["region__name"],
            **{
                level: unit[f"{level}__official__full_name"] or unit[f"{level}__official__username"]
                for level in LiaisonLevel.values
            },
        }
        for unit in units
    ]


def to_xlsx(units: list[dict[str, Any]], *, region: Region, day: datetime.date) -> bytes:
    buffer = io.BytesIO()
    book = workbook(buffer)
    sheet = book.add_worksheet(_("Liaison coverage"))
    border = {"border": 1, "valign": "vcenter"}
    title = book.add_format({"bold": True, "font_size": 16, "align": "center"})
    header = book.add_format({**border, "bold": True, "align": "center", "text_wrap": True})
    cell = book.add_format({**border, "text_wrap": True})
    missing = book.add_format({**border, "bg_color": "#FDE8E8"})
    headers = [_("No."), _("Banner or district"), _("Institution code"), _("Institution name"),
               _("League liaison"), _("Banner liaison"), _("Both assigned?")]  # fmt: skip
    sheet.merge_range(0, 0, 0, len(headers) - 1, "", title)
    sheet.write_string(0, 0, _("Leader liaison of the elderly care institutions of %(region)s, "
                               "%(date)s") % {"region": region.name,
                                              "date": formats.date_format(day, "DATE_FORMAT")},
                       title)  # fmt: skip
    for column, text in enumerate(headers):
        sheet.write_string(1, column, text, header)
    for line, unit in enumerate(units, start=2):
        sheet.write_number(line, 0, line - 1, cell)
        for column, key in enumerate(["region", "code", "name"], start=1):
            sheet.write_string(line, column, unit[key], cell)
        for column, level in enumerate(LiaisonLevel.values, start=4):
            name = unit[level]
            sheet.write_string(line, column, name or _("none assigned"), cell if name else missing)
        both = unit["league"] and unit["banner"]
        sheet.write_string(line, 6, _("Yes") if both else _("No"), cell if both else missing)
    total = len(units) + 2
    covered = sum(1 for unit in units if unit["league"] and unit["banner"])
    sheet.write_string(total, 3, _("%(covered)s of %(count)s institutions have both liaisons")
                       % {"covered": covered, "count": len(units)}, header)  # fmt: skip
    sheet.set_column(0, 0, 6)
    sheet.set_column(1, 2, 16)
    sheet.set_column(3, 3, 32)
    sheet.set_column(4, 6, 16)
    sheet.freeze_panes(2, 4)
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(1)
    book.close()
    return buffer.getvalue()
