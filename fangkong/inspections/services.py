"""Writes of supervision: recording an inspection, fixing and verifying rectifications,
opening one from a liaison's finding, and the spot-check draw.

Who may do what (each only inside their scope; outside it a thing answers as absent):
inspectors, officers and administrators record inspections and verify fixes; the institution's
operator fixes (an officer may too, on its behalf); officers and administrators draw.
"""

import datetime
import math
import random
import re
import secrets
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, Count, OuterRef, Q, Subquery, Sum, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.accounts.models import User
from fangkong.audit.services import audit_record
from fangkong.core.errors import field_error
from fangkong.core.exceptions import ApiError, Forbidden
from fangkong.core.scoping import visible
from fangkong.core.text import has_visible
from fangkong.inspections.models import (
    Answer,
    AnswerResult,
    ChecklistItem,
    ChecklistStatus,
    ChecklistVersion,
    Inspection,
    InspectionDraft,
    InspectionMethod,
    InspectionPlan,
    PlanStatus,
    Rectification,
    RectificationEvent,
    RectificationStatus,
    SpotCheckDraw,
)
from fangkong.institutions.models import Institution
from fangkong.liaison.models import Finding
from fangkong.regions.models import Region

RECORDERS = {"admin", "officer", "inspector"}
VERIFIERS = RECORDERS
FIXERS = {"admin", "officer", "operator"}
DRAWERS = {"admin", "officer"}
PLANNERS = DRAWERS
MAX_TEXT = 4000
MAX_DAYS = 365  # the latest deadline: a year after the inspection
FINDING_DAYS = datetime.timedelta(days=7)  # the deadline a finding's form proposes


class NotInScope(ApiError):
    """A code that names nothing the caller may act on: 404, naming the field."""

    status = 404
    code = "not_found"


def may(actor: Any, roles: Collection[str], institution: Institution) -> bool:
    """Whether `actor` holds one of `roles` over `institution` (through its region or itself)."""
    return visible(Institution.objects.filter(pk=institution.pk), actor, roles).exists()


def published_version() -> ChecklistVersion:
    """The checklist inspections are answered against now: the latest published version."""
    version = (
        ChecklistVersion.objects.filter(status=ChecklistStatus.PUBLISHED)
        .order_by("-number")
        .first()
    )
    if version is None:
        raise field_error("checklist", _("No checklist has been published."), "no_checklist")
    return version


@dataclass(frozen=True)
class AnswerIn:
    item: int
    result: str
    note: str = ""
    due_date: datetime.date | None = None


def _check_answers(
    answers: Sequence[AnswerIn], items: dict[int, ChecklistItem], day: datetime.date
) -> None:
    seen: set[int] = set()
    for answer in answers:
        if answer.item not in items:
            raise field_error(
                "answers", _("Item %(item)s is not in checklist version %(version)s."),
                "unknown_item", item=answer.item,
                version=next(iter(items.values())).version.number if items else "-",
            )  # fmt: skip
        if answer.item in seen:
            raise field_error("answers", _("Item %(item)s is answered twice."), "duplicate_item",
                              item=answer.item)  # fmt: skip
        seen.add(answer.item)
        if answer.result not in AnswerResult.values:
            raise field_error("answers", _("Choose pass, fail or na."), "invalid_choice")
        if len(answer.note) > MAX_TEXT:
            raise field_error("answers", _("A note has at most 4000 characters."), "too_long")
        if answer.due_date is not None and answer.due_date < day:
            raise field_error(
                "answers", _("The deadline of item %(item)s is before the inspection."),
                "due_before_inspection", item=answer.item,
            )  # fmt: skip
        if answer.due_date is not None and answer.due_date > day + datetime.timedelta(MAX_DAYS):
            raise field_error("answers", _("A deadline is at most a year after the inspection."),
                              "due_too_late")  # fmt: skip


def inspectors_of(actor: Any, usernames: Sequence[str] | None) -> list[User]:
    if not usernames:
        return [actor] if isinstance(actor, User) else []
    found = {u.username: u for u in User.objects.filter(username__in=usernames, is_active=True)}
    for name in usernames:
        if name not in found:
            raise field_error("inspectors", _("No user named %(username)s."), "unknown_user",
                              username=name)  # fmt: skip
    return [found[name] for name in dict.fromkeys(usernames)]


