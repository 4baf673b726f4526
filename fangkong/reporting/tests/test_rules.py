import datetime
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from fangkong.reporting.models import ReportingRegime, ReportStatus
from fangkong.reporting.rules import deadline_at, timeliness
from fangkong.reporting.tests.conftest import DAY, at

REGIME = ReportingRegime(start_date=DAY, deadline=datetime.time(16, 0), timezone="Asia/Shanghai")


def test_a_second_before_the_deadline_is_on_time():
    assert timeliness(REGIME, DAY, at(15, 59, 59)) == ReportStatus.ON_TIME


def test_the_deadline_itself_is_late():
    assert timeliness(REGIME, DAY, at(16, 0, 0)) == ReportStatus.LATE


def test_an_inclusive_deadline_accepts_its_own_second():
    inclusive = ReportingRegime(
        start_date=DAY, deadline=datetime.time(16, 0), timezone="Asia/Shanghai",
        deadline_inclusive=True,
    )  # fmt: skip
    assert timeliness(inclusive, DAY, at(16, 0, 0)) == ReportStatus.ON_TIME
    assert (
        timeliness(inclusive, DAY, at(16, 0, 0) + datetime.timedelta(milliseconds=300)) == "on_time"
    )
    assert timeliness(inclusive, DAY, at(16, 0, 1)) == ReportStatus.LATE


def test_the_deadline_is_read_in_the_regimes_zone_not_utc():
    # 16:00 in Beijing is 08:00 UTC.
    utc = datetime.UTC
    assert (
        timeliness(REGIME, DAY, datetime.datetime(2022, 10, 25, 7, 59, 59, tzinfo=utc)) == "on_time"
    )
    assert timeliness(REGIME, DAY, datetime.datetime(2022, 10, 25, 8, 0, 0, tzinfo=utc)) == "late"


def test_a_report_on_the_next_day_is_late():
    assert timeliness(REGIME, DAY, at(9, 0, day=DAY + datetime.timedelta(days=1))) == "late"


zones = st.sampled_from(["Asia/Shanghai", "Asia/Urumqi", "Europe/Berlin", "America/New_York"])


@given(
    zone=zones,
    day=st.dates(datetime.date(2020, 1, 1), datetime.date(2030, 12, 31)),
    deadline=st.times(),
    offset=st.integers(-3 * 86400, 3 * 86400),
)
def test_on_time_exactly_when_strictly_before_the_deadline(zone, day, deadline, offset):
    regime = ReportingRegime(start_date=day, deadline=deadline, timezone=zone)
    due = deadline_at(regime, day)
    moment = (due + datetime.timedelta(seconds=offset)).astimezone(ZoneInfo("UTC"))
    expected = ReportStatus.ON_TIME if moment < due else ReportStatus.LATE
    assert timeliness(regime, day, moment) == expected
