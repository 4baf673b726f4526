"""The day's summary of a region as files.

Excel in the layout officials forward upward, CSV for other tools, and the two formats DHIS2
imports: dataValueSets JSON and ADX XML. Every writer works on the `UnitRow`s of `day_rows`,
which go through the reporting selectors, so scoping and who is expected are decided there.
"""

import csv
import datetime
import io
import itertools
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from fangkong.closures.models import ClosureLevel
from fangkong.closures.selectors import closed_institution_ids
from fangkong.core.exceptions import ApiError
from fangkong.core.scoping import visible
from fangkong.core.xlsx import workbook
from fangkong.regions.models import Region
from fangkong.reporting import selectors
from fangkong.reporting.models import Dhis2Kind, Dhis2Mapping, Template, UnitStatus
from fangkong.reporting.template import COUNT_FIELDS, FIELDS, total

ADX_NAMESPACE = "urn:ihe:qrph:adx:2015"
CSV_COLUMNS = [
    "region_code",
    "region_name",
    "institution_code",
    "institution_name",
    "status",
    "is_zero",
    *COUNT_FIELDS,
    "on_behalf",
    "notes",
]
# Every report uses the default template today; its data set is looked up under this code.
DATA_SET_CODE = Template.DEFAULT.value
CURRENT = "today__current__"
# Bound the number of parameters of one `IN (...)` (SQLite allows 32,766 at most).
MAPPING_BATCH = 5000


class NothingToExport(ApiError):
    """An ADX message holds at least one group: a day without reports has none to send."""

    status = 404
    code = "no_reports"


@dataclass(frozen=True)
class UnitRow:
    """One institution expected to report on the day: where it lies, its status, its figures.

    `banner_code` and `banner_name` name the child of the exported region the institution lies
    in (the region itself for an institution placed directly on it). `figures` is None when no
    report was received.
    """

    banner_code: str
    banner_name: str
    region_code: str
    region_name: str
    code: str
    name: str
    status: str
    is_zero: bool | None = None
    on_behalf: bool | None = None  # reported by an officer for the institution (代报)
    submitted_at: datetime.datetime | None = None  # the report's first submission
    figures: dict[str, int] | None = None
    notes: str = ""
    closure: str = ""  # the closure level in force that day (DESIGN.md: derived, not typed)


def day_rows(
    *, user: Any, region: Region, day: datetime.date, now: datetime.datetime
) -> list[UnitRow]:
    """Return the institutions of `region`'s subtree expected on `day`, as `user` may see them.

    Ordered by region path and institution code. Two queries whatever the number of
    institutions (besides the regimes the selectors read): the units with their current
    revision's figures, and the names of the child regions they are grouped under.
    """
    units = selectors.unit_list(user=user, region=region, day=day, now=now)
    columns = [
        "id",
        "code",
        "name",
        "region__code",
        "region__name",
        "region__path",
        "unit_status",
        f"{CURRENT}is_zero",
        f"{CURRENT}on_behalf",
        f"{CURRENT}notes",
        "today__first_submitted_at",
        *(CURRENT + f for f in COUNT_FIELDS),
    ]
    values = list(units.values(*columns))
    # Sorted here as well as in SQL: a PostgreSQL collation that ignores "/" may interleave two
    # banners' subtrees, and the Excel sheet groups consecutive rows by banner.
    values.sort(key=lambda v: (v["region__path"], v["code"]))
    banners = _banner_names(user, region, {_banner_of(region, v["region__path"]) for v in values})
    closed = closed_institution_ids(units.values("pk"), day)
    return [
        _unit_row(v, _banner_of(region, v["region__path"]), banners, closed.get(v["id"], ""))
        for v in values
    ]


def _banner_of(region: Region, path: str) -> str:
    return path[len(region.path) :].split("/", 1)[0] or region.code


def _banner_names(user: Any, region: Region, codes: set[str]) -> dict[str, str]:
    names = {region.code: region.name}
    children = visible(Region.objects.filter(code__in=codes - {region.code}), user)
    names.update(children.values_list("code", "name"))
    return names


