"""Opening testing rounds (one institution, or every institution open under a region), recording
results and excusing expected persons. Each write is one transaction with its audit row."""

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.db.models.functions import TruncHour
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
from fangkong.lab.models import (
    PROGRESS_SHARDS,
    LabCampaign,
    LabCampaignHour,
    LabExpected,
    LabMethod,
    LabOutcome,
    LabResult,
    LabRound,
    LabRoundHour,
)
from fangkong.lab.selectors import counts_from_rows
from fangkong.people.models import Employment, Person, Stay, StayRole
from fangkong.regions.models import Region

ROUND_MAKERS = {"admin", "officer", "operator"}  # open rounds (operators: their institution)
RESULT_RECORDERS = {"admin", "officer", "operator"}  # record results, excuse persons
OVERLAP_LIST = 5  # institutions named in a refusal
# How a recount moves the campaign's hours: (name, shard, hour) to the difference in tested.
CampaignHours = dict[tuple[str, int, datetime.datetime], int]


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
    round_recount(lab_round)
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


@dataclass(frozen=True)
class ResultEntry:
    """One person's result as a grid row or a bulk request gives it; `method` empty means the
    round's."""

    person_id: int
    sampled_at: datetime.datetime | None
    result: str
    method: str = ""
    laboratory: str = ""
    reason: str | None = None


Problem = tuple[str, Any, str]  # field, message, code


def _problems(
    lab_round: LabRound, entry: ResultEntry, expected: bool, previous: LabResult | None
) -> list[Problem]:
    """What refuses a result: a choice not offered, a sample time outside the round's span (its
    start to now), a person not expected added without a reason."""
    problems: list[Problem] = []
    if entry.result not in LabOutcome.values:
        problems.append(("result", _("Choose one of: %(choices)s.") % {
            "choices": ", ".join(LabOutcome.values)}, "invalid_choice"))  # fmt: skip
    if entry.method and entry.method not in LabMethod.values:
        problems.append(("method", _("Choose one of: %(choices)s.") % {
            "choices": ", ".join(LabMethod.values)}, "invalid_choice"))  # fmt: skip
    if entry.sampled_at is None:
        problems.append(("sampled_at", _("Give the time the sample was taken."), "required"))
    elif entry.sampled_at > timezone.now():
        problems.append(("sampled_at", _("A sample cannot be taken in the future."), "future"))
    elif entry.sampled_at < lab_round.started_at:
        problems.append(
            ("sampled_at", _("The sample was taken before the round started."), "before_round")
        )
    has_reason = bool((entry.reason or "").strip()) or bool(previous and previous.added_reason)
    if not expected and not has_reason:
        problems.append(
            (
                "reason",
                _("This person is not expected in the round: say why they are added."),
                "not_expected",
            )
        )
    return problems  # fmt: skip


def _refusal(problems: list[tuple[str, Any, str]]) -> ValidationError:
    errors: dict[str, list[ValidationError]] = {}
    for field, message, code in problems:
        errors.setdefault(field, []).append(ValidationError(message, code=code))
    return ValidationError(errors)


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
    method: str = "",
    hours_into: CampaignHours | None = None,
) -> Recorded:
    """Record (or replace) a person's result in the round.

    A person not expected in the round needs a `reason` (they are added); the sample time lies
    between the round's start and now. A first positive alerts the bureau once (`alerts`).
    `hours_into` collects the campaign's hours moved instead of changing them (`round_recount`).
    """
    entry = ResultEntry(person.pk, sampled_at, result, method, laboratory, reason)
    _lock(lab_round)
    expected = LabExpected.objects.filter(round=lab_round, person=person).exists()
    previous = LabResult.objects.select_for_update().filter(round=lab_round, person=person).first()
    problems = _problems(lab_round, entry, expected, previous)
    if problems:
        raise _refusal(problems)
    recorded = _write(actor, lab_round, person, entry, expected, previous)
    round_recount(lab_round, hours_into=hours_into)
    return recorded


def _lock(lab_round: LabRound) -> None:
    """Hold the round's row until the change commits: a recount then sees every change to it
    committed before (READ COMMITTED reads anew at each statement)."""
    LabRound.objects.select_for_update().filter(pk=lab_round.pk).values_list("pk").first()


