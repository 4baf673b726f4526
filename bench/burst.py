"""Deadline burst: every institution submits today's report over real HTTP, against the same
rows written by hand-written SQL.

Starts `gunicorn config.wsgi` with `bench.server_settings` — `config.settings.production` with
the benchmark's URLconf, `bench.urls`, which adds the reference route — (plain HTTP on a free
loopback port) against the benchmark database, then drives it from this process with an
asyncio client (raw HTTP/1.1 over `asyncio` streams: a request costs the client a few tens of
microseconds, and its CPU time is reported) at a fixed number of open connections:

- phase A, `GET /healthz` — a minimal Django JSON view through the whole middleware stack —
  `--healthz` requests: kept for continuity with earlier figures; it writes nothing, so it is
  not what a submission is measured against;
- phase R, the reference: the very requests of phase B (same bodies, keys, order and retries)
  sent to `PUT /api/v1/bench-reference/institutions/{code}/daily-reports/{today}`
  (`bench.reference`): the API's token check, one SELECT, and one transaction writing the
  report, its revision, the audit event and the idempotency record with hand-written SQL —
  what the database and the server cost for a submission's rows and nothing else;
- phase B, the burst: one `PUT /api/v1/institutions/{code}/daily-reports/{today}` per
  institution, in random order, each with its own `Idempotency-Key`; 5 % of them are sent a
  second time with the same key and body, 1 to 3 × concurrency requests later (so some retries
  race their original, as a client's timeout-retry would). Any non-2xx is an error; both
  answers to a key must have the same status and body, exactly one of them not replayed.

The figure is B's PUTs/s as a share of R's writes/s. After R and after B the database must hold
exactly one report (with one revision, one audit event and one idempotency record) per
institution for today, and the rows of the two phases must be alike institution by institution
(ids, times, and the warnings the reference does not compute aside). Between the phases today's
rows are removed (audit events stay: they are append-only), PostgreSQL vacuums the tables, and
every token is made unused again, so that both phases pay the token's first-use UPDATE.

Each institution has its own operator account (`op-<code>`, an `operator` grant over the
institution — what a real deployment has: each institution's staff report from their phones)
and its own API token made by `token_create`; users and grants are bulk-inserted (as
`user_ensure` and `role_grant` would make them, without their audit rows) so that set-up takes
seconds, and are kept between runs. Today's reports from an earlier run are deleted first.
Before anything is timed every worker is warmed up with reads, `/healthz` and submissions
through both routes (for institutions of the run; removed before phase R).

Server: `--workers` sync workers (default 5 = 2 × cores + 1), or gthread workers with
`--threads` > 1; the same configuration serves every phase. The peak RSS of each worker is its
`VmHWM` from /proc at the end (also sampled every 0.2 s); the table gives the largest.
"""

import asyncio
import base64
import datetime
import json
import os
import random
import resource
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.request import urlopen

from bench.generate import SHANGHAI
from bench.timing import table

ROOT = Path(__file__).resolve().parent.parent
WORKDIR = ROOT / "var" / "bench"
REPLAY_SHARE = 0.05
DEADLINE_S = 40 * 60  # no phase may run longer than this


# -- set-up ----------------------------------------------------------------------------------


