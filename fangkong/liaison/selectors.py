"""Reads of the liaison measure, each through the scope of the user asking."""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Count, F, FilteredRelation, Q, QuerySet

from fangkong.accounts.models import Role, RoleGrant, User
from fangkong.core.day_ranges import covering
from fangkong.core.scoping import get_visible_or_404, visible
from fangkong.institutions.models import Institution, open_on
from fangkong.liaison.models import DutyLog, LiaisonAssignment, LiaisonLevel
from fangkong.regions.models import Region

# Who reads a region's coverage: those who assign liaisons there.
COVERAGE_READERS = {"admin", "officer"}
# Who reads an institution's duty log: its officers and its liaisons.
DUTY_LOG_READERS = {"admin", "officer", "liaison"}


def coverage_region_get(*, user: Any, code: str) -> Region:
    return get_visible_or_404(Region.objects.select_related("parent"), user, COVERAGE_READERS,
                              code=code)  # fmt: skip


def institutions_with_liaisons(region: Region, day: datetime.date) -> QuerySet[Institution]:
    """The institutions open on `day` in `region`'s subtree, each joined to its league and its
    banner assignment of that day (`league`, `banner`; absent: none).

    The database allows one assignment per institution, level and day, so each join adds at
    most one row: one row per institution, counted without grouping by institution.
    """
    units = Institution.objects.filter(open_on(day))
    if region.path:  # the nation's subtree is everything
        units = units.filter(region__in=Region.objects.filter(path__startswith=region.path)
                             .values("pk"))  # fmt: skip
    return units.annotate(
        league=FilteredRelation(
            "liaison_assignments",
            condition=Q(liaison_assignments__level=LiaisonLevel.LEAGUE)
            & covering(day, "liaison_assignments__"),
        ),
        banner=FilteredRelation(
            "liaison_assignments",
            condition=Q(liaison_assignments__level=LiaisonLevel.BANNER)
            & covering(day, "liaison_assignments__"),
        ),
    )


