"""Closing and lifting (one act for one institution or a whole region), the entry check, and the
gate register. Each write is one transaction with its audit row."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from fangkong.audit.services import Target, audit_record
from fangkong.closures.models import (
    Closure,
    ClosureLevel,
    ClosureOrder,
    EntryRule,
    GateDirection,
    GateEvent,
    GatePurpose,
    OrderKind,
    RuleOutcome,
)
from fangkong.core.day_ranges import covering
from fangkong.core.errors import field_error
from fangkong.core.exceptions import ApiError, Forbidden, Overlap
from fangkong.core.scoping import scope_of
from fangkong.core.text import has_visible
from fangkong.institutions.entry import EntryAnswer
from fangkong.institutions.models import Institution, open_on
from fangkong.regions.models import Region

CLOSURE_MANAGERS = {"admin", "officer"}  # order and lift closures, make gate exceptions
GATE_KEEPERS = {"admin", "officer", "operator"}  # record passages at the gate
EMERGENCY_EXCEPTERS = {"operator"}  # also make exceptions, for medical passages only
OVERLAP_LIST = 5  # institutions named in an overlap refusal


@dataclass(frozen=True)
class Basis:
    """The notice that orders (or lifts) a closure: its title, number and date."""

    title: str
    number: str = ""
    date: datetime.date | None = None


def local_day(moment: datetime.datetime) -> datetime.date:
    """The day of the site's time zone a moment falls on: the day a closure's dates speak of."""
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


# Who may do what ------------------------------------------------------------------------------


def _covers(actor: Any, roles: set[str], institution: Institution) -> bool:
    scope = scope_of(actor, roles)
    return scope.covers_path(institution.region.path) or institution.pk in scope.institution_ids


def may_order(actor: Any, institution: Institution) -> bool:
    return _covers(actor, CLOSURE_MANAGERS, institution)


def may_record(actor: Any, institution: Institution) -> bool:
    return _covers(actor, GATE_KEEPERS, institution)


def may_except(actor: Any, institution: Institution, purpose: str | None = None) -> bool:
    """Officers (and administrators) over the institution make exceptions for any purpose.

    The institution's operator makes them for medical passages alone: an ambulance at night
    cannot wait for the bureau to answer the phone. Every exception is audited and listed for
    the bureau. Without `purpose`: may the actor make an exception for some purpose?
    """
    if _covers(actor, CLOSURE_MANAGERS, institution):
        return True
    medical = purpose is None or purpose == GatePurpose.MEDICAL
    return medical and _covers(actor, EMERGENCY_EXCEPTERS, institution)


# Closing and lifting --------------------------------------------------------------------------


def _target(
    actor: Any, region_code: str | None, institution_code: str | None
) -> tuple[Region, Institution | None]:
    """The region (and institution) an order names, within what the actor may order."""
    if bool(region_code) == bool(institution_code):
        raise field_error(
            "region_code" if region_code else "institution_code",
            _("Give either region_code or institution_code, not both."),
            "one_target",
        )
    scope = scope_of(actor, CLOSURE_MANAGERS)
    if institution_code:
        institution = (
            Institution.objects.select_related("region").filter(code=institution_code).first()
        )
        if institution is None or not may_order(actor, institution):
            raise field_error(
                "institution_code", _("No institution with code %(code)s in your scope."),
                "unknown_institution", code=institution_code,
            )  # fmt: skip
        return institution.region, institution
    region = Region.objects.filter(code=region_code).first()
    if region is None or not scope.covers_path(region.path):
        raise field_error(
            "region_code", _("No region with code %(code)s in your scope."), "unknown_region",
            code=region_code,
        )  # fmt: skip
    return region, None


def _validate_basis(basis: Basis) -> Basis:
    title = basis.title.strip()
    if not has_visible(title):
        raise field_error("basis", _("Give the notice's title."), "required")
    return Basis(title=title, number=basis.number.strip(), date=basis.date)


def open_institutions(region: Region, day: datetime.date) -> QuerySet[Institution]:
    """The institutions of the region's subtree operating on `day` (the closed-down skipped)."""
    return Institution.objects.filter(open_on(day), region__path__startswith=region.path)


def _overlapping(
    institutions: list[Institution], start: datetime.date, end: datetime.date | None
) -> QuerySet[Closure]:
    found = Closure.objects.filter(institution__in=institutions).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=start)
    )
    if end is not None:
        found = found.filter(start_date__lte=end)
    return found.select_related("institution").order_by("institution__code")