def operators(limit: int) -> list[tuple[int, str, str]]:
    """(institution id, code, token) for each institution that takes part."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from fangkong.accounts.models import Role, RoleGrant, User
    from fangkong.accounts.services import token_create
    from fangkong.core.scoping import SYSTEM
    from fangkong.institutions.models import Institution

    institutions = list(Institution.objects.order_by("pk").values_list("pk", "code"))
    if limit:
        step = max(1, len(institutions) // limit)
        institutions = institutions[::step][:limit]
    existing = set(
        User.objects.filter(username__startswith="op-").values_list("username", flat=True)
    )
    with transaction.atomic():
        missing = [(pk, code) for pk, code in institutions if f"op-{code}" not in existing]
        User.objects.bulk_create(
            [User(username=f"op-{code}", password=make_password(None)) for _, code in missing],
            batch_size=2000,
        )
        ids = dict(User.objects.filter(username__startswith="op-").values_list("username", "pk"))
        RoleGrant.objects.bulk_create(
            [
                RoleGrant(user_id=ids[f"op-{code}"], role=Role.OPERATOR, institution_id=pk)
                for pk, code in missing
            ],
            batch_size=2000,
        )
        users = {u.pk: u for u in User.objects.filter(pk__in=[ids[f"op-{c}"] for _, c in
                                                               institutions])}  # fmt: skip
        result = []
        for pk, code in institutions:
            _, secret = token_create(actor=SYSTEM, user=users[ids[f"op-{code}"]], name="burst")
            result.append((pk, code, secret))
    return result


def clear_today(day: Any) -> int:
    """Remove today's reports (and idempotency records) left by an earlier run."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Revisions are append-only (a trigger refuses DELETE); this is a benchmark database
            # removing its own synthetic rows, so skip the triggers for this transaction only.
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("UPDATE reporting_dailyreport SET current_id = NULL WHERE day = %s", [day])
        cursor.execute(
            "DELETE FROM reporting_reportrevision WHERE report_id IN "
            "(SELECT id FROM reporting_dailyreport WHERE day = %s)",
            [day],
        )
        cursor.execute("DELETE FROM reporting_dailyreport WHERE day = %s", [day])
        removed = int(cursor.rowcount)
        cursor.execute("DELETE FROM surveillance_aberration WHERE day = %s", [day])
        cursor.execute("DELETE FROM reporting_idempotencyrecord")
    return removed


def make_tokens_unused() -> None:
    """Every burst token as if never used: each phase pays the first use's UPDATE alike."""
    from fangkong.accounts.models import ApiToken

    ApiToken.objects.filter(name="burst").exclude(last_used_at=None).update(last_used_at=None)


def vacuum() -> None:
    """Reclaim the rows a phase left behind (PostgreSQL), so the next phase starts alike."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "VACUUM reporting_dailyreport, reporting_reportrevision, "
                "reporting_idempotencyrecord, surveillance_aberration, accounts_apitoken"
            )


def between_phases(day: Any) -> None:
    clear_today(day)
    vacuum()
    make_tokens_unused()


# -- the server ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log: Path
    workers: list[int] = field(default_factory=list)
    peak_rss_kb: dict[int, int] = field(default_factory=dict)
    sampling: bool = True

    def worker_pids(self) -> list[int]:
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(p) for p in path.read_text().split()]

    def sample(self) -> None:
        while self.sampling:
            for pid in self.worker_pids():
                rss = status_kb(pid, "VmRSS")
                self.peak_rss_kb[pid] = max(self.peak_rss_kb.get(pid, 0), rss)
            time.sleep(0.2)

    def hwm_kb(self) -> dict[int, int]:
        return {pid: status_kb(pid, "VmHWM") for pid in self.worker_pids()}

    def cpu_s(self) -> float:
        total = 0
        for pid in self.worker_pids():
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime + stime, in ticks
        return total / os.sysconf("SC_CLK_TCK")


def machine_busy_s() -> float:
    """CPU seconds spent by the whole machine (all processes, all cores) since boot."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    busy = sum(fields[:8]) - fields[3] - fields[4]  # less idle and iowait
    return busy / os.sysconf("SC_CLK_TCK")


def status_kb(pid: int, name: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(name + ":"):
                return int(line.split()[1])
    except FileNotFoundError:
        pass
    return 0


def start_server(url: str, settings: str, workers: int, threads: int) -> Server:
    port = free_port()
    log = WORKDIR / "gunicorn.log"
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE=settings,
        DATABASE_URL=url,
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        FANGKONG_ENCRYPTION_KEYS="bench:" + base64.b64encode(secrets.token_bytes(32)).decode(),
        FANGKONG_HASH_KEY=base64.b64encode(secrets.token_bytes(32)).decode(),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="false",
        FANGKONG_VAR_DIR=str(WORKDIR),
        PYTHONPATH=str(ROOT),
    )
    command = [
        str(Path(sys.executable).parent / "gunicorn"), "config.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
        "--worker-class", "gthread" if threads > 1 else "sync", "--threads", str(threads),
        "--backlog", "2048", "--timeout", "60", "--graceful-timeout", "10",
    ]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)  # noqa: S603
    server = Server(process, port, log)
    for _ in range(300):
        time.sleep(0.1)
        try:
            with urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                if response.status == 200 and len(server.worker_pids()) == workers:
                    break
        except OSError:
            continue
    else:
        stop_server(server)
        raise RuntimeError(f"gunicorn did not start; see {log}")
    server.workers = server.worker_pids()
    threading.Thread(target=server.sample, daemon=True).start()
    return server


