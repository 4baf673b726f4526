import datetime
from typing import Any

from django.db.models import QuerySet

from fangkong.core.scoping import visible
from fangkong.regions.models import Region
from fangkong.surveillance.models import Aberration


def signal_list(
    *, user: Any, region: Region, since: datetime.date, until: datetime.date | None = None
) -> QuerySet[Aberration]:
    """Early-warning signals in force in the region from `since` (to `until`), newest first."""
    found = visible(Aberration.objects.select_related("institution"), user).filter(
        institution__region__path__startswith=region.path, day__gte=since, withdrawn_at__isnull=True
    )
    if until is not None:
        found = found.filter(day__lte=until)
    return found.order_by("-day", "institution__code")


def signals_in_force(*, since: datetime.date) -> QuerySet[Aberration]:
    """Every signal from `since` on that was not withdrawn, for the system's own work (who is
    told of them); no user reads through this."""
    return Aberration.objects.filter(day__gte=since, withdrawn_at__isnull=True)
