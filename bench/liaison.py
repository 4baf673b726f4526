"""Liaison coverage of a whole region for one day, against hand-written SQL.

The dataset: the institutions `generate` left in the database (or, in an empty one, the same
institutions `generate` makes, without reports), and a year of liaison assignments for each of
them and each level (league, banner): one to three consecutive assignments, about 3 % of them
ending early so that a few institutions lack a liaison on any day, officials shared so that some
hold two institutions. The assignments are rewritten on every run (COPY on PostgreSQL).

Times, for the day in the middle of that year:

- `selector`: what `GET /regions/{code}/liaison-coverage` computes — `coverage_counts()` and the
  first page (1,000) of `uncovered_units()`;
- `api`: that endpoint through Django's test client, as an officer of the region;
- `sql`: two hand-written queries giving the same counts and the same page.

The numbers are asserted equal before anything is timed. Target (issue 9): selector p95 ≤ 100 ms
and ≤ 1.5 × the SQL's. Scopes: the province at province scale; the largest province and the
nation (000000) at nation scale.
"""

import datetime
import random
from typing import Any

from django.db import connection, transaction
from django.test import Client

from bench.completeness import officer
from bench.generate import SCALES, SEED, create_institutions, local_yesterday, write_rows
from bench.timing import measure, table

PAGE = 1000
ASSIGNMENT_COLUMNS = ["official_id", "institution_id", "level", "start_date", "end_date",
                      "created_at"]  # fmt: skip

# The hand-written reference: each institution's liaisons of the day from one grouped pass over
# the assignments (1: league, 2: banner), counted; then the first page of those lacking one. A
# province reads only its own institutions' assignments; the nation reads them all
# (`NATION_SQL`), as a person writing it for the nation would.
ACTIVE = """
SELECT institution_id, max(CASE WHEN level = 'league' THEN 1 ELSE 0 END)
                       + max(CASE WHEN level = 'banner' THEN 2 ELSE 0 END) AS levels
FROM liaison_liaisonassignment
WHERE start_date <= %(day)s AND (end_date IS NULL OR end_date >= %(day)s)
  AND institution_id IN (SELECT id FROM institutions_institution WHERE region_id IN
                         (SELECT id FROM regions_region WHERE path LIKE %(prefix)s))
GROUP BY institution_id
"""

COUNTS_SQL = f"""
SELECT count(*), count(*) FILTER (WHERE a.levels = 3)
FROM institutions_institution i
LEFT JOIN ({ACTIVE}) a ON a.institution_id = i.id
WHERE i.region_id IN (SELECT id FROM regions_region WHERE path LIKE %(prefix)s)
  AND (i.opened_on IS NULL OR i.opened_on <= %(day)s)
  AND (i.closed_on IS NULL OR i.closed_on >= %(day)s)
"""  # noqa: S608 - constant text; every value is a parameter

PAGE_SQL = f"""
SELECT i.code, i.name, r.code, coalesce(a.levels, 0) & 1 = 0, coalesce(a.levels, 0) & 2 = 0
FROM institutions_institution i
JOIN regions_region r ON r.id = i.region_id
LEFT JOIN ({ACTIVE}) a ON a.institution_id = i.id
WHERE r.path LIKE %(prefix)s
  AND (i.opened_on IS NULL OR i.opened_on <= %(day)s)
  AND (i.closed_on IS NULL OR i.closed_on >= %(day)s)
  AND coalesce(a.levels, 0) <> 3
ORDER BY r.path, i.code
LIMIT %(limit)s
"""  # noqa: S608 - constant text; every value is a parameter


def ensure_institutions(scale_name: str) -> int:
    from fangkong.institutions.models import Institution
    from fangkong.regions.loading import load_official

    if not Institution.objects.exists():
        load_official()
        with transaction.atomic():
            create_institutions(SCALES[scale_name], random.Random(SEED))  # noqa: S311
    return Institution.objects.count()


def create_assignments(first: datetime.date, last: datetime.date) -> int:
    """A year of assignments per institution and level, written past the ORM (see above)."""
    from fangkong.accounts.models import User
    from fangkong.institutions.models import Institution
    from fangkong.liaison.models import DutyLog, Finding, LiaisonAssignment

    rng = random.Random(SEED + 9)  # noqa: S311 - reproducible synthetic data
    Finding.objects.all().delete()
    DutyLog.objects.all().delete()
    LiaisonAssignment.objects.all().delete()
    institutions = list(Institution.objects.order_by("pk").values_list("pk", flat=True))
    wanted = len(institutions) // 2 + 10  # officials hold two institutions now and then
    have = User.objects.filter(username__startswith="bench-official-").count()
    User.objects.bulk_create(
        User(username=f"bench-official-{n}", password="!")  # noqa: S106 - an unusable one
        for n in range(have, wanted)
    )
    officials = list(User.objects.filter(username__startswith="bench-official-")
                     .values_list("pk", flat=True))  # fmt: skip
    days = (last - first).days
    created = datetime.datetime.now(datetime.UTC)

    def rows() -> Any:
        for institution in institutions:
            for level in ("league", "banner"):
                cuts = sorted(rng.sample(range(1, days), rng.randint(0, 2)))
                starts = [0, *cuts]
                for index, offset in enumerate(starts):
                    start = first + datetime.timedelta(days=offset)
                    end = (first + datetime.timedelta(days=starts[index + 1] - 1)
                           if index + 1 < len(starts) else None)  # fmt: skip
                    if rng.random() < 0.03:  # ended early: a gap until the next one
                        end = start + datetime.timedelta(days=rng.randint(0, 10))
                        if index + 1 < len(starts):
                            end = min(end, first + datetime.timedelta(days=starts[index + 1] - 1))
                    yield (rng.choice(officials), institution, level, start, end, created)

    with transaction.atomic():
        count = write_rows("liaison_liaisonassignment", ASSIGNMENT_COLUMNS, rows())
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # As autovacuum leaves a table in use: statistics, and the visibility map that
            # spares a scan the check of every row of pages nobody changed since.
            cursor.execute("VACUUM ANALYZE liaison_liaisonassignment")
            cursor.execute("VACUUM ANALYZE institutions_institution")
    return count