def _recordable(actor: Any, institution: Institution | str) -> Institution:
    """The institution (or the one of that code) if `actor` may record its inspections."""
    if isinstance(institution, Institution):
        if not may(actor, RECORDERS, institution):
            raise Forbidden(_("Only an inspector or officer over the institution records them."))
        return institution
    found = Institution.objects.select_related("region").filter(code=institution).first()
    if found is None or not may(actor, RECORDERS, found):
        message = _("No institution with code %(code)s in your scope.") % {"code": institution}
        raise NotInScope(message, field="institution_code")
    return found


@transaction.atomic
def inspection_record(
    *,
    actor: Any,
    institution: Institution | str,
    method: str,
    unannounced: bool,
    done_at: datetime.datetime,
    answers: Sequence[AnswerIn],
    planned_at: datetime.datetime | None = None,
    inspectors: Sequence[str] | None = None,
    plan: InspectionPlan | int | None = None,
    now: datetime.datetime | None = None,
) -> Inspection:
    """Record a done inspection and open one rectification per failed item, due on the
    inspection's day plus the item's default days unless the answer gives its own deadline.
    Recorded against a `plan`, it carries the plan out: the plan's time becomes its planned
    time and, unless named, the plan's inspectors its inspectors."""
    now = now or timezone.now()
    institution = _recordable(actor, institution)
    planned = _plan_to_carry_out(plan, institution) if plan is not None else None
    if planned is not None:
        planned_at, unannounced = planned.planned_at, unannounced or planned.unannounced
        inspectors = inspectors or [user.username for user in planned.inspectors.all()]
    if method not in InspectionMethod.values:
        raise field_error("method", _("Choose on_site, video or phone."), "invalid_choice")
    if done_at > now:
        raise field_error("done_at", _("An inspection cannot be done in the future."), "future")
    if not answers:
        raise field_error("answers", _("Answer at least one item."), "required")
    day = timezone.localdate(done_at)
    version = published_version()
    items = {item.number: item for item in version.items.select_related("version")}
    _check_answers(answers, items, day)
    people = inspectors_of(actor, inspectors)
    inspection = Inspection.objects.create(
        institution=institution, method=method, unannounced=unannounced, planned_at=planned_at,
        done_at=done_at, done_on=day, checklist=version,
        created_by=actor if isinstance(actor, User) else None,
    )  # fmt: skip
    inspection.inspectors.set(people)
    Answer.objects.bulk_create([
        Answer(inspection=inspection, item=items[a.item], result=a.result, note=a.note)
        for a in answers
    ])  # fmt: skip
    for answer in sorted(answers, key=lambda a: a.item):
        if answer.result == AnswerResult.FAIL:
            _open(actor, inspection, items[answer.item], answer, day)
    if planned is not None:
        planned.status, planned.inspection = PlanStatus.DONE, inspection
        planned.save(update_fields=["status", "inspection"])
    if isinstance(actor, User):  # the phone's draft of it has served
        InspectionDraft.objects.filter(institution=institution, author=actor).delete()
    audit_record(
        actor=actor, action="inspection.record", target=inspection,
        after={"institution": institution.code, "method": method, "unannounced": unannounced,
               "done_at": done_at.isoformat(), "checklist": version.number,
               "failed": [a.item for a in answers if a.result == AnswerResult.FAIL],
               "plan": planned.pk if planned is not None else None},
        region_path=institution.region.path, institution_id=institution.pk,
    )  # fmt: skip
    return inspection


def _plan_to_carry_out(plan: InspectionPlan | int, institution: Institution) -> InspectionPlan:
    """The plan, locked, if it is still planned and for this institution."""
    pk = plan.pk if isinstance(plan, InspectionPlan) else plan
    found = InspectionPlan.objects.select_for_update(of=("self",)).filter(pk=pk).first()
    if found is None or found.institution_id != institution.pk:
        raise field_error("plan_id", _("No planned inspection %(plan)s of this institution."),
                          "unknown_plan", plan=pk)  # fmt: skip
    if found.status != PlanStatus.PLANNED:
        raise field_error("plan_id", _("This planned inspection is %(status)s already."),
                          "not_planned", status=found.get_status_display())  # fmt: skip
    return found