def _unit_row(
    values: dict[str, Any], banner: str, banners: dict[str, str], closure: str
) -> UnitRow:
    received = values[f"{CURRENT}residents"] is not None
    return UnitRow(
        banner_code=banner,
        banner_name=banners.get(banner, banner),
        region_code=values["region__code"],
        region_name=values["region__name"],
        code=values["code"],
        name=values["name"],
        status=values["unit_status"],
        is_zero=values[f"{CURRENT}is_zero"] if received else None,
        on_behalf=values[f"{CURRENT}on_behalf"] if received else None,
        submitted_at=values["today__first_submitted_at"] if received else None,
        figures={f: values[CURRENT + f] for f in COUNT_FIELDS} if received else None,
        notes=values[f"{CURRENT}notes"] or "",
        closure=closure,
    )


def sum_figures(rows: Iterable[UnitRow]) -> dict[str, int | None]:
    """Combine the figures of the received reports among `rows`, field by field (a sum, or the
    minimum for stock such as days of PPE left, None without any report)."""
    received = [row.figures for row in rows if row.figures]
    return {code: total(code, [figures[code] for figures in received]) for code in COUNT_FIELDS}


# Excel ----------------------------------------------------------------------------------------

Cell = str | int | None


def title(region: Region, day: datetime.date) -> str:
    text = _(
        "Daily epidemic prevention report of the elderly care institutions of %(region)s, %(date)s"
    )
    return text % {"region": region.name, "date": formats.date_format(day, "DATE_FORMAT")}


def xlsx_headers() -> list[str]:
    return [
        _("No."),
        _("Banner or district"),
        _("Institution name"),
        _("Report status"),
        _("First submitted at"),
        _("Under closure"),
        _("Zero report?"),
        *(str(f.label) for f in FIELDS),
        _("Reported on its behalf?"),
        _("Problems and needs"),
    ]


def to_xlsx(rows: list[UnitRow], *, region: Region, day: datetime.date) -> bytes:
    """Write the day's table: one row per institution, a subtotal per banner, a grand total."""
    buffer = io.BytesIO()
    book = workbook(buffer)
    sheet = book.add_worksheet(_("Daily report"))
    styles = _styles(book)
    headers = xlsx_headers()
    sheet.merge_range(0, 0, 0, len(headers) - 1, "", styles["title"])
    sheet.write_string(0, 0, title(region, day), styles["title"])
    _write_cells(sheet, 1, list(headers), styles["header"])
    line, number = 2, 1
    for _banner, group in itertools.groupby(rows, key=lambda r: r.banner_code):
        units = list(group)
        line = _write_banner(sheet, line, number, units, styles)
        number += len(units)
    _write_cells(sheet, line, _total_cells(_("Grand total"), None, rows), styles["total"])
    _layout(sheet, len(headers))
    book.close()
    return buffer.getvalue()


def _write_banner(
    sheet: Any, line: int, number: int, units: list[UnitRow], styles: dict[str, Any]
) -> int:
    """Write one banner's institutions and its subtotal; return the next free line."""
    for offset, unit in enumerate(units):
        _write_cells(sheet, line + offset, _unit_cells(number + offset, unit), styles["cell"])
    subtotal = _total_cells(units[0].banner_name, _("Subtotal"), units)
    _write_cells(sheet, line + len(units), subtotal, styles["total"])
    return line + len(units) + 1


def _styles(book: Any) -> dict[str, Any]:
    border = {"border": 1, "valign": "vcenter"}
    return {
        "title": book.add_format({"bold": True, "font_size": 16, "align": "center"}),
        "header": book.add_format({**border, "bold": True, "text_wrap": True, "align": "center"}),
        "cell": book.add_format({**border, "text_wrap": True}),
        "total": book.add_format({**border, "bold": True, "bg_color": "#F2F2F2"}),
    }


