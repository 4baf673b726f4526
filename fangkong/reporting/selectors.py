import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from fangkong.core.scoping import get_visible_or_404, scope_of, visible
from fangkong.institutions.models import Institution, open_on
from fangkong.institutions.selectors import institution_list
from fangkong.regions.models import Region
from fangkong.reporting.models import (
    DailyReport,
    ReportingRegime,
    ReportRevision,
    ReportStatus,
    UnitStatus,
)
from fangkong.reporting.rules import is_before_deadline


def regime_of(region: Region, day: datetime.date) -> ReportingRegime | None:
    """The regime `region` reports under on `day`: that of the nearest region at or above it."""
    regimes = [
        r
        for r in ReportingRegime.objects.filter(region__path__in=region.lineage_paths())
        .select_related("region")
        .order_by()
        if r.covers(day)
    ]
    return max(regimes, key=lambda r: r.region.depth, default=None)


def governing_regime(institution: Institution, day: datetime.date) -> ReportingRegime | None:
    """The regime an institution reports under on `day`."""
    return regime_of(institution.region, day)


# Up to this many regions, a query names them by id rather than by their common path.
LISTED_REGIONS = 500


@dataclass(frozen=True)
class DayPlan:
    """Who reports on a day in a region's subtree, worked out on the small region table once.

    `regime_of` maps each region that a regime covers that day to its governing regime (the
    nearest one up the tree), `child_of` each region to the child of the root it lies under, and
    `past` holds the regions whose deadline has passed at the moment asked about, and
    `children` the root's children, in code order (read with the rest of the subtree). The large
    tables are then reached only through region ids.
    """

    region: Region
    regime_of: dict[int, ReportingRegime]
    child_of: dict[int, str]
    past: frozenset[int]
    children: list[Region]

    @property
    def covers_all(self) -> bool:
        return len(self.regime_of) == len(self.child_of)

    def covered(self, *, by_id: bool = False) -> Q:
        """The institutions in covered regions, named by the shorter list of region ids.

        The whole subtree, less the regions no regime covers (a nation whose provinces each
        have their own regime), or else just the covered regions (a regime on one banner of a
        province). The subtree itself is named by its path, or with `by_id` (for a count
        over all of it) by the ids the plan has read already, up to `LISTED_REGIONS`: a sorted
        page needs the path, whose selectivity PostgreSQL estimates far better than a list's.
        """
        if not self.region.path:  # the nation's subtree is every region
            subtree = Q()
        elif by_id and len(self.child_of) <= LISTED_REGIONS:
            subtree = Q(region_id__in=list(self.child_of))
        else:  # on the joined region's own path, which a page sorted by path scans in range
            subtree = Q(region__path__startswith=self.region.path)
        if self.covers_all:
            return subtree
        uncovered = [pk for pk in self.child_of if pk not in self.regime_of]
        if len(uncovered) <= len(self.regime_of):
            return subtree & ~Q(region_id__in=uncovered)
        return Q(region_id__in=list(self.regime_of))

    def absent_status(self) -> Case | Value:
        """What a unit without a report is: missing past its deadline, pending before."""
        if not self.past:
            return Value(UnitStatus.PENDING.value)
        if len(self.past) == len(self.regime_of):
            return Value(UnitStatus.MISSING.value)
        before = [pk for pk in self.regime_of if pk not in self.past]
        missing, pending = Value(UnitStatus.MISSING.value), Value(UnitStatus.PENDING.value)
        if len(self.past) <= len(before):  # name the regions of the shorter list
            return Case(When(region_id__in=list(self.past), then=missing), default=pending)
        return Case(When(region_id__in=before, then=pending), default=missing)


