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


@dataclass
class ChildSummary:
    """One child region's part of a week's summary (`region` the parent itself for the
    institutions placed directly in it, so that the parts add up to the whole)."""

    region: Region
    direct: bool
    summary: WeekSummary


def _child_keys(region: Region) -> tuple[dict[int, int], list[tuple[Region, bool]]]:
    """Each region id of the subtree mapped to the id of the child holding it (the parent's
    own id for the parent), and the children in code order, the parent last."""
    children = list(Region.objects.filter(parent=region).order_by("code"))
    by_path = {child.path: child.pk for child in children}
    keys: dict[int, int] = {}
    start = len(region.path)
    for pk, path in Region.objects.filter(path__startswith=region.path).values_list("pk", "path"):
        rest = path[start:]
        keys[pk] = by_path.get(path[: start + rest.find("/") + 1], region.pk) if rest else region.pk
    return keys, [(child, False) for child in children] + [(region, True)]


def children_summaries(
    region: Region, week_start: datetime.date, today: datetime.date | None = None
) -> list[ChildSummary]:
    """The week's summary of `region` broken down by its child regions: the same numbers as
    `week_summary`, grouped by the region of each institution (one grouped query each), so
    that the children's counts add up to the parent's. The part of institutions placed
    directly in the region comes last, and only when it has anything to show."""
    today = today or timezone.localdate()
    end = week_start + WEEK
    keys, order = _child_keys(region)
    parts = {r.pk: WeekSummary(region=r, week_start=week_start) for r, _direct in order}
    for part in parts.values():
        part.by_method = dict.fromkeys(InspectionMethod.values, 0)
        part.rectifications = dict.fromkeys(RECTIFICATION_KEYS, 0)
    inspections = _in_region(
        Inspection.objects.filter(done_on__gte=week_start, done_on__lt=end),
        region, "institution__region",
    )  # fmt: skip
    for row in inspections.values("institution__region_id", "method", "unannounced").annotate(
        n=Count("pk")
    ).order_by():  # fmt: skip
        part = parts[keys[row["institution__region_id"]]]
        part.inspections += row["n"]
        part.by_method[row["method"]] += row["n"]
        part.unannounced += row["n"] if row["unannounced"] else 0
    _fold_findings(parts, keys, inspections)
    _fold_rectifications(parts, keys, region, week_start, end, today)
    return [
        ChildSummary(region=r, direct=direct, summary=parts[r.pk])
        for r, direct in order
        if not direct or parts[r.pk].inspections or parts[r.pk].rectifications["total"]
    ]


RECTIFICATION_KEYS = ("total", "open", "fixed", "verified", "overdue")


def _fold_findings(
    parts: dict[int, WeekSummary], keys: dict[int, int], inspections: QuerySet[Any]
) -> None:
    english = (get_language() or "").startswith("en")
    failed = (
        Answer.objects.filter(inspection__in=inspections.values("pk"), result=AnswerResult.FAIL)
        .values("inspection__institution__region_id", "item__number", "item__text_zh",
                "item__text_en")
        .annotate(n=Count("pk"))
        .order_by()
    )  # fmt: skip
    counts: dict[int, dict[tuple[int, str], int]] = {}
    for row in failed:
        key = (row["item__number"], row["item__text_en"] if english else row["item__text_zh"])
        found = counts.setdefault(keys[row["inspection__institution__region_id"]], {})
        found[key] = found.get(key, 0) + row["n"]
    for pk, found in counts.items():
        parts[pk].findings = sorted(((n, t, c) for (n, t), c in found.items()),
                                    key=lambda f: (-f[2], f[0]))  # fmt: skip


def _fold_rectifications(
    parts: dict[int, WeekSummary],
    keys: dict[int, int],
    region: Region,
    week_start: datetime.date,
    end: datetime.date,
    today: datetime.date,
) -> None:
    found = _in_region(
        Rectification.objects.filter(opened_on__gte=week_start, opened_on__lt=end),
        region, "institution__region",
    )  # fmt: skip
    overdue = ~Q(status=RectificationStatus.VERIFIED) & Q(due_date__lt=today)
    grouped = found.values("institution__region_id", "status").annotate(
        n=Count("pk"), late=Count("pk", filter=overdue)
    ).order_by()  # fmt: skip
    for row in grouped:
        counts = parts[keys[row["institution__region_id"]]].rectifications
        counts["total"] += row["n"]
        counts[row["status"]] += row["n"]
        counts["overdue"] += row["late"]
    days: dict[int, list[int]] = {}
    for region_id, opened_on, fixed_at in found.filter(fixed_at__isnull=False).values_list(
        "institution__region_id", "opened_on", "fixed_at"
    ):  # fmt: skip
        days.setdefault(keys[region_id], []).append((timezone.localdate(fixed_at) - opened_on).days)
    for pk, values in days.items():
        parts[pk].median_days_to_fix = float(statistics.median(values))