def _refuse_overlap(
    institutions: list[Institution], start: datetime.date, end: datetime.date | None
) -> None:
    clashes = list(_overlapping(institutions, start, end)[: OVERLAP_LIST + 1])
    if clashes:
        names = "、".join(c.institution.name for c in clashes[:OVERLAP_LIST])
        raise Overlap(
            _("Already closed on some of these days: %(names)s.") % {"names": names},
            field="start_date",
        )


@transaction.atomic
def closure_create(
    *,
    actor: Any,
    start_date: datetime.date,
    level: str,
    basis: Basis,
    region_code: str | None = None,
    institution_code: str | None = None,
    end_date: datetime.date | None = None,
) -> ClosureOrder:
    """Close one institution, or every institution open on `start_date` under a region.

    One order, one closure per institution, one audit event listing them; all or nothing. A
    closure of one institution that would overlap another of its closures is refused (409); a
    region's order skips the institutions already closed on some of its days and lists them
    (`ClosureOrder.skipped`), refused only when every one is.
    """
    if level not in ClosureLevel.values:
        raise field_error(
            "level", _("Choose one of: %(choices)s."), "invalid_choice",
            choices=", ".join(ClosureLevel.values),
        )  # fmt: skip
    if end_date is not None and end_date < start_date:
        raise field_error("end_date", _("The end date is before the start date."), "end_first")
    basis = _validate_basis(basis)
    region, single = _target(actor, region_code, institution_code)
    if single is not None:
        if not single.is_open_on(start_date):
            raise field_error(
                "institution_code", _("%(name)s does not operate on %(day)s (closed down or "
                                      "not yet opened)."), "closed_down",
                name=single.name, day=start_date.isoformat(),
            )  # fmt: skip
        institutions = [single]
    else:
        institutions = list(open_institutions(region, start_date).order_by("code"))
        if not institutions:
            raise field_error(
                "region_code", _("No institution of %(region)s operates on %(day)s."),
                "no_institutions", region=region.name, day=start_date.isoformat(),
            )  # fmt: skip
    if single is not None:
        _refuse_overlap(institutions, start_date, end_date)
        skipped: list[dict[str, Any]] = []
    else:
        institutions, skipped = _skip_closed(institutions, start_date, end_date)
    order = ClosureOrder.objects.create(
        kind=OrderKind.CLOSE, region=region, institution=single, basis_title=basis.title,
        basis_number=basis.number, basis_date=basis.date, ordered_by=_user(actor),
        skipped=skipped,
    )  # fmt: skip
    try:
        with transaction.atomic():  # the database's own refusal, if another order won a race
            Closure.objects.bulk_create([
                Closure(order=order, institution=institution, start_date=start_date,
                        end_date=end_date, level=level)
                for institution in institutions
            ])  # fmt: skip
    except IntegrityError as exc:
        raise Overlap(
            _("Another closure of these institutions was ordered at the same moment."),
            field="start_date",
        ) from exc
    _audit(actor, "closure.create", order, region, single, {
        "level": level, "start_date": start_date.isoformat(),
        "end_date": end_date.isoformat() if end_date else None,
        "institutions": [i.code for i in institutions],
        "skipped": [unit["code"] for unit in skipped],
    })  # fmt: skip
    return order


def _skip_closed(
    institutions: list[Institution], start: datetime.date, end: datetime.date | None
) -> tuple[list[Institution], list[dict[str, Any]]]:
    """A region's order leaves out the institutions already closed on some of its days (their
    own closure stands, and the order lists them as skipped); if that is every one, 409."""
    clashes: dict[int, Closure] = {}
    for closure in _overlapping(institutions, start, end):
        clashes.setdefault(closure.institution_id, closure)
    if len(clashes) == len(institutions):
        _refuse_overlap(institutions, start, end)
    skipped = [
        {"code": c.institution.code, "name": c.institution.name, "closure_id": c.pk,
         "start_date": c.start_date.isoformat(),
         "end_date": c.end_date.isoformat() if c.end_date else None}
        for c in sorted(clashes.values(), key=lambda c: c.institution.code)
    ]  # fmt: skip
    return [i for i in institutions if i.pk not in clashes], skipped


