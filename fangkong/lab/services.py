"""Opening testing rounds (one institution, or every institution open under a region), recording
results and excusing expected persons. Each write is one transaction with its audit row."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.audit.services import audit_record
from fangkong.core.errors import field_error
from fangkong.core.exceptions import Overlap
from fangkong.core.scoping import scope_of
from fangkong.core.text import has_visible
from fangkong.institutions.models import Institution, open_on
from fangkong.lab import alerts
from fangkong.lab.alerts import local_day
from fangkong.lab.models import LabCampaign, LabExpected, LabMethod, LabOutcome, LabResult, LabRound
from fangkong.people.models import Employment, Person, Stay, StayRole
from fangkong.regions.models import Region

ROUND_MAKERS = {"admin", "officer", "operator"}  # open rounds (operators: their institution)
RESULT_RECORDERS = {"admin", "officer", "operator"}  # record results, excuse persons
OVERLAP_LIST = 5  # institutions named in a refusal


def _covers(actor: Any, roles: set[str], institution: Institution) -> bool:
    scope = scope_of(actor, roles)
    return scope.covers_path(institution.region.path) or institution.pk in scope.institution_ids


def may_record(actor: Any, institution: Institution) -> bool:
    return _covers(actor, RESULT_RECORDERS, institution)


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _institutions(
    actor: Any, region_code: str | None, institution_code: str | None, day: datetime.date
) -> tuple[Region | None, list[Institution]]:
    """The institutions a round is opened for, within what the actor may open."""
    if bool(region_code) == bool(institution_code):
        raise field_error(
            "region_code" if region_code else "institution_code",
            _("Give either region_code or institution_code, not both."), "one_target",
        )  # fmt: skip
    if institution_code:
        found = Institution.objects.select_related("region").filter(code=institution_code).first()
        if found is None or not _covers(actor, ROUND_MAKERS, found):
            raise field_error(
                "institution_code", _("No institution with code %(code)s in your scope."),
                "unknown_institution", code=institution_code,
            )  # fmt: skip
        if not found.is_open_on(day):
            raise field_error(
                "institution_code", _("%(name)s does not operate on %(day)s."), "closed_down",
                name=found.name, day=day.isoformat(),
            )  # fmt: skip
        return None, [found]
    region = Region.objects.filter(code=region_code).first()
    if region is None or not scope_of(actor, ROUND_MAKERS).covers_path(region.path):
        raise field_error(
            "region_code", _("No region with code %(code)s in your scope."), "unknown_region",
            code=region_code,
        )  # fmt: skip
    institutions = list(
        Institution.objects.filter(open_on(day), region__path__startswith=region.path)
        .select_related("region")
        .order_by("code")
    )
    if not institutions:
        raise field_error(
            "region_code", _("No institution of %(region)s operates on %(day)s."),
            "no_institutions", region=region.name, day=day.isoformat(),
        )  # fmt: skip
    return region, institutions


def _refuse_same_name(institutions: list[Institution], name: str) -> None:
    taken = list(
        LabRound.objects.filter(institution__in=institutions, name=name)
        .select_related("institution")
        .order_by("institution__code")[: OVERLAP_LIST + 1]
    )
    if taken:
        names = "、".join(r.institution.name for r in taken[:OVERLAP_LIST])
        raise Overlap(
            _("A round of this name already exists in: %(names)s.") % {"names": names},
            field="name",
        )


def present_at(institution: Institution, at: datetime.datetime) -> list[tuple[int, str]]:
    """The persons expected in a round at `at`, with their role: the residents whose stay
    covers the moment (`[start, end)`) and the staff employed on site then."""
    residents = Stay.objects.filter(
        institution=institution, role=StayRole.RESIDENT, start__lte=at
    ).filter(Q(end__isnull=True) | Q(end__gt=at))
    staff = Employment.objects.filter(institution=institution, on_site=True, start__lte=at).filter(
        Q(end__isnull=True) | Q(end__gt=at)
    )
    found = dict.fromkeys(staff.values_list("person_id", flat=True), str(StayRole.STAFF))
    found.update(
        dict.fromkeys(residents.values_list("person_id", flat=True), str(StayRole.RESIDENT))
    )
    return list(found.items())


@dataclass(frozen=True)
class Opened:
    round: LabRound
    expected: int


@transaction.atomic
def round_create(
    *,
    actor: Any,
    name: str,
    started_at: datetime.datetime,
    method: str,
    region_code: str | None = None,
    institution_code: str | None = None,
) -> list[Opened]:
    """Open a round for one institution, or one per institution open that day under a region,
    each with its expected persons frozen at `started_at`; all or nothing."""
    name = " ".join(name.split())
    if not has_visible(name):
        raise field_error("name", _("Name the round."), "required")
    if method not in LabMethod.values:
        raise field_error(
            "method", _("Choose one of: %(choices)s."), "invalid_choice",
            choices=", ".join(LabMethod.values),
        )  # fmt: skip
    if started_at > timezone.now():
        raise field_error("started_at", _("A round cannot start in the future."), "future")
    region, institutions = _institutions(
        actor, region_code, institution_code, local_day(started_at)
    )
    _refuse_same_name(institutions, name)
    campaign = LabCampaign.objects.create(
        name=name, method=method, started_at=started_at, region=region, created_by=_user(actor)
    )
    rounds = []
    for institution in institutions:
        rounds.append(_round_open(actor, campaign, institution))
    return rounds


def _round_open(actor: Any, campaign: LabCampaign, institution: Institution) -> Opened:
    try:
        with transaction.atomic():
            lab_round = LabRound.objects.create(
                campaign=campaign, institution=institution, name=campaign.name,
                method=campaign.method, started_at=campaign.started_at, created_by=_user(actor),
            )  # fmt: skip
    except IntegrityError as exc:
        raise Overlap(_("A round of this name already exists."), field="name") from exc
    stays = present_at(institution, campaign.started_at)
    LabExpected.objects.bulk_create(
        LabExpected(round=lab_round, person_id=person_id, role=role) for person_id, role in stays
    )
    audit_record(
        actor=actor, action="lab_round.create", target=lab_round,
        after={"name": campaign.name, "method": campaign.method,
               "started_at": campaign.started_at.isoformat(), "campaign": campaign.pk,
               "expected": len(stays)},
        region_path=institution.region.path, institution_id=institution.pk,
    )  # fmt: skip
    return Opened(lab_round, len(stays))


@dataclass(frozen=True)
class Recorded:
    result: LabResult
    created: bool


@transaction.atomic
def result_record(
    *,
    actor: Any,
    lab_round: LabRound,
    person: Person,
    sampled_at: datetime.datetime,
    result: str,
    laboratory: str = "",
    reason: str | None = None,
) -> Recorded:
    """Record (or replace) a person's result in the round.

    A person not expected in the round needs a `reason` (they are added); the sample time lies
    between the round's start and now. A first positive alerts the bureau once (`alerts`).
    """
    if result not in LabOutcome.values:
        raise field_error(
            "result", _("Choose one of: %(choices)s."), "invalid_choice",
            choices=", ".join(LabOutcome.values),
        )  # fmt: skip
    if sampled_at > timezone.now():
        raise field_error("sampled_at", _("A sample cannot be taken in the future."), "future")
    if sampled_at < lab_round.started_at:
        raise field_error(
            "sampled_at", _("The sample was taken before the round started."), "before_round"
        )
    expected = LabExpected.objects.filter(round=lab_round, person=person).exists()
    reason = (reason or "").strip()
    previous = LabResult.objects.select_for_update().filter(round=lab_round, person=person).first()
    if not expected and not reason and not (previous and previous.added_reason):
        raise field_error(
            "reason", _("This person is not expected in the round: say why they are added."),
            "not_expected",
        )  # fmt: skip
    before = _snapshot(previous) if previous else None
    row = previous or LabResult(round=lab_round, person=person)
    row.sampled_at, row.result, row.laboratory = sampled_at, result, laboratory.strip()
    if not expected and reason:
        row.added_reason = reason
    row.recorded_by, row.recorded_at = _user(actor), timezone.now()
    row.save()
    institution = lab_round.institution
    audit_record(
        actor=actor, action="lab_result.record", target=row, before=before, after=_snapshot(row),
        region_path=institution.region.path, institution_id=institution.pk,
    )  # fmt: skip
    if result == LabOutcome.POSITIVE:
        alerts.positive_announce(lab_round=lab_round, person=person, sampled_at=sampled_at)
    return Recorded(row, created=previous is None)


def _snapshot(row: LabResult) -> dict[str, Any]:
    return {
        "person": row.person_id, "sampled_at": row.sampled_at.isoformat(), "result": row.result,
        "laboratory": row.laboratory, "added_reason": row.added_reason,
    }  # fmt: skip


@transaction.atomic
def person_excuse(*, actor: Any, lab_round: LabRound, person: Person, reason: str) -> LabExpected:
    """Excuse an expected person without a result (in hospital, gone): the round may complete."""
    reason = " ".join((reason or "").split())
    if not has_visible(reason):
        raise field_error("reason", _("Say why the person is excused."), "required")
    expected = LabExpected.objects.filter(round=lab_round, person=person).first()
    if expected is None:
        raise field_error(
            "person_id", _("Only a person expected in the round can be excused."), "not_expected"
        )
    before = {"excused_reason": expected.excused_reason}
    expected.excused_reason, expected.excused_by = reason, _user(actor)
    expected.save(update_fields=["excused_reason", "excused_by"])
    institution = lab_round.institution
    audit_record(
        actor=actor, action="lab_result.excuse", target=expected, before=before,
        after={"person": person.pk, "excused_reason": reason},
        region_path=institution.region.path, institution_id=institution.pk,
    )  # fmt: skip
    return expected
