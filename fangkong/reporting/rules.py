"""The rules of time that define correctness (DESIGN.md, "Time")."""

import datetime
from zoneinfo import ZoneInfo

from fangkong.reporting.models import ReportingRegime, ReportStatus


def deadline_at(regime: ReportingRegime, day: datetime.date) -> datetime.datetime:
    """The instant a report for `day` falls due, in the regime's zone."""
    return datetime.datetime.combine(day, regime.deadline, tzinfo=ZoneInfo(regime.timezone))


def confirmation_deadline_at(regime: ReportingRegime, day: datetime.date) -> datetime.datetime:
    due = regime.confirmation_deadline or regime.deadline
    return datetime.datetime.combine(day, due, tzinfo=ZoneInfo(regime.timezone))


def is_before_deadline(
    regime: ReportingRegime,
    day: datetime.date,
    moment: datetime.datetime,
    due: datetime.datetime | None = None,
) -> bool:
    """Whether `moment` is in time for `day`: the one place a deadline is compared.

    `due` defaults to the report deadline (the banner confirmation passes its own). The deadline
    is exclusive unless the regime says otherwise: for 16:00, 15:59:59 is on time and 16:00:00
    late; an inclusive deadline accepts its whole second, 16:00:00.999 included.
    """
    due = due or deadline_at(regime, day)
    if regime.deadline_inclusive:
        due += datetime.timedelta(seconds=1)
    return moment < due


def timeliness(
    regime: ReportingRegime, day: datetime.date, submitted_at: datetime.datetime
) -> ReportStatus:
    if is_before_deadline(regime, day, submitted_at):
        return ReportStatus.ON_TIME
    return ReportStatus.LATE


def local_today(regime: ReportingRegime, now: datetime.datetime) -> datetime.date:
    return local_time(regime, now).date()


def local_time(regime: ReportingRegime, moment: datetime.datetime) -> datetime.datetime:
    return moment.astimezone(ZoneInfo(regime.timezone))