def stop_server(server: Server) -> None:
    server.sampling = False
    server.process.send_signal(signal.SIGTERM)
    try:
        server.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


# -- the client ------------------------------------------------------------------------------


@dataclass
class Job:
    request: bytes
    key: str = ""


@dataclass
class Answer:
    status: int
    body: bytes
    replayed: bool
    ms: float


async def drive(port: int, jobs: list[Job], concurrency: int) -> tuple[list[Answer], float]:
    """Send every job over `concurrency` connections (re-opened when the server closes them)."""
    answers: list[Answer | None] = [None] * len(jobs)
    cursor = 0
    deadline = time.monotonic() + DEADLINE_S

    async def connection() -> None:
        nonlocal cursor
        reader: asyncio.StreamReader | None = None
        writer: asyncio.StreamWriter | None = None
        while cursor < len(jobs) and time.monotonic() < deadline:
            index, cursor = cursor, cursor + 1
            start = time.perf_counter()
            try:
                if writer is None or reader is None:
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.write(jobs[index].request)
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                status = int(lines[0].split()[1])
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        name, value = line.split(":", 1)
                        headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                replayed = headers.get("idempotent-replayed") == "true"
                if headers.get("connection", "").lower() == "close":
                    writer.close()
                    reader = writer = None
            except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                status, body, replayed = 0, repr(exc).encode(), False
                if writer is not None:
                    writer.close()
                reader = writer = None
            answers[index] = Answer(status, body, replayed, (time.perf_counter() - start) * 1000)
        if writer is not None:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    done = [a for a in answers if a is not None]
    return done, elapsed


API_PATH = b"PUT /api/v1/institutions/"
REFERENCE_PATH = b"PUT /api/v1/bench-reference/institutions/"


def warm_up(server: Server, ops: list[tuple[int, str, str]], healthz: Job, concurrency: int,
            day: str, workers: int) -> None:  # fmt: skip
    """Load each worker's URLconf, API, both write paths and database connection before
    anything is timed (the submissions are for institutions of the run: remove them after)."""
    yesterday = (datetime.date.fromisoformat(day) - datetime.timedelta(days=1)).isoformat()
    reads = [
        Job(f"GET /api/v1/institutions/{code}/daily-reports/{yesterday} HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{server.port}\r\nAuthorization: Bearer {token}\r\n\r\n".encode())
        for _, code, token in ops[: 20 * concurrency]
    ]  # fmt: skip
    rng = random.Random(0)  # noqa: S311 - reproducible synthetic load
    writes = [Job(j.request.replace(API_PATH, REFERENCE_PATH, 1), j.key)
              for j in burst_jobs(server.port, ops[: 4 * workers], day, 1, rng)[0]]  # fmt: skip
    writes += burst_jobs(server.port, ops[4 * workers : 8 * workers], day, 1, rng)[0]
    jobs = [healthz] * (20 * concurrency) + writes + reads
    answers, _ = asyncio.run(drive(server.port, jobs, concurrency))
    # A read may find no report (about 5 % of yesterday's are missing); the rest must succeed.
    failed = [a for a in answers[: -len(reads) or None] if not 200 <= a.status < 300]
    if failed:
        first = f"{failed[0].status} {failed[0].body[:300]!r}"
        raise RuntimeError(f"warm-up: {len(failed)} failed, the first {first}; see {server.log}")


def percentile(sorted_ms: list[float], q: float) -> float:
    return round(sorted_ms[min(len(sorted_ms) - 1, max(0, int(len(sorted_ms) * q) - 1))], 1)


Row = dict[str, Any]


