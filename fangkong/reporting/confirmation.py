"""A banner officer confirms the banner's daily report: the sum of its institutions' reports."""

import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Min, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.audit.services import audit_record
from fangkong.core.errors import field_error
from fangkong.core.exceptions import Forbidden
from fangkong.core.scoping import SYSTEM, scope_of, visible
from fangkong.regions.models import Level, Region
from fangkong.reporting.models import BannerConfirmation, ReportRevision, ReportStatus
from fangkong.reporting.rules import confirmation_deadline_at, is_before_deadline
from fangkong.reporting.selectors import completeness
from fangkong.reporting.services import reporting_regime
from fangkong.reporting.template import COUNT_FIELDS, STOCK_FIELDS


def current_revisions(region: Region, day: datetime.date) -> QuerySet[ReportRevision]:
    """The figures in force for `day` of every institution under `region`."""
    return ReportRevision.objects.current().filter(
        report__day=day, report__institution__region__path__startswith=region.path
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
    """Confirm `region`'s report for `day`; the league sees it, with its timeliness.

    Only a banner (a county-level unit) confirms, by its own officers or an administrator: a
    league officer cannot take the banner's one confirmation of the day.
    """
    now = now or timezone.now()
    if region.level != Level.COUNTY or not _confirms_for(actor, region):
        raise Forbidden(_("Only the banner's own officers confirm its report."))
    regime = reporting_regime(region, day, now)
    counts = completeness(user=SYSTEM, region=region, day=day, now=now).total
    due = confirmation_deadline_at(regime, day)
    in_time = is_before_deadline(regime, day, now, due=due)
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


def _confirms_for(actor: Any, region: Region) -> bool:
    officers = scope_of(actor, {"officer"})
    return (
        scope_of(actor, {"admin"}).covers_path(region.path) or region.path in officers.region_paths
    )


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
