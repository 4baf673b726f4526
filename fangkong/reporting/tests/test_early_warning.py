"""The daily report feeds early warning: its series, and signals raised by submitting."""

import datetime

import pytest

from fangkong.core.scoping import SYSTEM
from fangkong.reporting.early_warning import WATCHED, daily_series
from fangkong.reporting.models import DailyReport
from fangkong.reporting.services import regime_create, report_submit
from fangkong.reporting.tests.conftest import DAY, at, figures
from fangkong.surveillance import services as surveillance
from fangkong.surveillance.models import Aberration
from fangkong.surveillance.services import HISTORY_DAYS

CENTRE = "1529210001"


@pytest.fixture
def october(world):
    return regime_create(actor=SYSTEM, name="十月", region_code="152900",
                         start_date=datetime.date(2022, 10, 1))  # fmt: skip


def submit(world, day, code=CENTRE, **overrides):
    return report_submit(actor=SYSTEM, institution=world.institutions[code], day=day,
                         figures=figures(**overrides), now=at(10, day=day))  # fmt: skip


def days_before(n):
    return DAY - datetime.timedelta(days=n)


def test_the_series_covers_the_history_surveillance_asks_for_with_silent_days_at_zero(
    world, october
):
    submit(world, days_before(2), fever=1, respiratory=4)
    submit(world, DAY, fever=2)
    series = daily_series(world.institutions[CENTRE], DAY)
    assert set(series) == set(WATCHED)
    assert [len(counts) for counts in series.values()] == [HISTORY_DAYS] * len(WATCHED)
    assert series["fever"][-3:] == [1, 0, 2]
    assert series["respiratory"][-3:] == [4, 0, 0]
    assert sum(series["fever"]) == 3


def test_the_series_reads_the_figures_in_force_of_this_institution_only(world, october):
    first = submit(world, DAY, fever=5).report
    report_submit(actor=SYSTEM, institution=world.institutions[CENTRE], day=DAY,
                  figures=figures(fever=1), reason="误填", if_match=first.etag,
                  now=at(11))  # fmt: skip
    submit(world, DAY, code="1529210002", fever=9)
    assert daily_series(world.institutions[CENTRE], DAY)["fever"][-1] == 1


def test_a_jump_in_respiratory_symptoms_raises_its_own_signal(world, october):
    for offset in range(1, 12):
        submit(world, days_before(offset))
    submit(world, DAY, respiratory=4)
    signal = Aberration.objects.get()
    assert (signal.institution.code, signal.day, signal.field, signal.value) == (
        CENTRE, DAY, "respiratory", 4,
    )  # fmt: skip


def test_a_failure_in_early_warning_never_costs_the_report(world, october, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("surveillance is down")

    monkeypatch.setattr(surveillance, "signals_update", broken)
    result = submit(world, DAY, fever=30)
    assert DailyReport.objects.get(pk=result.report.pk).current.fever == 30
    assert not Aberration.objects.exists()
