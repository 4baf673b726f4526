"""A nation-wide testing campaign's coverage (issue 12), against hand-written SQL.

The dataset: the institutions `generate` left in the database (or, in an empty one, the same
institutions `generate` makes, without reports); one campaign with a round in each of them,
30 to 92 expected persons per round (2.5 million at nation scale, each a person of their own),
a campaign well under way: about 70 % of the rounds complete (every expected person with a
final result or excused), the others partly sampled; 1 % pending, 0.5 % invalid, 0.05 %
positive, 1 % excused, and persons of other homes added to 0.5 % of the rounds. Everything is
written past the ORM (COPY on PostgreSQL), each round's counts as the services keep them, and
kept: a later run times the campaign it finds (checked again against its rows) instead of
writing it anew (9 minutes at nation scale, most of it the foreign keys' checks at COMMIT).

Before anything is timed, the counts the rounds keep are checked against the rows themselves
(expected persons joined to their results: `ROWS_SQL`, timed once as `rows_sql_ms`), and the
selector, the API and the SQL must agree. Times, for the nation (000000) and its largest
province, as their officers would ask:

- `selector`: `lab.selectors.coverage()`, what `GET /regions/{code}/lab-coverage` computes;
- `api`: that endpoint through Django's test client, as an officer of the region;
- `sql`: one hand-written query giving the same five numbers from the same rounds;
- `progress`: `lab.selectors.progress()`, the chart of `GET /regions/{code}/lab-progress`
  (expected persons tested by the end of each hour, from the hours the rounds and the campaign
  keep), its endpoint (`progress_api`) and `progress_sql`, the same points by hand from the
  same kept hours; before that, both are checked against the points worked out from the
  results themselves (`PROGRESS_ROWS_SQL`, PostgreSQL, timed once as `progress_rows_ms`).

Targets: selector p95 ≤ 200 ms and ≤ 1.5 × the SQL's (issue 12); the progress p95 ≤ 200 ms for
the nation; PostgreSQL.
"""

import datetime
import random
import time
from typing import Any

from django.db import connection, transaction
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.completeness import officer
from bench.generate import SEED, write_rows
from bench.liaison import ensure_institutions
from bench.timing import measure, table

NAME = "全国第一轮"
CHUNK = 2000  # rounds written at a time
STARTED = datetime.datetime(2022, 4, 1, 0, tzinfo=datetime.UTC)
PERSON_HASH = "bench-lab-"  # the bench's persons, kept between runs
PERSON_COLUMNS = ["name", "sex", "document_type", "id_number", "id_hash", "id_last4", "phone",
                  "phone_hash", "pinyin", "initials", "created_at", "created_in_id"]  # fmt: skip
ROUND_COLUMNS = ["id", "campaign_id", "institution_id", "name", "method", "started_at",
                 "created_at", "n_expected", "n_tested", "n_done", "n_positive"]  # fmt: skip
EXPECTED_COLUMNS = ["round_id", "person_id", "role", "excused_reason"]
RESULT_COLUMNS = ["round_id", "person_id", "sampled_at", "method", "result", "laboratory",
                  "added_reason", "recorded_at"]  # fmt: skip

