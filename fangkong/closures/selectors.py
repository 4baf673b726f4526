"""Reads of closures and gate registers, always narrowed to what the user may see."""

import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from fangkong.closures.models import Closure, ClosureOrder, EntryRule, GateEvent
from fangkong.core.day_ranges import covering
from fangkong.core.scoping import visible
from fangkong.institutions.models import Institution
from fangkong.regions.models import Region


def closure_list(
    *, user: Any, region: Region | None = None, day: datetime.date | None = None
) -> QuerySet[Closure]:
    """The visible closures, under `region` when given, in force on `day` when given."""
    closures = visible(Closure.objects.all(), user).select_related(*RELATED)
    if region is not None:
        closures = closures.filter(institution__region__path__startswith=region.path)
    if day is not None:
        closures = closures.filter(covering(day))
    return closures.order_by("institution__region__path", "institution__code", "-start_date")


def institution_closures(*, user: Any, institution: Institution) -> QuerySet[Closure]:
    """Every closure of one (visible) institution, the latest first."""
    return (
        visible(Closure.objects.filter(institution=institution), user)
        .select_related(*RELATED)
        .order_by("-start_date")
    )


RELATED = ("institution__region", "order__ordered_by", "lift_order", "lifted_by")


def closure_of_order(*, order: ClosureOrder) -> QuerySet[Closure]:
    """The closures an order created (its service checked the actor's right to them)."""
    return order.closures.select_related(*RELATED).order_by("institution__code")


def closures_lifted_by(*, order: ClosureOrder) -> QuerySet[Closure]:
    return order.lifted.select_related(*RELATED).order_by("institution__code")


def closed_institution_ids(institution_ids: Any, day: datetime.date) -> dict[int, str]:
    """The closure level of each of these institutions under closure on `day`.

    For the pages of other measures (the daily report's "under closure"), which have scoped
    the institutions already.
    """
    rows = Closure.objects.filter(covering(day), institution_id__in=institution_ids).values_list(
        "institution_id", "level"
    )
    return dict(rows)


def closure_on(institution: Institution, day: datetime.date) -> Closure | None:
    """The institution's closure in force on `day` (the caller has checked it may see it)."""
    return (
        Closure.objects.filter(covering(day), institution=institution)
        .select_related("order")
        .first()
    )


def rule_table() -> QuerySet[EntryRule]:
    return EntryRule.objects.order_by("level", "-direction", "id")


def day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The moments a local day of the site's time zone runs from and to (excluded)."""
    zone = timezone.get_default_timezone()
    start = datetime.datetime.combine(day, datetime.time(), tzinfo=zone)
    end = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(), tzinfo=zone)
    return start, end


def gate_register(
    *, user: Any, institution: Institution, day: datetime.date
) -> QuerySet[GateEvent]:
    """The institution's passages of one local day, in the order they happened."""
    start, end = day_bounds(day)
    return (
        visible(GateEvent.objects.filter(institution=institution), user)
        .filter(at__gte=start, at__lt=end)
        .select_related("recorded_by", "exception_by", "institution")
        .order_by("at", "id")
    )


def gate_exceptions(*, user: Any, region: Region, day: datetime.date) -> QuerySet[GateEvent]:
    """The exceptions made at the gates of the region's institutions on one local day."""
    start, end = day_bounds(day)
    return (
        visible(GateEvent.objects.exclude(exception_reason=""), user)
        .filter(institution__region__path__startswith=region.path, at__gte=start, at__lt=end)
        .select_related("institution__region", "exception_by", "recorded_by")
        .order_by("at", "id")
    )


def gate_register_since(
    *, user: Any, institution: Institution, since: datetime.datetime
) -> QuerySet[GateEvent]:
    """The institution's passages since a moment, the latest first."""
    return visible(GateEvent.objects.filter(institution=institution, at__gte=since), user).order_by(
        "-at", "-id"
    )
