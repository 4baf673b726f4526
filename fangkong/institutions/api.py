import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from fangkong.core.pagination import Pagination
from fangkong.institutions import selectors, services
from fangkong.institutions.models import Institution, Kind
from fangkong.regions.selectors import region_get

router = Router(tags=["institutions"])


class InstitutionIn(Schema):
    code: str = Field(max_length=32)
    name: str = Field(max_length=200)
    region_code: str = Field(max_length=20)
    beds: int
    kind: Kind = Kind.PUBLIC
    address: str = Field("", max_length=300)
    contact_person: str = Field("", max_length=100)
    contact_phone: str = Field("", max_length=30)
    opened_on: datetime.date | None = None
    closed_on: datetime.date | None = None


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


@router.post("", response={201: InstitutionOut})
def create_institution(request: HttpRequest, payload: InstitutionIn) -> Status[Institution]:
    institution = services.institution_create(actor=request.user, **payload.dict())
    return Status(201, institution)


@router.get("", response=list[InstitutionOut])
@paginate(Pagination)
def list_institutions(request: HttpRequest, region: str | None = None) -> object:
    """The institutions in scope; with `region`, those of that region's whole subtree."""
    within = region_get(user=request.user, code=region) if region else None
    return selectors.institution_list(user=request.user, region=within)


@router.get("/{code}", response=InstitutionOut)
def get_institution(request: HttpRequest, code: str) -> Institution:
    return selectors.institution_get(user=request.user, code=code)
