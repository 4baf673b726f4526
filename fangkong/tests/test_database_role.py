"""PostgreSQL keeps the record even from the application: the append-only tables refuse
TRUNCATE, and a role granted as the README says can submit reports but cannot lift, drop or get
around the triggers."""

import datetime
import json
import re
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management.color import no_style
from django.db import DatabaseError, connection, transaction

from fangkong.audit.models import AuditEvent
from fangkong.conftest import World
from fangkong.core.scoping import SYSTEM
from fangkong.reporting.models import DailyReport, ReportRevision
from fangkong.reporting.services import regime_create, report_submit

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's triggers and roles; SQLite has neither"
)

README = Path(__file__).resolve().parents[2] / "README.md"
DAY = "2022-10-25"
FIGURES = {
    "residents": 180, "staff_on_site": 60, "in_isolation": 0, "admissions": 0, "visitors": 0,
    "fever": 0, "respiratory": 0, "suspected": 0, "confirmed": 0, "close_contacts": 0,
    "tested": 0, "positive": 0, "ppe_days": 30,
}  # fmt: skip


@pytest.fixture
def reported(world: World) -> None:
    regime_create(actor=SYSTEM, name="阿拉善盟日报告", region_code="152900",
                  start_date=datetime.date(2022, 10, 24))  # fmt: skip
    report_submit(actor=SYSTEM, institution=world.institutions["1529230001"],
                  day=datetime.date(2022, 10, 25), figures=FIGURES)  # fmt: skip


def execute(sql: str) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)


@pytest.mark.parametrize(
    "statement",
    [
        "TRUNCATE audit_auditevent",
        "TRUNCATE reporting_reportrevision CASCADE",
        # Reaching them through a table that refers to them is refused as well.
        "TRUNCATE reporting_dailyreport CASCADE",
        "TRUNCATE institutions_institution CASCADE",
    ],
)
def test_the_append_only_tables_refuse_truncate(reported, statement):
    events, revisions = AuditEvent.objects.count(), ReportRevision.objects.count()
    with pytest.raises(DatabaseError, match="append-only: TRUNCATE refused"):
        # The test's own transaction still holds deferred checks, which TRUNCATE waits for.
        execute(f"SET CONSTRAINTS ALL IMMEDIATE; {statement}")
    assert (AuditEvent.objects.count(), ReportRevision.objects.count()) == (events, revisions)
    assert revisions == 1


def readme_grants(role: str) -> list[str]:
    """The README's grants to the application's role, for `role`, one statement each."""
    text = README.read_text()
    section = text.split("## The database role", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sql\n(.*?)```", section, flags=re.DOTALL)
    grants = next(block for block in blocks if "GRANT" in block)
    return [s.strip() for s in grants.replace("fangkong_app", role).split(";") if s.strip()]


@pytest.fixture
def app_role(transactional_db: None) -> Iterator[str]:
    """A role granted as the README says, dropped afterwards (roles outlive the test database)."""
    role = f"fangkong_app_test_{secrets.token_hex(4)}"
    execute(f"CREATE ROLE {role} LOGIN")
    try:
        for statement in readme_grants(role):
            execute(statement)
        yield role
    finally:
        execute(f"DROP OWNED BY {role}")
        execute(f"DROP ROLE {role}")


def test_the_application_role_submits_but_cannot_get_around_the_triggers(
    world: World, app_role: str
) -> None:
    regime_create(actor=SYSTEM, name="阿拉善盟日报告", region_code="152900",
                  start_date=datetime.date(2022, 10, 24))  # fmt: skip
    operator = world.api("operator")
    owner = connection.settings_dict["USER"]
    connection.close()
    connection.settings_dict["USER"] = app_role
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone() == (app_role,)
        response = operator.put(
            f"/api/v1/institutions/1529210001/daily-reports/{DAY}",
            data=json.dumps(FIGURES), content_type="application/json",
        )  # fmt: skip
        assert response.status_code == 201, response.content
        assert response.json()["status"] == "late"
        events = AuditEvent.objects.count()
        refused = {
            "TRUNCATE audit_auditevent": "permission denied",
            "DROP TRIGGER audit_auditevent_append_only ON audit_auditevent": "must be owner",
            "ALTER TABLE audit_auditevent DISABLE TRIGGER ALL": "must be owner",
            "ALTER TABLE reporting_dailyreport DISABLE TRIGGER ALL": "must be owner",
            "DROP TABLE audit_auditevent": "must be owner",
            "SET session_replication_role = replica": "permission denied",
            "DELETE FROM audit_auditevent": "append-only",
            "UPDATE reporting_dailyreport SET status = 'on_time'": "fixed",
            # Deleting the report and inserting it again, on time, within one transaction (its
            # revisions' foreign key is only checked at commit) would rewrite it too.
            "DELETE FROM reporting_dailyreport": "never deleted",
        }
        for statement, reason in refused.items():
            with pytest.raises(DatabaseError, match=reason):
                execute(statement)
        assert AuditEvent.objects.count() == events
        assert DailyReport.objects.get().status == "late"
    finally:
        connection.close()
        connection.settings_dict["USER"] = owner


def test_the_triggerless_flush_of_the_tests_refuses_a_database_not_made_for_it(db: None) -> None:
    name = connection.settings_dict["NAME"]
    connection.settings_dict["NAME"] = "fangkong"  # as a deployment's database would be named
    try:
        with pytest.raises(ImproperlyConfigured, match="only a test_ or bench_ database"):
            connection.ops.sql_flush(no_style(), ["audit_auditevent"])
    finally:
        connection.settings_dict["NAME"] = name
    assert connection.ops.sql_flush(no_style(), ["audit_auditevent"])[0].startswith("SET LOCAL")
