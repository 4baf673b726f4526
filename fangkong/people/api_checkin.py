"""Risk areas and visitors' self check-ins (DESIGN.md's "People" names none: these are added
around the contract's). The visitor's own form is a page, not an endpoint: it needs no account
and is protected by its CSRF token and rate limits; the gate staff decide here or on their page.
"""

import datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from fangkong.core.errors import field_error
from fangkong.core.pagination import Pagination
from fangkong.core.schema import (
    READ,
    WRITE,
    Day,
    InputSchema,
    InstitutionCodeRef,
    RegionCode,
    RegionCodeRef,
    Text,
    answers,
)
from fangkong.institutions.selectors import institution_get
from fangkong.people import checkin, risk
from fangkong.people.checkin_models import CheckInStatus, RiskArea, RiskLevel, SelfCheckIn
from fangkong.regions.models import Region
from fangkong.regions.selectors import region_get

router = Router(tags=["people"])

RowId = Annotated[int, Field(ge=1, le=2**31 - 1)]


class RiskAreaIn(InputSchema):
    authority_code: RegionCode = Field(description="The bureau's region the area holds for.")
    region_code: RegionCode | None = Field(None, description="The region at risk, if any.")
    place: Annotated[Text, Field(max_length=200)] = ""
    level: RiskLevel
    start_date: Day
    end_date: Day | None = None
    note: Annotated[Text, Field(max_length=300)] = ""


class RiskAreaOut(Schema):
    id: int
    authority_code: str = Field(alias="authority.code")
    region_code: str | None
    region_name: str | None
    place: str
    level: RiskLevel
    start_date: datetime.date
    end_date: datetime.date | None
    note: str

    @staticmethod
    def resolve_region_code(obj: RiskArea) -> str | None:
        return obj.region.code if obj.region else None

    @staticmethod
    def resolve_region_name(obj: RiskArea) -> str | None:
        return obj.region.name if obj.region else None


def _data(request: HttpRequest, payload: RiskAreaIn) -> risk.RiskAreaData:
    authority = Region.objects.filter(code=payload.authority_code).first()
    if authority is None or not risk.may_declare(request.user, authority):
        # An unknown code and one outside the caller's scope answer alike.
        raise field_error(
            "authority_code",
            _("Declare risk areas only for a region in your scope."),
            "out_of_scope",
        )
    region = None
    if payload.region_code is not None:
        region = Region.objects.filter(code=payload.region_code).first()
        if region is None:
            raise field_error("region_code", _("No region has this code."), "unknown_region")
    return risk.RiskAreaData(
        authority=authority, region=region, place=payload.place, level=payload.level,
        start_date=payload.start_date, end_date=payload.end_date, note=payload.note,
    )  # fmt: skip


@router.post("/risk-areas", response=answers({201: RiskAreaOut}, WRITE))
def create_risk_area(request: HttpRequest, payload: RiskAreaIn) -> Status[RiskArea]:
    """Declare a region or a place at risk for the institutions under `authority_code`
    (officers of that region or above); its visitors are flagged at the gate."""
    area = risk.risk_area_create(actor=request.user, data=_data(request, payload))
    return Status(201, area)


@router.get("/risk-areas/{area_id}", response=answers({200: RiskAreaOut}, READ))
def get_risk_area(request: HttpRequest, area_id: RowId) -> RiskArea:
    return risk.risk_area_get(user=request.user, pk=area_id)


@router.put("/risk-areas/{area_id}", response=answers({200: RiskAreaOut}, WRITE))
def update_risk_area(request: HttpRequest, area_id: RowId, payload: RiskAreaIn) -> RiskArea:
    """Change a risk area: its level, its days (end it by giving its last day), where it is."""
    area = risk.risk_area_get(user=request.user, pk=area_id)
    return risk.risk_area_update(actor=request.user, area=area, data=_data(request, payload))


@router.get("/regions/{code}/risk-areas", response=answers({200: list[RiskAreaOut]}, READ))
@paginate(Pagination)
def list_risk_areas(request: HttpRequest, code: RegionCodeRef, date: Day | None = None) -> Any:
    """The areas that hold in the region (declared for it or above, and below it in the
    caller's scope); with `date`, those in force that day."""
    region = region_get(user=request.user, code=code)
    return risk.areas_for_region(user=request.user, region=region, day=date)


class PosterIn(InputSchema):
    days: Literal[1, 7, 30] = 7


class PosterOut(Schema):
    id: int
    valid_until: datetime.date
    url: str = Field(description="The address the poster's QR code carries.")