def _open(
    actor: Any, inspection: Inspection, item: ChecklistItem, answer: AnswerIn, day: datetime.date
) -> Rectification:
    due = answer.due_date or day + datetime.timedelta(days=item.default_days)
    what = item.text_zh + (f"\n{answer.note}" if answer.note else "")
    rectification = Rectification.objects.create(
        institution=inspection.institution, inspection=inspection, item=item, what=what,
        opened_on=day, due_date=due,
    )  # fmt: skip
    _event(rectification, "", RectificationStatus.OPEN, actor, "")
    return rectification


def _event(rectification: Rectification, old: str, new: str, actor: Any, note: str) -> None:
    RectificationEvent.objects.create(
        rectification=rectification, from_status=old, to_status=new,
        actor=actor if isinstance(actor, User) else None, note=note,
    )  # fmt: skip


def _locked(rectification: Rectification) -> Rectification:
    return (
        Rectification.objects.select_for_update(of=("self",))
        .select_related("institution__region")
        .get(pk=rectification.pk)
    )


def _refuse_transition(rectification: Rectification, to: str) -> ValidationError:
    return field_error(
        "status", _("A rectification that is %(status)s cannot become %(to)s."),
        "transition_not_allowed", status=rectification.get_status_display(),
        to=RectificationStatus(to).label,
    )  # fmt: skip


def text_of(field: str, value: str, message: Any) -> str:
    value = value.strip()
    if not has_visible(value):
        raise field_error(field, message, "required")
    if len(value) > MAX_TEXT:
        raise field_error(field, _("Enter at most 4000 characters."), "too_long")
    return value


@transaction.atomic
def rectification_fix(
    *, actor: Any, rectification: Rectification, evidence: str, now: datetime.datetime | None = None
) -> Rectification:
    """The institution (or an officer for it) reports what it did: `open` → `fixed`."""
    rectification = _locked(rectification)
    if not may(actor, FIXERS, rectification.institution):
        raise Forbidden(_("Only the institution or its officers report a rectification fixed."))
    if rectification.status != RectificationStatus.OPEN:
        raise _refuse_transition(rectification, RectificationStatus.FIXED)
    evidence = text_of("evidence", evidence, _("Say what was done."))
    rectification.status = RectificationStatus.FIXED
    rectification.fixed_by = actor if isinstance(actor, User) else None
    rectification.fixed_at = now or timezone.now()
    rectification.evidence = evidence
    rectification.save(update_fields=["status", "fixed_by", "fixed_at", "evidence"])
    _event(rectification, RectificationStatus.OPEN, RectificationStatus.FIXED, actor, evidence)
    _audit(actor, "rectification.fix", rectification, {"evidence": evidence})
    return rectification


@transaction.atomic
def rectification_verify(
    *,
    actor: Any,
    rectification: Rectification,
    accepted: bool,
    note: str = "",
    now: datetime.datetime | None = None,
) -> Rectification:
    """An inspector or officer other than who fixed it checks the fix: `fixed` → `verified`,
    or back to `open` with the reason in `note`."""
    rectification = _locked(rectification)
    if not may(actor, VERIFIERS, rectification.institution):
        raise Forbidden(_("Only an inspector or officer over the institution verifies a fix."))
    if rectification.status != RectificationStatus.FIXED:
        to = RectificationStatus.VERIFIED if accepted else RectificationStatus.OPEN
        raise _refuse_transition(rectification, to)
    if rectification.fixed_by_id is not None and rectification.fixed_by_id == getattr(
        actor, "pk", None
    ):
        raise field_error("accepted", _("Someone other than who fixed it must verify the fix."),
                          "own_fix")  # fmt: skip
    note = note.strip()
    if len(note) > MAX_TEXT:
        raise field_error("note", _("Enter at most 4000 characters."), "too_long")
    if accepted:
        rectification.status = RectificationStatus.VERIFIED
        rectification.verified_by = actor if isinstance(actor, User) else None
        rectification.verified_at = now or timezone.now()
        action = "rectification.verify"
    else:
        note = text_of("note", note, _("Give the reason the fix is not accepted."))
        rectification.status = RectificationStatus.OPEN
        rectification.fixed_by, rectification.fixed_at, rectification.evidence = None, None, ""
        action = "rectification.reopen"
    rectification.verify_note = note
    rectification.save()
    _event(rectification, RectificationStatus.FIXED, rectification.status, actor, note)
    _audit(actor, action, rectification, {"accepted": accepted, "note": note})
    return rectification