def day_plan(region: Region, day: datetime.date, now: datetime.datetime) -> DayPlan:
    regimes = [
        r
        for r in ReportingRegime.objects.filter(
            Q(region__path__in=region.lineage_paths()) | Q(region__path__startswith=region.path)
        )
        .select_related("region")
        .order_by()
        if r.covers(day)
    ]
    # Of two regimes on one region, the first read governs, as the nearest-first scan did.
    by_path: dict[str, ReportingRegime] = {}
    for regime in regimes:
        by_path.setdefault(regime.region.path, regime)
    depth = len(region.path)
    regime_of: dict[int, ReportingRegime] = {}
    child_of: dict[int, str] = {}
    children: list[int] = []
    subtree = _subtree_ids(region)
    # A loop on the region table, which is small: it runs for every completeness figure, so it
    # reads three columns and walks each path up to the nearest regime (a few dict lookups).
    memo: dict[str, ReportingRegime | None] = {}
    for pk, path, parent_id in subtree.values_list("pk", "path", "parent_id").order_by():
        end = path.find("/", depth)
        child_of[pk] = path[depth:end] if end >= 0 else path[depth:]
        if parent_id == region.pk:
            children.append(pk)
        nearest = _nearest(path, by_path, memo) if by_path else None
        if nearest is not None:
            regime_of[pk] = nearest
    past_regimes = {r.pk for r in regimes if not is_before_deadline(r, day, now)}
    past = frozenset(pk for pk, regime in regime_of.items() if regime.pk in past_regimes)
    return DayPlan(
        region=region, regime_of=regime_of, child_of=child_of, past=past,
        children=list(Region.objects.filter(pk__in=children).order_by("code")) if children else [],
    )  # fmt: skip


def _nearest(
    path: str, by_path: dict[str, ReportingRegime], memo: dict[str, ReportingRegime | None]
) -> ReportingRegime | None:
    """The regime of the region at `path` or of the nearest region above it, if any; `memo`
    keeps each path's answer for the regions below it."""
    if path in memo:
        return memo[path]
    regime = by_path.get(path)
    if regime is None and path:
        regime = _nearest(path[: path.rfind("/", 0, len(path) - 1) + 1], by_path, memo)
    memo[path] = regime
    return regime


