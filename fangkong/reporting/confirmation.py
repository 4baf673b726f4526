"""A banner officer confirms the banner's daily report: the sum of its institutions' reports."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Min, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.audit.services import audit_record
from fangkong.core.errors import field_error
from fangkong.core.exceptions import Forbidden
from fangkong.core.scoping import SYSTEM, scope_of, visible
from fangkong.regions.models import Level, Region
from fangkong.reporting.models import BannerConfirmation, ReportRevision, ReportStatus, text_limit
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
    missing_reason: str = "",
    now: datetime.datetime | None = None,
) -> BannerConfirmation:
    """Confirm `region`'s report for `day`; the league sees it, with its timeliness.

    Only a banner (a county-level unit) confirms, by its own officers or an administrator: a
    league officer cannot take the banner's one confirmation of the day. Confirming while
    institutions have not reported needs `missing_reason`, which the league reads.
    """
    now = now or timezone.now()
    if not may_confirm(actor, region):
        raise Forbidden(_("Only the banner's own officers confirm its report."))
    regime = reporting_regime(region, day, now)
    counts = completeness(user=SYSTEM, region=region, day=day, now=now).total
    remarks, missing_reason = remarks.strip(), missing_reason.strip()
    _check_texts(remarks, missing_reason, unreported=counts.missing + counts.pending)
    due = confirmation_deadline_at(regime, day)
    in_time = is_before_deadline(regime, day, now, due=due)
    status = ReportStatus.ON_TIME if in_time else ReportStatus.LATE
    try:
        with transaction.atomic():
            confirmation = BannerConfirmation.objects.create(
                region=region, day=day, regime=regime, status=status,
                confirmed_by=actor if getattr(actor, "is_authenticated", False) else None,
                confirmed_at=now, remarks=remarks, missing_reason=missing_reason,
                totals=banner_totals(region, day),
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
            "missing_reason": confirmation.missing_reason,
        },
        region_path=region.path,
    )
    return confirmation


# The confirmation's texts as the board's form names them.
TEXT_LABELS = {"remarks": _("Remarks"), "missing_reason": _("Reason for the missing reports")}


def text_limits() -> dict[str, int]:
    """The most characters kept of each of the confirmation's texts (the model's max_length)."""
    return {name: text_limit(BannerConfirmation, name) for name in TEXT_LABELS}


def _check_texts(remarks: str, missing_reason: str, *, unreported: int) -> None:
    """Refuse texts longer than the model keeps, and a confirmation with reports still out
    that does not say why: every problem at once, before anything is written."""
    errors: dict[str, ValidationError] = {}
    limits = text_limits()
    for name, text in (("remarks", remarks), ("missing_reason", missing_reason)):
        if len(text) > (limit := limits[name]):
            errors[name] = ValidationError(
                _("%(field)s: at most %(limit)d characters, not %(length)d."), code="max_length",
                params={"field": TEXT_LABELS[name], "limit": limit, "length": len(text)},
            )  # fmt: skip
    if unreported and not missing_reason:
        errors["missing_reason"] = ValidationError(
            _("%(field)s: required while institutions have not reported (%(count)d now)."),
            code="missing_reason_required",
            params={"field": TEXT_LABELS["missing_reason"], "count": unreported},
        )
    if errors:
        raise ValidationError(errors)


def may_confirm(actor: Any, region: Region) -> bool:
    """Whether `actor` may confirm `region`'s report: a banner, by its officers or an admin."""
    return region.level == Level.COUNTY and _confirms_for(actor, region)


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