def _audit(actor: Any, action: str, rectification: Rectification, facts: dict[str, Any]) -> None:
    institution = rectification.institution
    audit_record(
        actor=actor, action=action, target=rectification,
        after={"institution": institution.code, "status": rectification.status, **facts},
        region_path=institution.region.path, institution_id=institution.pk,
    )  # fmt: skip


@transaction.atomic
def rectification_from_finding(
    *, actor: Any, finding: Finding, due_date: datetime.date
) -> Rectification:
    """Open a rectification for a liaison's finding, due on `due_date`."""
    finding = Finding.objects.select_related("institution__region", "duty_log").get(pk=finding.pk)
    if not may(actor, RECORDERS, finding.institution):
        raise Forbidden(_("Only an inspector or officer over the institution opens one."))
    if Rectification.objects.filter(finding=finding).exists():
        raise field_error("finding", _("This finding has a rectification already."), "exists")
    day = finding.duty_log.day
    if due_date < day:
        raise field_error("due_date", _("The deadline is before the finding."), "due_before_found")
    rectification = Rectification.objects.create(
        institution=finding.institution, finding=finding, what=finding.text, opened_on=day,
        due_date=due_date,
    )  # fmt: skip
    _event(rectification, "", RectificationStatus.OPEN, actor, "")
    _audit(actor, "rectification.open", rectification, {"finding": finding.pk})
    return rectification


DRAFT_FIELDS = re.compile(r"^(method|unannounced|done_at|(result|note)_[0-9]{1,3})$")


def inspection_draft_save(
    *, actor: Any, institution: Institution, data: dict[str, str]
) -> InspectionDraft:
    """Keep the answers given so far on the phone form (only its own fields, each cut to the
    form's length). Not audited: a draft is scratch until `inspection_record` records it."""
    if not isinstance(actor, User) or not may(actor, RECORDERS, institution):
        raise Forbidden(_("Only an inspector or officer over the institution records them."))
    kept = {key: value[:MAX_TEXT] for key, value in data.items() if DRAFT_FIELDS.match(key)}
    draft, _created = InspectionDraft.objects.update_or_create(
        institution=institution, author=actor,
        defaults={"data": kept, "updated_at": timezone.now()},
    )  # fmt: skip
    return draft


# The spot-check draw -----------------------------------------------------------------------

STALE_CAP_DAYS = 90  # an institution not inspected for this long (or never) counts as never
STALE_WEIGHT = 3.0  # the most staleness adds to the base weight of 1
OPEN_WEIGHT = 1.0  # each unverified rectification (at most CAPPED of them)
OVERDUE_WEIGHT = 2.0  # each overdue one, in addition (at most CAPPED of them)
CAPPED = 3
MAX_SEED = 2**53 - 1  # a seed a JSON client reads back exactly


