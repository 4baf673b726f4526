"""A screening's line list as an Excel sheet: identity numbers masked unless the reader's role
may see them (the view decides, and records the export in the audit log)."""

import io
from collections.abc import Sequence

from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.xlsx import workbook
from fangkong.screening.models import (
    ContactClass,
    FollowUpOutcome,
    FollowUpStatus,
    Screening,
    ScreeningSubject,
    SubjectRole,
)
from fangkong.screening.selectors import FollowUpState

Cell = str | None


def _moment(value: object) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")  # type: ignore[arg-type]


def _follow_up(state: FollowUpState | None) -> list[Cell]:
    if state is None:
        return [None, None, None, None]
    fu = state.follow_up
    status = str(FollowUpStatus(fu.status).label)
    if fu.outcome:
        status = f"{status}: {FollowUpOutcome(fu.outcome).label}"
    tests = "、".join(f"{t.day.isoformat()} {t.result_label or '—'}" for t in state.tests)
    overdue = _("Overdue since %(day)s") % {"day": state.overdue_since} if state.overdue else None
    return [status, fu.quarantine_until.isoformat(), tests, overdue]


def line_list_xlsx(
    screening: Screening,
    subjects: Sequence[ScreeningSubject],
    follow_ups: dict[int, FollowUpState],
    *,
    full_numbers: bool,
) -> bytes:
    headers = [_("No."), _("Name"), _("Identity number"), _("Roles"), _("Class"),
               _("Classified because"), _("Proposed class"), _("Also present in"),
               _("Follow-up"), _("Quarantine until"), _("Tests"), _("Overdue")]  # fmt: skip
    rows: list[list[Cell]] = []
    for number, subject in enumerate(subjects, start=1):
        person = subject.person
        rows.append([
            str(number), person.name,
            person.id_number if full_numbers else person.id_number_masked,
            "、".join(str(SubjectRole(role).label) for role in subject.roles),
            str(ContactClass(subject.classification).label) if subject.classification else None,
            subject.classification_reason or None,
            str(ContactClass(subject.proposed).label) if subject.proposed else None,
            "、".join(str(place["name"]) for place in subject.elsewhere) or None,
            *_follow_up(follow_ups.get(subject.person_id)),
        ])  # fmt: skip
    title = _("Line list of the screening of %(institution)s, %(start)s – %(end)s") % {
        "institution": screening.institution.name, "start": _moment(screening.start),
        "end": _moment(screening.end),
    }  # fmt: skip
    return _book(title, headers, rows)


def _book(title: str, headers: list[str], rows: Sequence[list[Cell]]) -> bytes:
    buffer = io.BytesIO()
    book = workbook(buffer)
    sheet = book.add_worksheet(_("Line list"))
    bold = book.add_format({"bold": True, "font_size": 14})
    header = book.add_format({"bold": True, "border": 1, "text_wrap": True})
    cell = book.add_format({"border": 1, "text_wrap": True, "valign": "top"})
    sheet.write_string(0, 0, title, bold)
    for column, text in enumerate(headers):
        sheet.write_string(1, column, text, header)
        sheet.set_column(column, column, 20 if column == 2 else 14)
    for line, values in enumerate(rows, start=2):
        for column, value in enumerate(values):
            # write_string, never write(): a name starting with "=" must stay text.
            if value is None:
                sheet.write_blank(line, column, None, cell)
            else:
                sheet.write_string(line, column, value, cell)
    sheet.freeze_panes(2, 2)
    book.close()
    return buffer.getvalue()
