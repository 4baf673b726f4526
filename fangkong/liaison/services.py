"""Writes of the liaison measure: assigning and ending liaisons, and their duty log.

The `liaison` role follows the assignments. A role grant has no dates, so an official holds the
role over an institution on the days one of their assignments there runs (the site's local day,
`timezone.localdate()`): it is granted with an assignment that has started, else by `roles_sync`
(which the reminder loop runs) on its first day; it is taken back when none runs any more (at
once when the end is in the past, else by `roles_sync` the day after the last day).
"""

import datetime
from collections.abc import Collection
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.accounts.models import Role, RoleGrant, User
from fangkong.accounts.services import role_grant, role_revoke
from fangkong.audit.services import audit_record
from fangkong.core.errors import field_error
from fangkong.core.exceptions import Forbidden, Overlap
from fangkong.core.scoping import SYSTEM, scope_of
from fangkong.core.text import has_visible
from fangkong.institutions.models import Institution
from fangkong.liaison.models import DutyLog, DutyMethod, Finding, LiaisonAssignment, LiaisonLevel
from fangkong.liaison.overlap import CONSTRAINT

ASSIGNERS = {"admin", "officer"}
# How far back `roles_sync` looks for assignments that started or ended (the loop runs every
# minute; a month covers any outage).
EXPIRY_LOOKBACK = datetime.timedelta(days=31)
MAX_TEXT = 4000
MAX_FINDINGS = 20


def overlapping(
    institution: Institution, level: str, start: datetime.date, end: datetime.date | None
) -> Q:
    """The assignments of `institution` at `level` sharing a day with `[start, end]`."""
    condition = Q(institution=institution, level=level) & (
        Q(end_date__isnull=True) | Q(end_date__gte=start)
    )
    return condition & Q(start_date__lte=end) if end is not None else condition


def _overlap_error(other: LiaisonAssignment | None) -> Overlap:
    if other is None:
        return Overlap(_("Another liaison was assigned at this level for these days just now."),
                       field="start_date")  # fmt: skip
    return Overlap(
        _("%(official)s is already the liaison at this level from %(start)s to %(end)s.")
        % {
            "official": other.official,
            "start": other.start_date.isoformat(),
            "end": other.end_date.isoformat() if other.end_date else _("open end"),
        },
        field="start_date",
    )


def _choose(values: list[str]) -> ValidationError:
    return ValidationError(_("Choose one of: %(choices)s."), code="invalid_choice",
                           params={"choices": ", ".join(values)})  # fmt: skip


def may_assign(actor: Any, institution: Institution) -> bool:
    """Whether `actor` may assign liaisons of `institution`: an officer over its region."""
    return scope_of(actor, ASSIGNERS).covers_path(institution.region.path)


def may_name(actor: Any, official: User) -> bool:
    """Whether `actor` may name `official`: every grant the official holds lies in the actor's
    scope (or they hold none yet). Anyone else answers as an unknown user does, so an officer
    learns nothing of the users of other regions, not even that a username is taken."""
    scope = scope_of(actor, ASSIGNERS)
    if scope.everything:
        return True
    for grant in official.grants.select_related("region", "institution__region"):
        place = grant.region or (grant.institution.region if grant.institution else None)
        if place is None or not scope.covers_path(place.path):
            return False
    return True


