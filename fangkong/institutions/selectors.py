from typing import Any

from django.db.models import QuerySet

from fangkong.core.scoping import get_visible_or_404, visible
from fangkong.institutions.models import Institution
from fangkong.regions.models import Region


def institution_list(*, user: Any, region: Region | None = None) -> QuerySet[Institution]:
    """The institutions the user may see, within `region`'s subtree when given."""
    institutions = visible(Institution.objects.select_related("region"), user)
    if region is not None:
        institutions = institutions.filter(region__path__startswith=region.path)
    return institutions


def institution_get(*, user: Any, code: str) -> Institution:
    return get_visible_or_404(Institution.objects.select_related("region"), user, code=code)
