"""The spot-check draw: reproducible from its seed, weighted as documented, kept and audited."""

import datetime
from collections import Counter

import pytest
from django.core.exceptions import ValidationError

from fangkong.audit.models import AuditEvent
from fangkong.conftest import make_institution
from fangkong.core.exceptions import Forbidden
from fangkong.inspections.models import SpotCheckDraw
from fangkong.inspections.services import draw_weights, spot_check_draw, weighted_sample
from fangkong.inspections.tests.conftest import BEIJING, record_by_system

TODAY = datetime.date(2021, 10, 29)


@pytest.fixture
def banner(world):
    """阿拉善右旗 with ten institutions: 1529220001 … 1529220010, none inspected."""
    for n in range(2, 11):
        make_institution(f"15292200{n:02d}", "152922", f"右旗第{n}敬老院")
    return world.regions["152922"]


def _draw(world, region, seed, count=3, persona="league"):
    return spot_check_draw(actor=world.users[persona], region=region, count=count,
                           method="video", seed=seed, day=TODAY)  # fmt: skip


def test_the_same_seed_over_the_same_data_draws_the_same_institutions(world, banner):
    first = _draw(world, banner, 20211029)
    again = _draw(world, banner, 20211029)
    assert first.result == again.result
    assert len(set(first.result)) == 3


def test_other_seeds_draw_other_lists(world, banner):
    lists = {tuple(_draw(world, banner, seed).result) for seed in range(8)}
    assert len(lists) > 1


def test_a_draw_without_a_seed_records_the_seed_it_used(world, banner):
    draw = spot_check_draw(actor=world.users["league"], region=banner, count=2, method="phone",
                           day=TODAY)  # fmt: skip
    assert draw.seed >= 0
    assert _draw(world, banner, draw.seed, count=2).result == draw.result


def test_every_draw_is_kept_and_audited_with_its_seed_weights_and_result(world, banner):
    for seed in (1, 2, 3):
        _draw(world, banner, seed)
    assert SpotCheckDraw.objects.count() == 3
    draw = SpotCheckDraw.objects.get(seed=2)
    assert set(draw.weights) == {f"15292200{n:02d}" for n in range(1, 11)}
    event = AuditEvent.objects.get(action="inspection.draw", target_id=str(draw.pk))
    assert event.after["institutions"] == draw.result
    assert event.after["seed"] == 2


def test_a_count_above_the_regions_institutions_is_refused_and_nothing_kept(world, banner):
    with pytest.raises(ValidationError) as caught:
        _draw(world, banner, 1, count=11)
    assert caught.value.error_dict["count"][0].code == "count_out_of_range"
    assert not SpotCheckDraw.objects.exists()


def test_a_count_below_one_is_refused(world, banner):
    with pytest.raises(ValidationError):
        _draw(world, banner, 1, count=0)
    assert not SpotCheckDraw.objects.exists()


def test_an_operator_cannot_draw(world, banner):
    with pytest.raises(Forbidden):
        _draw(world, world.regions["152921"], 1, count=1, persona="operator")


def test_never_inspected_weighs_four_and_inspected_today_one(world, banner):
    record_by_system("1529220002", done_at=datetime.datetime(2021, 10, 29, 9, tzinfo=BEIJING))
    weights = draw_weights(banner, TODAY)
    assert weights["1529220001"] == 4.0
    assert weights["1529220002"] == 1.0


def test_open_and_overdue_rectifications_add_weight(world, banner):
    inspected = datetime.datetime(2021, 10, 29, 9, tzinfo=BEIJING)
    record_by_system("1529220003", 22, done_at=inspected)  # one open, due in a day
    long_ago = datetime.datetime(2021, 10, 20, 9, tzinfo=BEIJING)
    record_by_system("1529220004", 4, done_at=long_ago)  # one overdue since the 21st
    weights = draw_weights(banner, TODAY)
    assert weights["1529220003"] == 2.0  # 1 + no staleness + 1 open
    assert weights["1529220004"] == pytest.approx(1 + 3 * 9 / 90 + 1 + 2)


def test_over_many_seeds_each_is_drawn_in_proportion_to_its_weight():
    # 4000 single draws: the standard error of a share is at most 0.8 points, so each share
    # lies within 3 points of its weight's share (more than 3.5 standard errors).
    weights = {"a": 1.0, "b": 2.0, "c": 4.0, "d": 1.0, "e": 8.0}
    runs = 4000
    drawn = Counter(weighted_sample(weights, 1, seed)[0] for seed in range(runs))
    total = sum(weights.values())
    for code, weight in weights.items():
        assert drawn[code] / runs == pytest.approx(weight / total, abs=0.03)


def inclusion(weights: dict[str, float], code: str) -> float:
    """The chance that `code` is among two drawn without replacement in proportion to weight."""
    total = sum(weights.values())
    first = weights[code] / total
    second = sum(w / total * weights[code] / (total - w) for c, w in weights.items() if c != code)
    return first + second


def test_over_many_seeds_the_overdue_and_the_unvisited_are_drawn_more_often(world, banner):
    inspected = datetime.datetime(2021, 10, 29, 9, tzinfo=BEIJING)
    for n in range(2, 10):  # all but 01 (never inspected) and 10 (overdue) inspected today
        record_by_system(f"15292200{n:02d}", done_at=inspected)
    record_by_system("1529220010", 4, done_at=datetime.datetime(2021, 10, 10, 9, tzinfo=BEIJING))
    weights = draw_weights(banner, TODAY)
    runs = 3000
    drawn = Counter(code for seed in range(runs) for code in weighted_sample(weights, 2, seed))
    share = {code: drawn[code] / runs for code in weights}
    # Each share within 3 points of its exact chance (the standard error is at most 0.9).
    for code in weights:
        assert share[code] == pytest.approx(inclusion(weights, code), abs=0.03)
    # The overdue one (about 4.6) and the unvisited one (4) against 1 for the other eight.
    recent = [share[f"15292200{n:02d}"] for n in range(2, 10)]
    assert share["1529220010"] > share["1529220001"] > 2 * max(recent)