# The same five numbers from the same rounds, written by hand: the rounds of the name whose
# institution lies in a region under the path.
SQL = """
SELECT count(*), count(*) FILTER (WHERE r.n_done = r.n_expected),
       coalesce(sum(r.n_expected), 0), coalesce(sum(r.n_tested), 0),
       coalesce(sum(r.n_positive), 0)
FROM lab_labround r
JOIN institutions_institution i ON i.id = r.institution_id
JOIN regions_region g ON g.id = i.region_id
WHERE r.name = %(name)s AND g.path LIKE %(prefix)s
"""
# The nation's, as a person writing it for the nation would: every round of the name.
NATION_SQL = """
SELECT count(*), count(*) FILTER (WHERE n_done = n_expected), coalesce(sum(n_expected), 0),
       coalesce(sum(n_tested), 0), coalesce(sum(n_positive), 0)
FROM lab_labround WHERE name = %(name)s
"""
# What the counts stand for, from the rows: the check of what the rounds keep.
ROWS_SQL = """
WITH persons AS (
  SELECT e.round_id,
         count(*) AS expected,
         count(*) FILTER (WHERE x.result IS NOT NULL AND x.result <> 'pending') AS tested,
         count(*) FILTER (WHERE (x.result IS NOT NULL AND x.result <> 'pending')
                             OR e.excused_reason <> '') AS done
  FROM lab_labexpected e
  LEFT JOIN lab_labresult x ON x.round_id = e.round_id AND x.person_id = e.person_id
  GROUP BY e.round_id
), positives AS (
  SELECT round_id, count(*) AS positive FROM lab_labresult WHERE result = 'positive'
  GROUP BY round_id
)
SELECT count(*), count(*) FILTER (WHERE coalesce(p.done, 0) = coalesce(p.expected, 0)),
       coalesce(sum(p.expected), 0), coalesce(sum(p.tested), 0),
       coalesce(sum(q.positive), 0)
FROM lab_labround r
JOIN institutions_institution i ON i.id = r.institution_id
JOIN regions_region g ON g.id = i.region_id
LEFT JOIN persons p ON p.round_id = r.id
LEFT JOIN positives q ON q.round_id = r.id
WHERE r.name = %(name)s AND g.path LIKE %(prefix)s
"""


# The chart's points by hand from the hours kept: the nation's from its campaign's, a region's
# from its rounds'; cumulated.
PROGRESS_NATION_SQL = """
SELECT hour, sum(sum(tested)) OVER (ORDER BY hour) FROM lab_labcampaignhour
WHERE name = %(name)s GROUP BY hour HAVING sum(tested) > 0 ORDER BY hour
"""
PROGRESS_SQL = """
SELECT h.hour, sum(sum(h.tested)) OVER (ORDER BY h.hour)
FROM lab_labroundhour h
JOIN lab_labround r ON r.id = h.round_id
JOIN institutions_institution i ON i.id = r.institution_id
JOIN regions_region g ON g.id = i.region_id
WHERE r.name = %(name)s AND g.path LIKE %(prefix)s
GROUP BY h.hour ORDER BY h.hour
"""
# What the hours stand for, from the results: expected persons' final results by local hour.
PROGRESS_ROWS_SQL = """
SELECT hour, sum(n) OVER (ORDER BY hour) FROM (
  SELECT date_trunc('hour', x.sampled_at AT TIME ZONE 'Asia/Shanghai')
           AT TIME ZONE 'Asia/Shanghai' AS hour, count(*) AS n
  FROM lab_labresult x
  JOIN lab_labexpected e ON e.round_id = x.round_id AND e.person_id = x.person_id
  JOIN lab_labround r ON r.id = x.round_id
  JOIN institutions_institution i ON i.id = r.institution_id
  JOIN regions_region g ON g.id = i.region_id
  WHERE r.name = %(name)s AND g.path LIKE %(prefix)s AND x.result <> 'pending'
  GROUP BY 1
) hours ORDER BY hour
"""


def ensure_persons(institutions: list[tuple[int, int]], wanted: int) -> list[int]:
    """`wanted` persons of the bench (created where missing), their ids in order."""
    from fangkong.people.models import Person

    have = Person.objects.filter(id_hash__startswith=PERSON_HASH).count()
    if have < wanted:
        created = datetime.datetime.now(datetime.UTC)
        homes = [pk for pk, _n in institutions]

        def rows() -> Any:
            for n in range(have, wanted):
                yield (f"测试{n}", "unknown", "ric", "-", f"{PERSON_HASH}{n}", f"{n % 10000:04d}",
                       "", "", "", "", created, homes[n % len(homes)])  # fmt: skip

        with transaction.atomic():
            write_rows("people_person", PERSON_COLUMNS, rows())
    ids = Person.objects.filter(id_hash__startswith=PERSON_HASH).order_by("pk")
    return list(ids.values_list("pk", flat=True)[:wanted])


