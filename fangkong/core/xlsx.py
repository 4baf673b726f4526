"""Excel sheets the apps send out: the workbook's options and the attachment that carries it.

Every app writes its own sheets (with xlsxwriter); what must be the same everywhere lives here:
text stays text (an institution named "=HYPERLINK(...)" must not become a live formula, link or
number), and a download is an attachment under a name that survives Chinese characters.
"""

import io
from typing import Any

import xlsxwriter
from django.http import HttpResponse
from django.utils.http import content_disposition_header

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PLAIN_TEXT = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}


def workbook(buffer: io.BytesIO, **options: Any) -> Any:
    """A workbook written into `buffer` in memory, its text kept as text."""
    return xlsxwriter.Workbook(buffer, {"in_memory": True, **PLAIN_TEXT, **options})


def attachment(
    content: bytes, filename: str, content_type: str = XLSX_CONTENT_TYPE
) -> HttpResponse:
    """A download of `content` named `filename`."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
