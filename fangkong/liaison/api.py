"""The liaison API: assignments (the contract's `POST /liaison-assignments`), a region's
coverage (`GET /regions/{code}/liaison-coverage`), and an institution's duty log."""

import datetime
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from fangkong.audit.services import Target, audit_record
from fangkong.core.pagination import MAX_OFFSET, Pagination
from fangkong.core.schema import (
    CONFLICT,
    READ,
    WRITE,
    Day,
    ErrorOut,
    InputSchema,
    InstitutionCode,
    InstitutionCodeRef,
    RegionCodeRef,
    Text,
    answers,
)
from fangkong.core.xlsx import XLSX_CONTENT_TYPE, attachment
from fangkong.institutions.selectors import institution_get
from fangkong.liaison import exports, selectors, services
from fangkong.liaison.models import DutyLog, DutyMethod, LiaisonAssignment, LiaisonLevel

router = Router(tags=["liaison"])

# The largest page of `uncovered` a client may ask for (without `limit`, all come back).
MAX_LIMIT = 1000
AssignmentId = Annotated[int, Field(ge=1, le=MAX_OFFSET)]


class AssignmentIn(InputSchema):
    institution_code: InstitutionCode
    username: Annotated[Text, Field(min_length=1, max_length=150)]
    level: LiaisonLevel
    start_date: Day
    end_date: Day | None = None


class AssignmentWarningOut(Schema):
    code: str
    message: str
    field: str | None


class AssignmentOut(Schema):
    id: int
    institution_code: str = Field(alias="institution.code")
    institution_name: str = Field(alias="institution.name")
    username: str = Field(alias="official.username")
    official_name: str
    level: LiaisonLevel
    start_date: datetime.date
    end_date: datetime.date | None
    created_by: str | None
    created_at: datetime.datetime
    warnings: list[AssignmentWarningOut] = []

    @staticmethod
    def resolve_official_name(obj: LiaisonAssignment) -> str:
        return str(obj.official)

    @staticmethod
    def resolve_created_by(obj: LiaisonAssignment) -> str | None:
        return obj.created_by.get_username() if obj.created_by else None

    @staticmethod
    def resolve_warnings(obj: LiaisonAssignment) -> list[dict[str, Any]]:
        return getattr(obj, "warnings", [])


def with_warnings(assignment: LiaisonAssignment, user: Any) -> LiaisonAssignment:
    """Attach the warning that the official answers for another institution at this level,
    naming only the institutions `user` may see and counting the others."""
    others = selectors.other_institutions(
        assignment.official, assignment.level, assignment.start_date, assignment.end_date,
        exclude=assignment.pk, user=user,
    )  # fmt: skip
    if others:
        names = "、".join(others.names)
        if others.hidden:
            rest = ngettext("%(count)d other institution", "%(count)d other institutions",
                            others.hidden) % {"count": others.hidden}  # fmt: skip
            names = (
                _("%(names)s and %(others)s") % {"names": names, "others": rest} if names else rest
            )
        message = _("%(official)s is also the liaison of %(institutions)s at this level; the "
                    "rule is one institution each.") % {"official": assignment.official,
                                                        "institutions": names}  # fmt: skip
        assignment.warnings = [  # type: ignore[attr-defined]
            {"code": "several_institutions", "message": message, "field": "username"}
        ]
    return assignment


@router.post("/liaison-assignments", response=answers({201: AssignmentOut}, (*WRITE, CONFLICT)))
def create_assignment(request: HttpRequest, payload: AssignmentIn) -> Status[LiaisonAssignment]:
    """Make a user the league or banner liaison of an institution; 409 on an overlap."""
    assignment = services.assignment_create(actor=request.user, **payload.dict())
    return Status(201, with_warnings(assignment, request.user))


@router.get("/liaison-assignments/{id}", response=answers({200: AssignmentOut}, READ))
def get_assignment(request: HttpRequest, id: AssignmentId) -> LiaisonAssignment:
    return selectors.assignment_get(user=request.user, pk=id)


class EndIn(InputSchema):
    end_date: Day


@router.post("/liaison-assignments/{id}/end", response=answers({200: AssignmentOut}, WRITE))
def end_assignment(request: HttpRequest, id: AssignmentId, payload: EndIn) -> LiaisonAssignment:
    """End an assignment on `end_date`, its last day; the liaison role goes with the last one."""
    assignment = selectors.assignment_get(user=request.user, pk=id)
    return services.assignment_end(actor=request.user, assignment=assignment,
                                   end_date=payload.end_date)  # fmt: skip


@router.get(
    "/institutions/{code}/liaison-assignments",
    response=answers({200: list[AssignmentOut]}, READ),
)
def list_assignments(request: HttpRequest, code: InstitutionCodeRef) -> Any:
    """Every liaison assignment of the institution, by level, the latest first."""
    institution = institution_get(user=request.user, code=code)
    return selectors.assignment_list(user=request.user, institution=institution)