@transaction.atomic
def closure_lift(
    *,
    actor: Any,
    end_date: datetime.date,
    basis: Basis,
    region_code: str | None = None,
    institution_code: str | None = None,
) -> ClosureOrder:
    """Lift the closures in force after `end_date` (their new last day), under a region or of
    one institution: one order, one audit event listing them.

    A closure that starts after `end_date` is not touched; one whose last day is earlier is
    over already. An end before the local day of a passage registered under one of them is
    refused (`passages_after`).
    """
    basis = _validate_basis(basis)
    region, single = _target(actor, region_code, institution_code)
    closures = Closure.objects.select_for_update().filter(start_date__lte=end_date)
    closures = closures.filter(Q(end_date__isnull=True) | Q(end_date__gt=end_date))
    if single is not None:
        closures = closures.filter(institution=single)
    else:
        closures = closures.filter(institution__region__path__startswith=region.path)
    lifted = list(closures.select_related("institution").order_by("institution__code"))
    if not lifted:
        raise field_error(
            "end_date", _("No closure here is in force after %(day)s."), "nothing_to_lift",
            day=end_date.isoformat(),
        )  # fmt: skip
    _refuse_passages_after(lifted, end_date)
    order = ClosureOrder.objects.create(
        kind=OrderKind.LIFT, region=region, institution=single, basis_title=basis.title,
        basis_number=basis.number, basis_date=basis.date, ordered_by=_user(actor),
    )  # fmt: skip
    now = timezone.now()
    before = {c.institution.code: c.end_date.isoformat() if c.end_date else None for c in lifted}
    for closure in lifted:
        closure.end_date, closure.lift_order = end_date, order
        closure.lifted_at, closure.lifted_by = now, _user(actor)
    Closure.objects.bulk_update(lifted, ["end_date", "lift_order", "lifted_at", "lifted_by"])
    _audit(actor, "closure.lift", order, region, single, {
        "end_date": end_date.isoformat(), "institutions": sorted(before), "ended_before": before,
    })  # fmt: skip
    return order


def _refuse_passages_after(closures: list[Closure], end_date: datetime.date) -> None:
    """A closure may not end before a passage registered under it (its rows are locked, and
    the gate register locks them too, so no passage slips in meanwhile)."""
    latest = (
        GateEvent.objects.filter(closure__in=closures)
        .select_related("institution")
        .order_by("-at")
        .first()
    )
    if latest is not None and local_day(latest.at) > end_date:
        raise field_error(
            "end_date", _("Passages of %(name)s are registered up to %(day)s: the closure cannot "
                          "end before that day."), "passages_after",
            name=latest.institution.name, day=local_day(latest.at).isoformat(),
        )  # fmt: skip


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _audit(
    actor: Any,
    action: str,
    order: ClosureOrder,
    region: Region,
    single: Institution | None,
    details: dict[str, Any],
) -> None:
    audit_record(
        actor=actor,
        action=action,
        target=Target("closures.closureorder", str(order.pk), order.basis_title[:200]),
        after={"basis": order.basis, **details},
        region_path=region.path,
        institution_id=single.pk if single else None,
    )


# The entry check ------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryDecision:
    """What the rule table says of one passage: allowed or not, and why.

    `requires` names what a passage must show under a conditional rule (`test_proof`,
    `temperature`); `field` names what a refusal is about (`purpose`, or the condition unmet).
    """

    allowed: bool
    reason: str
    conditions: str = ""
    closure: Closure | None = None
    rule: EntryRule | None = None
    requires: tuple[str, ...] = ()
    field: str = "purpose"

    @property
    def outcome(self) -> str:
        if not self.allowed:
            return RuleOutcome.REFUSED
        return self.rule.outcome if self.rule else RuleOutcome.ALLOWED


@dataclass(frozen=True)
class Evidence:
    """What the gate saw of a passage: the temperature taken and the test proof shown."""

    temperature: Decimal | None = None
    test_proof: str = ""


def closure_at(institution: Institution, at: datetime.datetime) -> Closure | None:
    """The institution's closure in force at the moment `at`, if any."""
    day = local_day(at)
    return (
        Closure.objects.filter(covering(day), institution=institution)
        .order_by("-start_date")
        .first()
    )


# The gate's question, asked often: the closure in force and its row of the rule table in one
# statement (the ORM's version, with a subquery per rule column, took longer to build and plan
# than to run). Newest first on the (institution, start_date) index; closures never overlap.
# The same statement, without its LIMIT, gives every closure overlapping a span of days (from
# its first day, the last parameter, to its last), newest first: `entry_checks_over`.
IN_FORCE_OVER = """
SELECT c.*, r.id AS rule_id, r.outcome AS rule_outcome, r.reason AS rule_reason,
       r.conditions AS rule_conditions, r.needs_test_proof AS rule_needs_test_proof,
       r.fever_from AS rule_fever_from, r.handover_outside AS rule_handover_outside
FROM closures_closure c
LEFT JOIN closures_entryrule r ON r.level = c.level AND r.direction = %s AND r.purpose = %s
WHERE c.institution_id = %s AND c.start_date <= %s AND (c.end_date IS NULL OR c.end_date >= %s)
ORDER BY c.start_date DESC
"""
IN_FORCE_WITH_RULE = IN_FORCE_OVER + "LIMIT 1\n"
RULE_FIELDS = (
    "id", "outcome", "reason", "conditions", "needs_test_proof", "fever_from",
    "handover_outside",
)  # fmt: skip


