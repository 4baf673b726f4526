"""The weekly supervision summary as an Excel sheet a bureau can send upward."""

import io
from collections.abc import Sequence
from typing import Any

import xlsxwriter
from django.http import HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from fangkong.audit.services import Target, audit_record
from fangkong.inspections.models import InspectionMethod
from fangkong.inspections.summaries import ChildSummary, WeekSummary

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def summary_xlsx(summary: WeekSummary, children: Sequence[ChildSummary] = ()) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {
        "in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
        "strings_to_numbers": False,
    })  # fmt: skip
    sheet = book.add_worksheet(_("Supervision"))
    bold = book.add_format({"bold": True, "font_size": 14})
    head = book.add_format({"bold": True, "border": 1, "text_wrap": True})
    cell = book.add_format({"border": 1, "text_wrap": True, "valign": "top"})
    percent = book.add_format({"border": 1, "num_format": "0.0%"})
    title = _("%(region)s supervision, week of %(start)s to %(end)s") % {
        "region": summary.region.name, "start": summary.week_start.isoformat(),
        "end": summary.week_end.isoformat(),
    }  # fmt: skip
    sheet.write_string(0, 0, title, bold)
    sheet.set_column(0, 0, 36)
    sheet.set_column(1, 2, 14)
    rows: list[tuple[str, int | float | None]] = [
        (_("Inspections"), summary.inspections),
        *[
            (str(label), summary.by_method.get(value, 0))
            for value, label in InspectionMethod.choices
        ],
        (_("Unannounced"), summary.unannounced),
    ]
    line = 2
    for label, value in rows:
        sheet.write_string(line, 0, label, head)
        sheet.write_number(line, 1, value or 0, cell)
        line += 1
    sheet.write_string(line, 0, _("Share unannounced"), head)
    sheet.write_number(line, 1, summary.unannounced_share, percent)
    line += 1
    for key, label in [("total", _("Rectifications found")), ("open", _("Open")),
                       ("fixed", _("Fixed")), ("verified", _("Verified")),
                       ("overdue", _("Overdue"))]:  # fmt: skip
        sheet.write_string(line, 0, str(label), head)
        sheet.write_number(line, 1, summary.rectifications.get(key, 0), cell)
        line += 1
    sheet.write_string(line, 0, _("Median days to fix"), head)
    if summary.median_days_to_fix is None:
        sheet.write_blank(line, 1, None, cell)
    else:
        sheet.write_number(line, 1, summary.median_days_to_fix, cell)
    line += 2
    for column, text in enumerate([_("Checklist item"), _("No."), _("Failed")]):
        sheet.write_string(line, column, text, head)
    for number, text, count in summary.findings:
        line += 1
        sheet.write_string(line, 0, text, cell)
        sheet.write_number(line, 1, number, cell)
        sheet.write_number(line, 2, count, cell)
    if children:
        _children_sheet(book, summary, children, head, cell, percent)
    book.close()
    return buffer.getvalue()


def _children_sheet(
    book: Any, summary: WeekSummary, children: Sequence[ChildSummary], *formats: Any
) -> None:
    """The same numbers by child region, with a total row that is the region's own."""
    head, cell, percent = formats
    sheet = book.add_worksheet(_("By region"))
    columns = [_("Region"), _("Code"), _("Inspections"),
               *[str(label) for _value, label in InspectionMethod.choices], _("Unannounced"),
               _("Share unannounced"), _("Failed items"), _("Rectifications found"), _("Open"),
               _("Fixed"), _("Verified"), _("Overdue"), _("Median days to fix")]  # fmt: skip
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, len(columns) - 1, 12)
    for column, text in enumerate(columns):
        sheet.write_string(0, column, str(text), head)
    rows = [
        (
            _("%(name)s (directly)") % {"name": part.region.name}
            if part.direct
            else part.region.name,
            part.region.code,
            part.summary,
        )
        for part in children
    ]
    rows.append((_("Total"), summary.region.code, summary))  # fmt: skip
    for line, (name, code, part) in enumerate(rows, start=1):
        sheet.write_string(line, 0, name, cell)
        sheet.write_string(line, 1, code, cell)
        values = [part.inspections, *[part.by_method.get(v, 0) for v in InspectionMethod.values],
                  part.unannounced]  # fmt: skip
        for column, value in enumerate(values, start=2):
            sheet.write_number(line, column, value, cell)
        column = 2 + len(values)
        sheet.write_number(line, column, part.unannounced_share, percent)
        sheet.write_number(line, column + 1, sum(c for _n, _t, c in part.findings), cell)
        for offset, key in enumerate(("total", "open", "fixed", "verified", "overdue"), start=2):
            sheet.write_number(line, column + offset, part.rectifications.get(key, 0), cell)
        if part.median_days_to_fix is None:
            sheet.write_blank(line, column + 7, None, cell)
        else:
            sheet.write_number(line, column + 7, part.median_days_to_fix, cell)


def summary_response(
    request: HttpRequest, summary: WeekSummary, children: Sequence[ChildSummary] = ()
) -> HttpResponse:
    """The sheet, audited as an export (the page's download uses it too)."""
    region = summary.region
    audit_record(
        actor=request.user, action="inspection.export",
        target=Target("inspections.inspection", region.code,
                      f"{region.name} {summary.week_start.isoformat()}"),
        after={"region": region.code, "week_start": summary.week_start.isoformat()},
        region_path=region.path,
    )  # fmt: skip
    response = HttpResponse(summary_xlsx(summary, children),
                            content_type=XLSX_CONTENT_TYPE)  # fmt: skip
    filename = f"supervision-{region.code}-{summary.week_start.isoformat()}.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
