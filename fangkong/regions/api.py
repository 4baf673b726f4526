from typing import Annotated

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import StrictBool

from fangkong.core.pagination import Pagination
from fangkong.core.schema import READ, WRITE, InputSchema, Name, RegionCode, RegionCodeRef, answers
from fangkong.regions import selectors, services
from fangkong.regions.models import Level, Region

router = Router(tags=["regions"])


class RegionIn(InputSchema):
    code: RegionCode
    name: Annotated[Name, Field(max_length=100)]
    parent_code: RegionCode | None = None
    level: Level
    standard: StrictBool = True


class RegionOut(Schema):
    code: str
    name: str
    parent_code: str | None
    level: Level
    standard: bool

    @staticmethod
    def resolve_parent_code(obj: Region) -> str | None:
        return obj.parent.code if obj.parent is not None else None


@router.post("", response=answers({201: RegionOut}, WRITE))
def create_region(request: HttpRequest, payload: RegionIn) -> Status[Region]:
    region = services.region_create(actor=request.user, **payload.dict())
    return Status(201, region)


@router.get("", response=answers({200: list[RegionOut]}, READ))
@paginate(Pagination)
def list_regions(request: HttpRequest, parent: RegionCodeRef | None = None) -> object:
    """The regions in scope; with `parent`, that region's children."""
    # An empty `parent=` names no region (404), as any other code that is none does.
    parent_region = (
        selectors.region_get(user=request.user, code=parent) if parent is not None else None
    )
    return selectors.region_list(user=request.user, parent=parent_region)


@router.get("/{code}", response=answers({200: RegionOut}, READ))
def get_region(request: HttpRequest, code: RegionCodeRef) -> Region:
    return selectors.region_get(user=request.user, code=code)
