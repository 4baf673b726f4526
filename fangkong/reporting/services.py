import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.audit.services import audit_record
from fangkong.core.errors import field_error
from fangkong.core.exceptions import Forbidden, PreconditionFailed, PreconditionRequired
from fangkong.core.schema import MAX_COUNT
from fangkong.core.scoping import scope_of
from fangkong.core.text import has_visible
from fangkong.institutions.models import Institution
from fangkong.regions.models import Region
from fangkong.reporting import early_warning
from fangkong.reporting.models import DailyReport, ReportingRegime, ReportRevision
from fangkong.reporting.rules import local_today, timeliness
from fangkong.reporting.selectors import regime_of
from fangkong.reporting.template import BY_CODE, COUNT_FIELDS, EVENT_FIELDS

REGIME_MANAGERS = {"admin", "officer"}
REPORTERS = {"admin", "officer", "operator"}


@transaction.atomic
def regime_create(
    *,
    actor: Any,
    name: str,
    region_code: str,
    start_date: datetime.date,
    end_date: datetime.date | None = None,
    deadline: datetime.time = datetime.time(16, 0),
    timezone: str = "Asia/Shanghai",
    deadline_inclusive: bool = False,
    confirmation_deadline: datetime.time | None = None,
    reminder_minutes: int = 60,
) -> ReportingRegime:
    """Declare that every institution under the region reports daily from `start_date`."""
    name = name.strip()
    if not name:
        raise field_error("name", _("This field is required."), "required")
    if not has_visible(name):
        raise field_error("name", _("Enter a name with at least one visible character."), "blank")
    for field, moment in (("deadline", deadline), ("confirmation_deadline", confirmation_deadline)):
        if moment is not None and moment.tzinfo is not None:  # the regime's zone says it
            raise field_error(
                field, _("Enter a time of day as HH:MM, without a time zone."), "invalid_time"
            )
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise field_error(
            "timezone", _("Unknown time zone %(zone)s."), "invalid_timezone", zone=timezone
        ) from exc
    if end_date is not None and end_date < start_date:
        raise field_error("end_date", _("The end date is before the start date."), "end_first")
    region = Region.objects.select_for_update().filter(code=region_code).first()
    if region is None or not scope_of(actor, REGIME_MANAGERS).covers_path(region.path):
        raise field_error(
            "region_code", _("No region with code %(code)s in your scope."), "unknown_region",
            code=region_code,
        )  # fmt: skip
    _refuse_overlap(region, start_date, end_date)
    regime = ReportingRegime.objects.create(
        name=name,
        region=region,
        start_date=start_date,
        end_date=end_date,
        deadline=deadline,
        timezone=timezone,
        deadline_inclusive=deadline_inclusive,
        confirmation_deadline=confirmation_deadline,
        reminder_minutes=reminder_minutes,
    )
    audit_record(
        actor=actor,
        action="regime.create",
        target=regime,
        after={
            "region": region.code,
            "start_date": str(start_date),
            "end_date": str(end_date or ""),
            "deadline": deadline.isoformat("minutes"),
            "timezone": timezone,
        },
        region_path=region.path,
    )
    return regime


def _refuse_overlap(
    region: Region, start_date: datetime.date, end_date: datetime.date | None
) -> None:
    for other in ReportingRegime.objects.filter(region=region):
        starts_before_other_ends = other.end_date is None or start_date <= other.end_date
        ends_after_other_starts = end_date is None or end_date >= other.start_date
        if starts_before_other_ends and ends_after_other_starts:
            raise field_error(
                "start_date",
                _("The dates overlap the regime “%(other)s” of the same region."),
                "overlap",
                other=other.name,
            )


@dataclass(frozen=True)
class ReportWarning:
    """A figure worth a second look that does not block the report."""

    field: str
    code: str
    message: str


def validate_figures(figures: dict[str, Any], is_zero: bool) -> dict[str, int]:
    """Return the counts as integers, or raise naming every wrong field at once."""
    errors = figure_errors(figures, is_zero)
    if errors:
        raise ValidationError(errors)
    return {code: figures[code] for code in COUNT_FIELDS}


