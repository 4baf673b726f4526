import datetime
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy
from ninja import Field, Router, Schema, Status
from pydantic import StrictBool

from fangkong.accounts.models import granted_institution
from fangkong.core.errors import field_error
from fangkong.core.exceptions import ApiError
from fangkong.core.pagination import MAX_OFFSET, Pagination
from fangkong.core.schema import (
    PRECONDITION_FAILED,
    PRECONDITION_REQUIRED,
    READ,
    WRITE,
    Count,
    Day,
    HourMinute,
    InputSchema,
    InstitutionCodeRef,
    MinutesOfDay,
    Name,
    RegionCode,
    RegionCodeRef,
    Text,
    answers,
)
from fangkong.institutions.selectors import institution_get
from fangkong.regions.selectors import region_get
from fangkong.reporting import bulletin, confirmation, selectors, services
from fangkong.reporting.idempotency import (
    MAX_KEY_LENGTH,
    check_key,
    recorded,
    remember,
    request_digest,
)
from fangkong.reporting.models import (
    BannerConfirmation,
    DailyReport,
    IdempotencyRecord,
    ReportingRegime,
    ReportRevision,
    UnitStatus,
    text_limit,
)
from fangkong.reporting.template import EVENT_FIELDS
from fangkong.surveillance.selectors import signal_list

router = Router(tags=["reporting"])


class RegimeIn(InputSchema):
    name: Annotated[Name, Field(max_length=200)]
    region_code: RegionCode
    start_date: Day
    end_date: Day | None = None
    deadline: HourMinute = datetime.time(16, 0)
    deadline_inclusive: StrictBool = False
    confirmation_deadline: HourMinute | None = None
    timezone: Annotated[Text, Field(max_length=64)] = "Asia/Shanghai"
    reminder_minutes: MinutesOfDay = 60


class RegimeOut(Schema):
    id: int
    name: str
    region_code: str = Field(alias="region.code")
    start_date: datetime.date
    end_date: datetime.date | None
    deadline: str
    deadline_inclusive: bool
    timezone: str

    @staticmethod
    def resolve_deadline(obj: ReportingRegime) -> str:
        return obj.deadline.strftime("%H:%M")


@router.post("/regimes", response=answers({201: RegimeOut}, WRITE))
def create_regime(request: HttpRequest, payload: RegimeIn) -> Status[ReportingRegime]:
    return Status(201, services.regime_create(actor=request.user, **payload.dict()))


class ReportIn(InputSchema):
    """The template's fields; in a zero report the event fields may be left out (they are 0)."""

    is_zero: StrictBool = False
    residents: Count | None = None
    staff_on_site: Count | None = None
    in_isolation: Count | None = None
    admissions: Count | None = None
    visitors: Count | None = None
    fever: Count | None = None
    respiratory: Count | None = None
    suspected: Count | None = None
    confirmed: Count | None = None
    close_contacts: Count | None = None
    tested: Count | None = None
    positive: Count | None = None
    ppe_days: Count | None = None
    notes: Annotated[Text, Field(max_length=text_limit(ReportRevision, "notes"))] = ""
    reason: Annotated[Text, Field(max_length=text_limit(ReportRevision, "reason"))] = ""


class WarningOut(Schema):
    field: str
    code: str
    message: str


class ReportOut(Schema):
    institution_code: str
    date: datetime.date
    status: str
    submitted_at: datetime.datetime
    revised_at: datetime.datetime
    revision: int
    is_zero: bool
    residents: int
    staff_on_site: int
    in_isolation: int
    admissions: int
    visitors: int
    fever: int
    respiratory: int
    suspected: int
    confirmed: int
    close_contacts: int
    tested: int
    positive: int
    ppe_days: int
    notes: str
    # Sent by someone who is not an operator of the institution (代报); False in answers
    # recorded for an Idempotency-Key before the field existed.
    on_behalf: bool = False
    warnings: list[WarningOut] = []