def _unit_cells(number: int, unit: UnitRow) -> list[Cell]:
    zero = None if unit.is_zero is None else (_("Yes") if unit.is_zero else _("No"))
    behalf = None if unit.on_behalf is None else (_("Yes") if unit.on_behalf else _("No"))
    figures: list[Cell] = [unit.figures[f] if unit.figures else None for f in COUNT_FIELDS]
    label = str(UnitStatus(unit.status).label)
    closure = str(ClosureLevel(unit.closure).label) if unit.closure else None
    return [number, unit.banner_name, unit.name, label, _local_time(unit.submitted_at), closure,
            zero, *figures, behalf, unit.notes]  # fmt: skip


def _local_time(moment: datetime.datetime | None) -> str | None:
    """A submission time as the site's clock showed it, with the day (a late one may be the
    next day's)."""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else None


def _total_cells(label: str, sublabel: str | None, rows: list[UnitRow]) -> list[Cell]:
    received = sum(1 for r in rows if r.figures is not None)
    counted = _("%(received)s of %(expected)s reported") % {
        "received": received,
        "expected": len(rows),
    }
    closed = sum(1 for r in rows if r.closure)
    return [None, label, sublabel, counted, None, closed, None, *sum_figures(rows).values(), None,
            None]  # fmt: skip


def _write_cells(sheet: Any, line: int, cells: list[Cell], style: Any) -> None:
    # write_string, never write(): a name or a note starting with "=" must stay text.
    for column, value in enumerate(cells):
        if value is None:
            sheet.write_blank(line, column, None, style)
        elif isinstance(value, int):
            sheet.write_number(line, column, value, style)
        else:
            sheet.write_string(line, column, value, style)


def _layout(sheet: Any, columns: int) -> None:
    sheet.set_row(0, 30)
    sheet.set_row(1, 48)
    sheet.set_column(0, 0, 6)
    sheet.set_column(1, 1, 16)
    sheet.set_column(2, 2, 30)
    sheet.set_column(3, 3, 11)
    sheet.set_column(4, 4, 16)
    sheet.set_column(5, 6, 11)
    sheet.set_column(7, columns - 2, 10)
    sheet.set_column(columns - 1, columns - 1, 40)
    sheet.freeze_panes(2, 3)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(1)


# CSV ------------------------------------------------------------------------------------------


def to_csv(rows: list[UnitRow]) -> bytes:
    """One line per institution under machine-friendly column names, UTF-8 with a BOM for Excel."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow(_csv_cells(row))
    return buffer.getvalue().encode("utf-8-sig")


def _csv_cells(row: UnitRow) -> list[str]:
    zero = "" if row.is_zero is None else str(row.is_zero).lower()
    behalf = "" if row.on_behalf is None else str(row.on_behalf).lower()
    figures = [str(row.figures[f]) if row.figures else "" for f in COUNT_FIELDS]
    return [
        row.region_code,
        _csv_text(row.region_name),
        row.code,
        _csv_text(row.name),
        row.status,
        zero,
        *figures,
        behalf,
        _csv_text(row.notes),
    ]


FORMULA_STARTS = ("=", "+", "-", "@")


def _csv_text(value: str) -> str:
    # A spreadsheet would run a cell starting with these as a formula (CSV injection), and
    # some skip leading spaces and line breaks before they look: defuse those too.
    formula = value.lstrip().startswith(FORMULA_STARTS)
    return "'" + value if formula or value.startswith(("\t", "\r")) else value


# DHIS2 ----------------------------------------------------------------------------------------


@dataclass
class Dhis2Ids:
    """DHIS2 identifiers of Fangkong codes, by (kind, code).

    A code without a mapping stands for itself in the export, and is remembered in `unmapped`
    so that the caller can tell which mappings an administrator still has to make.
    """

    uids: dict[tuple[str, str], str]
    unmapped: dict[str, set[str]] = field(default_factory=dict)

    def of(self, kind: Dhis2Kind, code: str) -> str:
        uid = self.uids.get((kind.value, code))
        if uid is None:
            self.unmapped.setdefault(kind.value, set()).add(code)
            return code
        return uid

    def unmapped_codes(self) -> dict[str, list[str]]:
        return {kind: sorted(codes) for kind, codes in sorted(self.unmapped.items())}


def dhis2_ids(rows: list[UnitRow]) -> Dhis2Ids:
    """Load the mappings the export of `rows` needs: data set, data elements, org units."""
    wanted = Q(kind=Dhis2Kind.DATA_SET, code=DATA_SET_CODE) | Q(
        kind=Dhis2Kind.DATA_ELEMENT, code__in=COUNT_FIELDS
    )
    found = list(Dhis2Mapping.objects.filter(wanted).values_list("kind", "code", "uid"))
    received = [row.code for row in rows if row.figures is not None]
    for batch in itertools.batched(received, MAPPING_BATCH, strict=False):
        units = Dhis2Mapping.objects.filter(kind=Dhis2Kind.ORG_UNIT, code__in=batch)
        found += units.values_list("kind", "code", "uid")
    return Dhis2Ids({(kind, code): uid for kind, code, uid in found})


def dhis2_period(day: datetime.date) -> str:
    """DHIS2's daily period, yyyyMMdd."""
    return day.strftime("%Y%m%d")


