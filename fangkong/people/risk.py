"""Risk areas: declared by officers for their bureau's institutions, matched against a visitor.

A visitor matches an area in force for the institution when their resident identity number
starts with the area's region code (the household registration: they live there), when where
they came from names the area's region, or when it contains the area's place.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from fangkong.audit.services import audit_record, snapshot
from fangkong.core.errors import field_error
from fangkong.core.exceptions import Forbidden
from fangkong.core.scoping import scope_of, visible
from fangkong.core.text import has_visible
from fangkong.institutions.models import Institution
from fangkong.people.checkin_models import RISK_ORDER, RiskArea, RiskLevel
from fangkong.people.identity import DocumentType
from fangkong.people.models import Visit
from fangkong.regions.models import NATION_CODE, Region

MAKERS = {"admin", "officer"}  # declare, change and end risk areas
NAME_SUFFIXES = (
    "自治区",
    "自治州",
    "自治县",
    "特别行政区",
    "省",
    "市",
    "盟",
    "旗",
    "县",
    "区",
    "州",
)
FIELDS = ["authority_id", "region_id", "place", "level", "start_date", "end_date", "note"]


def may_declare(actor: Any, authority: Region) -> bool:
    return scope_of(actor, MAKERS).covers_path(authority.path)


@dataclass(frozen=True)
class RiskAreaData:
    """What an officer types for a risk area, as the page and the API pass it on."""

    authority: Region
    region: Region | None
    place: str
    level: str
    start_date: datetime.date
    end_date: datetime.date | None = None
    note: str = ""


def _clean(actor: Any, data: RiskAreaData) -> RiskAreaData:
    if scope_of(actor, MAKERS).is_empty:
        raise Forbidden(_("Only an officer may declare risk areas."))
    if not may_declare(actor, data.authority):
        raise field_error(
            "authority_code",
            _("Declare risk areas only for a region in your scope."),
            "out_of_scope",
        )
    place = " ".join(data.place.split())
    if data.region is None and not has_visible(place):
        raise field_error("place", _("Name a region or a place."), "required")
    if data.region is not None and data.region.code == NATION_CODE:
        raise field_error("region_code", _("Name a province or a smaller region."), "too_large")
    if data.level not in RiskLevel.values:
        raise field_error("level", _("Choose low, medium or high."), "invalid_choice")
    if data.end_date is not None and data.end_date < data.start_date:
        raise field_error("end_date", _("The area's last day is before its first."), "end_first")
    return RiskAreaData(
        authority=data.authority, region=data.region, place=place[:200], level=data.level,
        start_date=data.start_date, end_date=data.end_date, note=" ".join(data.note.split()),
    )  # fmt: skip


def _place(area: RiskArea) -> dict[str, Any]:
    return {"region_path": area.authority.path, "institution_id": None}


@transaction.atomic
def risk_area_create(*, actor: Any, data: RiskAreaData) -> RiskArea:
    """Declare a region or place at risk for the institutions under `data.authority`."""
    data = _clean(actor, data)
    user = actor if getattr(actor, "is_authenticated", False) else None
    area = RiskArea.objects.create(
        authority=data.authority, region=data.region, place=data.place, level=data.level,
        start_date=data.start_date, end_date=data.end_date, note=data.note, created_by=user,
    )  # fmt: skip
    audit_record(
        actor=actor, action="risk_area.create", target=area, after=snapshot(area, FIELDS),
        **_place(area),
    )  # fmt: skip
    return area


@transaction.atomic
def risk_area_update(*, actor: Any, area: RiskArea, data: RiskAreaData) -> RiskArea:
    """Change a risk area (its level, its dates, where it is); the change is audited."""
    locked = RiskArea.objects.select_for_update().select_related("authority").get(pk=area.pk)
    if not may_declare(actor, locked.authority):
        raise Forbidden(_("Only an officer may change risk areas."))
    data = _clean(actor, data)
    before = snapshot(locked, FIELDS)
    locked.authority, locked.region, locked.place = data.authority, data.region, data.place
    locked.level, locked.start_date, locked.end_date = data.level, data.start_date, data.end_date
    locked.note = data.note
    locked.save()
    audit_record(
        actor=actor, action="risk_area.update", target=locked, before=before,
        after=snapshot(locked, FIELDS), **_place(locked),
    )  # fmt: skip
    return locked


# Reads --------------------------------------------------------------------------------------


def _ancestor_paths(path: str) -> list[str]:
    """The paths of a region and of every region above it ("" is the nation's)."""
    parts = [p for p in path.split("/") if p]
    return ["", *("".join(f"{p}/" for p in parts[: i + 1]) for i in range(len(parts)))]


def _in_force(areas: QuerySet[RiskArea], day: datetime.date) -> QuerySet[RiskArea]:
    return areas.filter(start_date__lte=day).filter(Q(end_date__isnull=True) | Q(end_date__gte=day))


def areas_for_institution(institution: Institution, day: datetime.date) -> QuerySet[RiskArea]:
    """The areas in force on `day` for the institution: declared for its region or above."""
    areas = RiskArea.objects.filter(authority__path__in=_ancestor_paths(institution.region.path))
    return _in_force(areas, day).select_related("region", "authority")


def areas_for_region(
    *, user: Any, region: Region, day: datetime.date | None = None
) -> QuerySet[RiskArea]:
    """The areas that hold in the region (declared for it or above) and those the user may see
    declared below it; with `day`, only those in force that day."""
    above = Q(authority__path__in=_ancestor_paths(region.path))
    below = Q(pk__in=visible(RiskArea.objects.all(), user).values("pk")) & Q(
        authority__path__startswith=region.path
    )
    areas = RiskArea.objects.filter(above | below)
    if day is not None:
        areas = _in_force(areas, day)
    return areas.select_related("region", "authority").order_by("-start_date", "id")


def risk_area_get(*, user: Any, pk: int) -> RiskArea:
    """A risk area declared inside the user's scope (absent and outside look the same)."""
    area = visible(RiskArea.objects.select_related("region", "authority"), user).filter(pk=pk)
    found = area.first()
    if found is None:
        raise Http404("risk area")
    return found


# Matching -----------------------------------------------------------------------------------


def _compact(text: str) -> str:
    return "".join(text.split()).lower()


def _code_prefix(code: str) -> str | None:
    """The digits an identity number of the region starts with: 620100 → 6201, 620000 → 62.

    A township (nine digits) has none: an identity number names its county only."""
    if not code.isdigit() or len(code) != 6:
        return None
    prefix = code
    while prefix.endswith("00") and len(prefix) > 2:
        prefix = prefix[:-2]
    return prefix if prefix != "00" else None


def _names(region: Region) -> list[str]:
    names = [region.name]
    for suffix in NAME_SUFFIXES:
        if region.name.endswith(suffix) and len(region.name) - len(suffix) >= 2:
            names.append(region.name[: -len(suffix)])
            break
    return [_compact(n) for n in names]


@dataclass(frozen=True)
class RiskMatch:
    level: str  # "" when no area matches
    note: str  # which areas, and why, for the gate staff

    @property
    def label(self) -> str:
        return str(RiskLevel(self.level).label) if self.level else ""


def _reasons(area: RiskArea, number: str, came_from: str) -> list[str]:
    reasons = []
    if area.region is not None:
        prefix = _code_prefix(area.region.code)
        if number and prefix and number.startswith(prefix):
            reasons.append(gettext("lives in %(area)s") % {"area": area.label})
        if came_from and any(name in came_from for name in _names(area.region)):
            reasons.append(gettext("came from %(area)s") % {"area": area.label})
    if area.place and _compact(area.place) in came_from:
        reasons.append(gettext("came from %(area)s") % {"area": area.label})
    return reasons


def _match(areas: list[RiskArea], number: str, came_from: str) -> RiskMatch:
    level, notes = "", []
    for area in areas:
        reasons = _reasons(area, number, _compact(came_from))
        if not reasons:
            continue
        notes.append(f"{area.get_level_display()}: {'; '.join(dict.fromkeys(reasons))}")
        if RISK_ORDER[area.level] > RISK_ORDER[level]:
            level = area.level
    return RiskMatch(level=level, note=" · ".join(notes)[:500])


def risk_match(
    *,
    institution: Institution,
    document_type: str,
    id_number: str,
    came_from: str,
    at: datetime.datetime | None = None,
) -> RiskMatch:
    """The highest level of the areas in force that the visitor lives in or came from."""
    day = timezone.localdate(at or timezone.now())
    number = id_number if document_type == DocumentType.RIC else ""
    return _match(list(areas_for_institution(institution, day)), number, came_from)


def visit_flags(
    *, institution: Institution, day: datetime.date, visits: Iterable[Visit]
) -> dict[int, RiskMatch]:
    """The risk flags of a day's visits (those that match an area), by visit id."""
    areas = list(areas_for_institution(institution, day))
    if not areas:
        return {}
    flags = {}
    for visit in visits:
        person = visit.visitor
        number = person.id_number if person.document_type == DocumentType.RIC else ""
        match = _match(areas, number, visit.came_from)
        if match.level:
            flags[visit.pk] = match
    return flags
