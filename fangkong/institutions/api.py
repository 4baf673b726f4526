import datetime
from typing import Annotated

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from fangkong.core.pagination import Pagination
from fangkong.core.schema import (
    READ,
    WRITE,
    Count,
    Day,
    InputSchema,
    InstitutionCode,
    InstitutionCodeRef,
    Name,
    RegionCode,
    RegionCodeRef,
    Text,
    answers,
)
from fangkong.institutions import selectors, services
from fangkong.institutions.models import Institution, Kind
from fangkong.regions.selectors import region_get

router = Router(tags=["institutions"])


class InstitutionIn(InputSchema):
    code: InstitutionCode
    name: Annotated[Name, Field(max_length=200)]
    region_code: RegionCode
    beds: Count
    kind: Kind = Kind.PUBLIC
    address: Annotated[Text, Field(max_length=300)] = ""
    contact_person: Annotated[Text, Field(max_length=100)] = ""
    contact_phone: Annotated[Text, Field(max_length=30)] = ""
    opened_on: Day | None = None
    closed_on: Day | None = None


class InstitutionOut(Schema):
    code: str
    name: str
    region_code: str = Field(alias="region.code")
    region_name: str = Field(alias="region.name")
    beds: int
    kind: Kind
    address: str
    contact_person: str
    contact_phone: str
    opened_on: datetime.date | None
    closed_on: datetime.date | None


@router.post("", response=answers({201: InstitutionOut}, WRITE))
def create_institution(request: HttpRequest, payload: InstitutionIn) -> Status[Institution]:
    institution = services.institution_create(actor=request.user, **payload.dict())
    return Status(201, institution)


@router.get("", response=answers({200: list[InstitutionOut]}, READ))
@paginate(Pagination)
def list_institutions(request: HttpRequest, region: RegionCodeRef | None = None) -> object:
    """The institutions in scope; with `region`, those of that region's whole subtree."""
    # An empty `region=` names no region (404), as any other code that is none does.
    within = region_get(user=request.user, code=region) if region is not None else None
    return selectors.institution_list(user=request.user, region=within)


@router.get("/{code}", response=answers({200: InstitutionOut}, READ))
def get_institution(request: HttpRequest, code: InstitutionCodeRef) -> Institution:
    return selectors.institution_get(user=request.user, code=code)