@transaction.atomic
def assignment_create(
    *,
    actor: Any,
    institution_code: str,
    username: str,
    level: str,
    start_date: datetime.date,
    end_date: datetime.date | None = None,
) -> LiaisonAssignment:
    """Make `username` the liaison of the institution at `level` from `start_date` to
    `end_date` (included; None: until ended), and give them the liaison role over it."""
    errors: dict[str, list[ValidationError]] = {}
    if level not in LiaisonLevel.values:
        errors["level"] = [_choose(LiaisonLevel.values)]
    if end_date is not None and end_date < start_date:
        errors["end_date"] = [
            ValidationError(_("The end date is before the start date."), code="end_first")
        ]
    institution = Institution.objects.select_related("region").filter(code=institution_code).first()
    if institution is None or not may_assign(actor, institution):
        errors["institution_code"] = [ValidationError(
            _("No institution with code %(code)s in your scope."), code="unknown_institution",
            params={"code": institution_code},
        )]  # fmt: skip
    elif institution.closed_on is not None and start_date > institution.closed_on:
        errors["start_date"] = [ValidationError(
            _("The institution closed down on %(day)s."), code="institution_closed",
            params={"day": institution.closed_on.isoformat()},
        )]  # fmt: skip
    official = User.objects.filter(username=username, is_active=True).first()
    if official is None or not may_name(actor, official):
        errors["username"] = [ValidationError(
            _("No user named %(username)s whom you may assign."), code="unknown_user",
            params={"username": username},
        )]  # fmt: skip
    if errors:
        raise ValidationError(errors)
    assert institution is not None and official is not None
    other = (
        LiaisonAssignment.objects.filter(overlapping(institution, level, start_date, end_date))
        .select_related("official")
        .first()
    )
    if other is not None:
        raise _overlap_error(other)
    assignment = _insert(
        official=official, institution=institution, level=level, start_date=start_date,
        end_date=end_date, created_by=actor if isinstance(actor, User) else None,
    )  # fmt: skip
    if _runs(start_date, end_date, timezone.localdate()):  # not before it starts, nor after
        role_grant(actor=actor, user=official, role=Role.LIAISON, scope=institution)
    audit_record(
        actor=actor, action="liaison.assign", target=assignment, after=_facts(assignment),
        region_path=institution.region.path, institution_id=institution.pk,
    )  # fmt: skip
    return assignment


def _runs(start: datetime.date, end: datetime.date | None, today: datetime.date) -> bool:
    return start <= today and (end is None or end >= today)


def _insert(**fields: Any) -> LiaisonAssignment:
    """Insert the row; the database's guard decides between two officers assigning at once."""
    try:
        with transaction.atomic():
            return LiaisonAssignment.objects.create(**fields)
    except IntegrityError as exc:
        if CONSTRAINT in str(exc):
            raise _overlap_error(None) from exc
        raise


def _facts(assignment: LiaisonAssignment) -> dict[str, Any]:
    return {
        "official": assignment.official.get_username(),
        "institution": assignment.institution.code,
        "level": assignment.level,
        "start_date": assignment.start_date.isoformat(),
        "end_date": assignment.end_date.isoformat() if assignment.end_date else None,
    }


@transaction.atomic
def assignment_end(
    *,
    actor: Any,
    assignment: LiaisonAssignment,
    end_date: datetime.date,
    now: datetime.datetime | None = None,
) -> LiaisonAssignment:
    """End the assignment on `end_date` (its last day); the role goes with the last one."""
    assignment = (
        LiaisonAssignment.objects.select_for_update()
        .select_related("official", "institution__region")
        .get(pk=assignment.pk)
    )
    institution = assignment.institution
    if not may_assign(actor, institution):
        raise Forbidden(_("Only an officer over the institution may end its liaison."))
    if end_date < assignment.start_date:
        raise field_error("end_date", _("The end date is before the start date."), "end_first")
    if assignment.end_date is not None and end_date > assignment.end_date:
        raise field_error(
            "end_date", _("The assignment ends on %(day)s already; assign again to extend it."),
            "end_later", day=assignment.end_date.isoformat(),
        )  # fmt: skip
    before = _facts(assignment)
    assignment.end_date = end_date
    assignment.save(update_fields=["end_date"])
    audit_record(
        actor=actor, action="liaison.end", target=assignment, before=before,
        after=_facts(assignment), region_path=institution.region.path,
        institution_id=institution.pk,
    )  # fmt: skip
    today = timezone.localdate(now or timezone.now())
    _keep_role_in_step(actor, assignment.official, institution, today)
    return assignment


def _keep_role_in_step(
    actor: Any, official: User, institution: Institution, today: datetime.date
) -> bool:
    """Take the liaison role back once no assignment of `official` there runs `today` (one
    still to come gives the role again on its first day); return whether it was taken."""
    runs = LiaisonAssignment.objects.filter(
        official=official, institution=institution, start_date__lte=today
    ).filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
    if runs.exists():
        return False
    grant = (
        RoleGrant.objects.filter(user=official, role=Role.LIAISON, institution=institution)
        .select_related("institution__region", "user")
        .first()
    )
    if grant is None:
        return False
    role_revoke(actor=actor, grant=grant)
    return True


def roles_sync(*, today: datetime.date) -> tuple[int, int]:
    """Bring the liaison roles in step with the assignments on `today`: grant those of the
    assignments that have started, take back those whose last assignment ended before `today`;
    return how many were granted and taken.

    Only assignments that started or ended in the last `EXPIRY_LOOKBACK` are looked at: this
    runs every minute, and every earlier start or end was dealt with then.
    """
    return _roles_start(today), _roles_expire(today)


