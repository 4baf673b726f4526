"""Reminders before the deadline and escalations after it.

Before a regime's deadline (by `reminder_minutes`) the operators of each institution that has
not reported are reminded; from the deadline on, the officers of the regime's region and of each
child region are told which of their institutions are missing, and the region's group robots
hear it too.

Once only. Every message is first *claimed* by inserting a `Dispatch(unit, day, kind)` row; the
unique constraint lets exactly one insert succeed, however many workers run, however often, and
after any restart. The claim, the inbox rows and the audit event commit together; e-mail and
robots go out only after that commit (`transaction.on_commit`). So:

- a worker that runs twice, or two workers at once: the second insert fails, nothing is sent;
- a crash before the commit: nothing was claimed or sent, the next run sends it;
- a crash after the commit but before e-mail and robots are done: the inbox has the message,
  the external sends are lost and are *not* retried (the dispatch's `detail` then lacks
  `emailed`, which shows it).

That is at-most-once for the external channels, chosen on purpose: a reminder repeated in a
bureau's group chat or mailbox is noise that teaches people to ignore the next one, while a
lost one is rare (a crash in a window of milliseconds) and the in-app inbox still has it.
"""

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext, override

from fangkong.accounts.models import Role, RoleGrant, User
from fangkong.accounts.scoping import SYSTEM
from fangkong.audit.services import audit_record
from fangkong.institutions.models import Institution
from fangkong.regions.models import Region
from fangkong.reporting import notify
from fangkong.reporting.models import (
    Aberration,
    Dispatch,
    DispatchKind,
    ReportingRegime,
    UnitStatus,
    Webhook,
)
from fangkong.reporting.rules import deadline_at, is_before_deadline, local_today
from fangkong.reporting.selectors import regime_groups, unit_list

MISSING_LISTED = 30  # an escalation names this many institutions, then counts the rest


@dataclass(frozen=True)
class Message:
    title: str
    body: str


@dataclass(frozen=True)
class DueRun:
    """How many units were claimed and told in one run."""

    reminders: int
    escalations: int
    signals: int = 0


def active_regimes(now: datetime.datetime) -> list[ReportingRegime]:
    """The regimes that cover the current day in their own time zone."""
    regimes = ReportingRegime.objects.select_related("region").order_by("region__path")
    return [regime for regime in regimes if regime.covers(local_today(regime, now))]


def run_due(*, now: datetime.datetime) -> DueRun:
    """Send whatever reminders and escalations are due at `now`; safe to run any number of times."""
    regimes = active_regimes(now)
    return DueRun(
        reminders=_send_reminders(regimes, now),
        escalations=_send_escalations(regimes, now),
        signals=send_signals(now=now),
    )


def send_reminders(*, now: datetime.datetime) -> int:
    return _send_reminders(active_regimes(now), now)


def send_escalations(*, now: datetime.datetime) -> int:
    return _send_escalations(active_regimes(now), now)


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
    if not in_reminder_window(regime, day, now):
        return 0
    done = _dispatched(day, DispatchKind.REMINDER)
    operators = _operators_under(regime.region)
    sent = 0
    for unit in _pending_units(regime, day, now):
        key = f"institution:{unit.code}"
        users = operators.get(unit.pk, [])
        if key in done or not users:
            continue
        sent += _dispatch(
            unit=key, day=day, kind=DispatchKind.REMINDER, users=users, webhooks=[],
            message=reminder_message(regime, day, unit), detail={"institution": unit.code},
            region_path=unit.region.path, institution_id=unit.pk,
        )  # fmt: skip
    return sent


def _pending_units(
    regime: ReportingRegime, day: datetime.date, now: datetime.datetime
) -> QuerySet[Institution]:
    """The institutions this regime governs (not a nested one) that have not reported yet."""
    own = [g.condition for g in regime_groups(regime.region, day, now) if g.regime.pk == regime.pk]
    units = unit_list(
        user=SYSTEM, region=regime.region, day=day, now=now, status=UnitStatus.PENDING
    )
    return units.filter(own[0]) if own else units.none()


def _operators_under(region: Region) -> dict[int, list[User]]:
    """The active operators of every institution under `region`, by institution id."""
    grants = (
        RoleGrant.objects.filter(
            role=Role.OPERATOR,
            institution__region__path__startswith=region.path,
            user__is_active=True,
        )
        .select_related("user")
        .order_by("user__username")
    )
    operators: dict[int, list[User]] = defaultdict(list)
    for grant in grants:
        if grant.institution_id is not None:
            operators[grant.institution_id].append(grant.user)
    return operators


