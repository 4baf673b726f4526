"""Completeness of a whole region for one day, against one hand-written SQL query.

Times, on the dataset `generate` built, for the most recent full day (yesterday, Asia/Shanghai):

- `selector`: `reporting.selectors.completeness()` — the counts in total and per child region;
- `units`: the unit page the API adds (`unit_list()`: first page of 100 and the count);
- `api`: the whole `GET /api/v1/regions/{code}/completeness?date=…` through Django's test
  client (middleware, bearer-token authentication, ninja, JSON), as an officer of the region;
- `floor`: `GET /api/v1/regions/{code}` through the same client and token, what any answer of
  the API costs (middleware, token, scope, ninja, JSON) besides its own work;
- `sql`: hand-written queries computing what the API returns: the first page of units with
  their status, and the numbers (expected, on time, late, pending, missing per child region,
  and so the total), preceded by the tiny query that reads the regimes, whose deadlines are
  judged by the app's one rule (`rules.is_before_deadline`).

The selector's and the SQL's numbers are asserted equal before anything is timed. Target
(issue): selector p95 ≤ 100 ms and ≤ 1.5 × the SQL's.

Scopes: at province scale the province (内蒙古 150000); at nation scale the largest province and
the nation (000000), the root above the provinces that `load_official()` loads, as an officer
of the nation would ask for it.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.test import Client
from django.utils import timezone

from bench.facts import cache_meter, database_facts
from bench.generate import local_yesterday
from bench.timing import measure, table

NAMES = ["expected", "on_time", "late", "pending", "missing"]


@dataclass(frozen=True)
class Numbers:
    total: dict[str, int]
    children: dict[str, dict[str, int]]
    units: tuple[tuple[str, str, str, str], ...] = ()  # the first page: code, name, region, status


# -- the hand-written query ----------------------------------------------------------------

REGIMES_SQL = """
SELECT r.path, r.depth, g.deadline, g.deadline_inclusive, g.timezone
FROM reporting_reportingregime g JOIN regions_region r ON r.id = g.region_id
WHERE g.start_date <= %s AND (g.end_date IS NULL OR g.end_date >= %s)
  AND (r.path LIKE %s OR %s LIKE r.path || '%%')
"""

# The governing regime (the nearest one up the tree) is decided per region, not per
# institution: 3,300 regions × a few regimes instead of 41,000 institutions × regimes.
COUNTS_SQL = """
WITH g(path, depth, past) AS (VALUES {values}),
rg AS (
    SELECT r.id, {child} AS child,
           (SELECT g.past FROM g WHERE r.path LIKE g.path || '%%'
            ORDER BY g.depth DESC LIMIT 1) AS past
    FROM regions_region r WHERE r.path LIKE %s
),
agg AS (
    SELECT rg.child,
           count(*) AS expected,
           sum(CASE WHEN d.status = 'on_time' THEN 1 ELSE 0 END) AS on_time,
           sum(CASE WHEN d.status = 'late' THEN 1 ELSE 0 END) AS late,
           sum(CASE WHEN d.id IS NULL AND NOT rg.past THEN 1 ELSE 0 END) AS pending,
           sum(CASE WHEN d.id IS NULL AND rg.past THEN 1 ELSE 0 END) AS missing
    FROM institutions_institution i
    JOIN rg ON rg.id = i.region_id AND rg.past IS NOT NULL
    LEFT JOIN reporting_dailyreport d ON d.institution_id = i.id AND d.day = %s
    WHERE (i.opened_on IS NULL OR i.opened_on <= %s)
      AND (i.closed_on IS NULL OR i.closed_on >= %s)
    GROUP BY rg.child
)
SELECT c.code, c.name, coalesce(agg.expected, 0), coalesce(agg.on_time, 0),
       coalesce(agg.late, 0), coalesce(agg.pending, 0), coalesce(agg.missing, 0)
FROM regions_region c LEFT JOIN agg ON agg.child = c.code
WHERE c.parent_id = %s
UNION ALL
SELECT '', '', expected, on_time, late, pending, missing FROM agg WHERE child = ''
"""


# The first page of units the API returns, in its order, with each unit's status.
PAGE_SQL = """
WITH g(path, depth, past) AS (VALUES {values}),
rg AS (
    SELECT r.id, r.code, r.path,
           (SELECT g.past FROM g WHERE r.path LIKE g.path || '%%'
            ORDER BY g.depth DESC LIMIT 1) AS past
    FROM regions_region r WHERE r.path LIKE %s
)
SELECT i.code, i.name, rg.code,
       CASE WHEN d.status IS NOT NULL THEN d.status
            WHEN rg.past THEN 'missing' ELSE 'pending' END
