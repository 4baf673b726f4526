import io
import json
from collections.abc import Iterable

import xlsxwriter
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.audit.models import AuditEvent


def events_to_xlsx(events: Iterable[AuditEvent]) -> bytes:
    """Write the events as one Excel sheet, newest first, times in local time."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "constant_memory": True})
    sheet = book.add_worksheet(_("Audit log"))
    bold = book.add_format({"bold": True})
    headers = [_("Time"), _("Actor"), _("Action"), _("Target type"), _("Target id"),
               _("Target"), _("Before"), _("After"), _("IP address")]  # fmt: skip
    sheet.write_row(0, 0, headers, bold)
    for row, event in enumerate(events, start=1):
        sheet.write_row(
            row,
            0,
            [
                timezone.localtime(event.at).strftime("%Y-%m-%d %H:%M:%S"),
                event.actor_name,
                event.action,
                event.target_type,
                event.target_id,
                event.target_repr,
                json.dumps(event.before, ensure_ascii=False) if event.before is not None else "",
                json.dumps(event.after, ensure_ascii=False) if event.after is not None else "",
                event.ip or "",
            ],
        )
    sheet.set_column(0, 0, 20)
    sheet.set_column(5, 7, 40)
    book.close()
    return buffer.getvalue()