@router.post("/institutions/{code}/check-in-posters", response=answers({201: PosterOut}, WRITE))
def issue_poster(
    request: HttpRequest, code: InstitutionCodeRef, payload: PosterIn
) -> Status[dict[str, Any]]:
    """Print a new gate poster; every earlier poster's code of the institution stops working."""
    institution = institution_get(user=request.user, code=code)
    poster = checkin.poster_issue(actor=request.user, institution=institution, days=payload.days)
    path = reverse("people:checkin", args=[institution.code, checkin.poster_token(poster)])
    body = {"id": poster.pk, "valid_until": poster.valid_until,
            "url": request.build_absolute_uri(path)}  # fmt: skip
    return Status(201, body)


class CandidateOut(Schema):
    id: int
    name: str
    id_number_masked: str


class CheckInOut(Schema):
    id: int
    institution_code: str = Field(alias="institution.code")
    status: CheckInStatus
    name: str
    id_number_masked: str
    phone_masked: str
    visiting: str
    temperature: float
    came_from: str
    submitted_at: datetime.datetime
    entry_allowed: bool
    entry_reason: str
    risk_level: RiskLevel | None
    risk_note: str
    refusal_reason: str
    visit_id: int | None
    visited_person_id: int | None = Field(None, description="The resident visited, if linked.")
    visited_person_name: str | None = None
    visited_candidates: list[CandidateOut] = Field(
        [],
        description="While pending: the residents present whose name matches `visiting` "
        "(exact, then pinyin), one of which the gate may link when confirming.",
    )

    @staticmethod
    def resolve_temperature(obj: SelfCheckIn) -> float:
        return float(obj.temperature)

    @staticmethod
    def resolve_risk_level(obj: SelfCheckIn) -> str | None:
        return obj.risk_level or None

    @staticmethod
    def resolve_visited_person_id(obj: SelfCheckIn) -> int | None:
        return obj.visit.visited_id if obj.visit else None

    @staticmethod
    def resolve_visited_person_name(obj: SelfCheckIn) -> str | None:
        return obj.visit.visited.name if obj.visit and obj.visit.visited else None

    @staticmethod
    def resolve_visited_candidates(obj: SelfCheckIn) -> list[Any]:
        return getattr(obj, "candidates", [])


@router.get("/institutions/{code}/self-check-ins", response=answers({200: list[CheckInOut]}, READ))
@paginate(Pagination)
def list_check_ins(
    request: HttpRequest, code: InstitutionCodeRef, status: CheckInStatus | None = None
) -> Any:
    """The visitors' own check-ins still waiting and those of the last 24 hours, newest first
    (`status=pending`: those waiting), each with its risk-area flag and the entry check's
    answer."""
    institution = institution_get(user=request.user, code=code)
    return _Candidates(
        request.user, checkin.checkin_queue(user=request.user, institution=institution,
                                            status=status),
    )  # fmt: skip


class _Candidates:
    """The queue, each check-in of the page carrying its candidates (asked once it is cut)."""

    def __init__(self, user: Any, rows: Any) -> None:
        self.user, self.rows = user, rows

    def __len__(self) -> int:
        return int(self.rows.count())

    def __getitem__(self, part: slice) -> list[SelfCheckIn]:
        page = list(self.rows[part])
        for row in page:
            row.candidates = checkin.visited_candidates(user=self.user, check_in=row)
        return page


class CheckInConfirmIn(InputSchema):
    exception_reason: Annotated[Text, Field(max_length=500)] | None = None
    visited_person_id: RowId | None = Field(
        None, description="The resident visited: one of the check-in's `visited_candidates`."
    )


class CheckInRefuseIn(InputSchema):
    reason: Annotated[Text, Field(min_length=1, max_length=300)]


@router.post("/self-check-ins/{check_in_id}/confirm", response=answers({200: CheckInOut}, WRITE))
def confirm_check_in(
    request: HttpRequest, check_in_id: RowId, payload: CheckInConfirmIn
) -> SelfCheckIn:
    """Let the visitor in: the visit is recorded (422 `entry_refused` during a closure that
    forbids visits, unless an officer gives an `exception_reason`), naming the resident
    visited when `visited_person_id` is one of the check-in's candidates."""
    found = checkin.checkin_get(user=request.user, pk=check_in_id)
    return checkin.checkin_confirm(
        actor=request.user, check_in=found, exception_reason=payload.exception_reason,
        visited_person_id=payload.visited_person_id,
    )  # fmt: skip


@router.post("/self-check-ins/{check_in_id}/refuse", response=answers({200: CheckInOut}, WRITE))
def refuse_check_in(
    request: HttpRequest, check_in_id: RowId, payload: CheckInRefuseIn
) -> SelfCheckIn:
    """Turn the visitor away with a reason, which their status page shows."""
    found = checkin.checkin_get(user=request.user, pk=check_in_id)
    return checkin.checkin_refuse(actor=request.user, check_in=found, reason=payload.reason)