FROM institutions_institution i
JOIN rg ON rg.id = i.region_id AND rg.past IS NOT NULL
LEFT JOIN reporting_dailyreport d ON d.institution_id = i.id AND d.day = %s
WHERE (i.opened_on IS NULL OR i.opened_on <= %s)
  AND (i.closed_on IS NULL OR i.closed_on >= %s)
ORDER BY rg.path, i.code
LIMIT %s
"""
PAGE = 100  # the API's first page of units


def child_sql(depth: int) -> str:
    """The child segment of a path below a region whose path has `depth` characters."""
    if connection.vendor == "postgresql":
        return f"split_part(substr(r.path, {depth + 1}), '/', 1)"
    return f"substr(r.path, {depth + 1}, max(instr(substr(r.path, {depth + 1}), '/') - 1, 0))"


def sql_numbers(region: Any, day: datetime.date, now: datetime.datetime) -> Numbers:
    from fangkong.reporting.models import ReportingRegime
    from fangkong.reporting.rules import is_before_deadline

    with connection.cursor() as cursor:
        cursor.execute(REGIMES_SQL, [day, day, region.path + "%", region.path])
        regimes = []
        for path, depth, deadline, inclusive, zone in cursor.fetchall():
            rule = ReportingRegime(deadline=deadline, deadline_inclusive=inclusive, timezone=zone)
            regimes.append((path, depth, not is_before_deadline(rule, day, now)))
        zero = {name: 0 for name in NAMES}
        if not regimes:
            return Numbers(zero, {})
        values = ", ".join("(%s, %s, %s)" for _ in regimes)
        params: list[Any] = [v for regime in regimes for v in regime]
        cursor.execute(PAGE_SQL.format(values=values),
                       [*params, region.path + "%", day, day, day, PAGE])  # fmt: skip
        units = tuple(tuple(row) for row in cursor.fetchall())
        sql = COUNTS_SQL.format(values=values, child=child_sql(len(region.path)))
        params += [region.path + "%", day, day, day, region.pk]  # in the order of the %s
        cursor.execute(sql, params)
        total = dict(zero)
        children = {}
        for code, _name, *counts in cursor.fetchall():
            row = dict(zip(NAMES, (int(c) for c in counts), strict=True))
            if code:
                children[code] = row
            for name in NAMES:
                total[name] += row[name]
    return Numbers(total, children, units)


def selector_numbers(result: Any) -> Numbers:
    def pick(counts: Any) -> dict[str, int]:
        return {name: getattr(counts, name) for name in NAMES}

    return Numbers(pick(result.total), {c.code: pick(n) for c, n in result.children})


# -- the scopes ----------------------------------------------------------------------------


def officer(region: Any, role: str = "officer") -> tuple[Any, str]:
    """A user holding `role` over `region` (None: an administrator of everything) + token."""
    from fangkong.accounts.models import User
    from fangkong.accounts.services import role_grant, token_create, user_ensure
    from fangkong.core.scoping import SYSTEM

    name = f"bench-{role}-{region.code if region else 'all'}"
    user, _ = user_ensure(actor=SYSTEM, username=name)
    role_grant(actor=SYSTEM, user=user, role=role, scope=region)
    _, secret = token_create(actor=SYSTEM, user=user, name="bench")
    return User.objects.get(pk=user.pk), secret


def time_scope(label: str, region: Any, user: Any, secret: str, day: datetime.date,
               repeat: int) -> dict[str, Any]:  # fmt: skip
    from fangkong.reporting import selectors

    now = timezone.now()
    client = Client(headers={"authorization": f"Bearer {secret}"})
    url = f"/api/v1/regions/{region.code}/completeness?date={day.isoformat()}"

    def selector() -> Any:
        return selectors.completeness(user=user, region=region, day=day, now=now)

    def units() -> int:
        page = selectors.unit_list(user=user, region=region, day=day, now=now)
        rows = list(page.values("code", "name", "region__code", "unit_status")[:100])
        return len(rows) + page.count()

    def api() -> Any:
        response = client.get(url)
        assert response.status_code == 200, response.content[:300]
        return response.json()

    def sql() -> Numbers:
        return sql_numbers(region, day, now)

    def floor() -> Any:  # what any answer costs: token, scope, ninja, JSON, middleware
        response = client.get(f"/api/v1/regions/{region.code}")
        assert response.status_code == 200, response.content[:300]
        return response.json()

    ours, theirs = selector_numbers(selector()), sql()
    assert (ours.total, ours.children) == (theirs.total, theirs.children), (
        f"{label}: selector {ours} != SQL {theirs}"
    )
    body = api()
    assert {k: body[k] for k in NAMES} == ours.total, "the API disagrees with the selector"
    page = tuple((u["code"], u["name"], u["region_code"], u["status"]) for u in body["units"])
    assert page == theirs.units, f"{label}: the API's first page differs from the SQL's"
    assert len(body["children"]) == len(theirs.children), "the API's children differ"
    cache: dict[str, Any] = {}
    with cache_meter(cache):
        runs = [("sql", sql), ("selector", selector), ("units", units), ("api", api),
                ("floor", floor)]  # fmt: skip
        timings = {name: measure(fn, repeat=repeat) for name, fn in runs}
    total = ours.total
    return {
        "scope": label,
        "expected": total["expected"],
        "on_time": total["on_time"],
        "late": total["late"],
        "missing": total["missing"] + total["pending"],
        "children": len(ours.children),
        "sql_p95_ms": timings["sql"]["p95_ms"],
        "selector_p50_ms": timings["selector"]["p50_ms"],
        "selector_p95_ms": timings["selector"]["p95_ms"],
        "units_p95_ms": timings["units"]["p95_ms"],
        "api_p95_ms": timings["api"]["p95_ms"],
        "ratio_p95": round(timings["selector"]["p95_ms"] / timings["sql"]["p95_ms"], 2),
        "api_ratio_p95": round(timings["api"]["p95_ms"] / timings["sql"]["p95_ms"], 2),
        "floor_p95_ms": timings["floor"]["p95_ms"],
        **cache,
        "timings": timings,
    }


def report_day() -> datetime.date:
    from fangkong.reporting.models import DailyReport

    day = local_yesterday()
    if not DailyReport.objects.filter(day=day).exists():
        latest = DailyReport.objects.filter(day__lt=day).order_by("-day").first()
        assert latest is not None, "no reports: run `python -m bench generate` first"
        day = latest.day
    return day


def run(repeat: int = 60) -> dict[str, Any]:
    from django.db.models import Count

    from fangkong.institutions.models import Institution
    from fangkong.regions.models import NATION_CODE, Region
    from fangkong.reporting.models import DailyReport, ReportingRegime

    regimes = list(ReportingRegime.objects.select_related("region"))
    assert regimes, "no regime: run `python -m bench generate` first"
    day = report_day()
    institutions = Institution.objects.count()
    scale = "province" if len(regimes) == 1 else "nation"
    rows = []
    cases: list[tuple[str, Callable[[], dict[str, Any]]]] = []
    if scale == "province":
        region = regimes[0].region
        cases.append((f"province {region.name} {region.code}",
                      lambda: time_scope(f"province {region.code}", region, *officer(region), day,
                                         repeat)))  # fmt: skip
    else:
        sizes = (
            Institution.objects.values("region__path")
            .annotate(n=Count("pk"))
            .values_list("region__path", "n")
        )
        per_province: dict[str, int] = {}
        for path, n in sizes:
            per_province[path[:6]] = per_province.get(path[:6], 0) + n
        largest = Region.objects.get(code=max(per_province, key=lambda c: per_province[c]))
        nation = Region.objects.get(code=NATION_CODE)
        cases.append(("largest", lambda: time_scope(
            f"nation: largest province {largest.code}", largest, *officer(largest), day, repeat
        )))  # fmt: skip
        cases.append(("nation", lambda: time_scope(
            f"nation {NATION_CODE}", nation, *officer(nation), day, max(10, repeat // 3)
        )))  # fmt: skip
    for _label, case in cases:
        row = case()
        rows.append(row)
        print(table([row], [c for c in row if c != "timings"]), flush=True)
    print(f"\ncompleteness on {day} ({scale} scale, {institutions:,} institutions, "
          f"{DailyReport.objects.count():,} reports), p95 of {repeat} runs:")  # fmt: skip
    columns = ["scope", "expected", "sql_p95_ms", "selector_p50_ms", "selector_p95_ms",
               "units_p95_ms", "api_p95_ms", "floor_p95_ms", "ratio_p95", "api_ratio_p95",
               "cache_hit_ratio"]  # fmt: skip
    print(table(rows, columns))
    targets = [
        {"scope": r["scope"], "selector_p95_le_100ms": r["selector_p95_ms"] <= 100,
         "selector_le_1.5x_sql": r["ratio_p95"] <= 1.5,
         "api_p95_le_100ms": r["api_p95_ms"] <= 100, "api_le_1.5x_sql": r["api_ratio_p95"] <= 1.5}
        for r in rows
    ]  # fmt: skip
    print(table(targets, list(targets[0])))
    facts = database_facts()
    print("\n" + "  ".join(f"{k}={v}" for k, v in facts.items()))
    return {"benchmark": "completeness", "scale": scale, "day": day.isoformat(),
            "institutions": institutions, "repeat": repeat, "rows": rows,
            "targets": targets, "database": facts}  # fmt: skip
