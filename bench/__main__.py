"""`make bench`: run the benchmarks the issues name, print a table, write JSON under results/.

    python -m bench                       # subtree, generate, completeness, burst (SQLite)
    python -m bench generate --scale province --days 365
    python -m bench completeness          # on the dataset `generate` left in the database
    python -m bench burst --concurrency 32
    python -m bench entry_check           # 41,000 institutions under closure, the entry check
    python -m bench liaison               # a year of liaison assignments, one day's coverage
    python -m bench inspections           # a year of inspections: a draw, a week's summary
    python -m bench lab                   # (only when named) a nation's testing campaign's coverage
    python -m bench people_import         # a 100,000-row .xlsx of residents (PostgreSQL)
    python -m bench people_search         # 2 million persons in a province: search by initials
    python -m bench screening             # (only when named) 50 million visits, the candidates
    FANGKONG_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_nation python -m bench

The database is `FANGKONG_BENCH_DATABASE_URL` (PostgreSQL: use a database named `bench_…`, it is
emptied) or else the SQLite file `var/bench/bench.sqlite3`, kept between runs so that
`completeness` and `burst` can run on what `generate` built. `subtree` and `generate` start from
an empty database; `completeness` and `burst` need a generated one. The scale defaults to
`province` on SQLite and `nation` on PostgreSQL. See bench/README.md.
"""

import argparse
import json
import os
import platform
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
WORKDIR = ROOT / "var" / "bench"
FRESH = {"subtree", "generate", "entry_check", "people_import"}
NAMES = ["subtree", "generate", "completeness", "burst", "liaison", "entry_check", "inspections"]
EXTRA = [  # run only when named
    "profile", "page_weight", "lab", "people_import", "people_search", "screening",
]  # fmt: skip


def database_url() -> str:
    return os.environ.get("FANGKONG_BENCH_DATABASE_URL") or f"sqlite:///{WORKDIR}/bench.sqlite3"


def setup_django(url: str, *, fresh: bool) -> str:
    engine = url.split(":", 1)[0]
    if engine.startswith("postgres"):
        name = url.rsplit("/", 1)[-1].split("?", 1)[0]
        if not name.startswith("bench"):
            raise SystemExit(f"refusing to empty database {name!r}: name it bench_…")
        engine = "postgres"
    elif fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{WORKDIR}/bench.sqlite3{suffix}").unlink(missing_ok=True)
    WORKDIR.mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    os.environ["FANGKONG_VAR_DIR"] = str(WORKDIR)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return engine


def flush() -> None:
    from django.core.management import call_command

    call_command("flush", interactive=False, verbosity=0)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="*", choices=[[], *NAMES, *EXTRA], default=[])
    parser.add_argument("--scale", choices=["province", "nation"], help="generate's scale")
    parser.add_argument("--days", type=int, default=365, help="generate: days of reports")
    parser.add_argument("--repeat", type=int, default=60, help="completeness: timed runs")
    parser.add_argument("--concurrency", type=int, default=32, help="burst: open connections")
    parser.add_argument("--workers", type=int, default=5, help="burst: gunicorn workers")
    parser.add_argument("--threads", type=int, default=1, help="burst: threads per worker")
    parser.add_argument("--settings", default="bench.server_settings",
                        help="burst: the server's DJANGO_SETTINGS_MODULE (production's, with "
                             "ROOT_URLCONF = 'bench.urls' for the reference route)")  # fmt: skip
    parser.add_argument("--healthz", type=int, default=20_000, help="burst: /healthz requests")
    parser.add_argument("--limit", type=int, default=0,
                        help="burst: submit for only this many institutions (0: all)")  # fmt: skip
    parser.add_argument("--production", action="store_true",
                        help="page_weight: collectstatic + gunicorn")  # fmt: skip
    parser.add_argument("--rows", type=int, default=100_000, help="people_import: rows")
    parser.add_argument("--pairs", type=int, default=5,
                        help="people_import: interleaved write and COPY pairs")  # fmt: skip
    parser.add_argument("--persons", type=int, default=2_000_000,
                        help="people_search: persons in the province")  # fmt: skip
    parser.add_argument("--visits", type=int, default=0,
                        help="screening: visits (default 50 million on PostgreSQL)")  # fmt: skip
    parser.add_argument("--tag", default="", help="suffix for the result file name")
    args = parser.parse_args()
    names = args.names or NAMES
    if names == ["page_weight"]:  # its own server and demo database (var/bench/page_weight)
        from bench import page_weight

        return page_weight.main(production=args.production)
    url = database_url()
    engine = setup_django(url, fresh=names[0] in FRESH)
    scale = args.scale or ("nation" if engine == "postgres" else "province")

    from bench import (
        burst,
        completeness,
        entry_check,
        generate,
        inspections,
        lab,
        liaison,
        people_import,
        people_search,
        profile,
        screening,
        subtree,
    )

    benchmarks: dict[str, Callable[[], dict[str, Any]]] = {
        "subtree": subtree.run,
        "generate": lambda: generate.run(scale, args.days),
        "completeness": lambda: completeness.run(repeat=args.repeat),
        "burst": lambda: burst.run(
            url=url, concurrency=args.concurrency, workers=args.workers, threads=args.threads,
            settings=args.settings, healthz_requests=args.healthz, limit=args.limit,
        ),
        "profile": lambda: profile.run(limit=args.limit or 300),
        "entry_check": entry_check.run,
        "liaison": lambda: liaison.run(scale, repeat=args.repeat),
        "inspections": lambda: inspections.run(scale, repeat=args.repeat),
        "lab": lambda: lab.run(scale, repeat=args.repeat),
        "people_import": lambda: people_import.run(rows=args.rows, pairs=args.pairs),
        "people_search": lambda: people_search.run(args.persons, repeat=args.repeat),
        "screening": lambda: screening.run(
            visits=args.visits or 50_000_000,
            repeat=args.repeat,
        ),
    }  # fmt: skip
    for index, name in enumerate(names):
        if name in FRESH and (index > 0 or engine == "postgres"):
            flush()
        print(f"\n== {name} ({engine}) ==", flush=True)
        result = benchmarks[name]()
        result.update(engine=engine, python=platform.python_version(), cpus=os.cpu_count())
        RESULTS.mkdir(exist_ok=True)
        label = name if name == "subtree" else f"{name}-{result.get('scale', scale)}"
        out = RESULTS / f"{label}-{engine}{'-' + args.tag if args.tag else ''}.json"
        out.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str) + "\n")
        print(f"\nwritten {out.relative_to(ROOT)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