@dataclass
class CoverageCounts:
    institutions: int = 0
    covered: int = 0
    no_league: int = 0
    no_banner: int = 0

    @property
    def uncovered(self) -> int:
        return self.institutions - self.covered

    def add(self, other: "CoverageCounts") -> None:
        for name in ("institutions", "covered", "no_league", "no_banner"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


# One pass over the day's assignments, aggregated per institution: the two joins of
# `institutions_with_liaisons` (one per level, each over every institution of the subtree) cost
# the nation three times as much. An institution's `levels` is a sum of bits (1: league,
# 2: banner); the uncovered (below 3) come back as "id:levels" in one string.
SCAN_SQL = """
SELECT {group} count(*),
       sum(CASE WHEN a.levels = 3 THEN 1 ELSE 0 END),
       sum(CASE WHEN coalesce(a.levels, 0) IN (0, 2) THEN 1 ELSE 0 END),
       sum(CASE WHEN coalesce(a.levels, 0) IN (0, 1) THEN 1 ELSE 0 END),
       {uncovered}
FROM {institution} i
LEFT JOIN (
    SELECT institution_id,
           max(CASE WHEN level = %(league)s THEN 1 ELSE 0 END)
           + max(CASE WHEN level = %(banner)s THEN 2 ELSE 0 END) AS levels
    FROM {assignment}
    WHERE start_date <= %(day)s AND (end_date IS NULL OR end_date >= %(day)s)
      {assigned_in_subtree}
    GROUP BY institution_id
) a ON a.institution_id = i.id
WHERE (i.opened_on IS NULL OR i.opened_on <= %(day)s)
  AND (i.closed_on IS NULL OR i.closed_on >= %(day)s)
  {subtree}
{group_by}
"""
SUBTREE = "AND i.region_id IN (SELECT id FROM {region} WHERE path LIKE %(prefix)s)"
ASSIGNED_IN_SUBTREE = (
    "AND institution_id IN (SELECT id FROM {institution} WHERE region_id IN "
    "(SELECT id FROM {region} WHERE path LIKE %(prefix)s))"
)
UNCOVERED = {
    "postgresql": "string_agg(CASE WHEN coalesce(a.levels, 0) <> 3 "
    "THEN i.id::text || ':' || coalesce(a.levels, 0)::text END, ',')",
    "sqlite": "group_concat(CASE WHEN coalesce(a.levels, 0) <> 3 "
    "THEN i.id || ':' || coalesce(a.levels, 0) END, ',')",
}
LEVEL_BITS = {LiaisonLevel.LEAGUE: 1, LiaisonLevel.BANNER: 2}
# Up to this many uncovered institutions are read by id; more (a region with hardly any
# liaison yet) through the joins, as a statement with thousands of ids would be slower.
BY_ID = 5000


@dataclass
class CoverageScan:
    """A region's coverage of a day: its counts (per region of the subtree, when asked), and
    the levels each uncovered institution has (by id; bits of `LEVEL_BITS`)."""

    region: Region
    day: datetime.date
    by_region: dict[int, CoverageCounts]
    uncovered: dict[int, int]

    @property
    def total(self) -> CoverageCounts:
        total = CoverageCounts()
        for counts in self.by_region.values():
            total.add(counts)
        return total


def coverage_scan(region: Region, day: datetime.date, *, per_region: bool = False) -> CoverageScan:
    """Count the region's open institutions with and without each liaison on `day`, in total
    or per region of its subtree: one statement."""
    # The statement's names come from the models; every value is a parameter. The nation's
    # subtree is everything; a province's assignments are read through its institutions.
    names = {"institution": connection.ops.quote_name(Institution._meta.db_table),
             "assignment": connection.ops.quote_name(LiaisonAssignment._meta.db_table),
             "region": connection.ops.quote_name(Region._meta.db_table)}  # fmt: skip
    sql = SCAN_SQL.format(
        group="i.region_id," if per_region else "0,",
        group_by="GROUP BY i.region_id" if per_region else "",
        uncovered=UNCOVERED[connection.vendor],
        subtree=SUBTREE.format(**names) if region.path else "",
        assigned_in_subtree=ASSIGNED_IN_SUBTREE.format(**names) if region.path else "",
        **names,
    )
    params: dict[str, Any] = {"day": day, "prefix": region.path + "%",
                              "league": LiaisonLevel.LEAGUE.value,
                              "banner": LiaisonLevel.BANNER.value}  # fmt: skip
    by_region: dict[int, CoverageCounts] = {}
    uncovered: dict[int, int] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for region_id, institutions, *counts, listed in cursor.fetchall():
            if not institutions:
                continue
            by_region[region_id] = CoverageCounts(int(institutions), *(int(n) for n in counts))
            for item in listed.split(",") if listed else ():
                pk, levels = item.split(":")
                uncovered[int(pk)] = int(levels)
    return CoverageScan(region, day, by_region, uncovered)


def coverage_counts(region: Region, day: datetime.date) -> CoverageCounts:
    """How many of the region's open institutions have both liaisons on `day`: one query."""
    return coverage_scan(region, day).total


def uncovered_units(
    scan: CoverageScan, offset: int = 0, limit: int | None = None
) -> list[dict[str, Any]]:
    """The scan's institutions lacking a liaison, by region and code (the page `offset` and
    `limit` ask for), as dicts of `code`, `name`, `region_code` and `missing` (levels)."""
    end = None if limit is None else offset + limit
    if len(scan.uncovered) > BY_ID:
        joined: Any = (
            institutions_with_liaisons(scan.region, scan.day)
            .filter(Q(league__id__isnull=True) | Q(banner__id__isnull=True))
            .order_by("region__path", "code")
            .values("code", "name", region_code=F("region__code"), league_id=F("league__id"),
                    banner_id=F("banner__id"))
        )[offset:end]  # fmt: skip
        return [
            {"code": u["code"], "name": u["name"], "region_code": u["region_code"],
             "missing": [lv for lv in LiaisonLevel.values if u[f"{lv}_id"] is None]}
            for u in joined
        ]  # fmt: skip
    units = (
        Institution.objects.filter(pk__in=list(scan.uncovered))
        .order_by("region__path", "code")
        .values("pk", "code", "name", region_code=F("region__code"))
    )[offset:end]
    return [
        {"code": u["code"], "name": u["name"], "region_code": u["region_code"],
         "missing": missing_levels(scan.uncovered[u["pk"]])}
        for u in units
    ]  # fmt: skip


def missing_levels(levels: int) -> list[str]:
    """The levels (league, banner) absent from a sum of `LEVEL_BITS`."""
    return [level for level, bit in LEVEL_BITS.items() if not levels & bit]


@dataclass
class Coverage:
    """A region's coverage on a day, in total and per child region (for the page)."""

    region: Region
    day: datetime.date
    total: CoverageCounts
    children: list[tuple[Region, CoverageCounts]] = field(default_factory=list)


def coverage_by_child(scan: CoverageScan) -> Coverage:
    """The scan's counts per child region, folded on the region table."""
    region = scan.region
    child_of: dict[int, int] = {}
    children = list(region.children.order_by("code"))
    by_path = {child.path: child.pk for child in children}
    depth = len(region.path)
    for pk, path in Region.objects.filter(path__startswith=region.path).values_list("pk", "path"):
        end = path.find("/", depth)
        child_of[pk] = by_path.get(path[: end + 1], 0) if end >= 0 else 0
    sums: dict[int, CoverageCounts] = {}
    for region_id, counts in scan.by_region.items():
        sums.setdefault(child_of.get(region_id, 0), CoverageCounts()).add(counts)
    pairs = [(child, sums.get(child.pk, CoverageCounts())) for child in children]
    return Coverage(region=region, day=scan.day, total=scan.total, children=pairs)


def units_with_liaisons(region: Region, day: datetime.date) -> QuerySet[Any]:
    """The institutions placed directly on `region`, open on `day`, with their liaisons' names."""
    return (
        institutions_with_liaisons(region, day)
        .filter(region=region)
        .order_by("code")
        .values(
            "code",
            "name",
            league_id=F("league__id"),
            banner_id=F("banner__id"),
            league_name=F("league__official__full_name"),
            league_username=F("league__official__username"),
            banner_name=F("banner__official__full_name"),
            banner_username=F("banner__official__username"),
        )
    )


# Officials -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OfficialLoad:
    """An official and the institutions they answer for at one level on a day."""

    official: User
    level: str
    institutions: list[Institution]


def officials_with_several(region: Region, day: datetime.date) -> list[OfficialLoad]:
    """Officials holding more than one institution of the region at one level on `day` (the
    rule is one each: a warning, not a refusal)."""
    inside = LiaisonAssignment.objects.filter(covering(day))
    if region.path:
        inside = inside.filter(institution__region__path__startswith=region.path)
    heavy = inside.values("official_id", "level").annotate(n=Count("pk")).filter(n__gt=1).order_by()
    keys = {(row["official_id"], row["level"]) for row in heavy}
    if not keys:
        return []
    loads: dict[tuple[int, str], OfficialLoad] = {}
    rows = (
        inside.filter(official_id__in={official for official, _ in keys})
        .select_related("official", "institution")
        .order_by("official__username", "level", "institution__code")
    )
    for assignment in rows:
        key = (assignment.official_id, assignment.level)
        if key in keys:
            loads.setdefault(key, OfficialLoad(assignment.official, assignment.level, []))
            loads[key].institutions.append(assignment.institution)
    return list(loads.values())


def officials_without(region: Region, day: datetime.date) -> list[User]:
    """Users holding the liaison role in the region who answer for none of its institutions on
    `day` (the role was granted by hand, or `roles_sync` has not yet run)."""
    inside = Q(institution__region__path__startswith=region.path) | Q(
        region__path__startswith=region.path
    )
    holders = RoleGrant.objects.filter(inside, role=Role.LIAISON).values("user_id")
    busy = LiaisonAssignment.objects.filter(
        covering(day), institution__region__path__startswith=region.path
    ).values("official_id")
    return list(
        User.objects.filter(pk__in=holders, is_active=True)
        .exclude(pk__in=busy)
        .order_by("username")
    )


@dataclass(frozen=True)
class OtherInstitutions:
    """The institutions an official also holds at a level: those the caller may see, by name,
    and how many others (counted, never named: their names lie outside the caller's scope)."""

    names: list[str]
    hidden: int

    def __bool__(self) -> bool:
        return bool(self.names or self.hidden)


def other_institutions(
    official: User,
    level: str,
    start: datetime.date,
    end: datetime.date | None,
    exclude: int,
    *,
    user: Any,
) -> OtherInstitutions:
    """The institutions of the official's other assignments at `level` sharing a day with
    `[start, end]`: named when `user` may see them, else only counted."""
    others = LiaisonAssignment.objects.filter(official=official, level=level).exclude(pk=exclude)
    others = others.filter(Q(end_date__isnull=True) | Q(end_date__gte=start))
    if end is not None:
        others = others.filter(start_date__lte=end)
    ids = set(others.values_list("institution_id", flat=True))
    if not ids:
        return OtherInstitutions(names=[], hidden=0)
    seen = visible(Institution.objects.filter(pk__in=ids), user)
    names = sorted(set(seen.values_list("name", flat=True)))
    hidden = len(ids) - seen.count()
    return OtherInstitutions(names=names, hidden=hidden)


# Assignments and the duty log ---------------------------------------------------------------


def assignment_list(*, user: Any, institution: Institution) -> QuerySet[LiaisonAssignment]:
    return visible(
        LiaisonAssignment.objects.filter(institution=institution).select_related(
            "official", "institution", "created_by"
        ),
        user,
    ).order_by("level", "-start_date")


def assignment_get(*, user: Any, pk: int) -> LiaisonAssignment:
    return get_visible_or_404(
        LiaisonAssignment.objects.select_related("official", "institution__region", "created_by"),
        user,
        pk=pk,
    )


def current_liaisons(institution: Institution, day: datetime.date) -> dict[str, LiaisonAssignment]:
    """The institution's liaison of each level on `day`, by level."""
    rows = LiaisonAssignment.objects.filter(covering(day), institution=institution)
    return {row.level: row for row in rows.select_related("official")}


def duty_log_institution(*, user: Any, code: str) -> Institution:
    """The institution whose duty log the user may read (its officers and liaisons), or 404."""
    return get_visible_or_404(Institution.objects.select_related("region"), user,
                              DUTY_LOG_READERS, code=code)  # fmt: skip


def duty_log_list(*, user: Any, institution: Institution) -> QuerySet[DutyLog]:
    return (
        visible(DutyLog.objects.filter(institution=institution), user, DUTY_LOG_READERS)
        .select_related("assignment__official", "written_by")
        .prefetch_related("findings")
        .order_by("-day", "-written_at")
    )


def coverage_region_visible(user: Any, region: Region) -> bool:
    return visible(Region.objects.filter(pk=region.pk), user, COVERAGE_READERS).exists()


def duty_log_visible(user: Any, institution: Institution) -> bool:
    return visible(Institution.objects.filter(pk=institution.pk), user, DUTY_LOG_READERS).exists()
