import io

import pytest
from django.db import DatabaseError, connection, transaction
from python_calamine import CalamineWorkbook

from fangkong.audit.models import AppendOnlyError, AuditEvent
from fangkong.conftest import make_institution


def test_a_change_rolled_back_leaves_no_event(world):
    before = AuditEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        make_institution("1529210077", "152921", "回滚院")
        raise RuntimeError("the request failed after the write")
    assert AuditEvent.objects.count() == before


def test_the_model_refuses_to_change_or_delete_an_event(world):
    event = AuditEvent.objects.first()
    event.action = "rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_auditevent SET action = 'x'", "DELETE FROM audit_auditevent"],
)
def test_postgresql_refuses_update_and_delete_of_events(world, statement):
    count = AuditEvent.objects.count()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert AuditEvent.objects.count() == count
    assert not AuditEvent.objects.filter(action="x").exists()


def test_admin_shows_events_read_only(world):
    admin = world.client("admin")
    event = AuditEvent.objects.first()
    page = admin.get(f"/admin/audit/auditevent/{event.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert (
        admin.post(f"/admin/audit/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def read_export(response):
    rows = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0)
    return rows.to_python()


def test_officer_exports_exactly_their_scopes_events(world):
    make_institution("1529230077", "152923", "额济纳新院")
    make_institution("1529210077", "152921", "左旗新院")
    response = world.client("zuoqi").get("/audit/export.xlsx")
    assert response.status_code == 200
    rows = read_export(response)
    targets = {row[5] for row in rows[1:]}
    assert "左旗新院" in targets
    assert "阿拉善左旗社会福利中心" in targets
    assert "额济纳新院" not in targets
    assert "额济纳旗社会福利中心" not in targets
    assert rows[0][0] == "时间"


def test_export_is_itself_audited(world):
    world.client("ejina").get("/audit/export.xlsx")
    event = AuditEvent.objects.get(action="audit.export")
    assert event.actor == world.users["ejina"]


def test_operators_cannot_export_the_audit_log(world):
    assert world.client("operator").get("/audit/export.xlsx").status_code == 404