def report_body(report: DailyReport, warnings: list[services.ReportWarning]) -> dict[str, Any]:
    current = report.current
    assert current is not None
    return {
        "institution_code": report.institution.code,
        "date": report.day.isoformat(),
        "status": report.status,
        "submitted_at": report.first_submitted_at.isoformat(),
        "revised_at": current.submitted_at.isoformat(),
        "revision": report.revision,
        "is_zero": current.is_zero,
        **current.figures(),
        "notes": current.notes,
        "on_behalf": current.on_behalf,
        "warnings": [w.__dict__ for w in warnings],
    }


def _replay(record: IdempotencyRecord, response: HttpResponse) -> Status[dict[str, Any]]:
    response["ETag"] = record.etag
    response["Idempotent-Replayed"] = "true"
    return Status(record.status_code, record.body)


REPORT_HEADERS = {
    "parameters": [
        {
            "name": "If-Match",
            "in": "header",
            "required": False,
            "description": "The ETag of the current revision, to amend the report.",
            "schema": {"type": "string"},
        },
        {
            "name": "Idempotency-Key",
            "in": "header",
            "required": False,
            "description": "The same key and body replay the first answer.",
            "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
        },
    ]
}


@router.put(
    "/institutions/{code}/daily-reports/{day}",
    response=answers(
        {200: ReportOut, 201: ReportOut}, (*WRITE, PRECONDITION_FAILED, PRECONDITION_REQUIRED)
    ),
    openapi_extra=REPORT_HEADERS,
)
def put_report(
    request: HttpRequest,
    code: InstitutionCodeRef,
    day: Day,
    payload: ReportIn,
    response: HttpResponse,
) -> Status[dict[str, Any]]:
    """Submit the day's report (201), or amend it with `reason` and `If-Match` (200)."""
    # An operator's own institution came with their grants: no second read for it.
    institution = granted_institution(request.user, code) or institution_get(
        user=request.user, code=code
    )
    key = request.headers.get("Idempotency-Key")
    digest = request_digest("PUT", request.path, request.body)
    if key:
        # Nothing is read first: a used key cannot write again, as its record (unique per user
        # and key) commits with the report, and a first submission's report is unique per day.
        # The refusal below finds the record and replays it.
        check_key(key)
    figures = payload.dict(exclude={"is_zero", "notes", "reason"})
    if payload.is_zero:
        figures.update({f: 0 for f in EVENT_FIELDS if figures[f] is None})
    answer: dict[str, Any] = {}

    def answered(result: services.SubmitResult) -> None:
        answer["status"] = 201 if result.created else 200
        answer["body"] = report_body(result.report, result.warnings)
        if key:  # the replayable answer commits with the report, or neither does
            remember(request.user, key, digest, answer["status"], answer["body"],
                     result.report.etag)  # fmt: skip

    try:
        result = services.report_submit(
            actor=request.user, institution=institution, day=day, figures=figures,
            is_zero=payload.is_zero, notes=payload.notes, reason=payload.reason,
            if_match=request.headers.get("If-Match"), also=answered,
        )  # fmt: skip
    except (ApiError, IntegrityError, ValidationError):
        # The key was answered already, or its twin in flight won the race: answer as it was.
        if key and (record := recorded(request.user, key, digest)) is not None:
            return _replay(record, response)
        raise
    response["ETag"] = result.report.etag
    return Status(answer["status"], answer["body"])


@router.get("/institutions/{code}/daily-reports/{day}", response=answers({200: ReportOut}, READ))
def get_report(
    request: HttpRequest, code: InstitutionCodeRef, day: Day, response: HttpResponse
) -> dict[str, Any]:
    institution = institution_get(user=request.user, code=code)
    report = selectors.report_get(user=request.user, institution=institution, day=day)
    response["ETag"] = report.etag
    return report_body(report, [])


class RevisionOut(Schema):
    revision: int = Field(alias="number")
    is_zero: bool
    submitted_at: datetime.datetime
    author: str | None
    reason: str
    figures: dict[str, int]
    notes: str
    on_behalf: bool

    @staticmethod
    def resolve_author(obj: Any) -> str | None:
        return obj.author.get_username() if obj.author else None

    @staticmethod
    def resolve_figures(obj: Any) -> dict[str, int]:
        return obj.figures()  # type: ignore[no-any-return]


