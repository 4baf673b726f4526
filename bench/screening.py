"""Screening candidates for one institution and a 7-day window, over 50 million visits.

    createdb -h 127.0.0.1 -U postgres bench_screening
    FANGKONG_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_screening \\
        python -m bench screening --repeat 30

The dataset, built once and kept (rebuilt only when the visit count differs from `--visits` by
more than 0.1 %): the nation's 41,000 institutions (`generate`'s, without reports); 50 visitors
per institution, each visiting mostly their own (3 % of visits go to the next institution, so
that visitors are present elsewhere); `--visits` visits over the 365 days ending yesterday, in
check-in order as a real table grows, between 08:00 and 20:00 Beijing time, 10 to 180 minutes
long, 0.5 % never checked out, each institution's share in proportion to its beds; residents and
staff (a stay each, some ended) for the first 2,000 institutions. Rows go past the ORM but into
the migrations' schema: on PostgreSQL the person and visit tables' secondary indexes, unique
constraints and foreign keys are dropped, the rows streamed with `COPY … FREEZE`, and the very
same definitions re-created, then ANALYZE.

Timed: `candidates()` (what `POST /screenings` computes before writing its subjects) for the
institution with the most beds among those with stays, and the 7 days ending at last midnight,
the worst case of the visit index, whose range runs back over the whole year. The plans of
its visit queries (in the institution, and elsewhere) are printed and must use an index.
Target (issue 12): p95 ≤ 50 ms.
"""

import datetime
import random
import re
import time
from collections.abc import Iterator
from typing import Any

from django.db import connection, transaction

from bench.generate import (
    SEED,
    SHANGHAI,
    Definition,
    create_definitions,
    drop_definitions,
    local_yesterday,
    peak_rss_mb,
    write_rows,
)
from bench.liaison import ensure_institutions
from bench.timing import measure, table

VISITORS_PER_INSTITUTION = 50
WITH_STAYS = 2_000  # institutions whose residents and staff are generated
DAYS = 365
TABLES = ["people_person", "people_visit"]
PERSON_COLUMNS = [
    "id", "name", "sex", "birth_date", "document_type", "id_number", "id_hash", "id_last4",
    "phone", "phone_hash", "pinyin", "initials", "created_by_id", "created_in_id", "created_at",
]  # fmt: skip
VISIT_COLUMNS = [
    "id", "visitor_id", "institution_id", "visited_id", "check_in", "check_out", "temperature",
    "came_from", "test_proof", "exception_reason", "created_by_id", "created_at",
]  # fmt: skip
STAY_COLUMNS = [
    "person_id", "institution_id", "role", "start_at", "end_at", "admission_reason",
    "discharge_reason", "job", "on_site", "exception_reason", "created_by_id", "created_at",
]  # fmt: skip


def definitions(tables: list[str]) -> list[Definition]:
    """The unique constraints, secondary indexes and FKs of `tables` and those pointing at them."""
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
            [tables, tables, tables],
        )
        return [Definition(*row) for row in cursor.fetchall()]


