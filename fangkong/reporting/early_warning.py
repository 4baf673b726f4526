"""Early warning on the daily report: its fever and respiratory counts, fed to surveillance.

Surveillance holds the statistics and the signals; this module only turns an institution's
report revisions into the daily series it asks for. Who hears of a signal, and when, is decided
in `reminders`.
"""

import datetime

from fangkong.institutions.models import Institution
from fangkong.reporting.models import ReportRevision
from fangkong.surveillance.services import HISTORY_DAYS, signals_update_safely

WATCHED = ("fever", "respiratory")


def daily_series(institution: Institution, day: datetime.date) -> dict[str, list[int]]:
    """Each watched field's counts for the days up to `day`, oldest first; a silent day is 0.

    A silent day counts as 0 here only for the statistics: completeness reports it as missing.
    """
    start = day - datetime.timedelta(days=HISTORY_DAYS - 1)
    current = (
        ReportRevision.objects.current()
        .filter(report__institution=institution, report__day__range=(start, day))
        .values("report__day", *WATCHED)
    )
    by_day = {row["report__day"]: row for row in current}
    days = [start + datetime.timedelta(days=i) for i in range(HISTORY_DAYS)]
    return {field: [by_day[d][field] if d in by_day else 0 for d in days] for field in WATCHED}


def detect_safely(institution: Institution, day: datetime.date) -> None:
    """Bring the day's signals in line with the reports in force; never fail the report."""
    signals_update_safely(institution=institution, day=day, series=daily_series(institution, day))