def draw_weights(region: Region, day: datetime.date) -> dict[str, float]:
    """The weight of each institution of the region's subtree open on `day`, by code:

        w = 1 + 3 · min(days since last inspection, 90) / 90      (never inspected: 90 days)
              + 1 · min(unverified rectifications, 3)
              + 2 · min(overdue rectifications, 3)

    so a never-inspected institution weighs 4, one inspected today 1, and each open (more so
    overdue) rectification adds to it. Rounded to 6 places so that the stored weights are the
    ones used.
    """
    units = Institution.objects.filter(
        Q(opened_on__isnull=True) | Q(opened_on__lte=day),
        Q(closed_on__isnull=True) | Q(closed_on__gte=day),
    )
    if region.path:
        units = units.filter(region__in=Region.objects.filter(path__startswith=region.path)
                             .values("pk"))  # fmt: skip
    # One pass over the institutions, each asking its own index entries: the latest
    # inspection within the cap (older ones weigh as never), and its unverified and overdue
    # rectifications (a partial index holds only those). No join of the region's inspections.
    latest = (
        Inspection.objects.filter(institution=OuterRef("pk"), done_on__lte=day,
                                  done_on__gt=day - datetime.timedelta(days=STALE_CAP_DAYS))
        .order_by("-done_on").values("done_on")[:1]
    )  # fmt: skip
    unverified = Rectification.objects.filter(
        institution=OuterRef("pk"), status__in=[RectificationStatus.OPEN, RectificationStatus.FIXED]
    ).order_by()
    rows = units.annotate(
        last=Subquery(latest),
        n=Coalesce(Subquery(unverified.values("institution").annotate(c=Count("*"))
                            .values("c")), 0),
        # Counted over the same rows, not filtered by day: a planner without statistics
        # (SQLite) would otherwise walk every overdue row of the country by (status, due).
        late=Coalesce(Subquery(unverified.values("institution").annotate(
            c=Sum(Case(When(due_date__lt=day, then=1), default=0))
        ).values("c")), 0),
    ).values_list("code", "last", "n", "late")  # fmt: skip
    weights = {}
    for code, last, n, late in rows:
        stale = STALE_CAP_DAYS if last is None else min(STALE_CAP_DAYS, (day - last).days)
        weight = (
            1
            + STALE_WEIGHT * stale / STALE_CAP_DAYS
            + OPEN_WEIGHT * min(n, CAPPED)
            + OVERDUE_WEIGHT * min(late, CAPPED)
        )
        weights[code] = round(weight, 6)
    return dict(sorted(weights.items()))


def weighted_sample(weights: dict[str, float], count: int, seed: int) -> list[str]:
    """Draw `count` codes without replacement, each with probability in proportion to its
    weight among those not yet drawn (Efraimidis and Spirakis, 2006, "A-Res").

    Each code, in code order, gets a key log(u) / w with u uniform in (0, 1] from
    `random.Random(seed)` (never the global generator); the `count` largest keys win, in
    order of key. The same seed over the same weights gives the same list on every machine
    (Python's Mersenne Twister is specified; the log of the same double is the same).
    """
    rng = random.Random(seed)  # noqa: S311 - reproducible by design, not a secret
    keys = []
    for code in sorted(weights):
        u = 1.0 - rng.random()  # in (0, 1]: log(0) is never taken
        keys.append((math.log(u) / weights[code], code))
    keys.sort(key=lambda pair: (-pair[0], pair[1]))
    return [code for _key, code in keys[:count]]


@transaction.atomic
def spot_check_draw(
    *,
    actor: Any,
    region: Region,
    count: int,
    method: str,
    seed: int | None = None,
    day: datetime.date | None = None,
) -> SpotCheckDraw:
    """Draw `count` institutions of the region for a `method` check, weighted towards those
    not inspected recently and those with open or overdue rectifications (`draw_weights`,
    `weighted_sample`). The draw is kept and audited, whatever becomes of it; without a seed
    one is chosen with `secrets`."""
    if not visible(Region.objects.filter(pk=region.pk), actor, DRAWERS).exists():
        raise Forbidden(_("Only an officer of the region draws its spot checks."))
    if method not in InspectionMethod.values:
        raise field_error("method", _("Choose on_site, video or phone."), "invalid_choice")
    if seed is not None and not 0 <= seed <= MAX_SEED:
        raise field_error("seed", _("A seed is a whole number from 0 to 2^53 - 1."), "invalid")
    day = day or timezone.localdate()
    weights = draw_weights(region, day)
    if not 1 <= count <= len(weights):
        raise field_error(
            "count", _("Draw from 1 to %(most)s institutions (the region has %(most)s open)."),
            "count_out_of_range", most=len(weights),
        )  # fmt: skip
    seed = secrets.randbelow(MAX_SEED + 1) if seed is None else seed
    draw = SpotCheckDraw.objects.create(
        region=region, method=method, count=count, seed=seed, as_of=day, weights=weights,
        result=weighted_sample(weights, count, seed),
        drawn_by=actor if isinstance(actor, User) else None,
    )  # fmt: skip
    audit_record(
        actor=actor, action="inspection.draw", target=draw,
        after={"region": region.code, "method": method, "count": count, "seed": seed,
               "as_of": day.isoformat(), "institutions": draw.result},
        region_path=region.path,
    )  # fmt: skip
    return draw
