"""EARS C1/C2/C3 against statistics worked out by hand (see fangkong/surveillance/ears.py)."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fangkong.surveillance.ears import (
    C1_FIRST_INDEX,
    C2_FIRST_INDEX,
    C3_FIRST_INDEX,
    DEFAULT_MIN_SD,
    EarsResult,
    ears,
    latest_signal,
)

SQRT7 = math.sqrt(7)

# The baseline used throughout: B = [1, 2, 1, 3, 2, 1, 2].
#   sum = 12, mean = 12/7 ≈ 1.714286
#   deviations from the mean, in sevenths: -5, +2, -5, +9, +2, -5, +2
#   squares: 25 + 4 + 25 + 81 + 4 + 25 + 4 = 168, so SS = 168/49 = 24/7
#   sample variance = SS / (7 - 1) = 24/42 = 4/7 ≈ 0.571429
#   sd = sqrt(4/7) = 2/sqrt(7) ≈ 0.755929 (above min_sd = 0.5, so used as is)
#   hence (x - mean) / sd = (x - 12/7) * sqrt(7) / 2.
BASELINE = [1, 2, 1, 3, 2, 1, 2]


def approx(value: float):
    return pytest.approx(value, rel=1e-12, abs=1e-12)


def test_c1_by_hand():
    # x = 9 after B:  C1 = (9 - 12/7) * sqrt(7)/2 = (51/7) * sqrt(7)/2 = 51*sqrt(7)/14 ≈ 9.638094
    results = ears([*BASELINE, 9])
    last = results[-1]
    assert last.day_index == 7
    assert last.value == 9
    assert last.c1 == approx(51 * SQRT7 / 14)
    assert last.c1 == approx(9.638094061735293)
    assert last.c1_signal
    # Only 8 days: C2 needs 10 and C3 needs 12.
    assert last.c2 is None
    assert last.c3 is None
    assert not last.c2_signal
    assert not last.c3_signal
    assert last.signal


def test_c1_below_threshold():
    # x = 3 after B:  C1 = (3 - 12/7) * sqrt(7)/2 = (9/7) * sqrt(7)/2 = 9/(2*sqrt(7)) ≈ 1.700840 ≤ 3
    last = ears([*BASELINE, 3])[-1]
    assert last.c1 == approx(9 / (2 * SQRT7))
    assert not last.c1_signal
    assert not last.signal


def test_c2_guard_band_differs_from_c1():
    # A rise over three days: B, then 6, 7, 8 (indices 7, 8, 9).  Day 9 (x = 8):
    #
    # C2 baseline = indices 0..6 = B (the 2-day guard band skips the 6 and the 7):
    #   C2 = (8 - 12/7) * sqrt(7)/2 = (44/7) * sqrt(7)/2 = 22/sqrt(7) ≈ 8.315218 > 3: signal.
    #
    # C1 baseline = indices 2..8 = [1, 3, 2, 1, 2, 6, 7], contaminated by the rise:
    #   sum = 22, mean = 22/7 ≈ 3.142857
    #   deviations in sevenths: -15, -1, -8, -15, -8, +20, +27
    #   squares: 225 + 1 + 64 + 225 + 64 + 400 + 729 = 1708, SS = 1708/49 = 244/7
    #   variance = (244/7) / 6 = 122/21 ≈ 5.809524, sd ≈ 2.410295
    #   C1 = (8 - 22/7) / sqrt(122/21) = (34/7) / 2.410295 ≈ 2.015165 ≤ 3: no signal.
    last = ears([*BASELINE, 6, 7, 8])[-1]
    assert last.day_index == C2_FIRST_INDEX == 9
    assert last.c2 == approx(22 / SQRT7)
    assert last.c2 == approx(8.315218406203)
    assert last.c2_signal
    assert last.c1 == approx((34 / 7) / math.sqrt(122 / 21))
    assert last.c1 == approx(2.0151649882186793)
    assert not last.c1_signal
    assert last.c3 is None  # C3 starts at index 11


# For C3 the first nine days repeat B with period 7: [1, 2, 1, 3, 2, 1, 2, 1, 2].
# The C2 baselines of days 9, 10 and 11 are indices 0..6, 1..7 and 2..8, each of
# them a rotation of B (the multiset {1, 1, 1, 2, 2, 2, 3}), so all three have
# mean 12/7 and sd 2/sqrt(7), and C2 = (x - 12/7) * sqrt(7)/2 on each of those days.
PERIODIC = [*BASELINE, 1, 2]


def test_c3_accumulates_over_three_days():
    # x = 3, 3, 3 on days 9, 10, 11:
    #   each C2 = 9/(2*sqrt(7)) ≈ 1.700840 ≤ 3: C2 never signals;
    #   each contributes max(0, 1.700840 - 1) = 0.700840;
    #   C3 on day 11 = 3 * (9/(2*sqrt(7)) - 1) = 27/(2*sqrt(7)) - 3 ≈ 2.102520 > 2: signal.
    # C1 on day 11: baseline indices 4..10 = [2, 1, 2, 1, 2, 3, 3], mean 14/7 = 2,
    #   deviations 0, -1, 0, -1, 0, +1, +1, SS = 4, variance 4/6, sd ≈ 0.816497,
    #   C1 = (3 - 2) / sqrt(2/3) ≈ 1.224745: no signal.
    results = ears([*PERIODIC, 3, 3, 3])
    for day in (9, 10, 11):
        assert results[day].c2 == approx(9 / (2 * SQRT7))
        assert not results[day].c2_signal
    last = results[-1]
    assert last.day_index == C3_FIRST_INDEX == 11
    assert last.c3 == approx(27 / (2 * SQRT7) - 3)
    assert last.c3 == approx(2.102520385624567)
    assert last.c3_signal
    assert last.c1 == approx(1 / math.sqrt(2 / 3))
    assert not last.c1_signal
    assert last.signal
    # Day 10 has C2 on days 9 and 10 but not on day 8: no C3 yet.
    assert results[10].c3 is None
    assert not results[10].c3_signal


def test_c3_clips_negative_c2_at_zero():
    # x = 0, 3, 3 on days 9, 10, 11:
    #   C2 on day 9 = (0 - 12/7) * sqrt(7)/2 = -6/sqrt(7) ≈ -2.267787,
    #     contributing max(0, -2.267787 - 1) = 0 (not -3.267787);
    #   days 10 and 11 each contribute 9/(2*sqrt(7)) - 1 ≈ 0.700840;
    #   C3 = 9/sqrt(7) - 2 ≈ 1.401680 ≤ 2: no signal.
    results = ears([*PERIODIC, 0, 3, 3])
    assert results[9].c2 == approx(-6 / SQRT7)
    last = results[-1]
    assert last.c3 == approx(9 / SQRT7 - 2)
    assert last.c3 == approx(1.401680257083045)
    assert not last.c3_signal
    assert not last.signal


def test_c3_with_a_single_case_a_day_after_zeros():
    # Twelve days: nine zeros, then 1, 1, 1.  Each C2 baseline is all zeros, so
    # sd = 0 → min_sd = 0.5 and C2 = (1 - 0) / 0.5 = 2 on days 9, 10, 11 (≤ 3);
    # C3 = 3 * max(0, 2 - 1) = 3 > 2: signal.
    last = ears([0] * 9 + [1, 1, 1])[-1]
    assert last.c2 == approx(2.0)
    assert not last.c2_signal
    assert last.c3 == approx(3.0)
    assert last.c3_signal


def test_zero_sd_uses_min_sd():
    assert DEFAULT_MIN_SD == 0.5
    # All-zero week then 2 cases: mean 0, sd 0 → 0.5; C1 = (2 - 0) / 0.5 = 4 > 3: signal.
    jump = ears([0] * 7 + [2])[-1]
    assert jump.c1 == approx(4.0)
    assert jump.c1_signal
    # All-zero week then 1 case: C1 = 1 / 0.5 = 2 ≤ 3: no signal.
    single = ears([0] * 7 + [1])[-1]
    assert single.c1 == approx(2.0)
    assert not single.c1_signal
    # Flat baseline and the same value: C1 = (2 - 2) / 0.5 = 0, no signal.
    flat = ears([2] * 8)[-1]
    assert flat.c1 == 0.0
    assert not flat.c1_signal
    # All zeros for twelve days: every statistic that exists is 0 and nothing signals.
    zeros = ears([0] * 12)
    assert all(r.c1 in (None, 0.0) and r.c2 in (None, 0.0) for r in zeros)
    assert zeros[-1].c3 == 0.0
    assert not any(r.signal for r in zeros)


def test_min_sd_also_bounds_a_small_nonzero_sd():
    # Baseline [0, 0, 0, 0, 0, 0, 1]: mean 1/7, deviations in sevenths -1 (six times) and +6,
    #   SS = (6 + 36)/49 = 6/7, variance = (6/7)/6 = 1/7, sd = 1/sqrt(7) ≈ 0.377964 < 0.5 → 0.5.
    #   x = 2: C1 = (2 - 1/7) / 0.5 = 26/7 ≈ 3.714286 (the raw sd would give 13/sqrt(7) ≈ 4.91).
    last = ears([0, 0, 0, 0, 0, 0, 1, 2])[-1]
    assert last.c1 == approx(26 / 7)
    assert last.c1_signal


def test_min_sd_is_configurable_and_must_be_positive():
    # min_sd = 1 (Burkom's other suggestion): after an all-zero week 2 cases give C1 = 2,
    # 4 cases give C1 = 4.
    assert ears([0] * 7 + [2], min_sd=1.0)[-1].c1 == approx(2.0)
    assert not ears([0] * 7 + [2], min_sd=1.0)[-1].signal
    assert ears([0] * 7 + [4], min_sd=1.0)[-1].c1_signal
    for bad in (0.0, -1.0, math.nan, math.inf):
        with pytest.raises(ValueError, match="min_sd"):
            ears([0] * 8, min_sd=bad)


def test_thresholds_are_configurable_and_strict():
    # C1 = 4 exactly (see test_zero_sd_uses_min_sd): a threshold of 4 does not signal
    # (strictly greater is required), 3.99 does.
    counts = [0] * 7 + [2]
    assert not ears(counts, c1_threshold=4.0)[-1].c1_signal
    assert ears(counts, c1_threshold=3.99)[-1].c1_signal
    # C3 = 3 exactly (see test_c3_with_a_single_case_a_day_after_zeros).
    counts = [0] * 9 + [1, 1, 1]
    assert not ears(counts, c3_threshold=3.0)[-1].c3_signal
    assert ears(counts, c3_threshold=2.5)[-1].c3_signal
    # C2 = 2 on the last day: a threshold of 1.5 makes it signal.
    assert ears(counts, c2_threshold=1.5)[-1].c2_signal


def test_short_history_has_no_statistic_and_no_signal():
    assert ears([]) == []
    # Seven days, the last one huge: no C1 yet.
    results = ears([0, 0, 0, 0, 0, 0, 100])
    assert [r.day_index for r in results] == list(range(7))
    assert all(r.c1 is None and r.c2 is None and r.c3 is None for r in results)
    assert not any(r.signal for r in results)
    # Statistics start at indices 7 (C1), 9 (C2) and 11 (C3).
    results = ears([0] * 12)
    assert [r.c1 is None for r in results] == [i < C1_FIRST_INDEX for i in range(12)]
    assert [r.c2 is None for r in results] == [i < C2_FIRST_INDEX for i in range(12)]
    assert [r.c3 is None for r in results] == [i < C3_FIRST_INDEX for i in range(12)]


def test_negative_counts_are_rejected():
    with pytest.raises(ValueError, match=r"counts\[3\]"):
        ears([0, 0, 0, -1])


def test_latest_signal():
    assert latest_signal([]) is None
    assert latest_signal([0] * 7 + [1]) is None
    hit = latest_signal([*BASELINE, 9])
    assert isinstance(hit, EarsResult)
    assert hit.day_index == 7
    assert hit.c1_signal
    # A signal on an earlier day does not count: only the last day is reported.
    assert latest_signal([*BASELINE, 9, 2]) is None
    # Keyword arguments are passed on.
    assert latest_signal([0] * 7 + [2], min_sd=1.0) is None


def test_signal_property():
    base = {"day_index": 0, "value": 0, "c1": None, "c2": None, "c3": None}
    assert not EarsResult(**base, c1_signal=False, c2_signal=False, c3_signal=False).signal
    assert EarsResult(**base, c1_signal=False, c2_signal=False, c3_signal=True).signal


counts_strategy = st.lists(st.integers(min_value=0, max_value=60), max_size=30)


@settings(max_examples=200, deadline=None)
@given(counts=counts_strategy, shift=st.integers(min_value=1, max_value=1000))
def test_shift_invariance(counts, shift):
    # Mean and sd both move with the data (sd not at all), so adding a constant
    # to every count changes neither the statistics nor the signals.
    before = ears(counts)
    after = ears([c + shift for c in counts])
    assert len(before) == len(after) == len(counts)
    for b, a in zip(before, after, strict=True):
        for name in ("c1", "c2", "c3"):
            x, y = getattr(b, name), getattr(a, name)
            assert (x is None) == (y is None)
            if x is not None:
                assert y == pytest.approx(x, rel=1e-9, abs=1e-9)
        assert a.value == b.value + shift


@settings(max_examples=200, deadline=None)
@given(counts=counts_strategy)
def test_results_match_definitions(counts):
    results = ears(counts)
    assert [(r.day_index, r.value) for r in results] == list(enumerate(counts))
    for r in results:
        i = r.day_index
        # Availability depends only on the amount of history.
        assert (r.c1 is None) == (i < C1_FIRST_INDEX)
        assert (r.c2 is None) == (i < C2_FIRST_INDEX)
        assert (r.c3 is None) == (i < C3_FIRST_INDEX)
        # Signals are exactly "statistic > threshold".
        assert r.c1_signal == (r.c1 is not None and r.c1 > 3.0)
        assert r.c2_signal == (r.c2 is not None and r.c2 > 3.0)
        assert r.c3_signal == (r.c3 is not None and r.c3 > 2.0)
        if r.c3 is not None:
            terms = [results[j].c2 for j in (i - 2, i - 1, i)]
            assert r.c3 >= 0.0
            assert r.c3 == pytest.approx(sum(max(0.0, c - 1.0) for c in terms if c is not None))
        # With a baseline shorter than seven days nothing can signal.
        if i < C1_FIRST_INDEX:
            assert not r.signal