def round_recount(lab_round: LabRound, *, hours_into: CampaignHours | None = None) -> None:
    """Recount the round's persons from its rows, into its fields and onto `lab_round`.

    The campaign's hours move at once by the difference of the round's, unless `hours_into` is
    given: then the difference is added into it, for the caller to apply once
    (`campaign_hours_apply`, before its transaction commits) or to drop (a trial undone).
    """
    rows = LabRound.objects.filter(pk=lab_round.pk)
    rows.update(**counts_from_rows())
    counts = rows.values("n_expected", "n_tested", "n_done", "n_positive").get()
    for name, value in counts.items():
        setattr(lab_round, name, value)
    moved = _recount_hours(lab_round)
    if hours_into is None:
        _campaign_hours_move(moved)
        return
    for key, n in moved.items():
        hours_into[key] = hours_into.get(key, 0) + n


def tested_by_hour(results: Any) -> Any:
    """The expected persons' final results among `results`, counted by the hour of the site's
    time zone they were sampled in (`hour`, `n`). An expected person's result is one without
    an added reason: a person not expected is only ever recorded with one (`_problems`)."""
    finals = results.filter(added_reason="").exclude(result=LabOutcome.PENDING)
    hour = TruncHour("sampled_at", tzinfo=timezone.get_default_timezone())
    return finals.order_by().annotate(hour=hour).values("hour").annotate(n=Count("pk"))


def _recount_hours(lab_round: LabRound) -> CampaignHours:
    """Recount the round's tested persons by hour; return how its campaign's hours move."""
    kept = LabRoundHour.objects.filter(round=lab_round)
    old = dict(kept.values_list("hour", "tested"))
    new = {row["hour"]: row["n"] for row in tested_by_hour(lab_round.results.all())}
    moved = {hour: new.get(hour, 0) - old.get(hour, 0) for hour in old.keys() | new.keys()}
    moved = {hour: n for hour, n in moved.items() if n}
    if not moved:
        return {}
    kept.delete()
    LabRoundHour.objects.bulk_create(
        LabRoundHour(round=lab_round, hour=hour, tested=n) for hour, n in new.items()
    )
    shard = lab_round.pk % PROGRESS_SHARDS
    return {(lab_round.name, shard, hour): n for hour, n in moved.items()}


@transaction.atomic
def campaign_hours_apply(*, moved: CampaignHours) -> None:
    """Move the campaign's hours by differences collected from recounts (`hours_into`), once,
    as a file's import does before it commits."""
    _campaign_hours_move(moved)


def _campaign_hours_move(moved: CampaignHours) -> None:
    """Change the campaign's hours by `moved`, each row taken in (name, shard, hour) order: two
    writes that lock rows of the same slice then never each wait for the other."""
    changes = sorted((key, n) for key, n in moved.items() if n)
    if not changes:
        return
    LabCampaignHour.objects.bulk_create(
        [LabCampaignHour(name=name, shard=shard, hour=hour, tested=0)
         for (name, shard, hour), _n in changes],
        ignore_conflicts=True,
    )  # fmt: skip
    for (name, shard, hour), n in changes:
        LabCampaignHour.objects.filter(name=name, shard=shard, hour=hour).update(
            tested=F("tested") + n
        )


def _write(
    actor: Any,
    lab_round: LabRound,
    person: Person,
    entry: ResultEntry,
    expected: bool,
    previous: LabResult | None,
) -> Recorded:
    assert entry.sampled_at is not None  # checked by _problems
    reason = (entry.reason or "").strip()
    before = _snapshot(previous) if previous else None
    row = previous or LabResult(round=lab_round, person=person)
    row.sampled_at, row.result = entry.sampled_at, entry.result
    row.method, row.laboratory = entry.method or lab_round.method, entry.laboratory.strip()
    if not expected and reason:
        row.added_reason = reason
    row.recorded_by, row.recorded_at = _user(actor), timezone.now()
    row.save()
    institution = lab_round.institution
    audit_record(
        actor=actor, action="lab_result.record", target=row, before=before, after=_snapshot(row),
        region_path=institution.region.path, institution_id=institution.pk,
    )  # fmt: skip
    if entry.result == LabOutcome.POSITIVE:
        alerts.positive_announce(lab_round=lab_round, person=person, sampled_at=entry.sampled_at)
    return Recorded(row, created=previous is None)


BULK_LIMIT = 5000  # rows in one bulk entry: the largest institution's round, with room


def row_field(index: int, field: str) -> str:
    """The name of a field of the `index`-th (from 0) entry of a bulk entry."""
    return f"results[{index}].{field}"


