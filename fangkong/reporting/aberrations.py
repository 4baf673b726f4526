"""Early warning: EARS C1–C3 on each institution's daily fever and respiratory counts."""

import datetime
import logging

from django.db import transaction
from django.utils import timezone

from fangkong.institutions.models import Institution
from fangkong.reporting.ears import C3_FIRST_INDEX, EarsResult, ears
from fangkong.reporting.models import Aberration, ReportRevision

logger = logging.getLogger(__name__)
WATCHED = ("fever", "respiratory")
# C3 needs 11 days before the day assessed; a little more history costs nothing.
HISTORY_DAYS = C3_FIRST_INDEX + 17


def daily_series(institution: Institution, day: datetime.date, field: str) -> list[int]:
    """The field's counts for the days up to `day`, oldest first; a day without a report is 0.

    A silent day counts as 0 here only for the statistics: completeness reports it as missing.
    """
    start = day - datetime.timedelta(days=HISTORY_DAYS - 1)
    values = dict(
        ReportRevision.objects.current()
        .filter(report__institution=institution, report__day__range=(start, day))
        .values_list("report__day", field)
    )
    return [values.get(start + datetime.timedelta(days=i), 0) for i in range(HISTORY_DAYS)]


def detect(institution: Institution, day: datetime.date) -> list[Aberration]:
    """Bring the day's signals in line with the figures in force: raise a signal for each watched
    field whose count is aberrant, and withdraw one an amendment took away."""
    existing = {a.field: a for a in Aberration.objects.filter(institution=institution, day=day)}
    raised = []
    for field in WATCHED:
        result = ears(daily_series(institution, day, field))[-1]
        signal = existing.get(field)
        if result.signal:
            raised.append(_raise(institution, day, field, result, signal))
        elif signal is not None and signal.withdrawn_at is None:
            Aberration.objects.filter(pk=signal.pk).update(withdrawn_at=timezone.now())
    return raised


def _raise(
    institution: Institution,
    day: datetime.date,
    field: str,
    result: EarsResult,
    signal: Aberration | None,
) -> Aberration:
    methods = ",".join(
        name for name, hit in (("C1", result.c1_signal), ("C2", result.c2_signal),
                               ("C3", result.c3_signal)) if hit
    )  # fmt: skip
    values = {"value": result.value, "c1": result.c1, "c2": result.c2, "c3": result.c3,
              "methods": methods, "withdrawn_at": None}  # fmt: skip
    if signal is None:
        return Aberration.objects.create(institution=institution, day=day, field=field, **values)
    Aberration.objects.filter(pk=signal.pk).update(**values)
    signal.refresh_from_db()
    return signal


def detect_safely(institution: Institution, day: datetime.date) -> None:
    """Run `detect` so that a failure in it can never cost the report being submitted."""
    try:
        with transaction.atomic():
            detect(institution, day)
    except Exception:
        logger.exception("early-warning detection failed for %s on %s", institution.code, day)