def create_campaign(rng: random.Random) -> dict[str, int]:
    """One campaign, a round per institution, its expected persons and their results."""
    from fangkong.institutions.models import Institution
    from fangkong.lab.models import LabCampaign, LabExpected, LabResult, LabRound, LabRoundHour

    if LabRound.objects.filter(name=NAME).count() == Institution.objects.count():
        print("lab: the campaign of the last run is still there: timed again", flush=True)
        if not LabRoundHour.objects.exists():
            write_hours()
        return {"rounds": LabRound.objects.count(), "expected": LabExpected.objects.count(),
                "results": LabResult.objects.count()}  # fmt: skip
    with connection.cursor() as cursor:
        for table_name in ["lab_labresult", "lab_labexpected", "lab_labround", "lab_labcampaign"]:
            cursor.execute(f"DELETE FROM {table_name}")  # noqa: S608 - constant names
    homes = list(Institution.objects.order_by("pk").values_list("pk", flat=True))
    sizes = [(pk, rng.randint(30, 92)) for pk in homes]
    persons = ensure_persons(sizes, sum(n for _pk, n in sizes))
    campaign = LabCampaign.objects.create(name=NAME, method="nucleic_acid", started_at=STARTED)
    made = {"rounds": 0, "expected": 0, "results": 0}
    next_person = 0
    with transaction.atomic():
        for first in range(0, len(sizes), CHUNK):  # a chunk of rounds at a time: bounded memory
            rounds: list[tuple[Any, ...]] = []
            expected: list[tuple[Any, ...]] = []
            results: list[tuple[Any, ...]] = []
            for number, (home, size) in enumerate(sizes[first : first + CHUNK], start=first + 1):
                own = persons[next_person : next_person + size]
                next_person += size
                counts = _round_rows(rng, number, own, persons, expected, results)
                rounds.append((number, campaign.pk, home, NAME, "nucleic_acid", STARTED, STARTED,
                               *counts))  # fmt: skip
            made["rounds"] += write_rows("lab_labround", ROUND_COLUMNS, rounds)
            made["expected"] += write_rows("lab_labexpected", EXPECTED_COLUMNS, expected)
            made["results"] += write_rows("lab_labresult", RESULT_COLUMNS, results)
    _reset_round_sequence(LabRound)
    write_hours()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # As autovacuum leaves tables in use: statistics and the visibility map.
            for table_name in ["lab_labround", "lab_labexpected", "lab_labresult",
                               "people_person", "institutions_institution",
                               "lab_labroundhour", "lab_labcampaignhour"]:  # fmt: skip
                cursor.execute(f"VACUUM ANALYZE {table_name}")
    return made


def write_hours() -> None:
    """The hours the rounds and the campaign keep, counted from the results written past the
    services (as the migration that added them counts them)."""
    from fangkong.lab.models import PROGRESS_SHARDS, LabCampaignHour, LabResult, LabRoundHour
    from fangkong.lab.services import tested_by_hour

    LabRoundHour.objects.all().delete()
    LabCampaignHour.objects.all().delete()
    rows = tested_by_hour(LabResult.objects.all()).values("round_id", "round__name", "hour")
    batch, campaign = [], {}  # type: ignore[var-annotated]
    with transaction.atomic():
        for row in rows.annotate(n=Count("pk")).iterator(chunk_size=CHUNK * 10):
            batch.append(LabRoundHour(round_id=row["round_id"], hour=row["hour"], tested=row["n"]))
            key = (row["round__name"], row["round_id"] % PROGRESS_SHARDS, row["hour"])
            campaign[key] = campaign.get(key, 0) + row["n"]
            if len(batch) >= CHUNK * 10:
                LabRoundHour.objects.bulk_create(batch)
                batch = []
        LabRoundHour.objects.bulk_create(batch)
        LabCampaignHour.objects.bulk_create(
            LabCampaignHour(name=name, shard=shard, hour=hour, tested=n)
            for (name, shard, hour), n in campaign.items()
        )