def backend_cpu_s() -> dict[int, float] | None:
    """CPU seconds of each PostgreSQL backend serving the benchmark's database (the workers'
    connections, kept between requests), or None unless PostgreSQL runs on this machine and
    its processes can be read. SQLite runs inside the workers: none of its own."""
    from django.db import connection

    if connection.vendor == "sqlite":
        return {}
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )
        pids = [int(row[0]) for row in cursor.fetchall()]
    seconds = {}
    for pid in pids:
        try:
            if Path(f"/proc/{pid}/comm").read_text().strip() != "postgres":
                return None
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile, or not ours to read
        seconds[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return seconds if seconds or not pids else None


def phase(name: str, server: Server, jobs: list[Job], concurrency: int) -> tuple[Row, list[Answer]]:
    cpu_client = resource.getrusage(resource.RUSAGE_SELF)
    cpu_server = server.cpu_s()
    cpu_backends = backend_cpu_s()
    busy = machine_busy_s()
    answers, elapsed = asyncio.run(drive(server.port, jobs, concurrency))
    after = resource.getrusage(resource.RUSAGE_SELF)
    client_s = after.ru_utime + after.ru_stime - cpu_client.ru_utime - cpu_client.ru_stime
    busy = machine_busy_s() - busy
    server_s = server.cpu_s() - cpu_server
    backends_after = backend_cpu_s()
    backends_s = None
    if cpu_backends is not None and backends_after is not None:
        backends_s = sum(s - cpu_backends.get(pid, 0.0) for pid, s in backends_after.items())
    ms = sorted(a.ms for a in answers)
    errors = sum(1 for a in answers if not 200 <= a.status < 300)
    row = {
        "phase": name,
        "requests": len(answers),
        "seconds": round(elapsed, 1),
        "req_per_s": round(len(answers) / elapsed, 1),
        "p50_ms": percentile(ms, 0.50),
        "p95_ms": percentile(ms, 0.95),
        "p99_ms": percentile(ms, 0.99),
        "max_ms": round(ms[-1], 1),
        "errors": errors,
        "client_cpu_s": round(client_s, 1),
        "server_cpu_s": round(server_s, 1),
        # PostgreSQL, and anything else running on the machine (other users' tests…).
        "db_and_other_cpu_s": round(busy - client_s - server_s, 1),
        "machine_cpu_idle_s": round(elapsed * (os.cpu_count() or 1) - busy, 1),
        # The workers' own PostgreSQL backends (None: not measurable), and the CPU a request
        # cost in the worker and its backend: unlike req/s, hardly moved by other load.
        "db_backend_cpu_s": None if backends_s is None else round(backends_s, 1),
        "cpu_ms_per_req": None if backends_s is None
        else round((server_s + backends_s) / len(answers) * 1000, 2),
    }  # fmt: skip
    print(table([row], list(row)), flush=True)
    return row, answers


def report_body(rng: random.Random) -> dict[str, Any]:
    residents = rng.randint(20, 300)
    body: dict[str, Any] = {
        "residents": residents, "staff_on_site": max(3, residents // 4), "in_isolation": 0,
        "tested": 0, "ppe_days": rng.randint(10, 60),
    }  # fmt: skip
    if rng.random() < 0.9:
        return {"is_zero": True, **body, "positive": 0}
    fever = rng.randint(1, 3) if rng.random() < 0.5 else 0
    return {"is_zero": False, **body, "admissions": rng.randint(0, 1),
            "visitors": rng.randint(0, 8), "fever": fever, "respiratory": rng.randint(0, 2),
            "suspected": 0, "confirmed": 0, "close_contacts": 0, "positive": 0,
            "notes": "发热老人已单间隔离观察" if fever else ""}  # fmt: skip


def burst_jobs(port: int, ops: list[tuple[int, str, str]], day: str, concurrency: int,
               rng: random.Random) -> tuple[list[Job], int]:  # fmt: skip
    originals = []
    for _pk, code, token in ops:
        body = json.dumps(report_body(rng), ensure_ascii=False).encode()
        key = str(uuid.UUID(int=rng.getrandbits(128)))
        head = (f"PUT /api/v1/institutions/{code}/daily-reports/{day} HTTP/1.1\r\n"
                f"Host: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
                f"Content-Type: application/json\r\nIdempotency-Key: {key}\r\n"
                f"Content-Length: {len(body)}\r\n\r\n")  # fmt: skip
        originals.append(Job(head.encode() + body, key))
    rng.shuffle(originals)
    jobs: list[Job] = list(originals)
    retried = rng.sample(range(len(originals)), round(len(originals) * REPLAY_SHARE))
    # Insert from the back so earlier positions stay valid.
    for index in sorted(retried, reverse=True):
        jobs.insert(min(len(jobs), index + 1 + rng.randint(concurrency, 3 * concurrency)),
                    originals[index])  # fmt: skip
    return jobs, len(retried)


def parsed(body: bytes) -> Any:
    try:
        return json.loads(body or b"null")
    except ValueError:
        return body


def check_replays(jobs: list[Job], answers: list[Answer]) -> dict[str, int]:
    by_key: dict[str, list[Answer]] = {}
    for job, answer in zip(jobs, answers, strict=False):
        by_key.setdefault(job.key, []).append(answer)
    pairs = mismatched = not_one_original = 0
    for pair in by_key.values():
        if len(pair) < 2:
            continue
        pairs += 1
        first, second = pair
        same = first.status == second.status and parsed(first.body) == parsed(second.body)
        mismatched += not same
        not_one_original += (first.replayed + second.replayed) != 1
    return {"retried_keys": pairs, "replay_mismatches": mismatched,
            "replay_not_exactly_one_original": not_one_original}  # fmt: skip


def dataset_size() -> int:
    from fangkong.institutions.models import Institution

    return Institution.objects.count()


def check_database(ops: list[tuple[int, str, str]], day: Any) -> dict[str, int]:
    from django.db.models import Count

    from fangkong.audit.models import AuditEvent
    from fangkong.reporting.models import DailyReport, IdempotencyRecord, ReportRevision

    ids = [pk for pk, _, _ in ops]
    reports = DailyReport.objects.filter(day=day, institution_id__in=ids)
    per_institution = reports.values("institution_id").annotate(n=Count("pk"))
    report_ids = [str(pk) for pk in reports.values_list("pk", flat=True)]
    return {
        "reports_today": reports.count(),
        "institutions_with_one_report": sum(1 for r in per_institution if r["n"] == 1),
        "institutions_without_report": len(ids) - per_institution.count(),
        "revisions_today": ReportRevision.objects.filter(report__in=reports).count(),
        "audit_events_today": AuditEvent.objects.filter(
            target_type="reporting.dailyreport", target_id__in=report_ids
        ).count(),
        "idempotency_records": IdempotencyRecord.objects.count(),
    }


def one_report_each(database: dict[str, int], institutions: int) -> bool:
    """One report, revision, audit event and idempotency record per institution, no more."""
    return database["institutions_with_one_report"] == institutions and all(
        database[name] == institutions
        for name in ("reports_today", "revisions_today", "audit_events_today",
                     "idempotency_records")
    )  # fmt: skip


# What may differ between the two phases' rows: ids, times, keys, and the API's warnings.
UNCOMPARED = {"submitted_at", "revised_at", "warnings"}


def written_rows(ops: list[tuple[int, str, str]], day: Any) -> dict[int, Any]:
    """What was written for each institution today, without ids and times, to compare phases."""
    from fangkong.audit.models import AuditEvent
    from fangkong.reporting.models import DailyReport, IdempotencyRecord, ReportRevision

    ids = [pk for pk, _, _ in ops]
    reports = {r.pk: r for r in DailyReport.objects.filter(day=day, institution_id__in=ids)}
    rows: dict[int, Any] = {pk: {"report": [], "revisions": [], "events": [], "records": []}
                            for pk in ids}  # fmt: skip
    for report in reports.values():
        rows[report.institution_id]["report"].append(
            (report.regime_id, report.status, report.revision, report.current_id is not None)
        )
    revision_fields = ["number", "is_zero", "notes", "reason", "on_behalf", "author_id"]
    for revision in ReportRevision.objects.filter(report_id__in=list(reports)):
        rows[reports[revision.report_id].institution_id]["revisions"].append(
            tuple(getattr(revision, f) for f in revision_fields)
            + tuple(revision.figures().values())
        )
    events = AuditEvent.objects.filter(
        target_type="reporting.dailyreport", target_id__in=[str(pk) for pk in reports]
    )
    for event in events:
        rows[reports[int(event.target_id)].institution_id]["events"].append((
            event.actor_id, event.actor_name, event.action, event.target_repr,
            json.dumps(event.before, sort_keys=True), json.dumps(event.after, sort_keys=True),
            event.ip, event.region_path, event.institution_id,
        ))  # fmt: skip
    by_user = {f"op-{code}": pk for pk, code, _ in ops}
    etags = {r.institution_id: r.etag for r in reports.values()}
    for record in IdempotencyRecord.objects.select_related("user"):
        institution = by_user.get(record.user.username)
        if institution is None:
            continue
        body = {k: v for k, v in record.body.items() if k not in UNCOMPARED}
        rows[institution]["records"].append((
            record.status_code, json.dumps(body, sort_keys=True),
            record.etag == etags.get(institution),
        ))  # fmt: skip
    return rows


def rows_alike(first: dict[int, Any], second: dict[int, Any]) -> int:
    """How many institutions got the same rows in both phases."""
    return sum(1 for pk, rows in first.items() if rows == second.get(pk))


def outcome(jobs: list[Job], answers: list[Answer], ops: list[tuple[int, str, str]],
            day: Any) -> dict[str, Any]:  # fmt: skip
    """What a write phase left: answers by status, replays, the database's rows."""
    statuses: dict[str, int] = {}
    for answer in answers:
        statuses[str(answer.status)] = statuses.get(str(answer.status), 0) + 1
    failures = [a.body[:300].decode("utf-8", "replace") for a in answers
                if not 200 <= a.status < 300][:5]  # fmt: skip
    return {"statuses": statuses, "replays": check_replays(jobs, answers),
            "database": check_database(ops, day), "failures": failures}  # fmt: skip


def replay_faults(result: dict[str, Any]) -> int:
    replays = result["replays"]
    return int(replays["replay_mismatches"] + replays["replay_not_exactly_one_original"])


def run(*, url: str, concurrency: int = 32, workers: int = 5, threads: int = 1,
        settings: str = "bench.server_settings", healthz_requests: int = 20_000,
        limit: int = 0) -> dict[str, Any]:  # fmt: skip
    (WORKDIR / "static").mkdir(parents=True, exist_ok=True)
    today = datetime.datetime.now(SHANGHAI).date()
    mark = time.perf_counter()
    removed = clear_today(today)
    ops = operators(limit)
    setup_s = round(time.perf_counter() - mark, 1)
    print(f"burst: {len(ops):,} institutions submit for {today}, through the reference (R) and "
          f"the API (B); set-up {setup_s} s (tokens via token_create; {removed} reports of an "
          f"earlier run removed)", flush=True)  # fmt: skip
    rng = random.Random(2022)  # noqa: S311 - reproducible synthetic load
    server = start_server(url, settings, workers, threads)
    config = {"settings": settings, "workers": workers, "threads": threads,
              "worker_class": "gthread" if threads > 1 else "sync",
              "concurrency": concurrency}  # fmt: skip
    print(f"gunicorn on 127.0.0.1:{server.port}: {config}", flush=True)
    try:
        healthz = Job(f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n\r\n".encode())
        warm_up(server, ops, healthz, concurrency, today.isoformat(), workers)
        between_phases(today)
        row_a, _ = phase("A /healthz", server, [healthz] * healthz_requests, concurrency)
        hwm_a = server.hwm_kb()
        jobs, retried = burst_jobs(server.port, ops, today.isoformat(), concurrency, rng)
        reference = [Job(j.request.replace(API_PATH, REFERENCE_PATH, 1), j.key) for j in jobs]
        row_r, answers = phase("R reference PUT", server, reference, concurrency)
        result_r = outcome(reference, answers, ops, today)
        rows_r = written_rows(ops, today)
        print(f"R: statuses {result_r['statuses']}; database {result_r['database']}", flush=True)
        between_phases(today)
        row_b, answers = phase("B burst PUT", server, jobs, concurrency)
        hwm = server.hwm_kb()
    finally:
        stop_server(server)
    result_b = outcome(jobs, answers, ops, today)
    alike = rows_alike(rows_r, written_rows(ops, today))
    log_errors = sum(1 for line in server.log.read_text(errors="replace").splitlines()
                     if "Traceback" in line or "[ERROR]" in line)  # fmt: skip
    ratio = round(row_b["req_per_s"] / row_r["req_per_s"], 3)
    ratio_healthz = round(row_b["req_per_s"] / row_a["req_per_s"], 3)
    cpu_r, cpu_b = row_r["cpu_ms_per_req"], row_b["cpu_ms_per_req"]
    cpu_ratio = round(cpu_r / cpu_b, 3) if cpu_r and cpu_b else None
    peak_worker_mb = round(max(hwm.values()) / 1024, 1)
    errors = row_a["errors"] + row_r["errors"] + row_b["errors"]
    faults = replay_faults(result_r) + replay_faults(result_b)
    one_r = result_r["database"]["institutions_with_one_report"]
    one_b = result_b["database"]["institutions_with_one_report"]
    summary = [
        {"metric": "PUTs/s ÷ reference writes/s (≥ 0.5)", "value": ratio, "met": ratio >= 0.5},
        {"metric": "burst p99 ms (≤ 250)", "value": row_b["p99_ms"],
         "met": row_b["p99_ms"] <= 250},
        {"metric": "reference p99 ms", "value": row_r["p99_ms"], "met": ""},
        {"metric": "errors (0)", "value": errors, "met": errors == 0},
        {"metric": "replay mismatches, R + B (0)", "value": faults, "met": faults == 0},
        {"metric": "exactly one report each, R / B", "value": f"{one_r}/{len(ops)} / {one_b}",
         "met": one_report_each(result_r["database"], len(ops))
         and one_report_each(result_b["database"], len(ops))},
        {"metric": "same rows written by R and B", "value": f"{alike}/{len(ops)}",
         "met": alike == len(ops)},
        {"metric": "CPU ms per write, worker + its database backend: R / B",
         "value": f"{cpu_r} / {cpu_b}", "met": ""},
        {"metric": "R's CPU per write ÷ B's (the ratio on an idle machine, about)",
         "value": cpu_ratio, "met": ""},
        {"metric": "PUTs/s ÷ /healthz req/s (continuity)", "value": ratio_healthz, "met": ""},
        {"metric": "peak RSS of one worker MB (after A / after B)",
         "value": f"{round(max(hwm_a.values()) / 1024, 1)} / {peak_worker_mb}", "met": ""},
        {"metric": "server log errors", "value": log_errors, "met": log_errors == 0},
    ]  # fmt: skip
    print(table([row_a, row_r, row_b], list(row_a)))
    print(table(summary, ["metric", "value", "met"]))
    print(f"B: statuses {result_b['statuses']}; retried keys {retried}; "
          f"database {result_b['database']}")  # fmt: skip
    for failure in result_r["failures"] + result_b["failures"]:
        print("  failure:", failure)
    return {
        "benchmark": "burst",
        "scale": "nation" if dataset_size() > 10_000 else "province",
        "institutions": len(ops),
        "day": today.isoformat(),
        "setup_s": setup_s,
        "server": config,
        "phases": [row_a, row_r, row_b],
        "ratio_to_reference": ratio,
        "ratio_to_healthz": ratio_healthz,
        "cpu_ratio": cpu_ratio,
        "retried_keys": retried,
        "reference": result_r,
        "burst": result_b,
        "rows_alike": alike,
        "worker_peak_rss_mb": {str(pid): round(kb / 1024, 1) for pid, kb in hwm.items()},
        "worker_peak_rss_sampled_mb": {
            str(pid): round(kb / 1024, 1) for pid, kb in server.peak_rss_kb.items()
        },
        "peak_worker_rss_mb": peak_worker_mb,
        "summary": summary,
        "server_log_errors": log_errors,
    }
