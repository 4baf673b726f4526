import datetime
import json
import tempfile
from collections.abc import Iterable
from typing import IO, Any

import xlsxwriter
from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.audit.models import AuditEvent
from fangkong.core.xlsx import PLAIN_TEXT

DEFAULT_DAYS = 31
MAX_DAYS = 366
# Excel's last row, less the header.
MAX_ROWS = 1_048_575


class ExportTooLarge(Exception):
    pass


class ExportRange(forms.Form):
    """The days an export covers: at most a year, the last 31 days unless chosen."""

    since = forms.DateField(
        required=False, error_messages={"invalid": gettext_lazy("Enter a valid start date.")}
    )
    until = forms.DateField(
        required=False, error_messages={"invalid": gettext_lazy("Enter a valid end date.")}
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        until = data.get("until") or timezone.localdate()
        since = data.get("since") or until - datetime.timedelta(days=DEFAULT_DAYS - 1)
        if since > until:
            raise forms.ValidationError(
                gettext_lazy("The start date is after the end date."), code="reversed"
            )
        if (until - since).days + 1 > MAX_DAYS:
            raise forms.ValidationError(
                gettext_lazy("An export covers at most %(days)d days; choose a shorter range."),
                code="too_long",
                params={"days": MAX_DAYS},
            )
        return {"since": since, "until": until}


def events_to_xlsx(events: Iterable[AuditEvent]) -> tuple[IO[bytes], int]:
    """Write the events, newest first, to a temporary Excel file; return it and the row count.

    Rows go to disk as they come (constant-memory mode), so a year of events never sits in
    memory; the caller owns the returned file, positioned at its start.
    """
    file = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the caller, who closes it
    try:
        rows = _write_book(file, events)
    except BaseException:
        file.close()
        raise
    file.seek(0)
    return file, rows


def _write_book(file: IO[bytes], events: Iterable[AuditEvent]) -> int:
    # xlsxwriter removes its row files only when the book closes; a failed export must not
    # leave them behind, so they live in a directory that goes away whatever happens.
    with tempfile.TemporaryDirectory() as tmpdir:
        book = xlsxwriter.Workbook(file, {"constant_memory": True, "tmpdir": tmpdir, **PLAIN_TEXT})
        rows = _write_sheet(book, events)
        book.close()
    return rows


def _write_sheet(book: Any, events: Iterable[AuditEvent]) -> int:
    sheet = book.add_worksheet(_("Audit log"))
    sheet.set_column(0, 0, 20)
    sheet.set_column(5, 7, 40)
    headers = [_("Time"), _("Actor"), _("Action"), _("Target type"), _("Target id"),
               _("Target"), _("Before"), _("After"), _("IP address"), _("Action code")]  # fmt: skip
    sheet.write_row(0, 0, headers, book.add_format({"bold": True}))
    rows = 0
    for rows, event in enumerate(events, start=1):
        if rows > MAX_ROWS:
            raise ExportTooLarge
        sheet.write_row(rows, 0, _cells(event))
    return rows


def _cells(event: AuditEvent) -> list[str]:
    return [
        timezone.localtime(event.at).strftime("%Y-%m-%d %H:%M:%S"),
        event.actor_name,
        event.action_label,
        event.target_type,
        event.target_id,
        event.target_repr,
        _json(event.before),
        _json(event.after),
        event.ip or "",
        event.action,
    ]


def _json(value: dict[str, Any] | None) -> str:
    return json.dumps(value, ensure_ascii=False) if value is not None else ""
