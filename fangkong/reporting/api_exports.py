"""The day's summary of a region as files: Excel, CSV, DHIS2 dataValueSets JSON and ADX XML.

Every export is a sensitive read and writes one `report.export` audit event. The DHIS2 formats
must stay importable as they are, so the Fangkong codes that had no DHIS2 mapping (and were sent
as themselves) are reported beside the body, in two headers:

- `X-Fangkong-Unmapped-Count`: how many codes lacked a mapping (0 when all were mapped);
- `X-Fangkong-Unmapped`: the codes by kind, e.g. `data_element=fever,visitors; org_unit=1529210002`
  (at most `UNMAPPED_LISTED` codes of each kind, then `...`); absent when all were mapped.
"""

import datetime
import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Router

from fangkong.audit.services import Target, audit_record
from fangkong.core.schema import READ, Day, ErrorOut, RegionCodeRef
from fangkong.core.xlsx import XLSX_CONTENT_TYPE, attachment
from fangkong.regions.models import Region
from fangkong.regions.selectors import region_get
from fangkong.reporting import exports

router = Router(tags=["exports"])

UNMAPPED_LISTED = 50
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
JSON_CONTENT_TYPE = "application/json"
ADX_CONTENT_TYPE = "application/adx+xml"


def _file(content_type: str, *, dhis2: bool = False) -> dict[str, Any]:
    """The OpenAPI description of a response that is a file of `content_type`."""
    media = content_type.split(";")[0]
    schema = {"type": "string", "format": "binary"}
    if media == JSON_CONTENT_TYPE:
        schema = {"type": "object"}
    response: dict[str, Any] = {"content": {media: {"schema": schema}}}
    if dhis2:
        text = {"schema": {"type": "string"}}
        response["headers"] = {
            "X-Fangkong-Unmapped-Count": {**text, "description": "Codes sent without a mapping."},
            "X-Fangkong-Unmapped": {**text, "description": "Those codes: kind=code,code; ..."},
        }
    return {"responses": {200: response}}


# The files are answered as they are; the errors are described as every operation's are.
ERRORS = {frozenset(READ): ErrorOut}


def _rows(
    request: HttpRequest, code: str, day: datetime.date
) -> tuple[Region, list[exports.UnitRow]]:
    region = region_get(user=request.user, code=code)
    now = timezone.now()
    return region, exports.day_rows(user=request.user, region=region, day=day, now=now)


def _record(
    request: HttpRequest,
    region: Region,
    day: datetime.date,
    rows: list[exports.UnitRow],
    **details: Any,
) -> None:
    received = sum(1 for row in rows if row.figures is not None)
    audit_record(
        actor=request.user,
        action="report.export",
        target=Target("reporting.dailyreport", region.code, f"{region.name} {day.isoformat()}"),
        after={"region": region.code, "date": day.isoformat(), "expected": len(rows),
               "received": received, **details},
        region_path=region.path,
    )  # fmt: skip


def _flag_unmapped(response: HttpResponse, unmapped: dict[str, list[str]]) -> None:
    response["X-Fangkong-Unmapped-Count"] = str(_count(unmapped))
    if unmapped:
        response["X-Fangkong-Unmapped"] = "; ".join(
            f"{kind}={_listed(codes)}" for kind, codes in unmapped.items()
        )


def _listed(codes: list[str]) -> str:
    more = ",..." if len(codes) > UNMAPPED_LISTED else ""
    return ",".join(codes[:UNMAPPED_LISTED]) + more


@router.get(
    "/regions/{code}/daily-summary.xlsx",
    response=ERRORS,
    openapi_extra=_file(XLSX_CONTENT_TYPE),
)
def daily_summary_xlsx(request: HttpRequest, code: RegionCodeRef, date: Day) -> HttpResponse:
    """The day's table as officials forward it: institutions by banner, subtotals, total."""
    region, rows = _rows(request, code, date)
    content = exports.to_xlsx(rows, region=region, day=date)
    _record(request, region, date, rows, format="xlsx")
    filename = f"daily-summary-{region.code}-{date.isoformat()}.xlsx"
    return attachment(content, filename, XLSX_CONTENT_TYPE)


@router.get(
    "/regions/{code}/daily-summary.csv", response=ERRORS, openapi_extra=_file(CSV_CONTENT_TYPE)
)
def daily_summary_csv(request: HttpRequest, code: RegionCodeRef, date: Day) -> HttpResponse:
    """One line per expected institution, columns named by their codes (UTF-8 with BOM)."""
    region, rows = _rows(request, code, date)
    content = exports.to_csv(rows)
    _record(request, region, date, rows, format="csv")
    filename = f"daily-summary-{region.code}-{date.isoformat()}.csv"
    return attachment(content, filename, CSV_CONTENT_TYPE)


@router.get(
    "/regions/{code}/dataValueSets.json",
    response=ERRORS,
    openapi_extra=_file(JSON_CONTENT_TYPE, dhis2=True),
)
def dhis2_data_value_sets(request: HttpRequest, code: RegionCodeRef, date: Day) -> HttpResponse:
    """The received reports as a DHIS2 dataValueSets import; see the module for the headers."""
    region, rows = _rows(request, code, date)
    ids = exports.dhis2_ids(rows)
    body = exports.to_data_value_set(rows, day=date, ids=ids)
    content = json.dumps(body, ensure_ascii=False).encode()
    filename = f"dataValueSets-{region.code}-{exports.dhis2_period(date)}.json"
    return _dhis2_attachment(request, region, date, rows, ids, "dhis2", content, filename)


@router.get(
    "/regions/{code}/adx.xml", response=ERRORS, openapi_extra=_file(ADX_CONTENT_TYPE, dhis2=True)
)
def adx(request: HttpRequest, code: RegionCodeRef, date: Day) -> HttpResponse:
    """The received reports as an ADX message; 404 `no_reports` on a day without any."""
    region, rows = _rows(request, code, date)
    ids = exports.dhis2_ids(rows)
    content = exports.to_adx(rows, day=date, ids=ids, exported=timezone.now())
    filename = f"adx-{region.code}-{date.isoformat()}.xml"
    return _dhis2_attachment(request, region, date, rows, ids, "adx", content, filename)


def _dhis2_attachment(
    request: HttpRequest,
    region: Any,
    day: datetime.date,
    rows: Any,
    ids: Any,
    format: str,
    content: bytes,
    filename: str,
) -> HttpResponse:
    """Record the export and send it, with the codes no DHIS2 mapping covered in headers."""
    unmapped = ids.unmapped_codes()
    _record(request, region, day, rows, format=format, unmapped=_count(unmapped))
    content_type = JSON_CONTENT_TYPE if format == "dhis2" else ADX_CONTENT_TYPE
    response = attachment(content, filename, content_type)
    _flag_unmapped(response, unmapped)
    return response


def _count(unmapped: dict[str, list[str]]) -> int:
    return sum(len(codes) for codes in unmapped.values())
