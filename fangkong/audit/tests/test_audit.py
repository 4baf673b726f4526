import datetime
import importlib
import io
import zipfile

import pytest
from django.db import DatabaseError, connection, transaction
from django.http import FileResponse, HttpResponse
from django.test import RequestFactory, override_settings
from django.utils import timezone, translation
from django.utils.html import escape
from python_calamine import CalamineWorkbook

from fangkong.accounts.models import Role
from fangkong.accounts.services import token_create
from fangkong.audit import exports
from fangkong.audit.middleware import RequestContextMiddleware
from fangkong.audit.models import AppendOnlyError, AuditEvent
from fangkong.audit.selectors import event_list
from fangkong.audit.services import Target, audit_record
from fangkong.conftest import make_institution, make_user
from fangkong.core.scoping import SYSTEM
from fangkong.regions.models import NATION_CODE
from fangkong.reporting.services import regime_create


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
    return rows_in(export_content(response))


def rows_in(content):
    return CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0).to_python()


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


# The export -----------------------------------------------------------------------------------

FORMULA = '=HYPERLINK("http://evil","x")'


def export_content(response):
    return response.getvalue() if response.streaming else response.content


def sheet_xml(content):
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return archive.read("xl/worksheets/sheet1.xml").decode()


def old_event(world, days_ago, label):
    """An event of 阿拉善左旗 written `days_ago` days before now."""
    return AuditEvent.objects.create(
        at=timezone.now() - datetime.timedelta(days=days_ago),
        actor_name="system",
        action="institution.update",
        target_type="institutions.institution",
        target_id="0",
        target_repr=label,
        region_path=world.regions["152921"].path,
    )


def in_page(response, message, **params):
    with translation.override("zh-hans"):
        text = translation.gettext(message) % params if params else translation.gettext(message)
    return escape(text) in response.content.decode()


def test_export_writes_a_formula_like_name_as_plain_text(world):
    make_institution("1529210077", "152921", FORMULA)
    content = export_content(world.client("zuoqi").get("/audit/export.xlsx"))
    assert "<f>" not in sheet_xml(content)
    assert FORMULA in {row[5] for row in rows_in(content)[1:]}


def test_export_streams_a_file_written_row_by_row(world):
    response = world.client("zuoqi").get("/audit/export.xlsx")
    assert isinstance(response, FileResponse)
    # Rows written in constant-memory mode carry their text inline, not in a shared table.
    assert 't="inlineStr"' in sheet_xml(export_content(response))


def test_export_without_dates_covers_the_last_31_days(world):
    old_event(world, 20, "三周前")
    old_event(world, 40, "四十天前")
    targets = {row[5] for row in read_export(world.client("zuoqi").get("/audit/export.xlsx"))}
    assert "三周前" in targets
    assert "四十天前" not in targets


def test_export_covers_the_chosen_days(world):
    old_event(world, 20, "三周前")
    old_event(world, 40, "四十天前")
    today = timezone.localdate()
    since, until = today - datetime.timedelta(days=45), today - datetime.timedelta(days=35)
    response = world.client("zuoqi").get(f"/audit/export.xlsx?since={since}&until={until}")
    assert {row[5] for row in read_export(response)[1:]} == {"四十天前"}
    event = AuditEvent.objects.get(action="audit.export")
    assert event.after == {"since": str(since), "until": str(until), "rows": 1}


def test_export_may_cover_366_days(world):
    today = timezone.localdate()
    since = today - datetime.timedelta(days=365)
    response = world.client("zuoqi").get(f"/audit/export.xlsx?since={since}&until={today}")
    assert response.status_code == 200


def test_export_refuses_more_than_366_days_on_the_page(world):
    today = timezone.localdate()
    since = today - datetime.timedelta(days=366)
    response = world.client("zuoqi").get(f"/audit/export.xlsx?since={since}&until={today}")
    assert response.status_code == 400
    assert in_page(
        response, "An export covers at most %(days)d days; choose a shorter range.", days=366
    )
    assert not AuditEvent.objects.filter(action="audit.export").exists()