def _roles_start(today: datetime.date) -> int:
    """Grant the liaison role of the assignments running `today` that started lately and whose
    official does not hold it over the institution; return how many were granted."""
    started = (
        LiaisonAssignment.objects.filter(
            start_date__lte=today, start_date__gt=today - EXPIRY_LOOKBACK, official__is_active=True
        )
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .select_related("official", "institution__region")
    )
    pairs = {(a.official_id, a.institution_id): a for a in started}
    if not pairs:
        return 0
    held = _liaison_roles_held(pairs.keys())
    granted = 0
    for key in sorted(pairs.keys() - held):
        assignment = pairs[key]
        with transaction.atomic():
            role_grant(actor=SYSTEM, user=assignment.official, role=Role.LIAISON,
                       scope=assignment.institution)  # fmt: skip
        granted += 1
    return granted


def _liaison_roles_held(pairs: Collection[tuple[int, int]]) -> set[tuple[int, int]]:
    """Which of these (official, institution) pairs hold the liaison role now."""
    return set(
        RoleGrant.objects.filter(
            role=Role.LIAISON,
            user__in={user for user, _ in pairs},
            institution__in={institution for _, institution in pairs},
        ).values_list("user_id", "institution_id")
    )


def _roles_expire(today: datetime.date) -> int:
    """Take back the liaison roles whose last assignment ended before `today`; return how many."""
    recent = LiaisonAssignment.objects.filter(
        end_date__lt=today, end_date__gte=today - EXPIRY_LOOKBACK
    ).select_related("official", "institution__region")
    pairs = {(a.official_id, a.institution_id): a for a in recent}
    if not pairs:
        return 0
    held = _liaison_roles_held(pairs.keys())
    taken = 0
    for key in sorted(held & pairs.keys()):
        assignment = pairs[key]
        with transaction.atomic():
            taken += _keep_role_in_step(SYSTEM, assignment.official, assignment.institution, today)
    return taken


# The duty log ---------------------------------------------------------------------------------


def assignment_of(
    official: Any, institution: Institution, day: datetime.date
) -> LiaisonAssignment | None:
    """The assignment that makes `official` a liaison of `institution` on `day`, if any."""
    if not isinstance(official, User):
        return None
    return (
        LiaisonAssignment.objects.filter(official=official, institution=institution)
        .filter(start_date__lte=day)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .first()
    )


@transaction.atomic
def duty_log_add(
    *,
    actor: Any,
    institution: Institution,
    day: datetime.date,
    method: str,
    checked: str,
    found: str = "",
    findings: list[str] | None = None,
    now: datetime.datetime | None = None,
) -> DutyLog:
    """Record a contact the liaison made with the institution, and the findings it raised."""
    now = now or timezone.now()
    findings = [text.strip() for text in findings or [] if text.strip()]
    errors: dict[str, list[ValidationError]] = {}
    if day > timezone.localdate(now):
        errors["date"] = [ValidationError(_("The day is in the future."), code="future")]
    if method not in DutyMethod.values:
        errors["method"] = [_choose(DutyMethod.values)]
    if not has_visible(checked):
        errors["checked"] = [ValidationError(_("Say what was checked."), code="required")]
    if len(findings) > MAX_FINDINGS:
        errors["findings"] = [ValidationError(
            _("Enter at most %(count)d findings."), code="too_many",
            params={"count": MAX_FINDINGS},
        )]  # fmt: skip
    assignment = assignment_of(actor, institution, day) if "date" not in errors else None
    if assignment is None and "date" not in errors:
        errors["date"] = [ValidationError(
            _("You are not a liaison of this institution on %(day)s."), code="not_liaison",
            params={"day": day.isoformat()},
        )]  # fmt: skip
    if errors:
        raise ValidationError(errors)
    assert assignment is not None
    log = DutyLog.objects.create(
        assignment=assignment, institution=institution, day=day, method=method,
        checked=checked.strip(), found=found.strip(), written_by=actor, written_at=now,
    )  # fmt: skip
    Finding.objects.bulk_create(
        Finding(duty_log=log, institution=institution, text=text, raised_at=now, raised_by=actor)
        for text in findings
    )
    audit_record(
        actor=actor, action="liaison.duty_log", target=log,
        after={"date": day.isoformat(), "method": method, "findings": len(findings)},
        region_path=institution.region.path, institution_id=institution.pk,
    )  # fmt: skip
    return log