@router.get(
    "/institutions/{code}/daily-reports/{day}/revisions",
    response=answers({200: list[RevisionOut]}, READ),
)
def list_revisions(request: HttpRequest, code: InstitutionCodeRef, day: Day) -> Any:
    """Every revision of the report, first to last: what was reported, by whom, and why."""
    institution = institution_get(user=request.user, code=code)
    report = selectors.report_get(user=request.user, institution=institution, day=day)
    return report.revisions.select_related("author").order_by("number")


class CountsOut(Schema):
    expected: int
    received: int
    on_time: int
    late: int
    missing: int
    pending: int
    reporting_rate: float | None
    on_time_rate: float | None


class ChildOut(CountsOut):
    code: str
    name: str


class UnitOut(Schema):
    code: str
    name: str
    region_code: str
    status: UnitStatus
    submitted_at: datetime.datetime | None


class CompletenessOut(CountsOut):
    region_code: str
    date: datetime.date
    children: list[ChildOut]
    units: list[UnitOut]
    units_total: int


def counts_body(counts: selectors.Counts) -> dict[str, Any]:
    return {
        "expected": counts.expected, "received": counts.received, "on_time": counts.on_time,
        "late": counts.late, "missing": counts.missing, "pending": counts.pending,
        **counts.rates(),
    }  # fmt: skip


def _units_total(total: selectors.Counts, status: UnitStatus | None) -> int:
    """Counted already: the expected units, or those of the status asked for."""
    return getattr(total, status.value) if status else total.expected


@router.get("/regions/{code}/completeness", response=answers({200: CompletenessOut}, READ))
def get_completeness(
    request: HttpRequest,
    code: RegionCodeRef,
    date: Day,
    status: UnitStatus | None = None,
    limit: Annotated[int, Field(ge=0, le=1000)] = Pagination.Input.model_fields["limit"].default,
    offset: Annotated[int, Field(ge=0, le=MAX_OFFSET)] = 0,
) -> dict[str, Any]:
    """Who of the region's expected institutions reported on `date`, on time or late."""
    region = region_get(user=request.user, code=code)
    now = timezone.now()
    result = selectors.completeness(user=request.user, region=region, day=date, now=now)
    units = selectors.unit_list(
        user=request.user, region=region, day=date, now=now,
        status=status.value if status else None, plan=result.plan,
    )  # fmt: skip
    page = units.values("code", "name", "region__code", "unit_status", "submitted_at")
    page = page[offset : offset + limit]
    return {
        "region_code": region.code,
        "date": date,
        **counts_body(result.total),
        "children": [
            {"code": child.code, "name": child.name, **counts_body(counts)}
            for child, counts in result.children
        ],
        "units": [
            {
                "code": u["code"],
                "name": u["name"],
                "region_code": u["region__code"],
                "status": u["unit_status"],
                "submitted_at": u["submitted_at"],
            }
            for u in page
        ],
        "units_total": _units_total(result.total, status),
    }


class DayCountsOut(CountsOut):
    date: datetime.date


class RangeOut(CountsOut):
    region_code: str
    start: datetime.date
    end: datetime.date
    days: list[DayCountsOut]


@router.get("/regions/{code}/completeness-range", response=answers({200: RangeOut}, READ))
def get_completeness_range(
    request: HttpRequest, code: RegionCodeRef, start: Day, end: Day
) -> dict[str, Any]:
    """Completeness for each day of a range (at most 92 days) and over the whole range."""
    if end < start:
        raise field_error(
            "end", gettext_lazy("The end date is before the start date."), "end_first"
        )
    if (end - start).days >= selectors.MAX_RANGE_DAYS:
        raise field_error(
            "end", gettext_lazy("Ask for at most %(days)d days at once."), "range_too_long",
            days=selectors.MAX_RANGE_DAYS,
        )  # fmt: skip
    region = region_get(user=request.user, code=code)
    rows = selectors.completeness_range(
        user=request.user, region=region, start=start, end=end, now=timezone.now()
    )
    total = selectors.Counts()
    for _day, counts in rows:
        total.add(counts)
    return {
        "region_code": region.code, "start": start, "end": end, **counts_body(total),
        "days": [{"date": day, **counts_body(counts)} for day, counts in rows],
    }  # fmt: skip