def _round_rows(
    rng: random.Random, number: int, own: list[int], everyone: list[int],
    expected: list[tuple[Any, ...]], results: list[tuple[Any, ...]],
) -> tuple[int, int, int, int]:  # fmt: skip
    """Append one round's expected persons and results; return its counts."""
    complete = rng.random() < 0.7
    sampled_share = 1.0 if complete else rng.uniform(0.2, 0.95)
    tested = done = positive = 0
    for person in own:
        outcome = None
        if rng.random() < sampled_share:
            draw = rng.random()
            pending = draw < 0.0155 and not complete
            outcome = ("positive" if draw < 0.0005 else "invalid" if draw < 0.0055
                       else "pending" if pending else "negative")  # fmt: skip
        excused = "住院" if outcome is None and (complete or rng.random() < 0.01) else ""
        expected.append((number, person, "resident", excused))
        if outcome is not None:
            at = STARTED + datetime.timedelta(minutes=rng.randint(0, 36 * 60))
            results.append((number, person, at, "nucleic_acid", outcome, "检测中心", "", at))
            tested += outcome != "pending"
            positive += outcome == "positive"
        done += (outcome is not None and outcome != "pending") or bool(excused)
    if rng.random() < 0.005:  # a person of another home tested here, added with a reason
        stranger = rng.choice(everyone)
        if stranger not in own:
            at = STARTED + datetime.timedelta(hours=3)
            results.append((number, stranger, at, "nucleic_acid", "negative", "检测中心",
                            "外院支援", at))  # fmt: skip
    return len(own), tested, done, positive


def _reset_round_sequence(model: Any) -> None:
    from django.core.management.color import no_style

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [model]):
            cursor.execute(sql)


def sql_answer(region: Any, query: str | None = None) -> tuple[int, ...]:
    query = query or (SQL if region.path else NATION_SQL)
    with connection.cursor() as cursor:
        cursor.execute(query, {"name": NAME, "prefix": region.path + "%"})
        return tuple(int(value) for value in cursor.fetchone())


def selector_answer(user: Any, region: Any) -> tuple[int, ...]:
    from fangkong.lab import selectors

    found = selectors.coverage(user=user, region=region, name=NAME)
    return (found.institutions, found.complete, found.expected, found.tested, found.positive)


def explain(user: Any, region: Any) -> str:
    """The plan of the selector's query, as PostgreSQL ran it."""
    with CaptureQueriesContext(connection) as captured:
        selector_answer(user, region)
    sql = captured.captured_queries[-1]["sql"]
    if connection.vendor != "postgresql":
        return sql
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def progress_answer(user: Any, region: Any) -> list[tuple[datetime.datetime, int]]:
    from fangkong.lab import selectors

    found = selectors.progress(user=user, region=region, name=NAME)
    return [(point.at, point.tested) for point in found.points]


def progress_sql(region: Any, query: str | None = None) -> list[tuple[datetime.datetime, int]]:
    query = query or (PROGRESS_SQL if region.path else PROGRESS_NATION_SQL)
    with connection.cursor() as cursor:
        cursor.execute(query, {"name": NAME, "prefix": region.path + "%"})
        return [(hour, int(n)) for hour, n in cursor.fetchall()]


def check_progress(label: str, user: Any, region: Any, client: Any) -> tuple[Any, float | None]:
    """The chart by the selector, by hand and through the API agree, and (on PostgreSQL) with
    the points worked out from the results; return the API's call and that check's time."""
    url = f"/api/v1/regions/{region.code}/lab-progress?name={NAME}"

    def chart() -> Any:
        response = client.get(url)
        assert response.status_code == 200, response.content[:300]
        return response.json()

    ours, theirs = progress_answer(user, region), progress_sql(region)
    assert ours == theirs, f"{label}: the progress {ours[:3]}… != by hand {theirs[:3]}…"
    body = chart()
    assert [p["tested"] for p in body["points"]] == [n for _at, n in ours], "the API disagrees"
    if connection.vendor != "postgresql":
        return chart, None
    start = time.perf_counter()
    from_rows = progress_sql(region, PROGRESS_ROWS_SQL)
    rows_ms = round((time.perf_counter() - start) * 1000, 1)
    assert from_rows == ours, f"{label}: the hours kept != their results' {from_rows[:3]}…"
    return chart, rows_ms


