"""Synthetic dataset at a chosen scale: regions, institutions, a regime, a year of daily reports.

    python -m bench generate --scale province   # 2,000 institutions under 内蒙古 (150000)
    python -m bench generate --scale nation     # 41,000 institutions over every county
    python -m bench generate --scale nation --days 30

Regions come from `load_official()`; institutions are spread at random (seeded) over the real
county-level units of the root(s); one `ReportingRegime` per root (the province at province
scale, each of the 31 provinces at nation scale) covers the `days` days ending yesterday
(Asia/Shanghai) and stays open, so that today is free for the `burst` benchmark. Of the expected
reports about 95 % were received and 85 % on time; about 90 % of received reports are zero
reports, the rest carry fever, respiratory symptoms, visits, tests and the like.

Bulk rows bypass the ORM but not the schema, which comes from the migrations:

- PostgreSQL: one transaction; the foreign keys, unique constraints and secondary indexes of the
  two report tables are dropped, the rows are streamed with `COPY … FREEZE` (psycopg 3
  `write_row`, a day at a time), then the very same definitions (read back from the catalogue
  before dropping, checked identical afterwards) are re-created — bulk validation and index
  builds instead of 15 million trigger checks and index insertions — and the sequences reset,
  then ANALYZE. The report ↔ revision cycle is handled by giving each revision its report's id.
- SQLite: `executemany` in batches inside one transaction per 30 days, with every index in place
  (the FKs are DEFERRABLE INITIALLY DEFERRED, so a report may name its revision before it is
  inserted). No ANALYZE: a SQLite deployment does not run one either.

Wall time and peak RSS (`ru_maxrss`) of the process are part of the results.
"""

import datetime
import random
import resource
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection, transaction

from bench.timing import table

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = datetime.UTC
SEED = 2022


@dataclass(frozen=True)
class Scale:
    institutions: int
    root: str | None  # a province code, or None for every province


SCALES = {
    "province": Scale(institutions=2_000, root="150000"),
    "nation": Scale(institutions=41_000, root=None),
}

REPORT_COLUMNS = [
    "id", "institution_id", "day", "regime_id", "status", "first_submitted_at", "revision",
    "current_id",
]  # fmt: skip
REVISION_COLUMNS = [
    "id", "report_id", "number", "is_zero", "residents", "staff_on_site", "in_isolation",
    "admissions", "visitors", "fever", "respiratory", "suspected", "confirmed", "close_contacts",
    "tested", "positive", "ppe_days", "notes", "reason", "on_behalf", "author_id",
    "submitted_at",
]  # fmt: skip
INSTITUTION_COLUMNS = [
    "code", "name", "name_pinyin", "region_id", "kind", "beds", "address", "contact_person",
    "contact_phone", "opened_on", "closed_on",
]  # fmt: skip
REPORT_TABLES = ["reporting_dailyreport", "reporting_reportrevision"]


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def local_yesterday() -> datetime.date:
    return datetime.datetime.now(SHANGHAI).date() - datetime.timedelta(days=1)


# -- writing rows --------------------------------------------------------------------------


