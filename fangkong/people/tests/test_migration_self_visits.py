"""A visitor named as the resident they visited, which nothing refused before `0010`, is
unlinked by the migration that adds the check (audited), and every other visit is kept."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from fangkong.audit.models import AuditEvent
from fangkong.people.models import Visit
from fangkong.tests.migrations import before_the_move, migrate

MOVE = ("people", "0010_visit_visited_person")
AT = datetime.datetime(2021, 10, 10, 2, 0, tzinfo=datetime.UTC)


@pytest.mark.django_db(transaction=True)
def test_a_self_visit_is_unlinked_and_audited_and_other_visits_kept():
    graph = MigrationExecutor(connection).loader.graph
    before = before_the_move(graph, MOVE)
    assert ("people", "0009_search_scope") in before
    try:
        old = migrate(before)
        region = old.get_model("regions", "Region").objects.create(
            code="152921", name="阿拉善左旗", level="county", path="152921/", depth=0
        )
        home = old.get_model("institutions", "Institution").objects.create(
            code="1529210001", name="阿拉善左旗社会福利中心", region=region, beds=100,
            kind="public",
        )  # fmt: skip
        persons = old.get_model("people", "Person")
        visitor = persons.objects.create(name="王五", id_hash="a" * 64)
        resident = persons.objects.create(name="张三", id_hash="b" * 64)
        visits = old.get_model("people", "Visit")
        mistaken = visits.objects.create(
            institution=home, visitor=visitor, visited=visitor, check_in=AT
        )
        kept = visits.objects.create(
            institution=home, visitor=visitor, visited=resident, check_in=AT
        )
    finally:
        migrate(graph.leaf_nodes())

    assert Visit.objects.get(pk=mistaken.pk).visited_id is None
    assert Visit.objects.get(pk=kept.pk).visited_id == resident.pk
    event = AuditEvent.objects.get(action="visit.unlink_self")
    assert (event.target_id, event.before, event.after) == (
        str(mistaken.pk),
        {"visited": visitor.pk},
        {"visited": None},
    )
    assert (event.region_path, event.institution_id) == ("152921/", home.pk)
