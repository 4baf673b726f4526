"""EARS C1, C2 and C3 aberration detection on a daily count series.

CDC's Early Aberration Reporting System (EARS) compares each day's count with
the mean and standard deviation of a short moving baseline (Hutwagner et al.
2003; Fricker, Hegler & Dunfee 2008, "Comparing syndromic surveillance
detection methods: EARS' versus a CUSUM-based methodology", Stat. Med.
27:3407-3429).  The definitions below follow the documentation and source of
`earsC` in the R package `surveillance` (man/earsC.Rd and R/earsC.R, authors
M. Salmon and H. Burkom), which cites Fricker et al. 2008.  For day ``t`` with
count ``x_t``:

* **C1** (C1-MILD): baseline ``x_{t-7} .. x_{t-1}`` (the 7 days just before),
  ``C1_t = (x_t - mean) / sd``; signals when ``C1_t > 3``.
* **C2** (C2-MEDIUM): baseline ``x_{t-9} .. x_{t-3}`` (7 days behind a 2-day
  guard band, so the first two days of an outbreak do not inflate their own
  baseline), ``C2_t = (x_t - mean) / sd``; signals when ``C2_t > 3``.
* **C3** (C3-HIGH): ``C3_t = sum_{i=0}^{2} max(0, C2_{t-i} - 1)``, which
  accumulates moderate excesses over three consecutive days; signals when
  ``C3_t > 2``.

``mean`` is the baseline mean and ``sd`` the *sample* standard deviation
(divisor ``n - 1 = 6``).  A signal requires the statistic to be strictly
greater than the threshold (``surveillance`` raises an alarm when
``observed > upperbound``, i.e. ``C > z``).  The default thresholds 3 and 2
are the CDC values; ``surveillance`` expresses them as ``alpha = 0.001``
(``z = 3.09``) for C1/C2 and ``alpha = 0.025`` (``z = 1.96``) for C3.

History needed: C1 from the 8th day (index 7), C2 from the 10th (index 9) and
C3 from the 12th (index 11), as in ``surveillance`` (``baseline + 1``,
``baseline + 3``, ``baseline + 5``).  Earlier days get ``None`` and never
signal.

Zero standard deviation
-----------------------
With sparse counts (a small institution's daily fever cases are usually all
zero) the baseline ``sd`` is often 0 and the raw statistic is undefined.
Following ``surveillance``'s ``minSigma`` control parameter, the
standardising deviation is ``max(sd, min_sd)`` for C1 and C2 (and hence C3),
applied to every window, not only to windows with ``sd == 0``.  Its
documentation says: "If minSigma is higher than 0, for C1 and C2, the quantity
zAlpha * minSigma is then the alerting threshold if the baseline is zero.
Howard Burkom suggests using a value of 0.5 or 1 for sparse data."  We use
the more sensitive of Burkom's two values, ``min_sd = 0.5`` (``surveillance``
itself defaults to 0, which would divide by zero here), so that, with the
default thresholds:

* after an all-zero week, 1 case gives ``C1 = 1 / 0.5 = 2`` (no signal) and
  2 cases give ``C1 = 4`` (signal);
* a flat baseline followed by the same value gives ``C = 0`` (no signal);
* one case a day for three days after an all-zero baseline gives
  ``C2 = 2`` on each day and ``C3 = 3 * (2 - 1) = 3`` (signal).

``min_sd`` must be positive.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "BASELINE_DAYS",
    "C1_FIRST_INDEX",
    "C2_FIRST_INDEX",
    "C2_GUARD_DAYS",
    "C3_DAYS",
    "C3_FIRST_INDEX",
    "DEFAULT_MIN_SD",
    "EarsResult",
    "ears",
    "latest_signal",
]

BASELINE_DAYS = 7
"""Length of the moving baseline of C1 and C2."""

C2_GUARD_DAYS = 2
"""Days skipped between C2's baseline and the day assessed."""

C3_DAYS = 3
"""Number of consecutive C2 values summed by C3 (the day and the two before)."""

C3_OFFSET = 1.0
"""C3 adds only the part of each C2 above this value: ``max(0, C2 - 1)``."""