# Escalations ------------------------------------------------------------------------------


def _send_escalations(regimes: list[ReportingRegime], now: datetime.datetime) -> int:
    with_own_regime = {regime.region_id for regime in regimes}
    return sum(_escalate_regime(regime, now, with_own_regime) for regime in regimes)


def _escalate_regime(
    regime: ReportingRegime, now: datetime.datetime, with_own_regime: set[int]
) -> int:
    day = local_today(regime, now)
    if is_before_deadline(regime, day, now):
        return 0
    done = _dispatched(day, DispatchKind.ESCALATION)
    return sum(
        _escalate(regime, day, now, region)
        for region in escalation_regions(regime, with_own_regime)
        if f"region:{region.code}" not in done
    )


def escalation_regions(regime: ReportingRegime, with_own_regime: set[int]) -> list[Region]:
    """The regime's region and its children, except children that run a regime of their own.

    A league's officers hear of the whole league, each banner's officers of their banner; a
    banner with its own regime is told at its own deadline when that regime runs.
    """
    children = regime.region.children.exclude(pk__in=with_own_regime).order_by("code")
    return [regime.region, *children]


def _escalate(
    regime: ReportingRegime, day: datetime.date, now: datetime.datetime, region: Region
) -> int:
    missing = list(
        unit_list(user=SYSTEM, region=region, day=day, now=now, status=UnitStatus.MISSING)
    )
    officers = _officers_of(region)
    webhooks = list(Webhook.objects.filter(region=region, active=True).order_by("pk"))
    if not missing or not (officers or webhooks):
        return 0
    return _dispatch(
        unit=f"region:{region.code}", day=day, kind=DispatchKind.ESCALATION, users=officers,
        webhooks=webhooks, message=escalation_message(regime, day, region, missing),
        detail={"region": region.code, "missing": [unit.code for unit in missing]},
        region_path=region.path,
    )  # fmt: skip


def _officers_of(region: Region) -> list[User]:
    """The active officers granted on `region` itself (not those of a parent or a child)."""
    return list(
        User.objects.filter(is_active=True, grants__role=Role.OFFICER, grants__region=region)
        .distinct()
        .order_by("username")
    )


# Early-warning signals ------------------------------------------------------------------------

SIGNAL_LOOKBACK_DAYS = 2


def send_signals(*, now: datetime.datetime) -> int:
    """Tell the officers above each institution with a new early-warning signal, once."""
    since = now.date() - datetime.timedelta(days=SIGNAL_LOOKBACK_DAYS)
    done = set(
        Dispatch.objects.filter(kind=DispatchKind.SIGNAL, day__gte=since).values_list("unit", "day")
    )
    sent = 0
    signals = Aberration.objects.filter(day__gte=since).select_related("institution__region")
    for signal in signals.order_by("day", "pk"):
        unit = f"institution:{signal.institution.code}:{signal.field}"
        if (unit, signal.day) in done:
            continue
        region = signal.institution.region
        officers = _officers_above(region)
        webhooks = list(Webhook.objects.filter(region=region, active=True).order_by("pk"))
        if not (officers or webhooks):
            continue
        sent += _dispatch(
            unit=unit, day=signal.day, kind=DispatchKind.SIGNAL, users=officers,
            webhooks=webhooks, message=signal_message(signal),
            detail={"institution": signal.institution.code, "field": signal.field,
                    "value": signal.value, "methods": signal.methods},
            region_path=region.path, institution_id=signal.institution_id,
        )  # fmt: skip
    return sent


def _officers_above(region: Region) -> list[User]:
    """The active officers of `region` and of every region above it (a banner and its league)."""
    return list(
        User.objects.filter(
            is_active=True,
            grants__role=Role.OFFICER,
            grants__region__path__in=_ancestor_paths(region),
        )
        .distinct()
        .order_by("username")
    )


def _ancestor_paths(region: Region) -> list[str]:
    return [region.path[: i + 1] for i, c in enumerate(region.path) if c == "/"]


