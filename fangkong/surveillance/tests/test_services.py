"""`signals_update` on daily series built by hand, as any measure would hand them in."""

import datetime
import logging

import pytest
from django.db import transaction

from fangkong.surveillance import services
from fangkong.surveillance.ears import C3_FIRST_INDEX
from fangkong.surveillance.models import Aberration
from fangkong.surveillance.services import HISTORY_DAYS, signals_update, signals_update_safely

DAY = datetime.date(2022, 10, 25)
QUIET = [0] * (HISTORY_DAYS - 1)
JUMP = [*QUIET, 3]  # after four quiet weeks, 3 cases: C1 = C2 = 3 / 0.5 = 6, C3 = 6 - 1
USUAL = [1, 2, 1, 3, 2, 1, 2] * 4  # a busy institution's ordinary weeks


@pytest.fixture
def centre(world):
    return world.institutions["1529210001"]


def update(institution, **series):
    return signals_update(institution=institution, day=DAY, series=series)


def test_history_days_cover_the_longest_statistic():
    assert HISTORY_DAYS > C3_FIRST_INDEX


def test_an_aberrant_day_raises_a_signal_with_its_statistics(centre):
    [signal] = update(centre, fever=JUMP)
    assert (signal.institution, signal.day, signal.field, signal.value) == (centre, DAY, "fever", 3)
    assert signal.methods == "C1,C2,C3"
    assert (signal.c1, signal.c2, signal.c3) == pytest.approx((6.0, 6.0, 5.0))
    assert signal.withdrawn_at is None
    assert Aberration.objects.get() == signal


def test_an_ordinary_day_raises_nothing(centre):
    assert update(centre, fever=USUAL, respiratory=[*QUIET, 0]) == []
    assert not Aberration.objects.exists()


def test_each_aberrant_field_gets_its_own_signal(centre):
    raised = update(centre, fever=JUMP, respiratory=USUAL, visitors=JUMP)
    assert sorted(s.field for s in raised) == ["fever", "visitors"]


def test_too_short_a_series_raises_nothing(centre):
    assert update(centre, fever=[], respiratory=[0, 0, 0, 9]) == []
    assert not Aberration.objects.exists()


def test_updating_again_with_the_same_series_changes_nothing(centre):
    [first] = update(centre, fever=JUMP)
    [again] = update(centre, fever=JUMP)
    assert again.pk == first.pk
    assert (again.value, again.methods, again.detected_at) == (3, "C1,C2,C3", first.detected_at)
    assert Aberration.objects.count() == 1


def test_a_higher_figure_updates_the_signal_in_place(centre):
    [first] = update(centre, fever=JUMP)
    [again] = update(centre, fever=[*QUIET, 5])
    assert again.pk == first.pk
    assert (again.value, again.c1) == (5, pytest.approx(10.0))


def test_a_figure_taken_away_withdraws_the_signal_and_keeps_it(centre):
    update(centre, fever=JUMP)
    assert update(centre, fever=[*QUIET, 0]) == []
    signal = Aberration.objects.get()
    assert signal.withdrawn_at is not None
    withdrawn_at = signal.withdrawn_at
    update(centre, fever=[*QUIET, 0])
    assert Aberration.objects.get().withdrawn_at == withdrawn_at


def test_a_figure_that_returns_raises_the_withdrawn_signal_again(centre):
    [first] = update(centre, fever=JUMP)
    update(centre, fever=[*QUIET, 0])
    [again] = update(centre, fever=JUMP)
    assert again.pk == first.pk
    assert again.withdrawn_at is None


def test_fields_left_out_of_the_series_are_left_alone(centre):
    update(centre, fever=JUMP)
    assert update(centre, respiratory=[*QUIET, 0]) == []
    assert Aberration.objects.get(field="fever").withdrawn_at is None


def test_signals_are_kept_per_institution_and_day(world, centre):
    update(centre, fever=JUMP)
    signals_update(
        institution=centre, day=DAY - datetime.timedelta(days=1), series={"fever": QUIET}
    )
    other = world.institutions["1529230001"]
    assert signals_update(institution=other, day=DAY, series={"fever": QUIET}) == []
    assert Aberration.objects.get().institution == centre


def test_a_negative_count_is_refused(centre):
    with pytest.raises(ValueError, match="negative"):
        update(centre, fever=[*QUIET, -1])


def test_a_failure_is_logged_and_costs_the_caller_nothing(centre, monkeypatch, caplog):
    def insert_twice(institution, day, field, result, signal):
        # The second insert breaks the unique constraint: a real database error, which on
        # PostgreSQL aborts the transaction unless its savepoint is rolled back.
        for _ in range(2):
            Aberration.objects.create(
                institution=institution, day=day, field=field, value=1, methods="C1"
            )

    earlier = DAY - datetime.timedelta(days=1)
    with transaction.atomic():
        Aberration.objects.create(institution=centre, day=earlier, field="x", value=1, methods="C1")
        monkeypatch.setattr(services, "_raise", insert_twice)
        with caplog.at_level(logging.ERROR, logger="fangkong.surveillance.services"):
            raised = signals_update_safely(institution=centre, day=DAY, series={"fever": JUMP})
        assert raised == []
        assert list(Aberration.objects.values_list("day", flat=True)) == [earlier]
    assert Aberration.objects.filter(day=earlier).exists()
    assert "early-warning detection failed for 1529210001" in caplog.text


def test_safely_returns_the_raised_signals_when_nothing_fails(centre):
    [signal] = signals_update_safely(institution=centre, day=DAY, series={"fever": JUMP})
    assert signal.field == "fever"
