from typing import Any

from django.db.models import QuerySet

from fangkong.core.scoping import get_visible_or_404, visible
from fangkong.regions.models import Region


def region_list(*, user: Any, parent: Region | None = None) -> QuerySet[Region]:
    regions = visible(Region.objects.select_related("parent"), user)
    if parent is not None:
        regions = regions.filter(parent=parent)
    return regions


def region_get(*, user: Any, code: str) -> Region:
    return get_visible_or_404(Region.objects.select_related("parent"), user, code=code)
