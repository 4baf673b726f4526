"""A region's rounds of one name as an Excel sheet: by institution with coverage and
completion, and the positives with their identity numbers masked. Audited as a sensitive read."""

import io
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.audit.services import Target, audit_record
from fangkong.core.scoping import scope_of
from fangkong.core.xlsx import attachment, workbook
from fangkong.lab import selectors
from fangkong.lab.models import LabMethod, LabResult, LabRound
from fangkong.regions.models import Region

EXPORTERS = {"admin", "officer"}  # the bureau's; an institution exports nothing of a region


def may_export(user: Any, region: Region) -> bool:
    return scope_of(user, EXPORTERS).covers_path(region.path)


def _local(moment: Any) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def rounds_xlsx(
    region: Region, name: str, rounds: list[LabRound], positives: list[LabResult]
) -> bytes:
    buffer = io.BytesIO()
    book = workbook(buffer)
    bold = book.add_format({"bold": True, "font_size": 14})
    head = book.add_format({"bold": True, "border": 1, "text_wrap": True, "valign": "top"})
    cell = book.add_format({"border": 1, "valign": "top"})
    percent = book.add_format({"border": 1, "num_format": "0.0%"})
    sheet = book.add_worksheet(_("Rounds"))
    complete = sum(1 for r in rounds if selectors.is_complete(r))
    sheet.write_string(0, 0, _("%(region)s: testing round %(name)s") % {
        "region": region.name, "name": name}, bold)  # fmt: skip
    sheet.write_string(1, 0, _("%(complete)s/%(all)s institutions complete") % {
        "complete": complete, "all": len(rounds)})  # fmt: skip
    columns = [_("Institution code"), _("Institution"), _("Started at"), _("Method"),
               _("Expected persons"), _("Tested persons"), _("Excused persons"),
               _("Positive persons"), _("Coverage"),
               _("Complete")]  # fmt: skip
    sheet.set_column(0, 0, 14)
    sheet.set_column(1, 1, 30)
    sheet.set_column(2, 2, 17)
    for column, text in enumerate(columns):
        sheet.write_string(3, column, text, head)
    for line, r in enumerate(rounds, start=4):
        n: Any = r
        sheet.write_string(line, 0, r.institution.code, cell)
        sheet.write_string(line, 1, r.institution.name, cell)
        sheet.write_string(line, 2, _local(r.started_at), cell)
        sheet.write_string(line, 3, str(LabMethod(r.method).label), cell)
        for column, value in enumerate([n.n_expected, n.n_tested, n.n_done - n.n_tested,
                                        n.n_positive], start=4):  # fmt: skip
            sheet.write_number(line, column, value, cell)
        sheet.write_number(line, 8, n.n_tested / n.n_expected if n.n_expected else 0, percent)
        sheet.write_string(line, 9, _("Yes") if selectors.is_complete(r) else _("No"), cell)
    _positives_sheet(book, positives, head, cell)
    book.close()
    return buffer.getvalue()


def _positives_sheet(book: Any, positives: list[LabResult], head: Any, cell: Any) -> None:
    sheet = book.add_worksheet(_("Positives"))
    columns = [_("Institution"), _("Name"), _("Identity number"), _("Sampled at"), _("Method"),
               _("Laboratory"), _("Added because")]  # fmt: skip
    sheet.set_column(0, 0, 30)
    sheet.set_column(1, 6, 18)
    for column, text in enumerate(columns):
        sheet.write_string(0, column, text, head)
    for line, row in enumerate(positives, start=1):
        values = [row.round.institution.name, row.person.name, row.person.id_number_masked,
                  _local(row.sampled_at), str(LabMethod(row.method).label), row.laboratory,
                  row.added_reason]  # fmt: skip
        for column, value in enumerate(values):
            sheet.write_string(line, column, value, cell)


def rounds_response(*, user: Any, region: Region, name: str) -> HttpResponse:
    """The sheet, its export recorded in the audit log."""
    rounds = list(selectors.region_rounds(user=user, region=region, name=name))
    positives = list(selectors.region_positives(user=user, region=region, name=name))
    audit_record(
        actor=user, action="lab_round.export",
        target=Target("lab.labround", region.code, f"{region.name} {name}"[:200]),
        after={"region": region.code, "name": name, "rounds": len(rounds),
               "positives": len(positives)},
        region_path=region.path,
    )  # fmt: skip
    content = rounds_xlsx(region, name, rounds, positives)
    return attachment(content, f"lab-rounds-{region.code}-{name}.xlsx")