class Dataset:
    """The synthetic persons, visits and stays, reproducible from the seed."""

    def __init__(self, institutions: list[tuple[int, int]], visits: int) -> None:
        self.institutions = institutions  # (id, beds), in id order
        self.visits = visits
        self.rng = random.Random(SEED + 12)  # noqa: S311 - reproducible synthetic data
        self.last_day = local_yesterday()
        self.first_day = self.last_day - datetime.timedelta(days=DAYS - 1)
        self.created = datetime.datetime.now(datetime.UTC)
        self.visitor_base = 1
        self.visitors = len(institutions) * VISITORS_PER_INSTITUTION
        self.stays_base = self.visitor_base + self.visitors
        self.stayers = [(pk, beds) for pk, beds in institutions[:WITH_STAYS]]

    def persons(self) -> Iterator[tuple[Any, ...]]:
        from fangkong.core.crypto import encrypt

        # One ciphertext for every number: the candidates never read them, the hash is unique.
        number = encrypt("152921194010171230", associated_data="people.Person.id_number")
        for n in range(self.visitors):
            home = self.institutions[n // VISITORS_PER_INSTITUTION][0]
            yield self._person(self.visitor_base + n, f"访客{n}", number, home)
        pk = self.stays_base
        for home, beds in self.stayers:
            for n in range(beds + beds // 4):
                yield self._person(pk, f"住民{home}-{n}", number, home)
                pk += 1

    def _person(self, pk: int, name: str, number: str, home: int) -> tuple[Any, ...]:
        return (pk, name, "unknown", None, "ric", number, f"bench{pk:020d}", "1230", "", "",
                f"bench{pk}", "b", None, home, self.created)  # fmt: skip

    def stays(self) -> Iterator[tuple[Any, ...]]:
        pk = self.stays_base
        since = datetime.datetime.combine(self.first_day, datetime.time(9), SHANGHAI)
        for home, beds in self.stayers:
            for n in range(beds + beds // 4):
                start = since - datetime.timedelta(days=self.rng.randint(0, 3 * DAYS))
                end = None
                if self.rng.random() < 0.2:  # discharged or left, some in the window
                    end = start + datetime.timedelta(days=self.rng.randint(1, 4 * DAYS))
                role = "resident" if n < beds else "staff"
                yield (pk, home, role, start, end, "", "", "", False, "", None, self.created)
                pk += 1

    def visit_rows(self) -> Iterator[tuple[Any, ...]]:
        """The visits, day by day in check-in order: each institution's share by its beds."""
        rng, n = self.rng, len(self.institutions)
        total_beds = sum(beds for _pk, beds in self.institutions)
        rates = [self.visits * beds / total_beds / DAYS for _pk, beds in self.institutions]
        minute = datetime.timedelta(minutes=1)
        pk = 1
        for day_number in range(DAYS):
            day = self.first_day + datetime.timedelta(days=day_number)
            opening = datetime.datetime.combine(day, datetime.time(8), SHANGHAI)
            rows = []
            for index, (institution, _beds) in enumerate(self.institutions):
                rate = rates[index]
                count = int(rate) + (rng.random() < rate - int(rate))
                for _ in range(count):
                    pool = index if rng.random() >= 0.03 else (index + 1) % n
                    visitor = self.visitor_base + pool * VISITORS_PER_INSTITUTION + int(
                        rng.random() * VISITORS_PER_INSTITUTION)  # fmt: skip
                    check_in = opening + minute * int(rng.random() * 720)
                    length = minute * (10 + int(rng.random() * 170))
                    check_out = None if rng.random() < 0.005 else check_in + length
                    rows.append((check_in, visitor, institution, check_out))
            rows.sort(key=lambda row: row[0])
            for check_in, visitor, institution, check_out in rows:
                yield (pk, visitor, institution, None, check_in, check_out, None, "", "", "",
                       None, self.created)  # fmt: skip
                pk += 1
            if (day_number + 1) % 30 == 0:
                print(f"  {day_number + 1:>3}/{DAYS} days, {pk - 1:,} visits, "
                      f"peak RSS {peak_rss_mb()} MB", flush=True)  # fmt: skip


def build(visits: int) -> dict[str, Any]:
    """Write the dataset (see the module's docstring); return the phases' wall times."""
    from fangkong.institutions.models import Institution

    institutions = list(Institution.objects.order_by("pk").values_list("pk", "beds"))
    data = Dataset(institutions, visits)
    phases: dict[str, Any] = {}
    start = time.perf_counter()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
            cursor.execute("TRUNCATE people_person, people_visit, people_stay CASCADE")
        found = definitions(TABLES)
        drop_definitions(found)
        phases["persons"] = write_rows("people_person", PERSON_COLUMNS, data.persons())
        phases["visits"] = write_rows("people_visit", VISIT_COLUMNS, data.visit_rows())
        phases["copy_s"] = round(time.perf_counter() - start, 1)
        mark = time.perf_counter()
        phases["rebuild"] = create_definitions(found)
        phases["rebuild_s"] = round(time.perf_counter() - mark, 1)
        if set(definitions(TABLES)) != set(found):
            raise SystemExit("the re-created definitions differ from the migrations'")
        phases["stays"] = write_rows("people_stay", STAY_COLUMNS, data.stays())
        with connection.cursor() as cursor:
            for name in TABLES:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), max(id)) FROM {name}"  # noqa: S608
                )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE people_person, people_visit, people_stay")
    phases["build_s"] = round(time.perf_counter() - start, 1)
    phases["peak_rss_mb"] = peak_rss_mb()
    return phases


