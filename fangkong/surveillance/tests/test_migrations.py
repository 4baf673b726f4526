"""Moving `Aberration` from reporting to surveillance keeps its rows (the table is renamed)."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from fangkong.surveillance.models import Aberration
from fangkong.tests.migrations import before_the_move, migrate

MOVE = ("surveillance", "0001_initial")


@pytest.mark.django_db(transaction=True)
def test_a_signal_raised_before_the_move_is_found_after_it():
    graph = MigrationExecutor(connection).loader.graph
    before = before_the_move(graph, MOVE)
    assert ("reporting", "0005_idempotency_created") in before
    assert ("surveillance", None) in before
    content_type = ContentType.objects.get_for_model(Aberration).pk
    try:
        old = migrate(before)
        old_content_type = old.get_model("contenttypes", "ContentType").objects.get(pk=content_type)
        assert old_content_type.app_label == "reporting"
        region = old.get_model("regions", "Region").objects.create(
            code="152921", name="阿拉善左旗", level="county", path="152921/", depth=0
        )
        institution = old.get_model("institutions", "Institution").objects.create(
            code="1529210001", name="阿拉善左旗社会福利中心", region=region, beds=100
        )
        detected_at = datetime.datetime(2022, 10, 25, 2, 5, tzinfo=datetime.UTC)
        old_row = old.get_model("reporting", "Aberration").objects.create(
            institution=institution, day=datetime.date(2022, 10, 25), field="fever", value=3,
            c1=6.0, c2=6.0, c3=10.0, methods="C1,C2,C3", detected_at=detected_at,
        )  # fmt: skip
    finally:
        migrate(graph.leaf_nodes())

    signal = Aberration.objects.select_related("institution").get()
    assert signal.pk == old_row.pk
    assert (signal.institution.code, signal.day, signal.field, signal.value) == (
        "1529210001", datetime.date(2022, 10, 25), "fever", 3,
    )  # fmt: skip
    assert (signal.c1, signal.c2, signal.c3, signal.methods) == (6.0, 6.0, 10.0, "C1,C2,C3")
    assert (signal.detected_at, signal.withdrawn_at) == (detected_at, None)
    assert Aberration._meta.db_table == "surveillance_aberration"
    assert "reporting_aberration" not in connection.introspection.table_names()
    newer = Aberration.objects.create(institution=signal.institution, day=signal.day,
                                      field="respiratory", value=2, methods="C1")  # fmt: skip
    assert newer.pk > signal.pk
    # Permissions and admin history granted on the model follow it.
    ContentType.objects.clear_cache()
    assert ContentType.objects.get_for_model(Aberration).pk == content_type
