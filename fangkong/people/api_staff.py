"""Staff (DESIGN.md "People", around the contract's names): employments, their shifts, and an
institution's census of a day as kept here."""

import datetime
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from fangkong.core.pagination import Pagination
from fangkong.core.schema import (
    CONFLICT,
    READ,
    WRITE,
    Day,
    InputSchema,
    InstitutionCodeRef,
    Moment,
    Text,
    answers,
)
from fangkong.institutions.selectors import institution_get
from fangkong.people import selectors, staff, staff_selectors
from fangkong.people.models import Employment, Shift

router = Router(tags=["people"])

RowId = Annotated[int, Field(ge=1, le=2**31 - 1)]


class EmploymentIn(InputSchema):
    person_id: RowId
    role: Annotated[Text, Field(max_length=100)] = ""
    on_site: bool = True
    start: Moment
    end: Moment | None = None


class EmploymentOut(Schema):
    id: int
    person_id: int
    person_name: str = Field(alias="person.name")
    id_number_masked: str = Field(alias="person.id_number_masked")
    institution_code: str = Field(alias="institution.code")
    role: str
    on_site: bool
    start: datetime.datetime
    end: datetime.datetime | None
    stay_id: int | None


class ShiftIn(InputSchema):
    start: Moment
    end: Moment
    on_site: bool | None = None


class ShiftOut(Schema):
    id: int
    employment_id: int
    person_id: int
    person_name: str = Field(alias="person.name")
    institution_code: str = Field(alias="institution.code")
    start: datetime.datetime
    end: datetime.datetime
    on_site: bool


class EmploymentEndIn(InputSchema):
    end: Moment


class CensusOut(Schema):
    date: datetime.date
    kept: bool = Field(description="Whether the institution keeps its residents and staff here.")
    at: datetime.datetime | None
    residents: int | None
    staff_on_site: int | None


@router.post(
    "/institutions/{code}/employments", response=answers({201: EmploymentOut}, (*WRITE, CONFLICT))
)
def create_employment(
    request: HttpRequest, code: InstitutionCodeRef, payload: EmploymentIn
) -> Status[Employment]:
    """Record a staff member's employment over `[start, end)`, on site or not; 409 when it
    overlaps another of theirs in this institution."""
    institution = institution_get(user=request.user, code=code)
    person = selectors.person_for_record(user=request.user, pk=payload.person_id)
    employment = staff.employment_create(
        actor=request.user, institution=institution, person=person, role=payload.role,
        on_site=payload.on_site, start=payload.start, end=payload.end,
    )  # fmt: skip
    return Status(201, employment)


@router.get("/institutions/{code}/employments", response=answers({200: list[EmploymentOut]}, READ))
@paginate(Pagination)
def list_employments(
    request: HttpRequest, code: InstitutionCodeRef, at: Moment | None = None
) -> Any:
    """The institution's employments; with `at`, those covering that moment."""
    institution = institution_get(user=request.user, code=code)
    return staff_selectors.institution_employments(
        user=request.user, institution=institution, at=at
    )


@router.post("/employments/{employment_id}/end", response=answers({200: EmploymentOut}, WRITE))
def end_employment(
    request: HttpRequest, employment_id: RowId, payload: EmploymentEndIn
) -> Employment:
    """End an open employment (the staff member left)."""
    employment = staff_selectors.employment_get(user=request.user, pk=employment_id)
    return staff.employment_end(actor=request.user, employment=employment, end=payload.end)


@router.post(
    "/employments/{employment_id}/shifts", response=answers({201: ShiftOut}, (*WRITE, CONFLICT))
)
def create_shift(request: HttpRequest, employment_id: RowId, payload: ShiftIn) -> Status[Shift]:
    """Record a shift `[start, end)` of the employment; 409 when it overlaps another shift of
    the person."""
    employment = staff_selectors.employment_get(user=request.user, pk=employment_id)
    shift = staff.shift_create(
        actor=request.user, employment=employment, start=payload.start, end=payload.end,
        on_site=payload.on_site,
    )  # fmt: skip
    return Status(201, shift)


@router.get("/institutions/{code}/shifts", response=answers({200: list[ShiftOut]}, READ))
@paginate(Pagination)
def list_shifts(request: HttpRequest, code: InstitutionCodeRef, date: Day) -> Any:
    """The shifts that share a moment with a local day (Asia/Shanghai), in order."""
    institution = institution_get(user=request.user, code=code)
    return staff_selectors.institution_shifts(user=request.user, institution=institution, day=date)


@router.get("/institutions/{code}/census", response=answers({200: CensusOut}, READ))
def get_census(request: HttpRequest, code: InstitutionCodeRef, date: Day) -> dict[str, Any]:
    """Residents present and staff on site on a local day, from the stays, employments and
    shifts kept here (what the daily report offers); all empty when none are kept."""
    institution = institution_get(user=request.user, code=code)
    census = staff_selectors.census_of(institution, date)
    if census is None:
        return {"date": date, "kept": False, "at": None, "residents": None, "staff_on_site": None}
    return {
        "date": date, "kept": True, "at": census.at, "residents": census.residents,
        "staff_on_site": census.staff_on_site,
    }  # fmt: skip
