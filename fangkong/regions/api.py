from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from fangkong.core.pagination import Pagination
from fangkong.regions import selectors, services
from fangkong.regions.models import Level, Region

router = Router(tags=["regions"])


class RegionIn(Schema):
    code: str = Field(max_length=20)
    name: str = Field(max_length=100)
    parent_code: str | None = None
    level: Level
    standard: bool = True


class RegionOut(Schema):
    code: str
    name: str
    parent_code: str | None
    level: Level
    standard: bool

    @staticmethod
    def resolve_parent_code(obj: Region) -> str | None:
        return obj.parent.code if obj.parent is not None else None


@router.post("", response={201: RegionOut})
def create_region(request: HttpRequest, payload: RegionIn) -> Status[Region]:
    region = services.region_create(actor=request.user, **payload.dict())
    return Status(201, region)


@router.get("", response=list[RegionOut])
@paginate(Pagination)
def list_regions(request: HttpRequest, parent: str | None = None) -> object:
    """The regions in scope; with `parent`, that region's children."""
    parent_region = selectors.region_get(user=request.user, code=parent) if parent else None
    return selectors.region_list(user=request.user, parent=parent_region)


@router.get("/{code}", response=RegionOut)
def get_region(request: HttpRequest, code: str) -> Region:
    return selectors.region_get(user=request.user, code=code)
