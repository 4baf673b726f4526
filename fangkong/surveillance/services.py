"""Raise and withdraw early-warning signals from the daily series a measure hands in."""

import datetime
import logging
from collections.abc import Mapping, Sequence

from django.db import transaction
from django.utils import timezone

from fangkong.institutions.models import Institution
from fangkong.surveillance.ears import C3_FIRST_INDEX, EarsResult, latest_signal
from fangkong.surveillance.models import Aberration

logger = logging.getLogger(__name__)

# C3 needs 11 days before the day assessed; a little more history costs nothing.
HISTORY_DAYS = C3_FIRST_INDEX + 17
"""How many days of series (up to and including the day assessed) a caller should hand in."""


@transaction.atomic
def signals_update(
    *, institution: Institution, day: datetime.date, series: Mapping[str, Sequence[int]]
) -> list[Aberration]:
    """Bring the day's signals in line with the figures in force, and return those raised.

    `series` holds, for each watched field, its counts for the days up to and including `day`,
    oldest first, a day without figures counted as 0. A field whose last count is aberrant gets
    a signal (raised once, brought up to date when called again); a field's signal that an
    amendment took away is withdrawn. Signals of fields not in `series` are left alone, so each
    caller speaks only for its own fields. Raises `ValueError` for a negative count.
    """
    existing = {a.field: a for a in Aberration.objects.filter(institution=institution, day=day)}
    raised = []
    for field, counts in series.items():
        result = latest_signal(counts)
        signal = existing.get(field)
        if result is not None:
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


def signals_update_safely(
    *, institution: Institution, day: datetime.date, series: Mapping[str, Sequence[int]]
) -> list[Aberration]:
    """Run `signals_update` so that a failure in it can never cost the caller's write.

    `signals_update` is atomic, so inside the caller's transaction it runs in a savepoint: on
    any error that savepoint alone is rolled back, the error is logged, nothing is returned,
    and the caller's transaction goes on.
    """
    try:
        return signals_update(institution=institution, day=day, series=series)
    except Exception:
        logger.exception("early-warning detection failed for %s on %s", institution.code, day)
        return []
