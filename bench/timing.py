import statistics
import time
from collections.abc import Callable
from typing import Any


def measure(fn: Callable[[], Any], *, repeat: int = 50, warmup: int = 3) -> dict[str, float]:
    """Time `fn` `repeat` times after a warm-up; return p50, p95 and max in milliseconds."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {
        "p50_ms": round(statistics.median(samples), 3),
        "p95_ms": round(samples[int(len(samples) * 0.95) - 1], 3),
        "max_ms": round(samples[-1], 3),
    }


def table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    widths = [max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in columns]
    line = "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))
    body = [
        "  ".join(str(r.get(c, "")).ljust(w) for c, w in zip(columns, widths, strict=True))
        for r in rows
    ]
    return "\n".join([line, "  ".join("-" * w for w in widths), *body])