def visit_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM people_visit")
        return int(cursor.fetchone()[0])


def plans(institution: Any, start: datetime.datetime, end: datetime.datetime) -> dict[str, str]:
    """The plans of the candidates' two visit queries, as PostgreSQL runs them."""
    from fangkong.people.models import Stay, Visit
    from fangkong.screening.candidates import _stays, _visits

    here = Visit.objects.filter(_visits(start, end), institution=institution)
    ids = list(Stay.objects.filter(_stays(start, end), institution=institution)
               .values_list("person_id", flat=True))  # fmt: skip
    ids += list(here.values_list("visitor_id", flat=True))
    elsewhere = Visit.objects.filter(_visits(start, end), visitor_id__in=ids).exclude(
        institution=institution
    )
    found = {
        "visits_here": here.values_list("visitor_id", "check_in", "check_out").explain(
            analyze=True, buffers=True
        ),
        "visits_elsewhere": elsewhere.values_list(
            "visitor_id", "institution__code", "institution__name", "check_in", "check_out"
        ).explain(analyze=True, buffers=True),
    }
    # The candidates' ids, hundreds of them, would hide the plan.
    return {name: re.sub(r"'\{[0-9,]{60,}\}'", _ids, plan) for name, plan in found.items()}


def _ids(match: re.Match[str]) -> str:
    return f"'{{… {match.group(0).count(',') + 1} ids}}'"


def run(*, visits: int, repeat: int = 30) -> dict[str, Any]:
    from fangkong.institutions.models import Institution
    from fangkong.screening.candidates import candidates

    if connection.vendor != "postgresql":
        raise SystemExit("screening runs on PostgreSQL: set FANGKONG_BENCH_DATABASE_URL")
    ensure_institutions("nation")
    with connection.cursor() as cursor:
        # As autovacuum would have by now: without it, PostgreSQL takes the 41,000 institutions
        # for 3,000 and hashes them all to name two visits elsewhere.
        cursor.execute("ANALYZE institutions_institution, regions_region")
    result: dict[str, Any] = {"scale": f"{visits // 1_000_000}m" if visits >= 10**6 else "small"}
    # The daily counts are drawn at random around their share: the total is within 0.1 %.
    if abs(visit_count() - visits) > visits // 1000:
        print(f"building {visits:,} visits (once; kept for the next runs)", flush=True)
        result["build"] = build(visits)
    result["visits"] = visit_count()
    homes = Institution.objects.order_by("pk").values_list("pk", flat=True)[:WITH_STAYS]
    institution = Institution.objects.filter(pk__in=list(homes)).order_by("-beds", "pk").first()
    assert institution is not None
    end = datetime.datetime.combine(local_yesterday() + datetime.timedelta(days=1),
                                    datetime.time(0), SHANGHAI)  # fmt: skip
    start = end - datetime.timedelta(days=7)
    found = candidates(institution, start, end)
    roles = {role: sum(role in row.roles for row in found.values())
             for role in ("resident", "staff", "visitor")}  # fmt: skip
    elsewhere = sum(bool(row.elsewhere) for row in found.values())
    timing = measure(lambda: candidates(institution, start, end), repeat=repeat)
    row = {"query": "candidates", "institution": institution.code, "beds": institution.beds,
           "candidates": len(found), **roles, "elsewhere": elsewhere, **timing,
           "target_p95_ms": 50, "ok": timing["p95_ms"] <= 50}  # fmt: skip
    print(table([row], list(row)))
    result["rows"] = [row]
    result["plans"] = plans(institution, start, end)
    for name, plan in result["plans"].items():
        print(f"\n-- plan: {name}\n{plan}")
        if "Seq Scan on people_visit" in plan or "Index" not in plan:
            raise SystemExit(f"the {name} query does not use an index")
    result["window"] = [start.isoformat(), end.isoformat()]
    return result
