"""Supervision at scale: a spot-check draw over a province, and a week's summary of a region
against hand-written SQL.

The dataset: the institutions `generate` left in the database (or, in an empty one, the same
institutions `generate` makes), and a year of inspections of each of them (monthly at
province scale, quarterly at nation scale), every item answered, about 4 % failed, each failure
a rectification (of those due in the last 30 days a third each open, fixed and verified; of
older ones 95 % verified, the rest open and overdue). Rewritten on every run.

Times:

- `draw`: `draw_weights()` and `weighted_sample()` for 20 of the largest province's
  institutions (what `POST /regions/{code}/spot-checks` computes before it keeps the draw);
  target (issue 10) p95 ≤ 50 ms;
- `summary`: `week_summary()` of the week in the middle of the year, for the largest province
  and (at nation scale) the nation, against `sql` (hand-written queries giving the same
  numbers); target p95 ≤ 200 ms and ≤ 1.5 × the SQL's.

The numbers are asserted equal before anything is timed.
"""

import datetime
import random
import statistics
import time
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from bench.generate import (
    SEED,
    create_definitions,
    drop_definitions,
    local_yesterday,
    report_table_definitions,
    write_rows,
)
from bench.liaison import ensure_institutions
from bench.timing import measure, table

INSPECTION_COLUMNS = ["institution_id", "method", "unannounced", "planned_at", "done_at",
                      "done_on", "checklist_id", "created_by_id", "created_at"]  # fmt: skip
ANSWER_COLUMNS = ["inspection_id", "item_id", "result", "note"]
RECTIFICATION_COLUMNS = [
    "institution_id", "inspection_id", "item_id", "finding_id", "what", "opened_on", "due_date",
    "status", "fixed_by_id", "fixed_at", "evidence", "verified_by_id", "verified_at",
    "verify_note", "created_at",
]  # fmt: skip
BULK_TABLES = ["inspections_inspection", "inspections_answer", "inspections_rectification"]
CLEARED = [
    "inspections_evidence", "inspections_rectificationevent", "inspections_rectification",
    "inspections_answer", "inspections_inspectiondraft", "inspections_inspectionplan_inspectors",
    "inspections_inspectionplan", "inspections_inspection_inspectors", "inspections_inspection",
    "inspections_spotcheckdraw",
]  # fmt: skip
METHODS = ["on_site", "video", "phone"]
FAIL_RATE = 0.04


