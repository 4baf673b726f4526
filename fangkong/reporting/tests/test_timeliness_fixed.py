"""A late report stays late: what the first submission decided (institution, day, regime, status,
first submission time) never changes, neither through the models nor by hand-written SQL, on
PostgreSQL and on SQLite; amendments still advance the revision."""

import pytest
from django.db import DatabaseError, connection, transaction

from fangkong.core.scoping import SYSTEM
from fangkong.reporting.models import DailyReport, ReportStatus, TimelinessFixed
from fangkong.reporting.services import report_submit
from fangkong.reporting.tests.conftest import DAY, at, figures
from fangkong.reporting.timeliness import TRIGGER


@pytest.fixture
def amended(world, regime):
    """额济纳旗's centre reported late (17:00), then amended its figures (18:00)."""
    unit = world.institutions["1529230001"]
    first = report_submit(actor=SYSTEM, institution=unit, day=DAY, figures=figures(), now=at(17))
    report_submit(actor=SYSTEM, institution=unit, day=DAY, figures=figures(fever=1),
                  reason="漏报发热", if_match=first.report.etag, now=at(18))  # fmt: skip
    return DailyReport.objects.get(institution=unit, day=DAY)


def test_an_amendment_advances_the_revision_and_keeps_the_report_late(amended):
    assert amended.revision == 2
    assert amended.current.number == 2 and amended.current.fever == 1
    assert amended.status == ReportStatus.LATE
    assert amended.first_submitted_at == at(17)


@pytest.mark.parametrize(
    "assignment",
    [
        "status = 'on_time'",
        "first_submitted_at = '2022-10-25 01:00:00'",
        "day = '2022-10-24'",
        "institution_id = (SELECT id FROM institutions_institution WHERE code = '1529210002')",
        "regime_id = regime_id + 1",
        "revision = 1",
        pytest.param(
            "current_id = (SELECT id FROM reporting_reportrevision WHERE number = 1)",
            marks=pytest.mark.skipif(
                connection.vendor != "postgresql",
                reason="SQLite's trigger names no other table (migrations rebuild tables there)",
            ),
        ),
    ],
)
def test_the_database_refuses_to_rewrite_what_the_first_submission_decided(amended, assignment):
    with (
        pytest.raises(DatabaseError, match="fixed"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"UPDATE reporting_dailyreport SET {assignment}")  # noqa: S608
    report = DailyReport.objects.get(pk=amended.pk)
    assert (report.status, report.first_submitted_at, report.day) == (
        ReportStatus.LATE,
        at(17),
        DAY,
    )
    assert (report.revision, report.current_id) == (2, amended.current_id)


@pytest.mark.parametrize(
    "change", [{"status": ReportStatus.ON_TIME}, {"first_submitted_at": at(9)}, {"day": DAY}]
)
def test_the_model_refuses_to_rewrite_what_the_first_submission_decided(amended, change):
    with pytest.raises(TimelinessFixed):
        DailyReport.objects.filter(pk=amended.pk).update(**change)
    for name, value in change.items():
        setattr(amended, name, value)
    with pytest.raises(TimelinessFixed):
        amended.save()
    with pytest.raises(TimelinessFixed):
        amended.save(update_fields=list(change))
    assert DailyReport.objects.get(pk=amended.pk).status == ReportStatus.LATE


@pytest.mark.skipif(
    connection.vendor != "sqlite", reason="only SQLite rebuilds a table to alter it"
)
def test_the_sqlite_trigger_comes_back_after_a_migration_rebuilds_the_table(transactional_db):
    from django.core.management.sql import emit_post_migrate_signal
    from django.db import models

    bound = models.CheckConstraint(condition=models.Q(revision__gte=1), name="test_rebuild")
    with connection.schema_editor() as editor:
        editor.add_constraint(DailyReport, bound)  # a copy of the table replaces it
    try:
        emit_post_migrate_signal(verbosity=0, interactive=False, db=connection.alias)
        with connection.cursor() as cursor:
            cursor.execute("SELECT sql FROM sqlite_master WHERE name = %s", [TRIGGER])
            assert "RAISE(ABORT" in cursor.fetchone()[0]
    finally:
        with connection.schema_editor() as editor:
            editor.remove_constraint(DailyReport, bound)
        emit_post_migrate_signal(verbosity=0, interactive=False, db=connection.alias)
