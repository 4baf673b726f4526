"""The testing pages read a fixed number of queries, however many rounds, persons and results
they list (no query per row): each is counted with one row, then must not need more with 20."""

import pytest

from fangkong.conftest import make_institution
from fangkong.lab.tests.conftest import START, post, put
from fangkong.tests.queries import no_more_with_twenty

HOME = "1529210001"
AT = "2021-10-20T10:20:00+08:00"


def open_round(world, name: str = "第一轮", code: str = HOME) -> int:
    body = {"institution_code": code, "name": name, "started_at": START, "method": "antigen"}
    answer = post(world.api("zuoqi"), "/api/v1/lab-rounds", body).json()
    return int(answer["rounds"][0]["id"])


def record(world, round_id: int, person, result: str = "positive", **body) -> None:
    url = f"/api/v1/lab-rounds/{round_id}/results/{person.pk}"
    answer = put(world.api("zuoqi"), url, {"sampled_at": AT, "result": result, **body})
    assert answer.status_code in (200, 201), answer.content


@pytest.fixture
def tested_round(world, people):
    """A round of the home whose persons (one, then more, all tested positive) are added."""
    round_id = open_round(world)

    def add(n: int) -> None:
        for _ in range(n):
            person = people.stay("甲", HOME, "2021-10-01T09:00:00+08:00")
            record(world, round_id, person, reason="补测")  # expected at the start: added here

    add(1)
    return round_id, add


def test_the_round_page_reads_no_query_per_person(
    world, tested_round, people, django_assert_max_num_queries
):
    round_id, add = tested_round

    def add_with_late_arrivals(n: int) -> None:
        add(n)
        for _ in range(n):  # listed apart as arrived after the start
            people.stay("晚", HOME, "2021-10-20T09:00:00+08:00")

    no_more_with_twenty(world.client("operator"), f"/lab/rounds/{round_id}/",
                        add_with_late_arrivals, django_assert_max_num_queries)  # fmt: skip


def test_the_grid_reads_no_query_per_person(world, tested_round, django_assert_max_num_queries):
    round_id, add = tested_round
    no_more_with_twenty(world.client("operator"), f"/lab/rounds/{round_id}/grid/", add,
                        django_assert_max_num_queries)  # fmt: skip


def test_the_region_page_reads_no_query_per_positive(
    world, tested_round, django_assert_max_num_queries
):
    _round_id, add = tested_round
    no_more_with_twenty(world.client("league"), "/lab/regions/152900/?name=第一轮", add,
                        django_assert_max_num_queries)  # fmt: skip


def test_the_region_page_reads_no_query_per_institution(world, django_assert_max_num_queries):
    open_round(world)
    made = iter(range(10, 100))

    def add(n: int) -> None:
        for _ in range(n):
            code = f"15292100{next(made)}"
            make_institution(code, "152921", f"敬老院{code}")
            open_round(world, code=code)

    no_more_with_twenty(world.client("league"), "/lab/regions/152900/?name=第一轮", add,
                        django_assert_max_num_queries)  # fmt: skip


def test_the_institution_page_reads_no_query_per_round(world, django_assert_max_num_queries):
    open_round(world, "第0轮")
    made = iter(range(1, 100))

    def add(n: int) -> None:
        for _ in range(n):
            open_round(world, f"第{next(made)}轮")

    no_more_with_twenty(world.client("operator"), f"/institutions/{HOME}/", add,
                        django_assert_max_num_queries)  # fmt: skip
