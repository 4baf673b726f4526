"""Early warning: EARS C1–C3 on each institution's daily fever and respiratory counts."""

import datetime

from django.db import IntegrityError, transaction

from fangkong.institutions.models import Institution
from fangkong.reporting.ears import C3_FIRST_INDEX, ears
from fangkong.reporting.models import Aberration, ReportRevision

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
    """Record a signal for each watched field whose count on `day` is aberrant."""
    found = []
    for field in WATCHED:
        result = ears(daily_series(institution, day, field))[-1]
        if not result.signal:
            continue
        methods = ",".join(
            name for name, hit in (("C1", result.c1_signal), ("C2", result.c2_signal),
                                   ("C3", result.c3_signal)) if hit
        )  # fmt: skip
        try:
            with transaction.atomic():
                found.append(Aberration.objects.create(
                    institution=institution, day=day, field=field, value=result.value,
                    c1=result.c1, c2=result.c2, c3=result.c3, methods=methods,
                ))  # fmt: skip
        except IntegrityError:
            continue  # already signalled for this day and field
    return found