def results_refusal(
    *,
    lab_round: LabRound,
    entries: Sequence[ResultEntry],
    persons: Mapping[int, Person],
    rows: Sequence[int] | None = None,
) -> ValidationError | None:
    """Every problem of a bulk entry, or None: each named `results[i].field` (`i` the entry's
    index from 0), its message saying the row (`rows[i]`, by default `i + 1`) and the person."""
    ids = [entry.person_id for entry in entries]
    expected = _expected_among(lab_round, ids)
    previous = {
        r.person_id: r for r in LabResult.objects.filter(round=lab_round, person_id__in=ids)
    }
    problems: list[Problem] = []
    seen: set[int] = set()
    for index, entry in enumerate(entries):
        person = persons.get(entry.person_id)
        found: list[Problem]
        if person is None:
            found = [("person_id", _("No such person in your scope."), "unknown_person")]
        elif entry.person_id in seen:
            found = [("person_id", _("This person has another row above."), "duplicate")]
        else:
            found = _problems(
                lab_round, entry, entry.person_id in expected, previous.get(entry.person_id)
            )
        seen.add(entry.person_id)
        row = rows[index] if rows is not None else index + 1
        name = person.name if person else str(entry.person_id)
        for field, message, code in found:
            text = _("Row %(row)s (%(name)s): %(problem)s") % {
                "row": row, "name": name, "problem": message,
            }  # fmt: skip
            problems.append((row_field(index, field), text, code))
    return _refusal(problems) if problems else None


def _expected_among(lab_round: LabRound, ids: list[int]) -> set[int]:
    rows = LabExpected.objects.filter(round=lab_round, person_id__in=ids)
    return set(rows.values_list("person_id", flat=True))


@transaction.atomic
def results_record_many(
    *,
    actor: Any,
    lab_round: LabRound,
    entries: Sequence[ResultEntry],
    persons: Mapping[int, Person],
    rows: Sequence[int] | None = None,
    hours_into: CampaignHours | None = None,
) -> list[Recorded]:
    """Record (or replace) the results of many persons at once: all, or none; the round is
    recounted once.

    `persons` holds those of the entries' persons the actor may see; any other is refused. A
    refusal lists every problem of every row (`results_refusal`). `hours_into` collects the
    campaign's hours moved instead of changing them (`round_recount`).
    """
    ids = [entry.person_id for entry in entries]
    _lock(lab_round)
    # Locked first, so that no one replaces a result between the check and the write.
    previous = {
        r.person_id: r
        for r in LabResult.objects.select_for_update().filter(round=lab_round, person_id__in=ids)
    }
    refusal = results_refusal(lab_round=lab_round, entries=entries, persons=persons, rows=rows)
    if refusal is not None:
        raise refusal
    expected = _expected_among(lab_round, ids)
    recorded = [
        _write(actor, lab_round, persons[e.person_id], e, e.person_id in expected,
               previous.get(e.person_id))
        for e in entries
    ]  # fmt: skip
    round_recount(lab_round, hours_into=hours_into)
    return recorded


def _snapshot(row: LabResult) -> dict[str, Any]:
    return {
        "person": row.person_id, "sampled_at": row.sampled_at.isoformat(), "result": row.result,
        "method": row.method, "laboratory": row.laboratory, "added_reason": row.added_reason,
    }  # fmt: skip


@transaction.atomic
def person_excuse(*, actor: Any, lab_round: LabRound, person: Person, reason: str) -> LabExpected:
    """Excuse an expected person without a result (in hospital, gone): the round may complete."""
    reason = " ".join((reason or "").split())
    if not has_visible(reason):
        raise field_error("reason", _("Say why the person is excused."), "required")
    _lock(lab_round)
    expected = LabExpected.objects.filter(round=lab_round, person=person).first()
    if expected is None:
        raise field_error(
            "person_id", _("Only a person expected in the round can be excused."), "not_expected"
        )
    before = {"excused_reason": expected.excused_reason}
    expected.excused_reason, expected.excused_by = reason, _user(actor)
    expected.save(update_fields=["excused_reason", "excused_by"])
    round_recount(lab_round)
    institution = lab_round.institution
    audit_record(
        actor=actor, action="lab_result.excuse", target=expected, before=before,
        after={"person": person.pk, "excused_reason": reason},
        region_path=institution.region.path, institution_id=institution.pk,
    )  # fmt: skip
    return expected
