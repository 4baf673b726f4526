"""Reads of employments and shifts, narrowed to what the user may see, and the census of an
institution's day that the daily report offers (residents present, staff on site)."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from fangkong.core.scoping import visible
from fangkong.institutions.models import Institution
from fangkong.people.models import Employment, Shift, Stay, StayRole


def _covering(at: datetime.datetime) -> Q:
    return Q(start__lte=at) & (Q(end__isnull=True) | Q(end__gt=at))


def day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The local day `[00:00, next 00:00)` of the site's time zone (Asia/Shanghai)."""
    zone = timezone.get_default_timezone()
    start = datetime.datetime.combine(day, datetime.time(), tzinfo=zone)
    return start, datetime.datetime.combine(
        day + datetime.timedelta(days=1), datetime.time(), tzinfo=zone
    )


def institution_employments(
    *, user: Any, institution: Institution, at: datetime.datetime | None = None
) -> QuerySet[Employment]:
    """The institution's employments; with `at`, those covering that moment."""
    employments = visible(Employment.objects.filter(institution=institution), user)
    if at is not None:
        employments = employments.filter(_covering(at))
    return employments.select_related("person", "institution").order_by("person__pinyin", "id")


def institution_shifts(
    *, user: Any, institution: Institution, day: datetime.date
) -> QuerySet[Shift]:
    """The shifts that share a moment with a local day, in order."""
    start, end = day_bounds(day)
    shifts = visible(Shift.objects.filter(institution=institution), user)
    return (
        shifts.filter(start__lt=end, end__gt=start)
        .select_related("person", "institution", "employment")
        .order_by("start", "id")
    )


def employment_get(*, user: Any, pk: int) -> Employment:
    found = (
        visible(Employment.objects.filter(pk=pk), user)
        .select_related("person", "institution__region")
        .first()
    )
    if found is None:
        raise Http404("employment")
    return found


@dataclass(frozen=True)
class Census:
    """An institution's census of a day as kept here: residents present at the day's census
    moment, and distinct staff on site that day (an on-site shift that day, or an on-site
    employment at the census moment)."""

    day: datetime.date
    at: datetime.datetime
    residents: int
    staff_on_site: int


def keeps_people(institution: Institution) -> bool:
    """Does the institution keep its residents and staff here (any stay or employment)?"""
    return (
        Stay.objects.filter(institution=institution).exists()
        or Employment.objects.filter(institution=institution).exists()
    )


def census_of(institution: Institution, day: datetime.date) -> Census | None:
    """The census of the institution's local day from its stays, employments and shifts, taken
    at the day's last moment (or now, for today); None when it keeps no people here."""
    if not keeps_people(institution):
        return None
    start, end = day_bounds(day)
    at = min(end - datetime.timedelta(microseconds=1), timezone.now())
    residents = (
        Stay.objects.filter(_covering(at), institution=institution, role=StayRole.RESIDENT)
        .values("person_id")
        .distinct()
        .count()
    )
    employed = Employment.objects.filter(_covering(at), institution=institution, on_site=True)
    # A shift of the day counts once it has begun (for today, by now).
    on_shift = Shift.objects.filter(institution=institution, on_site=True, start__lte=at,
                                    end__gt=start)  # fmt: skip
    staff = set(employed.values_list("person_id", flat=True))
    staff.update(on_shift.values_list("person_id", flat=True))
    return Census(day=day, at=at, residents=residents, staff_on_site=len(staff))