def figure_errors(figures: dict[str, Any], is_zero: bool) -> dict[str, list[ValidationError]]:
    """Every problem of the figures, by field in the template's order (none: they are fine).

    A field left out (None) is refused, not read as 0: silence is never zero (DESIGN.md); a
    report with nothing to tell is the zero report, which the callers fill in as such.
    """
    errors: dict[str, list[ValidationError]] = {}
    for code in COUNT_FIELDS:
        error = _count_error(figures.get(code))
        if error is not None:
            errors[code] = [error]
    if not errors.keys() & {"tested", "positive"} and figures["positive"] > figures["tested"]:
        errors["positive"] = [ValidationError(
            _("More positive results than people tested."), code="positive_gt_tested"
        )]  # fmt: skip
    if is_zero:
        for code in EVENT_FIELDS:
            if code not in errors and figures[code]:
                errors[code] = [ValidationError(
                    _("A zero report has 0 for %(field)s; submit a full report instead."),
                    code="zero_with_events", params={"field": BY_CODE[code].label},
                )]  # fmt: skip
    return dict(sorted(errors.items(), key=lambda item: COUNT_FIELDS.index(item[0])))


def _count_error(value: Any) -> ValidationError | None:
    if value is None:
        return ValidationError(_("This field is required."), code="required")
    if isinstance(value, bool) or not isinstance(value, int):
        return ValidationError(_("Enter a whole number."), code="not_integer")
    if value < 0:
        return ValidationError(_("Enter a whole number of at least 0."), code="negative")
    if value > MAX_COUNT:
        return ValidationError(
            _("Enter a number of at most %(limit)d."), code="too_large",
            params={"limit": MAX_COUNT},
        )  # fmt: skip
    return None


