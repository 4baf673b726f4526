"""`make bench`: run the benchmarks the issues name, print a table, write JSON under results/.

python -m bench                # every benchmark, on a fresh SQLite file
python -m bench subtree        # one of them
FANGKONG_BENCH_DATABASE_URL=postgres://… python -m bench   # on PostgreSQL
"""

import argparse
import json
import os
import platform
import sys
import tempfile
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def setup_django(workdir: str) -> str:
    url = os.environ.get("FANGKONG_BENCH_DATABASE_URL") or f"sqlite:///{workdir}/bench.sqlite3"
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    os.environ["FANGKONG_VAR_DIR"] = workdir
    import django

    django.setup()
    from django.core.management import call_command

    call_command("flush", interactive=False, verbosity=0) if "postgres" in url else None
    call_command("migrate", verbosity=0)
    return url.split(":", 1)[0]


def main() -> int:
    from bench import subtree

    benchmarks = {"subtree": subtree.run}
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("names", nargs="*", choices=[[], *benchmarks], default=[])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        engine = setup_django(workdir)
        for name in args.names or list(benchmarks):
            result = benchmarks[name]()
            result.update(engine=engine, python=platform.python_version())
            RESULTS.mkdir(exist_ok=True)
            out = RESULTS / f"{name}-{engine}.json"
            out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
            print(f"\nwritten {out.relative_to(RESULTS.parent.parent)}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sys.exit(main())
