"""The bulk entry grid of a round: one row per person, read into result entries for
`services.results_record_many`, and every problem put back on its row."""

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.errors import error_items
from fangkong.lab.forms import GridCommonForm, GridFormSet, GridRowForm
from fangkong.lab.models import LabRound
from fangkong.lab.selectors import RoundPerson
from fangkong.lab.services import ResultEntry

PREFIX = "row"
ROW_FIELD = re.compile(r"^results\[(\d+)\]\.(\w+)$")


@dataclass
class GridRow:
    number: int  # from 1, as the page shows it
    line: RoundPerson
    form: GridRowForm
    errors: list[str] = field(default_factory=list)
    bad_fields: set[str] = field(default_factory=set)


@dataclass
class Grid:
    rows: list[GridRow]
    formset: Any
    common: GridCommonForm
    errors: list[str] = field(default_factory=list)


def _initial(lab_round: LabRound, line: RoundPerson) -> dict[str, Any]:
    sampled = timezone.localtime(line.sampled_at) if line.sampled_at else None
    return {
        "person": line.person_id, "sampled_at": sampled, "result": line.result or "",
        "method": line.method or lab_round.method, "laboratory": line.laboratory,
    }  # fmt: skip


def grid_build(lab_round: LabRound, lines: list[RoundPerson], data: Any = None) -> Grid:
    initial = [_initial(lab_round, line) for line in lines]
    formset = GridFormSet(data, initial=initial, prefix=PREFIX)
    common = GridCommonForm(data, prefix="common")
    rows = [
        GridRow(i + 1, line, form)
        for i, (line, form) in enumerate(zip(lines, formset, strict=False))
    ]
    return Grid(rows, formset, common)


def _same_minute(a: datetime.datetime | None, b: datetime.datetime | None) -> bool:
    return (
        a is not None
        and b is not None
        and a.replace(second=0, microsecond=0) == b.replace(second=0, microsecond=0)
    )


def _entry(row: GridRow, common: dict[str, Any]) -> ResultEntry | None:
    """The row's entry; none when it is left empty or says what is already recorded."""
    data, line = row.form.cleaned_data, row.line
    if not data["result"] and not data["sampled_at"]:
        return None
    sampled = data["sampled_at"] or common.get("sampled_at")
    if _same_minute(sampled, line.sampled_at):
        sampled = line.sampled_at  # the page shows minutes: keep the seconds recorded
    laboratory = data["laboratory"] or common.get("laboratory") or ""
    if (data["result"], data["method"], laboratory, sampled) == (
        line.result, line.method, line.laboratory, line.sampled_at
    ):  # fmt: skip
        return None
    return ResultEntry(
        person_id=line.person_id, sampled_at=sampled, result=data["result"],
        method=data["method"], laboratory=laboratory,
    )  # fmt: skip


def _mark(grid: Grid, row: GridRow, field_name: str, message: str) -> None:
    row.errors.append(message)
    row.bad_fields.add(field_name)
    grid.errors.append(message)


def grid_entries(grid: Grid) -> tuple[list[ResultEntry], list[int]]:
    """The entries of the rows filled in and their row numbers; problems of form (a time that
    is no time, a choice not offered, a row not of this round) are put on their rows."""
    if not grid.formset.management_form.is_valid() or not grid.common.is_valid():
        grid.errors.append(_("The grid was not sent whole: reload the page and enter it again."))
        return [], []
    common = grid.common.cleaned_data
    entries, numbers = [], []
    for row in grid.rows:
        posted = row.form.data.get(row.form.add_prefix("person"))
        if str(posted) != str(row.line.person_id):
            message = _("Row %(row)s (%(name)s): %(problem)s") % {
                "row": row.number, "name": row.line.name,
                "problem": _("The round's persons changed: reload the page."),
            }  # fmt: skip
            _mark(grid, row, "person", message)
            continue
        if not row.form.is_valid():
            for name, errors in row.form.errors.items():
                label = row.form.fields[name].label if name in row.form.fields else name
                for text in errors:
                    problem = _("%(field)s: %(message)s") % {"field": label, "message": text}
                    message = _("Row %(row)s (%(name)s): %(problem)s") % {
                        "row": row.number, "name": row.line.name, "problem": problem,
                    }  # fmt: skip
                    _mark(grid, row, name, message)
            continue
        entry = _entry(row, common)
        if entry is not None:
            entries.append(entry)
            numbers.append(row.number)
    return entries, numbers


def grid_refused(grid: Grid, exc: ValidationError, numbers: list[int]) -> None:
    """Put a refusal of the service on the rows it names."""
    by_number = {row.number: row for row in grid.rows}
    for item in error_items(exc):
        found = ROW_FIELD.match(item["field"] or "")
        message = str(item["message"])
        if found is None:
            grid.errors.append(message)
            continue
        row = by_number[numbers[int(found.group(1))]]
        name = {"person_id": "person", "reason": "result"}.get(found.group(2), found.group(2))
        _mark(grid, row, name, message)