def signal_message(signal: Aberration) -> Message:
    with override(settings.LANGUAGE_CODE):
        values = {
            "institution": signal.institution.name,
            "day": _day_label(signal.day),
            "field": signal.field_label,
            "value": signal.value,
            "methods": signal.methods,
        }
        title = gettext("Early warning: %(institution)s, %(field)s") % values
        body = (
            gettext(
                "Early warning (EARS %(methods)s): %(institution)s reported %(value)d for "
                "“%(field)s” on %(day)s, well above its recent days. Please check on it."
            )
            % values
        )
    return Message(title, body)


# Claim, inbox, then the external channels -------------------------------------------------


def _dispatched(day: datetime.date, kind: str) -> set[str]:
    """Units already claimed for `day`: skipped without trying (the constraint still rules)."""
    return set(Dispatch.objects.filter(day=day, kind=kind).values_list("unit", flat=True))


def _claim(unit: str, day: datetime.date, kind: str, detail: dict[str, Any]) -> Dispatch | None:
    """Insert the dispatch row, or return None when another run already has."""
    try:
        with transaction.atomic():
            return Dispatch.objects.create(unit=unit, day=day, kind=kind, detail=detail)
    except IntegrityError:
        return None


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
    """Claim (unit, day, kind) and fill the inbox in one transaction; e-mail and post after it.

    Return 1 when this run claimed the unit, 0 when another had (see the module's docstring).
    """
    detail = {**detail, "recipients": [user.pk for user in users]}
    with transaction.atomic():
        dispatch = _claim(unit, day, kind, detail)
        if dispatch is None:
            return 0
        for user in users:
            notify.inbox(user, kind, message.title, message.body, day)
        audit_record(
            actor=SYSTEM, action=f"{kind}.send", target=dispatch, after=detail,
            region_path=region_path, institution_id=institution_id,
        )  # fmt: skip
        transaction.on_commit(
            partial(_deliver, dispatch, list(users), list(webhooks), message), robust=True
        )
    return 1


def _deliver(
    dispatch: Dispatch, users: list[User], webhooks: list[Webhook], message: Message
) -> None:
    """Send the external channels, then note on the dispatch what went out."""
    emailed = notify.email(users, message.title, message.body)
    posted = {str(hook.pk): notify.post_webhook(hook, message.title, message.body)
              for hook in webhooks}  # fmt: skip
    Dispatch.objects.filter(pk=dispatch.pk).update(
        detail={**dispatch.detail, "emailed": emailed, "posted": posted}
    )


# Messages (in the site's language: the worker has no request) ----------------------------


def _day_label(day: datetime.date) -> str:
    return date_format(day, "MONTH_DAY_FORMAT")


def _deadline_label(regime: ReportingRegime) -> str:
    return regime.deadline.strftime("%H:%M")


def reminder_message(
    regime: ReportingRegime, day: datetime.date, institution: Institution
) -> Message:
    with override(settings.LANGUAGE_CODE):
        values = {
            "institution": institution.name,
            "day": _day_label(day),
            "deadline": _deadline_label(regime),
        }
        title = gettext("Reminder: today's daily report is due at %(deadline)s") % values
        body = (
            gettext(
                "Reminder: %(institution)s has not yet submitted today's report (%(day)s); "
                "the deadline is %(deadline)s."
            )
            % values
        )
    return Message(title, body)


def escalation_message(
    regime: ReportingRegime, day: datetime.date, region: Region, missing: Sequence[Institution]
) -> Message:
    with override(settings.LANGUAGE_CODE):
        values = {
            "region": region.name,
            "day": _day_label(day),
            "deadline": _deadline_label(regime),
            "count": len(missing),
        }
        title = gettext("Missing daily reports: %(region)s, %(day)s") % values
        head = (
            ngettext(
                "%(count)d institution in %(region)s has not submitted the daily report "
                "for %(day)s (deadline %(deadline)s):",
                "%(count)d institutions in %(region)s have not submitted the daily report "
                "for %(day)s (deadline %(deadline)s):",
                len(missing),
            )
            % values
        )
        lines = [head, *_missing_lines(region, missing)]
    return Message(title, "\n".join(lines))


def _missing_lines(region: Region, missing: Sequence[Institution]) -> list[str]:
    lines = [
        f"{number}. {_unit_label(region, unit)}"
        for number, unit in enumerate(missing[:MISSING_LISTED], start=1)
    ]
    rest = len(missing) - MISSING_LISTED
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