def test_export_refuses_more_rows_than_a_sheet_holds(world, monkeypatch):
    monkeypatch.setattr(exports, "MAX_ROWS", 1)
    response = world.client("zuoqi").get("/audit/export.xlsx")
    assert response.status_code == 400
    assert in_page(response, "More events than one sheet holds; choose a shorter range.")
    assert not AuditEvent.objects.filter(action="audit.export").exists()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("since=2026-02-30", "Enter a valid start date."),
        ("until=yesterday", "Enter a valid end date."),
        ("since=2026-03-02&until=2026-03-01", "The start date is after the end date."),
    ],
)
def test_export_explains_a_bad_range_on_the_page(world, query, message):
    response = world.client("zuoqi").get(f"/audit/export.xlsx?{query}")
    assert response.status_code == 400
    assert in_page(response, message)
    assert not AuditEvent.objects.filter(action="audit.export").exists()


# The client's address -------------------------------------------------------------------------


def address_recorded(**meta):
    """Write one event during a request carrying `meta`; return the address it recorded."""

    def view(request):
        audit_record(actor=None, action="probe", target=Target("probe", "1", "probe"))
        return HttpResponse()

    RequestContextMiddleware(view)(RequestFactory().get("/", **meta))
    return AuditEvent.objects.get(action="probe").ip


PROXIED = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "203.0.113.7"}


@override_settings(AXES_IPWARE_PROXY_COUNT=1)
def test_behind_one_proxy_the_forwarded_client_is_recorded(db):
    assert address_recorded(**PROXIED) == "203.0.113.7"


@override_settings(AXES_IPWARE_PROXY_COUNT=1)
def test_behind_one_proxy_a_forged_forwarded_address_is_ignored(db):
    forged = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "198.51.100.1, 203.0.113.7"}
    assert address_recorded(**forged) == "203.0.113.7"


@override_settings(AXES_IPWARE_PROXY_COUNT=1)
def test_behind_a_proxy_a_request_that_bypassed_it_records_its_own_address(db):
    assert address_recorded(REMOTE_ADDR="127.0.0.1") == "127.0.0.1"


@override_settings(AXES_IPWARE_PROXY_COUNT=1)
def test_behind_a_proxy_a_malformed_forwarded_address_is_not_recorded(db):
    assert address_recorded(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="unknown") is None


def test_without_a_proxy_the_forwarded_header_is_not_trusted(db):
    assert address_recorded(**PROXIED) == "10.0.0.2"


def test_a_national_officer_sees_the_nations_events_not_the_systems(world):
    """Users, tokens and the region list belong to no region: administrators only."""
    ministry = make_user("ministry", Role.OFFICER, world.regions[NATION_CODE])
    regime_create(actor=SYSTEM, name="全国日报告", region_code=NATION_CODE,
                  start_date=datetime.date(2022, 10, 1))  # fmt: skip
    token_create(actor=SYSTEM, user=world.users["zuoqi"])
    seen = set(event_list(user=ministry).values_list("action", flat=True))
    assert "regime.create" in seen and "institution.create" in seen
    assert not seen & {"user.create", "token.create", "region.load"}
    grants = event_list(user=ministry).filter(action="user.grant")
    assert {event.after["scope"] for event in grants} == {NATION_CODE, "152900", "152921", "152923",
                                                          "1529210001", "1529230001"}  # fmt: skip
    everything = set(event_list(user=world.users["admin"]).values_list("action", flat=True))
    assert {"user.create", "token.create", "region.load"} <= everything


def test_the_migration_moves_system_events_out_of_the_nations_path(world):
    """Before the nation existed, "" meant the system as a whole; those rows become NULL."""
    legacy = audit_record(actor=SYSTEM, action="user.create", target=world.users["zuoqi"],
                          region_path="")  # fmt: skip
    migration = importlib.import_module("fangkong.audit.migrations.0002_system_events_nowhere")

    class Editor:
        def __init__(self) -> None:
            self.connection = connection

        def execute(self, sql: str) -> None:
            with connection.cursor() as cursor:
                cursor.execute(sql)

    migration.system_events_nowhere(None, Editor())
    legacy.refresh_from_db()
    assert legacy.region_path is None
    if connection.vendor == "postgresql":  # the table is append-only again afterwards
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE audit_auditevent SET action = 'x' WHERE id = %s", [legacy.pk])
