"""Reminders before the deadline and escalations after it.

Before a regime's deadline (by `reminder_minutes`) the operators of each institution that has
not reported are reminded; from the deadline on, the officers of the regime's region and of each
child region are told which of their institutions are missing, and the region's group robots
hear it too. A regime nested in another with a later deadline (a banner's own, until 17:00,
in a league's until 16:00) also tells the officers of the enclosing regime's region at its own
deadline. Yesterday's escalations are tried as well, so a worker that was down over local
midnight still sends them when it comes back.

Once only, and delivered: each message goes through `fangkong.notifications.services.notify`,
which claims it with a `Dispatch(unit, day, kind)` row (the second claim of any run fails and
sends nothing), fills the inbox in the same transaction, and leaves each e-mail and robot
delivery to the background worker, which retries it until it gets through (see that module).
This module decides only *who* hears *what* and *when*.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from fangkong.accounts.models import User
from fangkong.audit.services import audit_record
from fangkong.core.errors import field_error
from fangkong.core.exceptions import Forbidden
from fangkong.core.scoping import SYSTEM, scope_of
from fangkong.inspections import reminders as inspection_reminders
from fangkong.institutions.models import Institution
from fangkong.liaison import reminders as liaison_reminders
from fangkong.liaison.services import roles_sync
from fangkong.notifications.messages import Message, in_each_language
from fangkong.notifications.models import Dispatch, Webhook
from fangkong.notifications.recipients import Directory, operators_of
from fangkong.notifications.services import notify
from fangkong.regions.models import Region
from fangkong.reporting.models import (
    DailyReport,
    DispatchKind,
    ReportingRegime,
    UnitStatus,
)
from fangkong.reporting.rules import deadline_at, is_before_deadline, local_time, local_today
from fangkong.reporting.selectors import day_plan, unit_list
from fangkong.reporting.services import institution_regime
from fangkong.reporting.template import BY_CODE
from fangkong.screening import reminders as screening_reminders
from fangkong.surveillance.models import Aberration
from fangkong.surveillance.selectors import signals_in_force

MISSING_LISTED = 30  # an escalation names this many institutions, then counts the rest
ONE_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class DueRun:
    """How many units were claimed and told in one run."""

    reminders: int
    escalations: int
    signals: int = 0
    liaison_gaps: int = 0
    rectifications: int = 0
    follow_ups: int = 0


def run_due(*, now: datetime.datetime) -> DueRun:
    """Send whatever reminders and escalations are due at `now`; safe to run any number of times."""
    regimes = recent_regimes(now)
    # The liaison role follows the assignments: it comes on the first day and goes after the last.
    roles_sync(today=timezone.localdate(now))
    return DueRun(
        reminders=_send_reminders(regimes, now),
        escalations=_send_escalations(regimes, now),
        signals=send_signals(now=now),
        liaison_gaps=_send_liaison_gaps(regimes, now),
        # Overdue rectifications: told on any run, whatever the regimes.
        rectifications=inspection_reminders.send_overdue(now=now),
        # Overdue follow-ups of close contacts, likewise.
        follow_ups=screening_reminders.send_overdue(now=now),
    )


def recent_regimes(now: datetime.datetime) -> list[ReportingRegime]:
    """The regimes that cover today or yesterday, each in its own time zone."""
    regimes = ReportingRegime.objects.select_related("region").order_by("region__path")
    return [regime for regime in regimes if any(map(regime.covers, _recent_days(regime, now)))]


def _recent_days(regime: ReportingRegime, now: datetime.datetime) -> tuple[datetime.date, ...]:
    today = local_today(regime, now)
    return (today - ONE_DAY, today)


# Reminders --------------------------------------------------------------------------------


def in_reminder_window(regime: ReportingRegime, day: datetime.date, now: datetime.datetime) -> bool:
    """Whether `now` lies between the reminder time and the deadline of `day`."""
    if not regime.reminder_minutes:
        return False
    opens = deadline_at(regime, day) - datetime.timedelta(minutes=regime.reminder_minutes)
    return opens <= now and is_before_deadline(regime, day, now)


def _send_reminders(regimes: list[ReportingRegime], now: datetime.datetime) -> int:
    return sum(_remind_regime(regime, now) for regime in regimes)


def _remind_regime(regime: ReportingRegime, now: datetime.datetime) -> int:
    day = local_today(regime, now)
    if not (regime.covers(day) and in_reminder_window(regime, day, now)):
        return 0
    done = _dispatched(day, DispatchKind.REMINDER)
    units = [u for u in _pending_units(regime, day, now) if _institution_key(u) not in done]
    operators = operators_of([unit.pk for unit in units])
    return sum(
        _remind(regime, day, unit, operators[unit.pk]) for unit in units if unit.pk in operators
    )


def _remind(
    regime: ReportingRegime, day: datetime.date, unit: Institution, users: list[User]
) -> int:
    return _dispatch(
        unit=_institution_key(unit), day=day, kind=DispatchKind.REMINDER, users=users,
        webhooks=[], message=reminder_message(regime, day, unit),
        detail={"institution": unit.code}, region_path=unit.region.path, institution_id=unit.pk,
    )  # fmt: skip


def _institution_key(unit: Institution) -> str:
    return f"institution:{unit.code}"


def _pending_units(
    regime: ReportingRegime, day: datetime.date, now: datetime.datetime
) -> QuerySet[Institution]:
    """The institutions this regime governs (not a nested one) that have not reported yet."""
    plan = day_plan(regime.region, day, now)
    own = [pk for pk, governing in plan.regime_of.items() if governing.pk == regime.pk]
    units = unit_list(
        user=SYSTEM, region=regime.region, day=day, now=now, status=UnitStatus.PENDING, plan=plan
    )
    return units.filter(region_id__in=own)


# Remind now (催报) -------------------------------------------------------------------------

REMINDERS = {"admin", "officer"}


def may_remind_in(actor: Any, region: Region) -> bool:
    """Whether `actor` may remind the institutions of `region` (催报)."""
    return scope_of(actor, REMINDERS).covers_path(region.path)


def may_remind(actor: Any, institution: Institution) -> bool:
    """Whether `actor` may remind this institution: an officer over its region."""
    return may_remind_in(actor, institution.region)


def reminded(institution: Institution, day: datetime.date) -> Dispatch | None:
    """The reminder an officer sent this institution for `day`, if one was sent."""
    key = _institution_key(institution)
    return Dispatch.objects.filter(unit=key, day=day, kind=DispatchKind.REMIND_NOW).first()


@transaction.atomic
def remind_now(
    *,
    actor: Any,
    institution: Institution,
    day: datetime.date,
    now: datetime.datetime | None = None,
) -> Dispatch | None:
    """Remind the institution's operators now that `day`'s report is missing (催报).

    Once per institution and day, on every channel (inbox, e-mail, the region's group robots);
    under a kind of its own, so the scheduled reminder before the deadline neither blocks it
    nor is blocked by it. Return the dispatch, or None when it had been sent already.
    """
    now = now or timezone.now()
    if not may_remind(actor, institution):
        raise Forbidden(_("Only an officer over the institution may remind it."))
    regime = institution_regime(institution, day, now)
    if day < local_today(regime, now) - datetime.timedelta(days=1):
        raise field_error("date", _("A reminder goes out for today's or yesterday's report only."),
                          "too_old")  # fmt: skip
    if DailyReport.objects.filter(institution=institution, day=day).exists():
        raise field_error("date", _("The institution has already reported for %(day)s."),
                          "already_reported", day=day.isoformat())  # fmt: skip
    operators = operators_of([institution.pk]).get(institution.pk, [])
    webhooks = Directory.of([institution.region]).webhooks_of(institution.region)
    if not (operators or webhooks):
        raise field_error("institution", _("Nobody to remind: the institution has no operator "
                                          "account and its region no group robot; please phone."),
                          "nobody_to_remind")  # fmt: skip
    message = remind_now_message(regime, day, institution, now)
    dispatch = notify(
        recipients=operators, kind=DispatchKind.REMIND_NOW, key=_institution_key(institution),
        day=day, subject=message.title, body=message.body, texts=message.texts,
        webhooks=webhooks, region_path=institution.region.path, institution_id=institution.pk,
        detail={"institution": institution.code, "by": getattr(actor, "pk", None)},
    )  # fmt: skip
    if dispatch is not None:
        audit_record(
            actor=actor, action="report.remind", target=dispatch,
            after={"institution": institution.code, "day": day.isoformat(),
                   "recipients": len(operators), "robots": len(webhooks)},
            region_path=institution.region.path, institution_id=institution.pk,
        )  # fmt: skip
    return dispatch


def remind_now_message(
    regime: ReportingRegime, day: datetime.date, institution: Institution, now: datetime.datetime
) -> Message:
    before_deadline = is_before_deadline(regime, day, now)

    def write() -> tuple[str, str]:
        values = {
            "institution": institution.name,
            "day": _day_label(day),
            "deadline": _deadline_label(regime),
        }
        title = gettext("Please submit the daily report for %(day)s") % values
        if before_deadline:
            text = gettext(
                "The bureau reminds %(institution)s: the daily report for %(day)s has not "
                "been received; the deadline is %(deadline)s. Please submit it now."
            )
        else:
            text = gettext(
                "The bureau reminds %(institution)s: the daily report for %(day)s has not "
                "been received and its deadline (%(deadline)s) has passed. Please submit it now; "
                "it will count as late."
            )
        return title, text % values

    return in_each_language(write)


# Escalations ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Missing:
    """How many institutions of a region are missing, and the first `MISSING_LISTED` of them."""

    count: int
    listed: list[Institution]


def _send_escalations(regimes: list[ReportingRegime], now: datetime.datetime) -> int:
    return sum(
        _escalate_day(regime, day, now, _regions_with_regime(regimes, day))
        + _escalate_upward(regime, day, now, regimes)
        for regime in regimes
        for day in escalation_days(regime, now)
    )


def escalation_days(regime: ReportingRegime, now: datetime.datetime) -> list[datetime.date]:
    """Yesterday and today, when the regime covers them and their deadline has passed.

    Yesterday's are normally claimed already; they go out now if the worker was down at the
    deadline and stayed down past local midnight.
    """
    return [
        day
        for day in _recent_days(regime, now)
        if regime.covers(day) and not is_before_deadline(regime, day, now)
    ]


def _regions_with_regime(regimes: list[ReportingRegime], day: datetime.date) -> set[int]:
    return {regime.region_id for regime in regimes if regime.covers(day)}


def _escalate_day(
    regime: ReportingRegime, day: datetime.date, now: datetime.datetime, with_own_regime: set[int]
) -> int:
    done = _dispatched(day, DispatchKind.ESCALATION)
    regions = [region for region in escalation_regions(regime, with_own_regime)
               if _region_key(region) not in done]  # fmt: skip
    if not regions:
        return 0
    directory = Directory.of(regions)
    return sum(_escalate(regime, day, now, region, directory) for region in regions)


def escalation_regions(regime: ReportingRegime, with_own_regime: set[int]) -> list[Region]:
    """The regime's region and its children, except children that run a regime of their own.

    A league's officers hear of the whole league, each banner's officers of their banner; a
    banner with its own regime is told at its own deadline when that regime runs.
    """
    children = regime.region.children.exclude(pk__in=with_own_regime).order_by("code")
    return [regime.region, *children]


def _region_key(region: Region, to: Region | None = None) -> str:
    """A region's escalation, or that of a nested regime's region told to the region above."""
    return f"region:{to.code}:{region.code}" if to else f"region:{region.code}"


def enclosing_regime(
    regime: ReportingRegime, regimes: list[ReportingRegime], day: datetime.date
) -> ReportingRegime | None:
    """The nearest other regime above `regime`'s region on `day` (a banner's league's)."""
    above = [
        other
        for other in regimes
        if other.covers(day)
        and other.region_id != regime.region_id
        and regime.region.path.startswith(other.region.path)
    ]
    return max(above, key=lambda other: other.region.depth, default=None)


def _escalate_upward(
    regime: ReportingRegime,
    day: datetime.date,
    now: datetime.datetime,
    regimes: list[ReportingRegime],
) -> int:
    """Tell the officers of the enclosing regime's region of this nested regime's missing.

    Their own escalation went out at their deadline, when these institutions were still
    within a later one; a league hears of its banners once each, under a key of its own.
    """
    outer = enclosing_regime(regime, regimes, day)
    if outer is None or deadline_at(regime, day) <= deadline_at(outer, day):
        return 0  # none, or the enclosing escalation came later and listed these already
    above = outer.region
    key = _region_key(regime.region, to=above)
    if Dispatch.objects.filter(unit=key, day=day, kind=DispatchKind.ESCALATION).exists():
        return 0
    return _escalate(regime, day, now, regime.region, Directory.of([above]), to=above)


def _escalate(
    regime: ReportingRegime,
    day: datetime.date,
    now: datetime.datetime,
    region: Region,
    directory: Directory,
    *,
    to: Region | None = None,
) -> int:
    """Tell the officers and robots of `region`, or of `to` above it, of `region`'s missing."""
    told = to or region
    officers, webhooks = directory.officers_of(told), directory.webhooks_of(told)
    if not (officers or webhooks):
        return 0  # nobody to tell: the missing units are not even counted
    missing = missing_units(region, day, now)
    if not missing.count:
        return 0
    detail = {"region": region.code, "missing": missing.count,
              "listed": [unit.code for unit in missing.listed]}  # fmt: skip
    if to is not None:
        detail["to"] = to.code
    return _dispatch(
        unit=_region_key(region, to=to), day=day, kind=DispatchKind.ESCALATION, users=officers,
        webhooks=webhooks, message=escalation_message(regime, day, region, missing),
        detail=detail, region_path=region.path,
    )  # fmt: skip


def missing_units(region: Region, day: datetime.date, now: datetime.datetime) -> Missing:
    """Count the region's missing institutions on `day` and load the first `MISSING_LISTED`."""
    units = unit_list(user=SYSTEM, region=region, day=day, now=now, status=UnitStatus.MISSING)
    listed = list(units[:MISSING_LISTED])
    count = units.count() if len(listed) == MISSING_LISTED else len(listed)
    return Missing(count, listed)


# Liaison gaps ---------------------------------------------------------------------------------

# The officers' morning notice: institutions without both liaisons on a day a regime covers,
# sent once in this window of the regime's morning (a worker down all morning skips it; the
# coverage page still shows the gaps).
MORNING = (datetime.time(7, 0), datetime.time(9, 0))


def _send_liaison_gaps(regimes: list[ReportingRegime], now: datetime.datetime) -> int:
    sent = 0
    for regime in regimes:
        day = local_today(regime, now)
        if regime.covers(day) and MORNING[0] <= local_time(regime, now).time() < MORNING[1]:
            regions = escalation_regions(regime, _regions_with_regime(regimes, day))
            sent += liaison_reminders.send_gaps(regions=regions, day=day)
    return sent


# Early-warning signals ------------------------------------------------------------------------

SIGNAL_LOOKBACK_DAYS = 2


def send_signals(*, now: datetime.datetime) -> int:
    """Tell the officers above each institution with a new early-warning signal, once."""
    signals = _unsent_signals(since=timezone.localdate(now) - SIGNAL_LOOKBACK_DAYS * ONE_DAY)
    if not signals:
        return 0
    regions = {signal.institution.region for signal in signals}
    directory = Directory.of(regions, with_ancestors=True)
    return sum(_send_signal(signal, directory) for signal in signals)


def _unsent_signals(*, since: datetime.date) -> list[Aberration]:
    """The signals since a day that are still in force and were not sent yet."""
    done = set(
        Dispatch.objects.filter(kind=DispatchKind.SIGNAL, day__gte=since).values_list("unit", "day")
    )
    signals = (
        signals_in_force(since=since).select_related("institution__region").order_by("day", "pk")
    )
    return [signal for signal in signals if (_signal_key(signal), signal.day) not in done]


def _signal_key(signal: Aberration) -> str:
    return f"institution:{signal.institution.code}:{signal.field}"


def _send_signal(signal: Aberration, directory: Directory) -> int:
    region = signal.institution.region
    officers, webhooks = directory.officers_above(region), directory.webhooks_of(region)
    if not (officers or webhooks):
        return 0
    return _dispatch(
        unit=_signal_key(signal), day=signal.day, kind=DispatchKind.SIGNAL, users=officers,
        webhooks=webhooks, message=signal_message(signal),
        detail={"institution": signal.institution.code, "field": signal.field,
                "value": signal.value, "methods": signal.methods},
        region_path=region.path, institution_id=signal.institution_id,
    )  # fmt: skip


def signal_message(signal: Aberration) -> Message:
    def write() -> tuple[str, str]:
        values = {
            "institution": signal.institution.name,
            "day": _day_label(signal.day),
            "field": BY_CODE[signal.field].label,
            "value": signal.value,
            "why": signal.methods_label,  # in words, not the methods' codes
        }
        title = gettext("Early warning: %(institution)s, %(field)s") % values
        body = gettext(
            "Early warning: %(institution)s reported %(value)d for “%(field)s” on %(day)s, "
            "%(why)s. Please check on it."
        )
        return title, body % values

    return in_each_language(write)


# Claim, inbox, then the external channels -------------------------------------------------


def _dispatched(day: datetime.date, kind: str) -> set[str]:
    """Units already claimed for `day`: skipped without trying (the constraint still rules)."""
    return set(Dispatch.objects.filter(day=day, kind=kind).values_list("unit", flat=True))


def _dispatch(
    *,
    unit: str,
    day: datetime.date,
    kind: str,
    users: Sequence[User],
    webhooks: Sequence[Webhook],
    message: Message,
    detail: dict[str, Any],
    region_path: str,
    institution_id: int | None = None,
) -> int:
    """Send the message once (see the module's docstring); 1 when this run claimed it, else 0."""
    dispatch = notify(
        recipients=users, kind=kind, key=unit, day=day, subject=message.title,
        body=message.body, texts=message.texts, webhooks=webhooks, detail=detail,
        region_path=region_path,
        institution_id=institution_id,
    )  # fmt: skip
    return 0 if dispatch is None else 1


# Messages (in every language: the worker has no request, see notifications.messages) -------


def _day_label(day: datetime.date) -> str:
    return date_format(day, "MONTH_DAY_FORMAT")


def _deadline_label(regime: ReportingRegime) -> str:
    return regime.deadline.strftime("%H:%M")


def reminder_message(
    regime: ReportingRegime, day: datetime.date, institution: Institution
) -> Message:
    def write() -> tuple[str, str]:
        values = {
            "institution": institution.name,
            "day": _day_label(day),
            "deadline": _deadline_label(regime),
        }
        title = gettext("Reminder: today's daily report is due at %(deadline)s") % values
        body = gettext(
            "Reminder: %(institution)s has not yet submitted today's report (%(day)s); "
            "the deadline is %(deadline)s."
        )
        return title, body % values

    return in_each_language(write)


def escalation_message(
    regime: ReportingRegime, day: datetime.date, region: Region, missing: Missing
) -> Message:
    def write() -> tuple[str, str]:
        values = {
            "region": region.name,
            "day": _day_label(day),
            "deadline": _deadline_label(regime),
            "count": missing.count,
        }
        title = gettext("Missing daily reports: %(region)s, %(day)s") % values
        head = ngettext(
            "%(count)d institution in %(region)s has not submitted the daily report "
            "for %(day)s (deadline %(deadline)s):",
            "%(count)d institutions in %(region)s have not submitted the daily report "
            "for %(day)s (deadline %(deadline)s):",
            missing.count,
        )
        return title, "\n".join([head % values, *_missing_lines(region, missing)])

    return in_each_language(write)


def _missing_lines(region: Region, missing: Missing) -> list[str]:
    lines = [
        f"{number}. {_unit_label(region, unit)}"
        for number, unit in enumerate(missing.listed, start=1)
    ]
    rest = missing.count - len(missing.listed)
    if rest > 0:
        lines.append(ngettext("… and %(count)d more.", "… and %(count)d more.", rest)
                     % {"count": rest})  # fmt: skip
    return lines


def _unit_label(region: Region, unit: Institution) -> str:
    """The institution's name, with its own region's when that is below `region`."""
    if unit.region_id == region.pk:
        return unit.name
    return gettext("%(institution)s (%(region)s)") % {
        "institution": unit.name,
        "region": unit.region.name,
    }
