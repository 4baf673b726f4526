"""A banner officer confirms the banner's daily report: the sum of its institutions' reports."""

import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Min, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.accounts.scoping import SYSTEM, scope_of, visible
from fangkong.audit.services import audit_record
from fangkong.core.errors import field_error
from fangkong.regions.models import Region
from fangkong.reporting.models import BannerConfirmation, ReportRevision, ReportStatus
from fangkong.reporting.rules import confirmation_deadline_at, local_today
from fangkong.reporting.selectors import completeness, regime_groups
from fangkong.reporting.template import COUNT_FIELDS, STOCK_FIELDS

CONFIRMERS = {"admin", "officer"}


def current_revisions(region: Region, day: datetime.date) -> QuerySet[ReportRevision]:
    """The figures in force for `day` of every institution under `region`."""
    return ReportRevision.objects.filter(
        report__day=day,
        report__institution__region__path__startswith=region.path,
        report__current=F("pk"),
    )


def banner_totals(region: Region, day: datetime.date) -> dict[str, int]:
    """The banner's figures: sums, and the minimum of stock fields (see `template.total`)."""
    sums = current_revisions(region, day).aggregate(
        **{f: Min(f) if f in STOCK_FIELDS else Sum(f) for f in COUNT_FIELDS}
    )
    return {field: value or 0 for field, value in sums.items()}


@transaction.atomic
def banner_confirm(
    *,
    actor: Any,
    region: Region,
    day: datetime.date,
    remarks: str = "",
    now: datetime.datetime | None = None,
) -> BannerConfirmation:
    """Confirm `region`'s report for `day`; the league sees it, with its timeliness."""
    now = now or timezone.now()
    if not scope_of(actor, CONFIRMERS).covers_path(region.path):
        raise field_error(
            "region", _("Only the region's officers confirm its report."), "forbidden"
        )
    groups = regime_groups(region, day, now)
    if not groups:
        raise field_error(
            "date", _("No reporting regime covers %(day)s here."), "outside_regime",
            day=day.isoformat(),
        )  # fmt: skip
    regime = groups[0].regime
    if day > local_today(regime, now):
        raise field_error("date", _("A report cannot be made for a future day."), "future_day")
    counts = completeness(user=SYSTEM, region=region, day=day, now=now).total
    in_time = now < confirmation_deadline_at(regime, day)
    status = ReportStatus.ON_TIME if in_time else ReportStatus.LATE
    try:
        with transaction.atomic():
            confirmation = BannerConfirmation.objects.create(
                region=region, day=day, regime=regime, status=status,
                confirmed_by=actor if getattr(actor, "is_authenticated", False) else None,
                confirmed_at=now, remarks=remarks.strip(), totals=banner_totals(region, day),
                reports=counts.received, expected=counts.expected,
            )  # fmt: skip
    except IntegrityError as exc:
        raise field_error(
            "date", _("This day's report of %(region)s is confirmed already."), "confirmed",
            region=region.name,
        ) from exc  # fmt: skip
    audit_record(
        actor=actor,
        action="report.confirm",
        target=confirmation,
        after={
            "status": status,
            "reports": counts.received,
            "expected": counts.expected,
            "remarks": confirmation.remarks,
        },
        region_path=region.path,
    )
    return confirmation


def confirmations_of_children(
    *, user: Any, region: Region, day: datetime.date
) -> list[tuple[Region, BannerConfirmation | None]]:
    """Each child region of `region` with its confirmation for `day`, if any."""
    children = list(visible(region.children.all(), user).order_by("code"))
    confirmed = {
        c.region_id: c
        for c in BannerConfirmation.objects.filter(region__in=children, day=day).select_related(
            "confirmed_by"
        )
    }
    return [(child, confirmed.get(child.pk)) for child in children]