def create_inspections(first: datetime.date, last: datetime.date, per_year: int) -> int:
    """A year of inspections, their answers and rectifications, written past the ORM."""
    from fangkong.inspections.models import (
        Answer,
        ChecklistItem,
        Evidence,
        Inspection,
        InspectionDraft,
        InspectionPlan,
        Rectification,
        RectificationEvent,
        SpotCheckDraw,
    )
    from fangkong.institutions.models import Institution

    postgres = connection.vendor == "postgresql"
    if postgres:  # a delete through the ORM would fetch every answer's id first
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {', '.join(CLEARED)} RESTART IDENTITY")
    else:
        for model in (Evidence, RectificationEvent, Rectification, Answer, InspectionDraft,
                      InspectionPlan, Inspection, SpotCheckDraw):  # fmt: skip
            model.objects.all().delete()
    rng = random.Random(SEED + 10)  # noqa: S311 - reproducible synthetic data
    items = list(ChecklistItem.objects.filter(version__number=1).order_by("number"))
    checklist = items[0].version_id
    institutions = list(Institution.objects.order_by("pk").values_list("pk", flat=True))
    days = (last - first).days + 1
    zone = timezone.get_current_timezone()
    now = timezone.now()

    def inspections() -> Any:
        for institution in institutions:
            for n in range(per_year):
                day = first + datetime.timedelta(
                    days=rng.randrange(n * days // per_year, (n + 1) * days // per_year)
                )
                at = datetime.datetime.combine(day, datetime.time(rng.randint(8, 17)), zone)
                yield (institution, rng.choice(METHODS), rng.random() < 0.1, None, at, day,
                       checklist, None, now)  # fmt: skip

    with transaction.atomic():
        # COPY into bare tables, then the same indexes and keys again, built once each.
        definitions = report_table_definitions(BULK_TABLES) if postgres else []
        drop_definitions(definitions)
        count = write_rows("inspections_inspection", INSPECTION_COLUMNS, inspections())
        # Read whole before the next COPY: a connection answers no query while it copies.
        rows = list(Inspection.objects.values_list("pk", "institution_id", "done_on")
                    .order_by("pk"))  # fmt: skip
        failed: list[tuple[int, int, datetime.date, Any]] = []

        def answers() -> Any:
            for pk, institution, day in rows:
                for item in items:
                    fail = rng.random() < FAIL_RATE
                    if fail:
                        failed.append((pk, institution, day, item))
                    yield (pk, item.pk, "fail" if fail else "pass", "")

        write_rows("inspections_answer", ANSWER_COLUMNS, answers())

        def rectifications() -> Any:
            for pk, institution, day, item in failed:
                due = day + datetime.timedelta(days=item.default_days)
                # Most are put right within weeks: the older, the likelier verified.
                recent = (last - due).days < 30
                state = (rng.choice(["open", "fixed", "verified"]) if recent
                         else "verified" if rng.random() < 0.95 else "open")  # fmt: skip
                fixed = (datetime.datetime.combine(due, datetime.time(10), zone)
                         if state != "open" else None)  # fmt: skip
                verified = (fixed + datetime.timedelta(days=1)
                            if fixed is not None and state == "verified" else None)  # fmt: skip
                yield (institution, pk, item.pk, None, item.text_zh, day, due, state, None,
                       fixed, "已整改" if fixed else "", None, verified, "", now)  # fmt: skip

        write_rows("inspections_rectification", RECTIFICATION_COLUMNS, rectifications())
        create_definitions(definitions)
        # By name and kind: PostgreSQL prints a re-read partial index's condition otherwise.
        after = report_table_definitions(BULK_TABLES) if postgres else []
        assert {(d.table, d.name, d.kind) for d in after} == {
            (d.table, d.name, d.kind) for d in definitions
        }, "schema changed"
    if postgres:
        with connection.cursor() as cursor:
            # As autovacuum leaves them: statistics, and a visibility map so that the draw's
            # per-institution probes read their indexes only.
            cursor.execute("VACUUM ANALYZE inspections_inspection, inspections_answer, "
                           "inspections_rectification, institutions_institution")  # fmt: skip
    return count


SUMMARY_SQL = {
    "inspections": """
        SELECT count(*),
               coalesce(sum(CASE WHEN s.unannounced THEN 1 ELSE 0 END), 0),
               coalesce(sum(CASE WHEN s.method = 'on_site' THEN 1 ELSE 0 END), 0),
               coalesce(sum(CASE WHEN s.method = 'video' THEN 1 ELSE 0 END), 0),
               coalesce(sum(CASE WHEN s.method = 'phone' THEN 1 ELSE 0 END), 0)
        FROM inspections_inspection s JOIN institutions_institution i ON i.id = s.institution_id
        WHERE s.done_on >= %(start)s AND s.done_on < %(end)s
          AND i.region_id IN (SELECT id FROM regions_region WHERE path LIKE %(prefix)s)""",
    "findings": """
        SELECT c.number, c.text_zh, count(*)
        FROM inspections_answer a
        JOIN inspections_inspection s ON s.id = a.inspection_id
        JOIN institutions_institution i ON i.id = s.institution_id
        JOIN inspections_checklistitem c ON c.id = a.item_id
        WHERE a.result = 'fail' AND s.done_on >= %(start)s AND s.done_on < %(end)s
          AND i.region_id IN (SELECT id FROM regions_region WHERE path LIKE %(prefix)s)
        GROUP BY c.number, c.text_zh ORDER BY count(*) DESC, c.number""",
    "rectifications": """
        SELECT count(*),
               coalesce(sum(CASE WHEN r.status = 'open' THEN 1 ELSE 0 END), 0),
               coalesce(sum(CASE WHEN r.status = 'fixed' THEN 1 ELSE 0 END), 0),
               coalesce(sum(CASE WHEN r.status = 'verified' THEN 1 ELSE 0 END), 0),
               coalesce(sum(CASE WHEN r.status <> 'verified' AND r.due_date < %(today)s
                                 THEN 1 ELSE 0 END), 0)
        FROM inspections_rectification r JOIN institutions_institution i ON i.id = r.institution_id
        WHERE r.opened_on >= %(start)s AND r.opened_on < %(end)s
          AND i.region_id IN (SELECT id FROM regions_region WHERE path LIKE %(prefix)s)""",
    "fixed": """
        SELECT r.opened_on, r.fixed_at
        FROM inspections_rectification r JOIN institutions_institution i ON i.id = r.institution_id
        WHERE r.opened_on >= %(start)s AND r.opened_on < %(end)s AND r.fixed_at IS NOT NULL
          AND i.region_id IN (SELECT id FROM regions_region WHERE path LIKE %(prefix)s)""",
}


def sql_summary(region: Any, start: datetime.date, today: datetime.date) -> tuple[Any, ...]:
    params = {"start": start, "end": start + datetime.timedelta(days=7), "today": today,
              "prefix": region.path + "%"}  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(SUMMARY_SQL["inspections"], params)
        total, unannounced, on_site, video, phone = (int(v) for v in cursor.fetchone())
        cursor.execute(SUMMARY_SQL["findings"], params)
        findings = [(int(n), text, int(c)) for n, text, c in cursor.fetchall()]
        cursor.execute(SUMMARY_SQL["rectifications"], params)
        rect = tuple(int(v) for v in cursor.fetchone())
        cursor.execute(SUMMARY_SQL["fixed"], params)
        days = []
        for opened, fixed in cursor.fetchall():
            if isinstance(fixed, str):  # SQLite hands back text
                fixed = datetime.datetime.fromisoformat(fixed)
            if isinstance(opened, str):
                opened = datetime.date.fromisoformat(opened)
            days.append((timezone.localdate(fixed) - opened).days)
    median = float(statistics.median(days)) if days else None
    return (total, unannounced, {"on_site": on_site, "video": video, "phone": phone}, findings,
            rect, median)  # fmt: skip


def selector_summary(region: Any, start: datetime.date, today: datetime.date) -> tuple[Any, ...]:
    from fangkong.inspections.summaries import week_summary

    s = week_summary(region, start, today=today)
    r = s.rectifications
    rect = (r["total"], r["open"], r["fixed"], r["verified"], r["overdue"])
    return s.inspections, s.unannounced, s.by_method, s.findings, rect, s.median_days_to_fix


def _bound(fn: Any, *args: Any) -> Any:
    return lambda: fn(*args)


def run(scale_name: str = "province", repeat: int = 60) -> dict[str, Any]:
    from django.db.models import Count

    from fangkong.inspections.services import draw_weights, weighted_sample
    from fangkong.inspections.summaries import week_of
    from fangkong.institutions.models import Institution
    from fangkong.regions.models import NATION_CODE, Region

    institutions = ensure_institutions(scale_name)
    last = local_yesterday()
    first = last - datetime.timedelta(days=364)
    per_year = 12 if institutions <= 5_000 else 4
    started = time.perf_counter()
    inspections = create_inspections(first, last, per_year)
    generated_s = round(time.perf_counter() - started, 1)
    week = week_of(first + datetime.timedelta(days=182))
    print(f"inspections: {institutions:,} institutions, {inspections:,} inspections over "
          f"{first} … {last} written in {generated_s} s; summary of the week of {week}",
          flush=True)  # fmt: skip
    provinces = Institution.objects.values("region__path").annotate(n=Count("pk"))
    per_province: dict[str, int] = {}
    for row in provinces.values_list("region__path", "n"):
        per_province[row[0][:6]] = per_province.get(row[0][:6], 0) + row[1]
    largest = Region.objects.get(code=max(per_province, key=lambda c: per_province[c]))
    today = last
    rows: list[dict[str, Any]] = []
    draw = measure(lambda: weighted_sample(draw_weights(largest, today), 20, 1), repeat=repeat)
    rows.append({"scope": f"draw {largest.code}", "institutions": per_province[largest.code],
                 "p50_ms": draw["p50_ms"], "p95_ms": draw["p95_ms"], "sql_p95_ms": "",
                 "ratio_p95": ""})  # fmt: skip
    scopes = [(f"summary {largest.code}", largest)]
    if len(per_province) > 1:
        scopes.append((f"summary {NATION_CODE}", Region.objects.get(code=NATION_CODE)))
    for label, region in scopes:
        ours, theirs = selector_summary(region, week, today), sql_summary(region, week, today)
        assert ours == theirs, f"{label}: selector {ours[:3]} != SQL {theirs[:3]}"
        sql = measure(_bound(sql_summary, region, week, today), repeat=repeat)
        selector = measure(_bound(selector_summary, region, week, today), repeat=repeat)
        rows.append({"scope": label, "inspections": ours[0], "p50_ms": selector["p50_ms"],
                     "p95_ms": selector["p95_ms"], "sql_p95_ms": sql["p95_ms"],
                     "ratio_p95": round(selector["p95_ms"] / sql["p95_ms"], 2)})  # fmt: skip
    columns = [
        "scope",
        "institutions",
        "inspections",
        "p50_ms",
        "p95_ms",
        "sql_p95_ms",
        "ratio_p95",
    ]
    print(table(rows, columns), flush=True)
    targets = [{"scope": rows[0]["scope"], "p95_le_50ms": rows[0]["p95_ms"] <= 50}] + [
        {"scope": r["scope"], "p95_le_200ms": r["p95_ms"] <= 200,
         "le_1.5x_sql": r["ratio_p95"] <= 1.5}
        for r in rows[1:]
    ]  # fmt: skip
    for target in targets:
        print(target)
    scale = "nation" if len(per_province) > 1 else "province"
    return {"benchmark": "inspections", "scale": scale, "week": week.isoformat(),
            "institutions": institutions, "inspections": inspections, "repeat": repeat,
            "generated_s": generated_s,
            "rows": rows, "targets": targets}  # fmt: skip