def entry_check(
    institution: Institution,
    at: datetime.datetime,
    purpose: str,
    direction: str = GateDirection.IN,
    evidence: Evidence | None = None,
) -> EntryDecision:
    """May someone pass the institution's gate for `purpose` at `at` (entering, or leaving)?

    The one place the answer is decided: from the closure in force and its row of the rule
    table. Outside any closure the gate is open. A level × direction × purpose without a row
    is refused: a closure lets through only what a rule allows. Without `evidence` a
    conditional rule allows, naming what a passage must show; with it (the gate's passage),
    each condition is checked and the first unmet refuses.
    """
    day = _day_of(at)
    params = [direction, purpose, institution.pk, day, day]
    closure = next(iter(Closure.objects.raw(IN_FORCE_WITH_RULE, params)), None)
    return _decided(closure, direction, purpose, evidence)


def _day_of(at: datetime.datetime) -> datetime.date:
    if timezone.is_naive(at):
        raise field_error("at", _("Give the moment with its UTC offset."), "naive_moment")
    return local_day(at)


def _decided(
    closure: Closure | None, direction: str, purpose: str, evidence: Evidence | None
) -> EntryDecision:
    """The rule: the answer from the closure in force (read with its row of the rule table by
    `IN_FORCE_OVER`), or from none."""
    if closure is None:
        return EntryDecision(True, gettext("No closure is in force at this moment."))
    values = {f: getattr(closure, f"rule_{f}") for f in RULE_FIELDS}
    if values["id"] is None:
        return EntryDecision(False, gettext("No rule of this closure allows it."), "", closure)
    if values["fever_from"] is not None:  # SQLite gives the column back as a float
        values["fever_from"] = Decimal(str(values["fever_from"]))
    rule = EntryRule(level=closure.level, direction=direction, purpose=purpose, **values)
    decision = EntryDecision(rule.allows, rule.reason_text, rule.conditions_text, closure, rule,
                             tuple(rule.requires))  # fmt: skip
    if evidence is None or not decision.allowed:
        return decision
    unmet = _unmet(rule, evidence)
    if unmet is None:
        return decision
    field, reason = unmet
    return EntryDecision(False, reason, rule.conditions_text, closure, rule, decision.requires,
                         field)  # fmt: skip


def _unmet(rule: EntryRule, evidence: Evidence) -> tuple[str, str] | None:
    """The first of the rule's conditions the passage does not meet: its field and why."""
    if rule.outcome != RuleOutcome.CONDITIONAL:
        return None
    if rule.needs_test_proof and not has_visible(evidence.test_proof):
        return "test_proof", gettext(
            "A negative test is required to enter: record its proof (e.g. the report's date "
            "and laboratory)."
        )
    if rule.fever_from is None:
        return None
    if evidence.temperature is None:
        return "temperature", gettext("Take the temperature before letting them in.")
    if evidence.temperature >= rule.fever_from:
        return "temperature", gettext(
            "%(temperature)s °C is a fever (%(fever_from)s °C or above): no entry."
        ) % {"temperature": evidence.temperature, "fever_from": rule.fever_from}
    return None


def entry_policy(institution: Institution, at: datetime.datetime, purpose: str) -> EntryAnswer:
    """The entry check as the institutions' entry policy (`fangkong.institutions.entry`)."""
    decision = entry_check(institution, at, purpose)
    return EntryAnswer(decision.allowed, decision.reason)


def entry_checks_over(
    institution: Institution,
    first: datetime.datetime,
    last: datetime.datetime,
    purpose: str,
    direction: str = GateDirection.IN,
) -> Callable[[datetime.datetime], EntryDecision]:
    """`entry_check` for any moment from `first` to `last` (their local days included), from
    one statement: the closures overlapping those days, each moment answered by the same rule
    from the newest of them covering its day (closures never overlap). An import asks this once
    for the days of its file's admissions instead of once a day."""
    first_day, last_day = _day_of(first), _day_of(last)
    params = [direction, purpose, institution.pk, last_day, first_day]
    closures = list(Closure.objects.raw(IN_FORCE_OVER, params))

    def check(at: datetime.datetime) -> EntryDecision:
        day = _day_of(at)
        if not first_day <= day <= last_day:
            raise ValueError(f"{day} lies outside the days asked for ({first_day} to {last_day})")
        in_force = (c for c in closures if c.start_date <= day <= (c.end_date or day))
        closure = next(in_force, None)
        return _decided(closure, direction, purpose, None)

    return check


