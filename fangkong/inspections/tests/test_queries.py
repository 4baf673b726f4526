"""The supervision pages read a fixed number of queries, however many inspections,
rectifications, plans and draws they list (no query per row): each is counted with one row,
then must not need more with 20."""

import datetime
from typing import Any

import pytest
from django.utils import timezone

from fangkong.core.scoping import SYSTEM
from fangkong.inspections.plans import plan_create
from fangkong.inspections.services import spot_check_draw
from fangkong.inspections.tests.conftest import DONE_AT, record_by_system
from fangkong.tests.queries import no_more_with_twenty as with_twenty
from fangkong.tests.queries import queries_of

HOME = "1529210001"


def no_more_with_twenty(client, url, add_rows, django_assert_max_num_queries) -> None:
    """The page reads as many queries with 20 rows as with one."""
    add_rows(1)
    with_twenty(client, url, add_rows, django_assert_max_num_queries)


def inspections(n: int) -> None:
    """Inspections of the home an hour apart, each failing two items (two rectifications)."""
    for _ in range(n):
        done_at = DONE_AT - datetime.timedelta(hours=inspections.made)  # type: ignore[attr-defined]
        inspections.made += 1  # type: ignore[attr-defined]
        record_by_system(HOME, 4, 19, done_at=done_at, method="on_site")


@pytest.fixture(autouse=True)
def _counted() -> None:
    inspections.made = 0  # type: ignore[attr-defined]


def plans(n: int, *, unannounced: bool = False, inspectors: list[str] | None = None) -> None:
    at = timezone.now() + datetime.timedelta(days=2)
    for k in range(n):
        plan_create(actor=SYSTEM, institution=HOME, method="video", unannounced=unannounced,
                    planned_at=at + datetime.timedelta(minutes=k),
                    inspectors=inspectors)  # fmt: skip


@pytest.mark.parametrize(
    ("persona", "url"),
    [
        ("inspector", f"/inspections/institutions/{HOME}/"),
        ("operator", f"/inspections/institutions/{HOME}/"),
        ("operator", f"/institutions/{HOME}/"),
        ("league", "/inspections/regions/152900/"),
        ("league", "/inspections/regions/152900/?status=overdue"),
        ("league", "/inspections/regions/152900/summary/?week=2021-10-25"),
    ],
)
def test_the_inspections_pages_read_no_query_per_inspection(
    world, inspector, persona, url, django_assert_max_num_queries
):
    no_more_with_twenty(world.client(persona), url, inspections, django_assert_max_num_queries)


def test_an_inspection_page_reads_no_query_per_rectification(
    world, inspector, django_assert_max_num_queries
):
    from fangkong.inspections.services import AnswerIn, inspection_record

    def record(failed: int) -> Any:
        answers = [AnswerIn(item=n, result="fail" if n <= failed else "pass", note="问题")
                   for n in range(1, 25)]  # fmt: skip
        return inspection_record(actor=SYSTEM, institution=HOME, method="on_site",
                                 unannounced=False, done_at=DONE_AT, answers=answers)  # fmt: skip

    client = world.client("inspector")
    at_one = queries_of(client, f"/inspections/{record(1).pk}/")
    many = record(20)
    client.get(f"/inspections/{many.pk}/")
    with django_assert_max_num_queries(at_one):
        assert client.get(f"/inspections/{many.pk}/").status_code == 200


@pytest.mark.parametrize(
    ("persona", "url", "unannounced"),
    [
        ("league", "/inspections/regions/152900/plans/", False),
        ("league", "/inspections/regions/152900/plans/", True),
        ("inspector", "/inspections/plans/mine/", False),
        ("inspector", f"/inspections/institutions/{HOME}/", True),
        ("operator", f"/inspections/institutions/{HOME}/", False),
    ],
)
def test_the_plans_pages_read_no_query_per_plan(
    world, inspector, persona, url, unannounced, django_assert_max_num_queries
):
    def add(n: int) -> None:
        plans(n, unannounced=unannounced, inspectors=["inspector"])

    no_more_with_twenty(world.client(persona), url, add, django_assert_max_num_queries)


def test_the_region_page_reads_no_query_per_draw(world, django_assert_max_num_queries):
    def add(n: int) -> None:
        for _ in range(n):
            spot_check_draw(actor=world.users["league"], region=world.regions["152921"],
                            count=1, method="video", day=DONE_AT.date())  # fmt: skip

    no_more_with_twenty(world.client("league"), "/inspections/regions/152900/", add,
                        django_assert_max_num_queries)  # fmt: skip
