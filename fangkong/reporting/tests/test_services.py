import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction

from fangkong.audit.models import AuditEvent
from fangkong.core.errors import error_items
from fangkong.core.exceptions import Forbidden, PreconditionFailed, PreconditionRequired
from fangkong.core.scoping import SYSTEM
from fangkong.institutions.models import Institution
from fangkong.reporting.models import DailyReport, ReportRevision
from fangkong.reporting.selectors import governing_regime
from fangkong.reporting.services import regime_create, report_submit
from fangkong.reporting.tests.conftest import DAY, at, figures


def submit(world, persona="operator", code="1529210001", day=DAY, now=None, **kwargs):
    kwargs.setdefault("figures", figures())
    return report_submit(
        actor=world.users[persona], institution=world.institutions[code], day=day,
        now=now or at(10), **kwargs,
    )  # fmt: skip


def field_of(exc_info):
    error = error_items(exc_info.value)[0]
    return error["field"], error["code"]


def test_a_zero_report_is_one_act_with_census_figures(world, regime):
    result = submit(world, is_zero=True, now=at(15, 59, 59))
    report = result.report
    assert result.created
    assert (report.status, report.revision, report.current.is_zero) == ("on_time", 1, True)
    assert report.current.residents == 180
    assert report.current.author == world.users["operator"]
    assert AuditEvent.objects.filter(action="report.zero", target_id=str(report.pk)).exists()


def test_a_report_at_the_deadline_is_late(world, regime):
    assert submit(world, now=at(16)).report.status == "late"


@pytest.mark.parametrize(
    ("kwargs", "field", "code"),
    [
        ({"is_zero": True, "figures": figures(fever=1)}, "fever", "zero_with_events"),
        ({"figures": figures(tested=3, positive=4)}, "positive", "positive_gt_tested"),
        ({"figures": figures(visitors=-1)}, "visitors", "negative"),
        ({"figures": figures(visitors=2.5)}, "visitors", "not_integer"),
        ({"figures": figures(visitors=None)}, "visitors", "required"),
        ({"figures": figures(visitors=2**31)}, "visitors", "too_large"),
        ({"day": DAY + datetime.timedelta(days=1)}, "date", "future_day"),
        ({"day": datetime.date(2022, 10, 23)}, "date", "outside_regime"),
    ],
)
def test_bad_report_names_the_field_and_writes_nothing(world, regime, kwargs, field, code):
    with pytest.raises(ValidationError) as exc_info:
        submit(world, **kwargs)
    assert field_of(exc_info) == (field, code)
    assert not DailyReport.objects.exists()
    assert not ReportRevision.objects.exists()


def test_a_past_day_is_accepted_and_late(world, regime):
    result = submit(world, day=DAY - datetime.timedelta(days=1), now=at(9))
    assert result.report.status == "late"


def test_an_institution_closed_down_cannot_report_after_that_day(world, regime):
    Institution.objects.filter(code="1529210001").update(closed_on=DAY - datetime.timedelta(1))
    world.institutions["1529210001"].refresh_from_db()
    with pytest.raises(ValidationError) as exc_info:
        submit(world)
    assert field_of(exc_info) == ("date", "not_operating")


def test_an_amendment_is_a_new_revision_and_keeps_the_original_timeliness(world, regime):
    first = submit(world, now=at(15)).report
    amended = submit(world, figures=figures(fever=2), reason="漏报两名发热老人",
                     if_match=first.etag, now=at(18)).report  # fmt: skip
    assert (amended.revision, amended.status) == (2, "on_time")
    assert amended.current.fever == 2
    history = list(ReportRevision.objects.filter(report=first).order_by("number"))
    assert [r.fever for r in history] == [0, 2]
    assert history[1].reason == "漏报两名发热老人"
    assert history[0].submitted_at == at(15)


def test_an_amendment_without_reason_is_refused(world, regime):
    first = submit(world).report
    with pytest.raises(ValidationError) as exc_info:
        submit(world, figures=figures(fever=2), if_match=first.etag)
    assert field_of(exc_info) == ("reason", "reason_required")


def test_a_second_submission_without_if_match_is_refused(world, regime):
    submit(world)
    with pytest.raises(PreconditionRequired):
        submit(world, figures=figures(fever=1), reason="改")


def test_a_stale_if_match_is_refused(world, regime):
    first = submit(world).report
    etag = first.etag
    submit(world, figures=figures(fever=1), reason="第一次更正", if_match=etag)
    with pytest.raises(PreconditionFailed):
        submit(world, figures=figures(fever=3), reason="第二次更正", if_match=etag)
    assert DailyReport.objects.get().current.fever == 1


def test_revisions_are_never_overwritten(world, regime):
    revision = submit(world).report.current
    revision.fever = 9
    with pytest.raises(ValueError, match="never"):
        revision.save()


def test_a_liaison_may_not_submit(world, regime):
    from fangkong.conftest import make_user

    make_user("liaison", "liaison", world.institutions["1529210001"])
    world.users["liaison"] = type(world.users["operator"]).objects.get(username="liaison")
    with pytest.raises(Forbidden):
        submit(world, persona="liaison")


def test_overlapping_regimes_of_one_region_are_refused(world, regime):
    with pytest.raises(ValidationError) as exc_info:
        regime_create(actor=SYSTEM, name="重复", region_code="152900",
                      start_date=datetime.date(2022, 11, 1))  # fmt: skip
    assert field_of(exc_info) == ("start_date", "overlap")


def test_a_regime_after_the_previous_one_ended_is_accepted(world):
    regime_create(
        actor=SYSTEM,
        name="第一期",
        region_code="152900",
        start_date=datetime.date(2022, 10, 1),
        end_date=datetime.date(2022, 10, 31),
    )
    regime_create(actor=SYSTEM, name="第二期", region_code="152900",
                  start_date=datetime.date(2022, 11, 1))  # fmt: skip


def test_the_nearest_regime_governs(world, regime):
    banner = regime_create(actor=SYSTEM, name="左旗", region_code="152921",
                           start_date=DAY, deadline=datetime.time(15, 0))  # fmt: skip
    assert governing_regime(world.institutions["1529210001"], DAY) == banner
    assert governing_regime(world.institutions["1529230001"], DAY) == regime
    assert submit(world, now=at(15, 30)).report.status == "late"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"end_date": datetime.date(2022, 1, 1)}, "end_date"),
        ({"region_code": "152923"}, "region_code"),
    ],
)
def test_bad_regime_names_the_field(world, fields, field):
    values = {"name": "左旗", "region_code": "152921", "start_date": DAY, **fields}
    with pytest.raises(ValidationError) as exc_info:
        regime_create(actor=world.users["zuoqi"], **values)
    assert field_of(exc_info)[0] == field


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
@pytest.mark.parametrize(
    "statement",
    ["UPDATE reporting_reportrevision SET fever = 9", "DELETE FROM reporting_reportrevision"],
)
def test_postgresql_refuses_to_rewrite_a_revision(world, regime, statement):
    submit(world)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert ReportRevision.objects.get().fever == 0