def to_data_value_set(rows: list[UnitRow], *, day: datetime.date, ids: Dhis2Ids) -> dict[str, Any]:
    """A dataValueSets import body: one data value per received report and field.

    Each value names its own `orgUnit` and `period`, as DHIS2 accepts for a set that spans
    several organisation units; there is therefore no top-level `orgUnit`.
    """
    period = dhis2_period(day)
    values = [
        {
            "dataElement": ids.of(Dhis2Kind.DATA_ELEMENT, code),
            "period": period,
            "orgUnit": ids.of(Dhis2Kind.ORG_UNIT, row.code),
            "value": str(value),
        }
        for row in rows
        if row.figures is not None
        for code, value in row.figures.items()
    ]
    return {
        "dataSet": ids.of(Dhis2Kind.DATA_SET, DATA_SET_CODE),
        "period": period,
        "dataValues": values,
    }


def adx_period(day: datetime.date) -> str:
    """ADX's period: the start date and an ISO 8601 duration of one day."""
    return f"{day.isoformat()}/P1D"


def to_adx(
    rows: list[UnitRow], *, day: datetime.date, ids: Dhis2Ids, exported: datetime.datetime
) -> bytes:
    """An ADX message (urn:ihe:qrph:adx:2015): one group per received report.

    Raises `NothingToExport` when no report was received: the schema requires a group.
    """
    received = [row for row in rows if row.figures is not None]
    if not received:
        raise NothingToExport(_("No report was received on this day: there is nothing to send."))
    stamp = exported.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    root = ET.Element(_adx("adx"), {"exported": stamp})
    data_set = ids.of(Dhis2Kind.DATA_SET, DATA_SET_CODE)
    for row in received:
        _adx_group(root, row, ids, adx_period(day), data_set)
    ET.indent(root)
    # ADX as the default namespace: `default_namespace=` would refuse the unqualified attributes
    # the schema asks for. Registered on every call, as the registry is shared by the process.
    ET.register_namespace("", ADX_NAMESPACE)
    buffer = io.BytesIO()
    ET.ElementTree(root).write(buffer, encoding="utf-8", xml_declaration=True)
    return buffer.getvalue()


def _adx(tag: str) -> str:
    return f"{{{ADX_NAMESPACE}}}{tag}"


def _adx_group(root: ET.Element, row: UnitRow, ids: Dhis2Ids, period: str, data_set: str) -> None:
    attributes = {
        "orgUnit": ids.of(Dhis2Kind.ORG_UNIT, row.code),
        "period": period,
        "dataSet": data_set,
    }
    group = ET.SubElement(root, _adx("group"), attributes)
    for code, value in (row.figures or {}).items():
        ET.SubElement(
            group,
            _adx("dataValue"),
            {"dataElement": ids.of(Dhis2Kind.DATA_ELEMENT, code), "value": str(value)},
        )