def report_warnings(
    institution: Institution, day: datetime.date, counts: dict[str, int]
) -> list[ReportWarning]:
    warnings = []
    if counts["residents"] > institution.beds:
        warnings.append(ReportWarning(
            "residents", "above_beds",
            str(_("More residents (%(residents)d) than beds (%(beds)d).")
                % {"residents": counts["residents"], "beds": institution.beds}),
        ))  # fmt: skip
    yesterday = (
        ReportRevision.objects.filter(
            report__institution=institution, report__day=day - datetime.timedelta(days=1)
        )
        .order_by("-number")
        .values("residents", "staff_on_site")
        .first()
    )
    if yesterday is not None:
        for code in ("residents", "staff_on_site"):
            before, now = yesterday[code], counts[code]
            if before and abs(now - before) > max(5, before // 5):
                warnings.append(ReportWarning(
                    code, "sudden_change",
                    str(_("%(field)s changed from %(before)d yesterday to %(now)d.")
                        % {"field": BY_CODE[code].label, "before": before, "now": now}),
                ))  # fmt: skip
    return warnings


def is_on_behalf(actor: Any, institution: Institution) -> bool:
    """Whether `actor` reports for an institution they are not an operator of (代报).

    Decided from the actor's roles, never from what a client says; the system (the command
    line, the demo) is nobody reporting for anyone.
    """
    if not getattr(actor, "is_authenticated", False):
        return False
    return institution.pk not in scope_of(actor, {"operator"}).institution_ids


def may_report(actor: Any, institution: Institution) -> bool:
    scope = scope_of(actor, REPORTERS)
    return scope.covers_path(institution.region.path) or institution.pk in scope.institution_ids


def _check_may_report(actor: Any, institution: Institution) -> None:
    if not may_report(actor, institution):
        raise Forbidden(_("Your role may not submit this institution's report."))


def reporting_regime(region: Region, day: datetime.date, now: datetime.datetime) -> ReportingRegime:
    """The regime `region` reports under on `day`, refusing a day it cannot report for."""
    regime = regime_of(region, day)
    if regime is None:
        raise field_error(
            "date", _("No reporting regime covers %(day)s here."), "outside_regime",
            day=day.isoformat(),
        )  # fmt: skip
    if day > local_today(regime, now):
        raise field_error("date", _("A report cannot be made for a future day."), "future_day")
    return regime


def institution_regime(
    institution: Institution, day: datetime.date, now: datetime.datetime
) -> ReportingRegime:
    """The regime the institution reports under on `day`, refusing a day it was not open."""
    regime = reporting_regime(institution.region, day, now)
    if not institution.is_open_on(day):
        raise field_error(
            "date", _("The institution was not operating on %(day)s."), "not_operating",
            day=day.isoformat(),
        )  # fmt: skip
    return regime


@dataclass(frozen=True)
class SubmitResult:
    report: DailyReport
    created: bool
    warnings: list[ReportWarning]


@transaction.atomic
def report_submit(
    *,
    actor: Any,
    institution: Institution,
    day: datetime.date,
    figures: dict[str, Any],
    is_zero: bool = False,
    notes: str = "",
    reason: str = "",
    if_match: str | None = None,
    now: datetime.datetime | None = None,
    also: Callable[[SubmitResult], None] | None = None,
) -> SubmitResult:
    """Submit the day's report, or amend it as a new revision; nothing is ever overwritten.

    `also` runs inside the same transaction with the result, for what must commit with the
    report or not at all (the API's record of an `Idempotency-Key`).
    """
    now = now or timezone.now()
    _check_may_report(actor, institution)
    regime = institution_regime(institution, day, now)
    counts = validate_figures(figures, is_zero)
    on_behalf = is_on_behalf(actor, institution)
    # Without If-Match this can only be the first submission: the insert itself finds out
    # when it is not (the unique day), so the common case reads nothing first.
    report = None
    if if_match is not None:
        report = (
            DailyReport.objects.select_for_update().filter(institution=institution, day=day).first()
        )
        if report is None:
            raise PreconditionFailed(_("There is no report to amend yet."), "If-Match")
    if report is None:
        report = _create(actor, institution, day, regime, counts, is_zero, notes, now, on_behalf)
        created = True
    else:
        _check_precondition(report, if_match)
        if not reason.strip():
            raise field_error("reason", _("An amendment needs a reason."), "reason_required")
        _amend(actor, report, counts, is_zero, notes, reason.strip(), now, on_behalf)
        created = False
    if any(counts[field] for field in early_warning.WATCHED) or not created:
        early_warning.detect_safely(institution, day)
    result = SubmitResult(report, created, report_warnings(institution, day, counts))
    if also is not None:
        also(result)
    return result


def _check_precondition(report: DailyReport, if_match: str | None) -> None:
    if if_match is None:
        raise PreconditionRequired(
            _("This report exists already: send If-Match with its ETag to amend it."), "If-Match"
        )
    wanted = {tag.strip().removeprefix("W/") for tag in if_match.split(",")}
    if report.etag not in wanted and "*" not in wanted:
        raise PreconditionFailed(
            _("The report was changed since you read it; reload it and try again."), "If-Match"
        )


def _create(
    actor: Any,
    institution: Institution,
    day: datetime.date,
    regime: ReportingRegime,
    counts: dict[str, int],
    is_zero: bool,
    notes: str,
    now: datetime.datetime,
    on_behalf: bool,
) -> DailyReport:
    try:
        # No savepoint: a lost race ends the whole submission, so there is nothing to go back to.
        with transaction.atomic(savepoint=False):
            report = DailyReport.objects.create(
                institution=institution,
                day=day,
                regime=regime,
                status=timeliness(regime, day, now),
                first_submitted_at=now,
            )
    except IntegrityError as exc:
        # Another submission for the same day won the race; this one must now amend.
        raise PreconditionRequired(
            _("This report exists already: send If-Match with its ETag to amend it."), "If-Match"
        ) from exc
    revision = ReportRevision.objects.create(
        report=report, number=1, is_zero=is_zero, notes=notes, author=_author(actor),
        submitted_at=now, on_behalf=on_behalf, **counts,
    )  # fmt: skip
    DailyReport.objects.filter(pk=report.pk).update(current=revision)
    report.current = revision
    audit_record(
        actor=actor,
        action="report.zero" if is_zero else "report.submit",
        target=report,
        after={**counts, "is_zero": is_zero, "status": report.status, "on_behalf": on_behalf},
        region_path=institution.region.path,
        institution_id=institution.pk,
    )
    return report


def _amend(
    actor: Any,
    report: DailyReport,
    counts: dict[str, int],
    is_zero: bool,
    notes: str,
    reason: str,
    now: datetime.datetime,
    on_behalf: bool,
) -> None:
    before = report.current
    revision = ReportRevision.objects.create(
        report=report, number=report.revision + 1, is_zero=is_zero, notes=notes, reason=reason,
        author=_author(actor), submitted_at=now, on_behalf=on_behalf, **counts,
    )  # fmt: skip
    DailyReport.objects.filter(pk=report.pk).update(current=revision, revision=revision.number)
    report.current, report.revision = revision, revision.number
    audit_record(
        actor=actor,
        action="report.amend",
        target=report,
        before={**before.figures(), "is_zero": before.is_zero} if before else None,
        after={
            **counts,
            "is_zero": is_zero,
            "reason": reason,
            "revision": revision.number,
            "on_behalf": on_behalf,
        },
        region_path=report.institution.region.path,
        institution_id=report.institution_id,
    )


def _author(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None