def entry_policy_over(
    institution: Institution, first: datetime.datetime, last: datetime.datetime, purpose: str
) -> Callable[[datetime.datetime], EntryAnswer]:
    """`entry_checks_over` as the institutions' entry policy over a span."""
    check = entry_checks_over(institution, first, last, purpose)

    def answer(at: datetime.datetime) -> EntryAnswer:
        decision = check(at)
        return EntryAnswer(decision.allowed, decision.reason)

    return answer


# The gate register ----------------------------------------------------------------------------


class EntryRefused(ApiError):
    status = 422
    code = "entry_refused"


class ExitRefused(ApiError):
    status = 422
    code = "exit_refused"


@transaction.atomic
def gate_event_record(
    *,
    actor: Any,
    institution: Institution,
    at: datetime.datetime,
    direction: str,
    purpose: str,
    person_name: str = "",
    vehicle: str = "",
    temperature: Decimal | None = None,
    test_proof: str = "",
    exception_reason: str | None = None,
) -> GateEvent:
    """Register one passage during a closure; refuse one the rule table refuses, unless an
    officer gives the exception's reason (an exception is audited)."""
    if not may_record(actor, institution):
        raise Forbidden(_("Your role may not keep this institution's gate register."))
    if at.tzinfo is None:
        raise field_error("at", _("Give the moment with its UTC offset."), "naive_moment")
    if at > timezone.now():
        raise field_error("at", _("The moment is in the future."), "future")
    person_name, vehicle = person_name.strip(), vehicle.strip()
    if not (has_visible(person_name) or has_visible(vehicle)):
        raise field_error("person_name", _("Give the person's name or the vehicle."), "required")
    evidence = Evidence(temperature=temperature, test_proof=test_proof.strip())
    _decision, closure = _in_force(institution, at, purpose, direction, evidence)
    # Hold the closure while the passage goes in: a lift waits for it, then sees the passage.
    list(Closure.objects.select_for_update().filter(pk=closure.pk).values_list("pk"))
    # As it is once locked.
    decision, closure = _in_force(institution, at, purpose, direction, evidence)
    reason = _exception_reason(actor, institution, decision, direction, purpose,
                               exception_reason)  # fmt: skip
    event = GateEvent.objects.create(
        institution=institution, closure=closure, at=at, direction=direction,
        purpose=purpose, person_name=person_name, vehicle=vehicle, temperature=temperature,
        test_proof=test_proof.strip(), outcome=decision.outcome, exception_reason=reason,
        exception_by=_user(actor) if reason else None, recorded_by=_user(actor),
    )  # fmt: skip
    if reason:
        audit_record(
            actor=actor, action="gate.exception", target=event,
            after={"at": at.isoformat(), "direction": direction, "purpose": purpose,
                   "who": person_name or vehicle, "rule": decision.reason, "reason": reason},
            region_path=institution.region.path, institution_id=institution.pk,
        )  # fmt: skip
    return event


def _in_force(
    institution: Institution,
    at: datetime.datetime,
    purpose: str,
    direction: str,
    evidence: Evidence,
) -> tuple[EntryDecision, Closure]:
    """The entry check of a passage the register keeps (one under a closure), and the closure."""
    decision = entry_check(institution, at, purpose, direction, evidence)
    if decision.closure is None:
        raise field_error(
            "at", _("No closure of %(name)s is in force at this moment: the gate register is "
                    "kept during closures."), "no_closure", name=institution.name,
        )  # fmt: skip
    return decision, decision.closure


def _exception_reason(
    actor: Any,
    institution: Institution,
    decision: EntryDecision,
    direction: str,
    purpose: str,
    given: str | None,
) -> str:
    """The exception's reason when the rules refuse the passage; "" when they allow it.

    A blank reason is no reason. One given for a passage the rules allow is not needed: the
    passage is recorded as any other, not as an exception (there is nothing to except).
    """
    if given is not None and not has_visible(given):
        given = None
    if decision.allowed:
        return ""
    if given is None:
        refusal = EntryRefused if direction == GateDirection.IN else ExitRefused
        raise refusal(decision.reason, field=decision.field)
    if not may_except(actor, institution, purpose):
        raise Forbidden(
            _("Only an officer may make an exception to the closure's rules; an operator only "
              "for medical care or a transfer to hospital."),
            field="exception_reason",
        )  # fmt: skip
    return given.strip()
