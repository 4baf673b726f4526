"""The weekly supervision summary as an Excel sheet a bureau can send upward."""

import io

import xlsxwriter
from django.http import HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from fangkong.audit.services import Target, audit_record
from fangkong.inspections.models import InspectionMethod
from fangkong.inspections.summaries import WeekSummary

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def summary_xlsx(summary: WeekSummary) -> bytes:
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
    book.close()
    return buffer.getvalue()


def summary_response(request: HttpRequest, summary: WeekSummary) -> HttpResponse:
    """The sheet, audited as an export (the page's download uses it too)."""
    region = summary.region
    audit_record(
        actor=request.user, action="inspection.export",
        target=Target("inspections.inspection", region.code,
                      f"{region.name} {summary.week_start.isoformat()}"),
        after={"region": region.code, "week_start": summary.week_start.isoformat()},
        region_path=region.path,
    )  # fmt: skip
    response = HttpResponse(summary_xlsx(summary),
                            content_type=XLSX_CONTENT_TYPE)  # fmt: skip
    filename = f"supervision-{region.code}-{summary.week_start.isoformat()}.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