class UncoveredOut(Schema):
    code: str
    name: str
    region_code: str
    missing: list[LiaisonLevel]


class CoverageOut(Schema):
    region_code: str
    date: datetime.date
    institutions: int
    covered: int
    uncovered: list[UncoveredOut] = Field(
        description="The open institutions lacking a league or a banner liaison on `date`: all "
        "of them, or the page `limit`/`offset` ask for."
    )
    uncovered_total: int = Field(description="How many institutions `uncovered` holds unpaged.")


@router.get("/regions/{code}/liaison-coverage", response=answers({200: CoverageOut}, READ))
def get_coverage(
    request: HttpRequest,
    code: RegionCodeRef,
    date: Day,
    limit: Annotated[
        int | None,
        Query(
            ge=0, le=MAX_LIMIT, description="At most this many of `uncovered`; absent: all of them."
        ),
    ] = None,
    offset: Annotated[
        int, Query(ge=0, le=MAX_OFFSET, description="Skip this many of `uncovered` first.")
    ] = 0,
) -> dict[str, Any]:
    """The region's institutions open on `date`, how many have both a league and a banner
    liaison that day, and every one that does not (`uncovered`, all of them unless `limit` and
    `offset` page them; `uncovered_total` counts them all)."""
    region = selectors.coverage_region_get(user=request.user, code=code)
    scan = selectors.coverage_scan(region, date)
    counts = scan.total
    page = selectors.uncovered_units(scan, offset, limit) if limit != 0 else []
    return {
        "region_code": region.code,
        "date": date,
        "institutions": counts.institutions,
        "covered": counts.covered,
        "uncovered": page,
        "uncovered_total": counts.uncovered,
    }


class DutyLogIn(InputSchema):
    date: Day
    method: DutyMethod
    checked: Annotated[Text, Field(min_length=1, max_length=services.MAX_TEXT)]
    found: Annotated[Text, Field(max_length=services.MAX_TEXT)] = ""
    findings: Annotated[
        list[Annotated[Text, Field(min_length=1, max_length=services.MAX_TEXT)]],
        Field(max_length=services.MAX_FINDINGS),
    ] = []


class FindingOut(Schema):
    id: int
    text: str
    raised_at: datetime.datetime
    raised_by: str | None

    @staticmethod
    def resolve_raised_by(obj: Any) -> str | None:
        return obj.raised_by.get_username() if obj.raised_by else None


class DutyLogOut(Schema):
    id: int
    institution_code: str = Field(alias="institution.code")
    date: datetime.date = Field(alias="day")
    method: DutyMethod
    level: LiaisonLevel = Field(alias="assignment.level")
    liaison: str = Field(alias="assignment.official.username")
    checked: str
    found: str
    findings: list[FindingOut]
    written_at: datetime.datetime

    @staticmethod
    def resolve_findings(obj: DutyLog) -> Any:
        return list(obj.findings.all())


@router.post("/institutions/{code}/duty-log", response=answers({201: DutyLogOut}, WRITE))
def add_duty_log(
    request: HttpRequest, code: InstitutionCodeRef, payload: DutyLogIn
) -> Status[DutyLog]:
    """The caller, a liaison of the institution on `date`, records a contact and its findings."""
    institution = selectors.duty_log_institution(user=request.user, code=code)
    log = services.duty_log_add(
        actor=request.user, institution=institution, day=payload.date, method=payload.method,
        checked=payload.checked, found=payload.found, findings=payload.findings,
    )  # fmt: skip
    return Status(201, log)


@router.get("/institutions/{code}/duty-log", response=answers({200: list[DutyLogOut]}, READ))
@paginate(Pagination)
def list_duty_log(request: HttpRequest, code: InstitutionCodeRef) -> Any:
    """The institution's duty log, newest first, for its officers and liaisons."""
    institution = selectors.duty_log_institution(user=request.user, code=code)
    return selectors.duty_log_list(user=request.user, institution=institution)


XLSX_FILE = {
    "responses": {
        200: {"content": {XLSX_CONTENT_TYPE: {"schema": {"type": "string",
                                                                   "format": "binary"}}}}
    }
}  # fmt: skip


@router.get(
    "/regions/{code}/liaison-coverage.xlsx",
    response={frozenset(READ): ErrorOut},
    openapi_extra=XLSX_FILE,
)
def coverage_xlsx(request: HttpRequest, code: RegionCodeRef, date: Day) -> HttpResponse:
    """The region's institutions open on `date` with their league and banner liaisons."""
    region = selectors.coverage_region_get(user=request.user, code=code)
    units = exports.rows(region, date)
    audit_record(
        actor=request.user, action="liaison.export",
        target=Target("liaison.liaisonassignment", region.code, f"{region.name} {date}"),
        after={"region": region.code, "date": date.isoformat(), "institutions": len(units)},
        region_path=region.path,
    )  # fmt: skip
    filename = f"liaison-coverage-{region.code}-{date.isoformat()}.xlsx"
    return attachment(exports.to_xlsx(units, region=region, day=date), filename)
