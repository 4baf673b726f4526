"""Migration 0012 fills each person's places from the rows an earlier version recorded."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from fangkong.people.models import PersonPlace
from fangkong.tests.migrations import before_the_move, migrate

MOVE = ("people", "0012_person_places")
AT = datetime.datetime(2021, 10, 1, 9, tzinfo=datetime.UTC)


@pytest.mark.django_db(transaction=True)
def test_the_places_are_filled_from_registrations_stays_employments_and_visits():
    graph = MigrationExecutor(connection).loader.graph
    before = before_the_move(graph, MOVE)
    assert ("people", "0011_import_expiry") in before
    try:
        old = migrate(before)
        region = old.get_model("regions", "Region").objects.create(
            code="152921", name="阿拉善左旗", level="county", path="152921/", depth=0
        )
        institutions = {
            code: old.get_model("institutions", "Institution").objects.create(
                code=code, name=code, region=region, beds=10
            )
            for code in ("home", "stay", "work", "visit")
        }
        person_model = old.get_model("people", "Person")

        def person(name: str, pinyin: str, initials: str, home: str | None = None):
            return person_model.objects.create(
                name=name, id_number=f"n-{pinyin}", id_hash=pinyin, id_last4="0000",
                pinyin=pinyin, initials=initials,
                created_in=institutions[home] if home else None,
            )  # fmt: skip

        zhang = person("张三", "zhangsan", "zs", home="home")
        li, wang = person("李四", "lisi", "ls"), person("王五", "wangwu", "ww")
        nobody = person("赵六", "zhaoliu", "zl")
        stays = old.get_model("people", "Stay").objects
        stays.create(person=zhang, institution=institutions["stay"], role="resident", start=AT,
                     end=AT + datetime.timedelta(days=10))  # fmt: skip
        stays.create(person=zhang, institution=institutions["home"], role="resident",
                     start=AT + datetime.timedelta(days=30))  # fmt: skip
        old.get_model("people", "Employment").objects.create(
            person=li, institution=institutions["work"], start=AT
        )
        visits = old.get_model("people", "Visit").objects
        for days in (1, 2):  # twice: one place
            visits.create(visitor=wang, institution=institutions["visit"],
                          check_in=AT + datetime.timedelta(days=days))  # fmt: skip
    finally:
        migrate(graph.leaf_nodes())

    places = {
        (p.person.name, p.institution.code, p.pinyin, p.initials)
        for p in PersonPlace.objects.select_related("person", "institution")
    }
    assert places == {
        ("张三", "home", "zhangsan", "zs"), ("张三", "stay", "zhangsan", "zs"),
        ("李四", "work", "lisi", "ls"), ("王五", "visit", "wangwu", "ww"),
    }  # fmt: skip
    assert not PersonPlace.objects.filter(person_id=nobody.pk).exists()
