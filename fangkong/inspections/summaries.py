"""A region's supervision in one week (Monday to Sunday): inspections by method and the share
unannounced, findings by checklist item, what became of the week's rectifications, and the
median days to fix them. A few grouped queries, whatever the region's size."""

import datetime
import statistics
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import get_language

from fangkong.inspections.models import (
    Answer,
    AnswerResult,
    Inspection,
    InspectionMethod,
    Rectification,
    RectificationStatus,
)
from fangkong.regions.models import Region

WEEK = datetime.timedelta(days=7)


def week_of(day: datetime.date) -> datetime.date:
    """The Monday of `day`'s week."""
    return day - datetime.timedelta(days=day.weekday())


@dataclass
class WeekSummary:
    region: Region
    week_start: datetime.date
    inspections: int = 0
    by_method: dict[str, int] = field(default_factory=dict)
    unannounced: int = 0
    findings: list[tuple[int, str, int]] = field(default_factory=list)  # item, text, count
    rectifications: dict[str, int] = field(default_factory=dict)
    median_days_to_fix: float | None = None

    @property
    def week_end(self) -> datetime.date:
        return self.week_start + datetime.timedelta(days=6)

    @property
    def unannounced_share(self) -> float:
        return self.unannounced / self.inspections if self.inspections else 0.0


def _in_region(rows: QuerySet[Any], region: Region, lookup: str) -> QuerySet[Any]:
    if not region.path:
        return rows
    subtree = Region.objects.filter(path__startswith=region.path).values("pk")
    return rows.filter(**{f"{lookup}__in": subtree})


def week_summary(
    region: Region, week_start: datetime.date, today: datetime.date | None = None
) -> WeekSummary:
    """The summary of the week starting on `week_start` (a Monday) in `region`'s subtree; the
    rectifications are those found that week, each counted by what it is `today`."""
    today = today or timezone.localdate()
    end = week_start + WEEK
    summary = WeekSummary(region=region, week_start=week_start)
    inspections = _in_region(
        Inspection.objects.filter(done_on__gte=week_start, done_on__lt=end),
        region, "institution__region",
    )  # fmt: skip
    counts = inspections.aggregate(
        total=Count("pk"), unannounced=Count("pk", filter=Q(unannounced=True)),
        **{method: Count("pk", filter=Q(method=method)) for method in InspectionMethod.values},
    )  # fmt: skip
    summary.inspections, summary.unannounced = counts["total"], counts["unannounced"]
    summary.by_method = {method: counts[method] for method in InspectionMethod.values}
    failed = (
        Answer.objects.filter(inspection__in=inspections.values("pk"), result=AnswerResult.FAIL)
        .values("item__number", "item__text_zh", "item__text_en")
        .annotate(n=Count("pk"))
        .order_by("-n", "item__number")
    )
    english = (get_language() or "").startswith("en")
    summary.findings = [
        (row["item__number"], row["item__text_en"] if english else row["item__text_zh"], row["n"])
        for row in failed
    ]
    found = _in_region(
        Rectification.objects.filter(opened_on__gte=week_start, opened_on__lt=end),
        region, "institution__region",
    )  # fmt: skip
    not_verified = ~Q(status=RectificationStatus.VERIFIED)
    summary.rectifications = found.aggregate(
        total=Count("pk"),
        open=Count("pk", filter=Q(status=RectificationStatus.OPEN)),
        fixed=Count("pk", filter=Q(status=RectificationStatus.FIXED)),
        verified=Count("pk", filter=Q(status=RectificationStatus.VERIFIED)),
        overdue=Count("pk", filter=not_verified & Q(due_date__lt=today)),
    )
    days = [
        (timezone.localdate(fixed_at) - opened_on).days
        for opened_on, fixed_at in found.filter(fixed_at__isnull=False).values_list(
            "opened_on", "fixed_at"
        )
    ]
    summary.median_days_to_fix = float(statistics.median(days)) if days else None
    return summary