SUBTREE_FILTER = (
    "  AND institution_id IN (SELECT id FROM institutions_institution WHERE region_id IN\n"
    "                         (SELECT id FROM regions_region WHERE path LIKE %(prefix)s))\n"
)
NATION_SQL = {sql: sql.replace(SUBTREE_FILTER, "") for sql in (COUNTS_SQL, PAGE_SQL)}


def sql_answer(region: Any, day: datetime.date) -> tuple[int, int, list[tuple[Any, ...]]]:
    params = {"day": day, "prefix": region.path + "%", "limit": PAGE}
    counts_sql, page_sql = (COUNTS_SQL, PAGE_SQL) if region.path else NATION_SQL.values()
    with connection.cursor() as cursor:
        cursor.execute(counts_sql, params)
        institutions, covered = cursor.fetchone()
        cursor.execute(page_sql, params)
        page = [(code, name, region_code, bool(no_league), bool(no_banner))
                for code, name, region_code, no_league, no_banner in cursor.fetchall()]  # fmt: skip
    return int(institutions), int(covered), page


def selector_answer(region: Any, day: datetime.date) -> tuple[int, int, list[tuple[Any, ...]]]:
    from fangkong.liaison import selectors

    scan = selectors.coverage_scan(region, day)
    counts = scan.total
    page = [
        (u["code"], u["name"], u["region_code"], "league" in u["missing"],
         "banner" in u["missing"])
        for u in selectors.uncovered_units(scan, 0, PAGE)
    ]  # fmt: skip
    return counts.institutions, counts.covered, page


def time_scope(label: str, region: Any, day: datetime.date, repeat: int) -> dict[str, Any]:
    _user, secret = officer(region)
    client = Client(headers={"authorization": f"Bearer {secret}"})
    url = f"/api/v1/regions/{region.code}/liaison-coverage?date={day.isoformat()}&limit={PAGE}"

    def api() -> Any:
        response = client.get(url)
        assert response.status_code == 200, response.content[:300]
        return response.json()

    ours, theirs = selector_answer(region, day), sql_answer(region, day)
    assert ours == theirs, f"{label}: selector {ours[:2]} != SQL {theirs[:2]} (or the pages)"
    body = api()
    assert (body["institutions"], body["covered"]) == ours[:2], "the API disagrees"
    timings = {
        "sql": measure(lambda: sql_answer(region, day), repeat=repeat),
        "selector": measure(lambda: selector_answer(region, day), repeat=repeat),
        "api": measure(api, repeat=repeat),
    }
    return {
        "scope": label,
        "institutions": ours[0],
        "covered": ours[1],
        "uncovered": ours[0] - ours[1],
        "sql_p95_ms": timings["sql"]["p95_ms"],
        "selector_p50_ms": timings["selector"]["p50_ms"],
        "selector_p95_ms": timings["selector"]["p95_ms"],
        "api_p95_ms": timings["api"]["p95_ms"],
        "ratio_p95": round(timings["selector"]["p95_ms"] / timings["sql"]["p95_ms"], 2),
        "timings": timings,
    }


def run(scale_name: str = "province", repeat: int = 60) -> dict[str, Any]:
    from django.db.models import Count

    from fangkong.institutions.models import Institution
    from fangkong.regions.models import NATION_CODE, Region

    institutions = ensure_institutions(scale_name)
    last = local_yesterday()
    first = last - datetime.timedelta(days=364)
    day = first + datetime.timedelta(days=182)
    assignments = create_assignments(first, last)
    print(f"liaison: {institutions:,} institutions, {assignments:,} assignments over "
          f"{first} … {last}; coverage of {day}", flush=True)  # fmt: skip
    provinces = (
        Institution.objects.values("region__path").annotate(n=Count("pk"))
        .values_list("region__path", "n")
    )  # fmt: skip
    per_province: dict[str, int] = {}
    for path, n in provinces:
        per_province[path[:6]] = per_province.get(path[:6], 0) + n
    largest = Region.objects.get(code=max(per_province, key=lambda c: per_province[c]))
    scopes = [(f"province {largest.code}", largest)]
    if len(per_province) > 1:
        scopes.append((f"nation {NATION_CODE}", Region.objects.get(code=NATION_CODE)))
    rows = []
    for label, region in scopes:
        row = time_scope(label, region, day, repeat)
        rows.append(row)
        print(table([row], [c for c in row if c != "timings"]), flush=True)
    targets = [
        {"scope": r["scope"], "selector_p95_le_100ms": r["selector_p95_ms"] <= 100,
         "selector_le_1.5x_sql": r["ratio_p95"] <= 1.5}
        for r in rows
    ]  # fmt: skip
    print(table(targets, list(targets[0])))
    scale = "nation" if len(per_province) > 1 else "province"
    return {"benchmark": "liaison", "scale": scale, "day": day.isoformat(),
            "institutions": institutions, "assignments": assignments, "repeat": repeat,
            "rows": rows, "targets": targets}  # fmt: skip