class ConfirmIn(InputSchema):
    remarks: Annotated[Text, Field(max_length=text_limit(BannerConfirmation, "remarks"))] = ""
    # Required when institutions had not reported at the moment of confirming: a rule of the
    # day's state, not of the request, so its absence is a 400 naming it, not a 422.
    missing_reason: Annotated[
        Text, Field(max_length=text_limit(BannerConfirmation, "missing_reason"))
    ] = ""


class ConfirmationOut(Schema):
    region_code: str
    region_name: str
    date: datetime.date
    confirmed: bool
    status: str | None
    confirmed_at: datetime.datetime | None
    confirmed_by: str | None
    remarks: str
    missing_reason: str
    reports: int | None
    expected: int | None
    totals: dict[str, int] | None


def confirmation_body(region: Any, day: datetime.date, item: Any) -> dict[str, Any]:
    return {
        "region_code": region.code,
        "region_name": region.name,
        "date": day,
        "confirmed": item is not None,
        "status": item.status if item else None,
        "confirmed_at": item.confirmed_at if item else None,
        "confirmed_by": item.confirmed_by.get_username() if item and item.confirmed_by else None,
        "remarks": item.remarks if item else "",
        "missing_reason": item.missing_reason if item else "",
        "reports": item.reports if item else None,
        "expected": item.expected if item else None,
        "totals": item.totals if item else None,
    }


@router.post("/regions/{code}/confirmations/{day}", response=answers({201: ConfirmationOut}, WRITE))
def confirm(
    request: HttpRequest, code: RegionCodeRef, day: Day, payload: ConfirmIn
) -> Status[dict[str, Any]]:
    """A banner officer confirms the banner's report for the day, with remarks."""
    region = region_get(user=request.user, code=code)
    item = confirmation.banner_confirm(
        actor=request.user, region=region, day=day, remarks=payload.remarks,
        missing_reason=payload.missing_reason,
    )  # fmt: skip
    return Status(201, confirmation_body(region, day, item))


@router.get("/regions/{code}/confirmations", response=answers({200: list[ConfirmationOut]}, READ))
def list_confirmations(request: HttpRequest, code: RegionCodeRef, date: Day) -> Any:
    """Which of the region's children (banners) confirmed their report for `date`, and when."""
    region = region_get(user=request.user, code=code)
    pairs = confirmation.confirmations_of_children(user=request.user, region=region, day=date)
    return [confirmation_body(child, date, item) for child, item in pairs]


class BulletinOut(Schema):
    region_code: str
    date: datetime.date
    zh_hans: str
    en: str


@router.get("/regions/{code}/bulletin", response=answers({200: BulletinOut}, READ))
def get_bulletin(request: HttpRequest, code: RegionCodeRef, date: Day) -> dict[str, Any]:
    """The day's bulletin text, in Chinese and English, ready to paste into a message."""
    region = region_get(user=request.user, code=code)
    texts = bulletin.bulletin(user=request.user, region=region, day=date, now=timezone.now())
    return {"region_code": region.code, "date": date, "zh_hans": texts["zh-hans"],
            "en": texts["en"]}  # fmt: skip


class AberrationOut(Schema):
    institution_code: str = Field(alias="institution.code")
    institution_name: str = Field(alias="institution.name")
    date: datetime.date = Field(alias="day")
    field: str
    value: int
    c1: float | None
    c2: float | None
    c3: float | None
    methods: str


@router.get("/regions/{code}/signals", response=answers({200: list[AberrationOut]}, READ))
def list_signals(request: HttpRequest, code: RegionCodeRef, since: Day) -> Any:
    """Early-warning signals (EARS C1–C3) in the region since a day, newest first."""
    region = region_get(user=request.user, code=code)
    return signal_list(user=request.user, region=region, since=since)[:500]