def write_rows(table_name: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Append rows to a table, bypassing the ORM: COPY on PostgreSQL, executemany on SQLite."""
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # the psycopg 3 cursor under Django's wrapper
            freeze = " FREEZE" if table_name in REPORT_TABLES else ""
            sql = f"COPY {table_name} ({', '.join(columns)}) FROM STDIN{freeze}"
            with raw.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
        else:
            marks = ", ".join(["%s"] * len(columns))
            sql = f"INSERT INTO {table_name} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608
            batch: list[Sequence[Any]] = []
            for row in rows:
                batch.append(row)
                if len(batch) == 5000:
                    cursor.executemany(sql, batch)
                    count += len(batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)
                count += len(batch)
    return count


@dataclass(frozen=True)
class Definition:
    table: str
    name: str
    kind: str  # "u" unique constraint, "i" plain index, "f" foreign key
    sql: str


def report_table_definitions(tables: Sequence[str] = REPORT_TABLES) -> list[Definition]:
    """The unique constraints, secondary indexes and FKs of the report tables, or of
    `tables` (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.conrelid::regclass::text, c.conname, c.contype::text,
                   pg_get_constraintdef(c.oid)
            FROM pg_constraint c
            WHERE c.contype IN ('u', 'f')
              AND (c.conrelid = ANY(%s::regclass[]) OR c.confrelid = ANY(%s::regclass[]))
            UNION ALL
            SELECT i.indrelid::regclass::text, x.relname, 'i', pg_get_indexdef(i.indexrelid)
            FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid
            WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
            ORDER BY 3, 1, 2
            """,
            [list(tables)] * 3,
        )
        return [Definition(*row) for row in cursor.fetchall()]


def drop_definitions(definitions: list[Definition]) -> None:
    with connection.cursor() as cursor:
        for d in sorted(definitions, key=lambda d: "fui".index(d.kind)):
            if d.kind == "i":
                cursor.execute(f'DROP INDEX "{d.name}"')
            else:
                cursor.execute(f'ALTER TABLE {d.table} DROP CONSTRAINT "{d.name}"')


def create_definitions(definitions: list[Definition]) -> list[dict[str, Any]]:
    timings = []
    with connection.cursor() as cursor:
        for d in sorted(definitions, key=lambda d: "uif".index(d.kind)):
            start = time.perf_counter()
            if d.kind == "i":
                cursor.execute(d.sql)
            else:
                cursor.execute(f'ALTER TABLE {d.table} ADD CONSTRAINT "{d.name}" {d.sql}')
            timings.append({"object": d.name, "s": round(time.perf_counter() - start, 1)})
    return timings


# -- the data ------------------------------------------------------------------------------


def create_institutions(scale: Scale, rng: random.Random) -> list[tuple[int, str, int, str]]:
    """Insert the institutions; return (id, regime province region id, beds, code) for each."""
    from fangkong.institutions.models import Institution
    from fangkong.institutions.services import name_pinyin
    from fangkong.regions.models import Level, Region

    counties = Region.objects.filter(level=Level.COUNTY)
    if scale.root:
        counties = counties.filter(path__startswith=f"{scale.root}/")
    units = list(counties.order_by("path").values_list("id", "code", "name"))
    kinds = ["public"] * 5 + ["private"] * 3 + ["rural"] * 2 + ["other"]
    per_county: dict[str, int] = {}
    rows = []
    for _ in range(scale.institutions):
        region_id, county_code, county_name = rng.choice(units)
        n = per_county[county_code] = per_county.get(county_code, 0) + 1
        name = f"{county_name}第{n}养老院"
        rows.append((
            f"{county_code}{n:04d}", name, name_pinyin(name), region_id, rng.choice(kinds),
            rng.randint(20, 400), f"{county_name}幸福路{n}号", "", "", None, None,
        ))  # fmt: skip
    write_rows("institutions_institution", INSTITUTION_COLUMNS, rows)
    province_of = {r.pk: r.path[:7] for r in Region.objects.filter(level=Level.COUNTY)}
    return [
        (pk, province_of[region_id], beds, code)
        for pk, region_id, beds, code in Institution.objects.order_by("pk").values_list(
            "pk", "region_id", "beds", "code"
        )
    ]


def create_regimes(provinces: set[str], start: datetime.date) -> dict[str, int]:
    """One regime per root province (open-ended, deadline 16:00 Asia/Shanghai)."""
    from fangkong.core.scoping import SYSTEM
    from fangkong.reporting.services import regime_create

    regimes = {}
    for path in sorted(provinces):
        regime = regime_create(
            actor=SYSTEM, name=f"日报告 {path[:6]}", region_code=path[:6], start_date=start
        )
        regimes[path] = regime.pk
    return regimes


class DayRows:
    """A day's report and revision rows for every institution, from a per-day seeded RNG."""

    def __init__(self, institutions: list[tuple[int, str, int, str]], regimes: dict[str, int],
                 sqlite: bool) -> None:  # fmt: skip
        self.institutions = institutions
        self.regimes = regimes
        self.sqlite = sqlite
        base = random.Random(SEED)  # noqa: S311 - synthetic data
        # Stable census figures per institution, so day-to-day changes stay small.
        self.residents = [int(beds * base.uniform(0.5, 0.95)) for _, _, beds, _ in institutions]
        self.staff = [max(3, r // 4) for r in self.residents]

    def rows(self, day: datetime.date, first_id: int) -> tuple[list[tuple[Any, ...]], list[
            tuple[Any, ...]]]:  # fmt: skip
        rng = random.Random(f"{SEED}-{day.isoformat()}")  # noqa: S311
        rand, randint = rng.random, rng.randint
        midnight = datetime.datetime.combine(day, datetime.time(0), tzinfo=SHANGHAI)
        midnight = midnight.astimezone(UTC)
        if self.sqlite:
            midnight = midnight.replace(tzinfo=None)
        seconds = datetime.timedelta(seconds=1)
        reports: list[tuple[Any, ...]] = []
        revisions: list[tuple[Any, ...]] = []
        next_id = first_id
        for index, (institution_id, province, _beds, _code) in enumerate(self.institutions):
            u = rand()
            if u < 0.05:
                continue  # missing: silence is never a zero report
            if u < 0.90:  # on time: between 07:00 and 15:59:59 local
                status, offset = "on_time", 7 * 3600 + int(rand() * 9 * 3600)
            else:  # late: between 16:00 local and 02:00 the next day
                status, offset = "late", 16 * 3600 + int(rand() * 10 * 3600)
            at: Any = midnight + offset * seconds
            if self.sqlite:
                at = str(at)
            residents = self.residents[index] + randint(-2, 2)
            staff = self.staff[index] + randint(-1, 1)
            if rand() < 0.9:  # zero report: census figures, every event 0
                is_zero = True
                events = (0, 0, 0, 0, 0, 0, 0)
                tested, positive = (randint(1, residents) if rand() < 0.05 else 0), 0
            else:
                is_zero = False
                fever = randint(1, 3) if rand() < 0.5 else 0
                respiratory = randint(1, 3) if rand() < 0.3 else 0
                suspected = 1 if rand() < 0.02 else 0
                confirmed = 1 if rand() < 0.01 else 0
                contacts = randint(1, 5) if confirmed else 0
                events = (randint(0, 1), randint(0, 8), fever, respiratory, suspected,
                          confirmed, contacts)  # fmt: skip
                tested = randint(5, max(5, residents)) if fever or suspected or confirmed else 0
                positive = confirmed if tested else 0
            in_isolation = randint(1, 3) if not is_zero and events[2] else 0
            reports.append((next_id, institution_id, day, self.regimes[province], status, at,
                            1, next_id))  # fmt: skip
            revisions.append((
                next_id, next_id, 1, is_zero, max(residents, 0), max(staff, 0), in_isolation,
                *events, tested, positive, 10 + (index + day.toordinal()) % 50, "", "", False, None,
                at,
            ))  # fmt: skip
            next_id += 1
        return reports, revisions


def reset_sequences() -> None:
    from django.core.management.color import no_style

    from fangkong.reporting.models import DailyReport, ReportRevision

    statements = connection.ops.sequence_reset_sql(no_style(), [DailyReport, ReportRevision])
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def load_reports(
    institutions: list[tuple[int, str, int, str]], regimes: dict[str, int],
    first_day: datetime.date, days: int,
) -> dict[str, Any]:  # fmt: skip
    postgres = connection.vendor == "postgresql"
    maker = DayRows(institutions, regimes, sqlite=not postgres)
    phases: dict[str, Any] = {}
    total = 0
    start = time.perf_counter()
    next_id = 1

    def copy_days(day_numbers: range) -> None:
        nonlocal total, next_id
        for n in day_numbers:
            day = first_day + datetime.timedelta(days=n)
            reports, revisions = maker.rows(day, next_id)
            write_rows("reporting_dailyreport", REPORT_COLUMNS, reports)
            write_rows("reporting_reportrevision", REVISION_COLUMNS, revisions)
            next_id += len(reports)
            total += len(reports)
            if (n + 1) % 30 == 0 or n + 1 == days:
                elapsed = time.perf_counter() - start
                print(f"  {n + 1:>3}/{days} days, {total:,} reports, "
                      f"{total / elapsed:,.0f} reports/s, peak RSS {peak_rss_mb()} MB",
                      flush=True)  # fmt: skip

    if postgres:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
                # Revisions refuse TRUNCATE by trigger; a superuser may put triggers to sleep.
                cursor.execute("SET LOCAL session_replication_role = replica")
                cursor.execute(f"TRUNCATE {', '.join(REPORT_TABLES)}")
                cursor.execute("SET LOCAL session_replication_role = DEFAULT")
            definitions = report_table_definitions()
            drop_definitions(definitions)
            copy_days(range(days))
            phases["copy_s"] = round(time.perf_counter() - start, 1)
            mark = time.perf_counter()
            phases["rebuild"] = create_definitions(definitions)
            phases["rebuild_s"] = round(time.perf_counter() - mark, 1)
            after = report_table_definitions()
            assert sorted(after, key=repr) == sorted(definitions, key=repr), "schema changed"
            reset_sequences()
        mark = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {', '.join(REPORT_TABLES)}, institutions_institution")
        phases["analyze_s"] = round(time.perf_counter() - mark, 1)
    else:
        for chunk in range(0, days, 30):
            with transaction.atomic():
                copy_days(range(chunk, min(chunk + 30, days)))
        phases["insert_s"] = round(time.perf_counter() - start, 1)
        reset_sequences()
    phases["reports"] = total
    return phases


def table_sizes() -> dict[str, str]:
    if connection.vendor != "postgresql":
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, pg_size_pretty(pg_total_relation_size(oid)) FROM pg_class "
            "WHERE relname = ANY(%s)",
            [[*REPORT_TABLES, "institutions_institution"]],
        )
        return dict(cursor.fetchall())


def run(scale_name: str = "province", days: int = 365) -> dict[str, Any]:
    from fangkong.regions.loading import load_official

    scale = SCALES[scale_name]
    rng = random.Random(SEED)  # noqa: S311 - reproducible synthetic data
    started = time.perf_counter()
    last_day = local_yesterday()
    first_day = last_day - datetime.timedelta(days=days - 1)
    mark = time.perf_counter()
    load_official()
    regions_s = round(time.perf_counter() - mark, 1)
    mark = time.perf_counter()
    with transaction.atomic():
        institutions = create_institutions(scale, rng)
        regimes = create_regimes({province for _, province, _, _ in institutions}, first_day)
    institutions_s = round(time.perf_counter() - mark, 1)
    print(f"generate {scale_name}: {len(institutions):,} institutions, {len(regimes)} regime(s), "
          f"{days} days {first_day} … {last_day}", flush=True)  # fmt: skip
    phases = load_reports(institutions, regimes, first_day, days)
    wall_s = round(time.perf_counter() - started, 1)
    rows = [
        {"phase": "regions (load_official)", "s": regions_s},
        {"phase": "institutions + regimes", "s": institutions_s},
        *(
            {"phase": name.removesuffix("_s"), "s": value}
            for name, value in phases.items()
            if name.endswith("_s")
        ),
        {"phase": "total wall time", "s": wall_s},
    ]
    print(table(rows, ["phase", "s"]))
    reports = phases["reports"]
    print(f"{reports:,} reports (+ as many revisions) in {wall_s} s "
          f"= {reports / wall_s:,.0f} reports/s; peak RSS {peak_rss_mb()} MB")  # fmt: skip
    return {
        "benchmark": "generate",
        "scale": scale_name,
        "institutions": len(institutions),
        "regimes": len(regimes),
        "days": days,
        "first_day": first_day.isoformat(),
        "last_day": last_day.isoformat(),
        "reports": reports,
        "revisions": reports,
        "wall_s": wall_s,
        "reports_per_s": round(reports / wall_s),
        "peak_rss_mb": peak_rss_mb(),
        "phases": rows,
        "rebuild": phases.get("rebuild", []),
        "table_sizes": table_sizes(),
    }
