"""Where a report submission's time goes: queries per PUT and a cProfile of a few hundred.

    python -m bench profile [--limit 300]

In-process (Django's test client, the same middleware and API as the server, bench settings),
on the generated dataset: submits today's report for `--limit` institutions with an
`Idempotency-Key`, counts and lists the SQL statements of one submission (and of one through
the burst's reference, `bench.reference`, which writes the same rows), and writes the
cProfile listing to `bench/results/profile-<engine>.txt`. Today's reports are removed again.
"""

import cProfile
import io
import json
import pstats
import re
import time
import uuid
from pathlib import Path
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.burst import clear_today, operators
from bench.generate import SHANGHAI
from bench.timing import table

RESULTS = Path(__file__).resolve().parent / "results"
BODY = {"is_zero": True, "residents": 80, "staff_on_site": 20, "in_isolation": 0, "tested": 0,
        "positive": 0, "ppe_days": 30}  # fmt: skip


def run(limit: int = 300) -> dict[str, Any]:
    import datetime

    today = datetime.datetime.now(SHANGHAI).date()
    clear_today(today)
    ops = operators(limit)
    body = json.dumps(BODY)

    def put(code: str, token: str, prefix: str = "") -> int:
        response = Client().put(
            f"/api/v1/{prefix}institutions/{code}/daily-reports/{today}", body,
            content_type="application/json",
            headers={"authorization": f"Bearer {token}", "idempotency-key": str(uuid.uuid4())},
        )  # fmt: skip
        assert response.status_code == 201, response.content
        return response.status_code

    put(*ops[0][1:])  # warm-up
    with CaptureQueriesContext(connection) as queries:
        put(*ops[1][1:])
    statements = [q["sql"] for q in queries.captured_queries]
    # The burst's reference (bench.reference) writing the same rows, for comparison.
    with CaptureQueriesContext(connection) as queries:
        put(*ops[-1][1:], prefix="bench-reference/")
    reference = [q["sql"] for q in queries.captured_queries]
    healthz = Client()
    start = time.perf_counter()
    for _ in range(1000):
        healthz.get("/healthz")
    healthz_ms = (time.perf_counter() - start) / 1000 * 1000
    # Database time per statement (wall time inside the driver), over the next 100 PUTs.
    spent: dict[str, list[float]] = {}

    def timer(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            key = re.sub(r'"s\d+_x\d+"', "", " ".join(sql.split()[:4]))[:70]
            spent.setdefault(key, []).append((time.perf_counter() - start) * 1000)

    with connection.execute_wrapper(timer):
        for _, code, token in ops[2:102]:
            put(code, token)
    db_rows = sorted(
        ({"statement": k, "n": len(v), "mean_ms": round(sum(v) / len(v), 3),
          "max_ms": round(max(v), 2)} for k, v in spent.items()),
        key=lambda r: -float(r["mean_ms"]) * int(r["n"]),  # type: ignore[arg-type,call-overload]
    )  # fmt: skip
    db_table = table(db_rows, ["statement", "n", "mean_ms", "max_ms"])
    print(db_table)
    clear_today(today)
    ops = ops[:2] + operators(limit)[2:]  # fresh tokens, as unused as the burst's
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    for _, code, token in ops[2:]:
        put(code, token)
    profiler.disable()
    put_ms = (time.perf_counter() - start) / len(ops[2:]) * 1000
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
    stats.print_stats(45)
    out.write("\n-- by own time --\n")
    stats.sort_stats("tottime").print_stats(25)
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"profile-{connection.vendor}.txt"
    listing = "\n".join(f"{i + 1:>2}. {sql[:400]}" for i, sql in enumerate(statements))
    path.write_text(
        f"PUT daily report: {len(statements)} SQL statements, {put_ms:.2f} ms per PUT "
        f"in-process (profiler on), /healthz {healthz_ms:.2f} ms\n\n{listing}\n\n"
        f"{db_table}\n\n{out.getvalue()}"
    )
    clear_today(today)
    print(f"PUT: {len(statements)} statements; {put_ms:.2f} ms/PUT in-process under cProfile; "
          f"/healthz {healthz_ms:.3f} ms in-process")  # fmt: skip
    print(listing)
    print(f"the burst's reference, same rows: {len(reference)} statements")
    print(
        "\n".join(f"{i + 1:>2}. {' '.join(sql.split())[:160]}" for i, sql in enumerate(reference))
    )
    print(f"profile written to {path}")
    return {"benchmark": "profile", "statements_per_put": len(statements),
            "put_ms_profiled": round(put_ms, 2), "healthz_ms": round(healthz_ms, 3),
            "statements": statements, "reference_statements": reference,
            "database_time": db_rows}  # fmt: skip