DEFAULT_MIN_SD = 0.5
"""Lower bound of the baseline standard deviation (``minSigma``, Burkom's 0.5)."""

C1_FIRST_INDEX = BASELINE_DAYS
C2_FIRST_INDEX = BASELINE_DAYS + C2_GUARD_DAYS
C3_FIRST_INDEX = C2_FIRST_INDEX + C3_DAYS - 1


@dataclass(frozen=True, slots=True)
class EarsResult:
    """The EARS statistics of one day; a statistic is ``None`` without enough history."""

    day_index: int
    value: int
    c1: float | None
    c2: float | None
    c3: float | None
    c1_signal: bool
    c2_signal: bool
    c3_signal: bool

    @property
    def signal(self) -> bool:
        """Whether any of C1, C2 or C3 signals on this day."""
        return self.c1_signal or self.c2_signal or self.c3_signal


def _standardised(value: int, baseline: Sequence[int], min_sd: float) -> float:
    """``(value - mean(baseline)) / max(sd(baseline), min_sd)``, sd with divisor n - 1.

    The numerator is computed from integers (``(n * value - sum) / n``) and
    `statistics.stdev` is exact on integers up to the final rounding, so the
    statistic depends only on the differences between counts: adding a
    constant to every count leaves it unchanged.
    """
    n = len(baseline)
    excess = (n * value - sum(baseline)) / n
    sd = max(statistics.stdev(baseline), min_sd)
    return excess / sd


def _exceeds(statistic: float | None, threshold: float) -> bool:
    return statistic is not None and statistic > threshold


def ears(
    counts: Sequence[int],
    *,
    c1_threshold: float = 3.0,
    c2_threshold: float = 3.0,
    c3_threshold: float = 2.0,
    min_sd: float = DEFAULT_MIN_SD,
) -> list[EarsResult]:
    """One result per day of `counts` (oldest first, one count per consecutive day).

    Days with too little history have ``None`` statistics and never signal.
    Raises `ValueError` for a negative count or a `min_sd` that is not a
    positive finite number.
    """
    if not (math.isfinite(min_sd) and min_sd > 0):
        raise ValueError(f"min_sd must be a positive finite number, not {min_sd!r}")
    for index, value in enumerate(counts):
        if value < 0:
            raise ValueError(f"counts must not be negative: counts[{index}] = {value}")

    c2_values: list[float | None] = []
    results: list[EarsResult] = []
    for t, value in enumerate(counts):
        c1: float | None = None
        if t >= C1_FIRST_INDEX:
            c1 = _standardised(value, counts[t - BASELINE_DAYS : t], min_sd)

        c2: float | None = None
        if t >= C2_FIRST_INDEX:
            end = t - C2_GUARD_DAYS
            c2 = _standardised(value, counts[end - BASELINE_DAYS : end], min_sd)
        c2_values.append(c2)

        c3: float | None = None
        if t >= C3_FIRST_INDEX:
            recent = c2_values[t - C3_DAYS + 1 : t + 1]
            c3 = sum(max(0.0, c - C3_OFFSET) for c in recent if c is not None)

        results.append(
            EarsResult(
                day_index=t,
                value=value,
                c1=c1,
                c2=c2,
                c3=c3,
                c1_signal=_exceeds(c1, c1_threshold),
                c2_signal=_exceeds(c2, c2_threshold),
                c3_signal=_exceeds(c3, c3_threshold),
            )
        )
    return results


def latest_signal(
    counts: Sequence[int],
    *,
    c1_threshold: float = 3.0,
    c2_threshold: float = 3.0,
    c3_threshold: float = 2.0,
    min_sd: float = DEFAULT_MIN_SD,
) -> EarsResult | None:
    """The result of the last day of `counts` if it signals, else ``None``."""
    results = ears(
        counts,
        c1_threshold=c1_threshold,
        c2_threshold=c2_threshold,
        c3_threshold=c3_threshold,
        min_sd=min_sd,
    )
    if results and results[-1].signal:
        return results[-1]
    return None