@dataclass
class Counts:
    expected: int = 0
    on_time: int = 0
    late: int = 0
    pending: int = 0
    missing: int = 0

    @property
    def received(self) -> int:
        return self.on_time + self.late

    def rates(self) -> dict[str, float | None]:
        """DHIS2's reporting rate and on-time rate, as fractions of the expected reports."""
        if not self.expected:
            return {"reporting_rate": None, "on_time_rate": None}
        return {
            "reporting_rate": round(self.received / self.expected, 4),
            "on_time_rate": round(self.on_time / self.expected, 4),
        }

    def add(self, other: "Counts") -> None:
        for name in ("expected", "on_time", "late", "pending", "missing"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class Completeness:
    region: Region
    day: datetime.date
    total: Counts
    children: list[tuple[Region, Counts]] = field(default_factory=list)
    plan: DayPlan | None = None  # for a `unit_list()` of the same region, day and moment


def _subtree_ids(region: Region) -> QuerySet[Region]:
    return Region.objects.filter(path__startswith=region.path)


def expected_units(
    *, user: Any, day: datetime.date, plan: DayPlan, by_id: bool = False
) -> QuerySet[Institution]:
    """The institutions expected to report on `day`, with that day's report as `today`."""
    units = Institution.objects.filter(plan.covered(by_id=by_id), open_on(day))
    if not scope_of(user).covers_path(plan.region.path):
        # Narrowed only when the scope ends inside the region: otherwise `covered()` already
        # keeps to the subtree, and repeating the condition costs every count a second probe.
        units = visible(units, user)
    return units.annotate(
        today=FilteredRelation("daily_reports", condition=Q(daily_reports__day=day))
    )


def visible_children(user: Any, plan: DayPlan) -> list[Region]:
    """The children of the plan's region that the user may see, in code order."""
    if scope_of(user).covers_path(plan.region.path):
        return plan.children
    return list(visible(plan.region.children.all(), user).order_by("code"))


def unit_status(plan: DayPlan) -> Case:
    """A unit's status on the day: its report's timeliness, or pending/missing by deadline."""
    return Case(
        When(today__status=ReportStatus.ON_TIME, then=Value(UnitStatus.ON_TIME.value)),
        When(today__status=ReportStatus.LATE, then=Value(UnitStatus.LATE.value)),
        default=plan.absent_status(),
        output_field=CharField(),
    )


def completeness(
    *,
    user: Any,
    region: Region,
    day: datetime.date,
    now: datetime.datetime,
    with_children: bool = True,
    plan: DayPlan | None = None,
) -> Completeness:
    """Expected, received and on-time counts for `region` on `day`, in total and per child.

    `plan`, when given, is the `day_plan()` of the same region, day and moment.
    """
    plan = plan or day_plan(region, day, now)
    # One row per region and status of the day's report (None: no report), counted.
    units = expected_units(user=user, day=day, plan=plan, by_id=True)
    # The stubs know no FilteredRelation alias ("today").
    rows = units.values_list("region_id", "today__status").annotate(n=Count("pk")).order_by()  # type: ignore[misc]
    sums: dict[str, list[int]] = {}
    for region_id, status, n in rows:
        # expected, on time, late, pending, missing: the absent are missing past the deadline
        acc = sums.setdefault(plan.child_of.get(region_id, ""), [0, 0, 0, 0, 0])
        acc[0] += n
        if status is None:
            acc[4 if region_id in plan.past else 3] += n
        else:
            acc[1 if status == ReportStatus.ON_TIME else 2] += n
    by_child = {child: Counts(*acc) for child, acc in sums.items()}
    total = Counts()
    for counts in by_child.values():
        total.add(counts)
    children = []
    if with_children:
        for child in visible_children(user, plan):
            children.append((child, by_child.get(child.code, Counts())))
    return Completeness(region=region, day=day, total=total, children=children, plan=plan)


def unit_list(
    *,
    user: Any,
    region: Region,
    day: datetime.date,
    now: datetime.datetime,
    status: str | None = None,
    plan: DayPlan | None = None,
) -> QuerySet[Any]:
    """The expected units with their `unit_status` and `submitted_at` for the day.

    `plan`, when given, is the `day_plan()` of the same region, day and moment.
    """
    plan = plan or day_plan(region, day, now)
    units = (
        expected_units(user=user, day=day, plan=plan)
        .annotate(
            unit_status=unit_status(plan),
            submitted_at=F("today__first_submitted_at"),
            on_behalf=F("today__current__on_behalf"),  # reported by an officer (代报)
        )
        .select_related("region")
        .order_by("region__path", "code")
    )
    if status:
        units = units.filter(unit_status=status)
    return units


def report_get(*, user: Any, institution: Institution, day: datetime.date) -> DailyReport:
    return get_visible_or_404(
        DailyReport.objects.select_related("current", "institution"),
        user,
        institution=institution,
        day=day,
    )


def figure_sums_by_day(
    *,
    user: Any,
    region: Region,
    start: datetime.date,
    end: datetime.date,
    fields: tuple[str, ...],
) -> dict[datetime.date, dict[str, int]]:
    """The region's daily sums of some fields over the reports in force, by day."""
    rows: Any = (
        ReportRevision.objects.current()
        .filter(
            report__institution__in=institution_list(user=user, region=region).values("pk"),
            report__day__range=(start, end),
        )
        .values("report__day")
        .annotate(**{f: Sum(f) for f in fields})
    )
    return {row["report__day"]: {f: row[f] or 0 for f in fields} for row in rows}


MAX_RANGE_DAYS = 92


def completeness_range(
    *, user: Any, region: Region, start: datetime.date, end: datetime.date, now: datetime.datetime
) -> list[tuple[datetime.date, Counts]]:
    """Completeness of `region` for each day from `start` to `end` inclusive."""
    days = (end - start).days + 1
    return [
        (day, completeness(user=user, region=region, day=day, now=now, with_children=False).total)
        for day in (start + datetime.timedelta(days=i) for i in range(days))
    ]


NOT_EXPECTED = "not_expected"


def unit_days(
    institution: Institution, days: list[datetime.date], now: datetime.datetime
) -> list[tuple[datetime.date, DailyReport | None, str]]:
    """Each day's report of one institution and its status: a report's timeliness, pending or
    missing by the deadline, or `not_expected` (no regime, or not operating that day)."""
    regimes = list(
        ReportingRegime.objects.filter(
            region__path__in=institution.region.lineage_paths()
        ).select_related("region")
    )
    reports = {
        r.day: r
        for r in DailyReport.objects.filter(institution=institution, day__in=days).select_related(
            "current"
        )
    }
    rows = []
    for day in days:
        report = reports.get(day)
        regime = max((r for r in regimes if r.covers(day)), key=lambda r: r.region.depth,
                     default=None)  # fmt: skip
        if report is not None:
            status = report.status
        elif regime is None or not institution.is_open_on(day):
            status = NOT_EXPECTED
        elif is_before_deadline(regime, day, now):
            status = UnitStatus.PENDING
        else:
            status = UnitStatus.MISSING
        rows.append((day, report, str(status)))
    return rows


GRID_DAYS = 14
GRID_UNITS = 500


@dataclass
class GridRow:
    """One institution's statuses over the grid's days, and its longest run of missed days."""

    unit: Institution
    cells: list[tuple[datetime.date, str]]
    missed: int
    longest_missed_run: int


def unit_grid(
    *, user: Any, plan: DayPlan, end: datetime.date, now: datetime.datetime
) -> list[GridRow]:
    """The institutions expected on `end`, each with its status on the `GRID_DAYS` up to `end`.

    At most `GRID_UNITS` rows: those with the fewest reports in the window are chosen (chosen by
    the database, so that a nation's board stays fast), then the most missed come first. The
    reports of the window are read in one query, the regimes in another.
    """
    start = end - datetime.timedelta(days=GRID_DAYS - 1)
    days = [start + datetime.timedelta(days=i) for i in range(GRID_DAYS)]
    in_window = Q(day__range=(start, end))
    received = (
        DailyReport.objects.filter(in_window, institution=OuterRef("pk"))
        .order_by()
        .values("institution")
        .annotate(n=Count("pk"))
        .values("n")
    )
    units = list(
        expected_units(user=user, day=end, plan=plan)
        .annotate(received=Coalesce(Subquery(received), 0))
        .select_related("region")
        .order_by("received", "region__path", "code")[:GRID_UNITS]
    )
    reports = dict(
        ((pk, day), status)
        for pk, day, status in DailyReport.objects.filter(
            in_window, institution__in=[unit.pk for unit in units]
        ).values_list("institution_id", "day", "status")
    )
    status_of = _absent_statuses(plan.region, days, now)
    rows = []
    for unit in units:
        cells = [(day, reports.get((unit.pk, day)) or status_of(unit, day)) for day in days]
        rows.append(_grid_row(unit, cells))
    rows.sort(key=lambda row: -row.missed)  # stable: region and code order within a count
    return rows


def _absent_statuses(region: Region, days: list[datetime.date], now: datetime.datetime) -> Any:
    """A function giving an institution's status on a day without a report."""
    regimes = sorted(
        (
            r
            for r in ReportingRegime.objects.filter(
                Q(region__path__in=region.lineage_paths()) | Q(region__path__startswith=region.path)
            ).select_related("region")
            if any(r.covers(day) for day in days)
        ),
        key=lambda r: r.region.depth,
        reverse=True,
    )
    passed: dict[tuple[int, datetime.date], bool] = {}

    def status_of(unit: Institution, day: datetime.date) -> str:
        regime = next(
            (r for r in regimes if r.covers(day) and unit.region.path.startswith(r.region.path)),
            None,
        )
        if regime is None or not unit.is_open_on(day):
            return NOT_EXPECTED
        key = (regime.pk, day)
        if key not in passed:
            passed[key] = not is_before_deadline(regime, day, now)
        return UnitStatus.MISSING.value if passed[key] else UnitStatus.PENDING.value

    return status_of


def _grid_row(unit: Institution, cells: list[tuple[datetime.date, str]]) -> GridRow:
    missed = run = longest = 0
    for _day, status in cells:
        if status == UnitStatus.MISSING:
            missed, run = missed + 1, run + 1
            longest = max(longest, run)
        else:
            run = 0
    return GridRow(unit=unit, cells=cells, missed=missed, longest_missed_run=longest)