def time_scope(label: str, region: Any, repeat: int) -> dict[str, Any]:
    user, secret = officer(region)
    client = Client(headers={"authorization": f"Bearer {secret}"})
    url = f"/api/v1/regions/{region.code}/lab-coverage?name={NAME}"

    def api() -> Any:
        response = client.get(url)
        assert response.status_code == 200, response.content[:300]
        return response.json()

    ours, theirs = selector_answer(user, region), sql_answer(region)
    assert ours == theirs, f"{label}: selector {ours} != SQL {theirs}"
    body = api()
    keys = ["institutions", "complete", "expected", "tested", "positive"]
    assert tuple(body[k] for k in keys) == ours, "the API disagrees"
    start = time.perf_counter()
    from_rows = sql_answer(region, ROWS_SQL)
    rows_ms = round((time.perf_counter() - start) * 1000, 1)
    assert from_rows == ours, f"{label}: the rounds' counts {ours} != their rows' {from_rows}"
    chart, progress_rows_ms = check_progress(label, user, region, client)
    plan = explain(user, region)
    print(f"\n{label}: the selector's plan\n{plan}\n", flush=True)
    timings = {
        "sql": measure(lambda: sql_answer(region), repeat=repeat),
        "selector": measure(lambda: selector_answer(user, region), repeat=repeat),
        "api": measure(api, repeat=repeat),
        "progress_sql": measure(lambda: progress_sql(region), repeat=repeat),
        "progress": measure(lambda: progress_answer(user, region), repeat=repeat),
        "progress_api": measure(lambda: chart(), repeat=repeat),
    }
    return {
        "scope": label, "rounds": ours[0], "complete": ours[1], "expected": ours[2],
        "tested": ours[3], "positive": ours[4], "rows_sql_ms": rows_ms,
        "progress_rows_ms": progress_rows_ms,
        "progress_sql_p95_ms": timings["progress_sql"]["p95_ms"],
        "progress_p50_ms": timings["progress"]["p50_ms"],
        "progress_p95_ms": timings["progress"]["p95_ms"],
        "progress_api_p95_ms": timings["progress_api"]["p95_ms"],
        "sql_p95_ms": timings["sql"]["p95_ms"],
        "selector_p50_ms": timings["selector"]["p50_ms"],
        "selector_p95_ms": timings["selector"]["p95_ms"],
        "api_p95_ms": timings["api"]["p95_ms"],
        "ratio_p95": round(timings["selector"]["p95_ms"] / timings["sql"]["p95_ms"], 2),
        "timings": timings, "plan": plan,
    }  # fmt: skip


def run(scale_name: str = "province", repeat: int = 60) -> dict[str, Any]:
    from django.db.models import Count

    from fangkong.institutions.models import Institution
    from fangkong.regions.models import NATION_CODE, Region

    institutions = ensure_institutions(scale_name)
    start = time.perf_counter()
    made = create_campaign(random.Random(SEED + 12))  # noqa: S311 - reproducible synthetic data
    built_s = round(time.perf_counter() - start, 1)
    print(f"lab: {institutions:,} institutions, {made['rounds']:,} rounds, "
          f"{made['expected']:,} expected persons, {made['results']:,} results "
          f"in {built_s} s", flush=True)  # fmt: skip
    per_province: dict[str, int] = {}
    for path, n in Institution.objects.values_list("region__path").annotate(n=Count("pk")):
        per_province[path[:6]] = per_province.get(path[:6], 0) + n
    largest = Region.objects.get(code=max(per_province, key=lambda c: per_province[c]))
    scopes = [(f"province {largest.code}", largest)]
    if len(per_province) > 1:
        scopes.append((f"nation {NATION_CODE}", Region.objects.get(code=NATION_CODE)))
    rows = []
    for label, region in scopes:
        row = time_scope(label, region, repeat)
        rows.append(row)
        print(table([row], [c for c in row if c not in ("timings", "plan")]), flush=True)
    targets = [
        {"scope": r["scope"], "selector_p95_le_200ms": r["selector_p95_ms"] <= 200,
         "selector_le_1.5x_sql": r["ratio_p95"] <= 1.5,
         "progress_p95_le_200ms": r["progress_p95_ms"] <= 200}
        for r in rows
    ]  # fmt: skip
    print(table(targets, list(targets[0])))
    scale = "nation" if len(per_province) > 1 else "province"
    return {"benchmark": "lab", "scale": scale, "institutions": institutions, **made,
            "built_s": built_s, "repeat": repeat, "rows": rows, "targets": targets}  # fmt: skip
