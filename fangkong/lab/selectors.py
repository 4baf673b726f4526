"""Reads of testing rounds, narrowed to what the user may see: a round, its persons, and a
region's coverage of the rounds of one name."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from fangkong.core.scoping import scope_of, visible
from fangkong.institutions.models import Institution
from fangkong.lab.models import (
    LabCampaignHour,
    LabExpected,
    LabOutcome,
    LabResult,
    LabRound,
    LabRoundHour,
)
from fangkong.people.models import Stay
from fangkong.regions.models import Region
from fangkong.regions.selectors import region_get


def _count(queryset: QuerySet[Any]) -> Any:
    rows = queryset.order_by().values("round_id").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def _final_result() -> Exists:
    """The expected person (the outer row) has a result other than pending."""
    return Exists(
        LabResult.objects.filter(
            round_id=OuterRef("round_id"), person_id=OuterRef("person_id")
        ).exclude(result=LabOutcome.PENDING)
    )


def counts_from_rows() -> dict[str, Any]:
    """The expressions that count a round's (the outer row's) persons from its rows:
    `n_expected`, `n_tested` (a result other than pending), `n_done` (tested or excused) and
    `n_positive` (every positive, added persons included). The round keeps them as fields."""
    expected = LabExpected.objects.filter(round_id=OuterRef("pk"))
    tested = expected.filter(_final_result())
    done = expected.filter(_final_result() | ~Q(excused_reason=""))
    positive = LabResult.objects.filter(round_id=OuterRef("pk"), result=LabOutcome.POSITIVE)
    return {
        "n_expected": _count(expected), "n_tested": _count(tested), "n_done": _count(done),
        "n_positive": _count(positive),
    }  # fmt: skip


def with_counts(rounds: QuerySet[LabRound]) -> QuerySet[LabRound]:
    """The rounds, whose counts are their fields (`n_expected`, `n_tested`, `n_done`,
    `n_positive`)."""
    return rounds


def rounds_visible(user: Any) -> QuerySet[LabRound]:
    return visible(LabRound.objects.all(), user)


def round_get(*, user: Any, pk: int) -> LabRound:
    """The round with its counts, if the user may see it (absent and hidden look the same)."""
    found = (
        with_counts(rounds_visible(user).filter(pk=pk))
        .select_related("institution", "institution__region", "campaign")
        .first()
    )
    if found is None:
        raise Http404("round")
    return found


def is_complete(lab_round: LabRound) -> bool:
    return lab_round.n_done == lab_round.n_expected


@dataclass(frozen=True)
class RoundPerson:
    """One line of a round: an expected or an added person, with their result if any."""

    person_id: int
    name: str
    id_number_masked: str
    role: str
    expected: bool
    result: str | None
    result_label: str
    sampled_at: Any
    method: str | None
    laboratory: str
    added_reason: str
    excused_reason: str


def round_persons(lab_round: LabRound) -> list[RoundPerson]:
    """The round's expected persons, then those added, by name; numbers masked."""
    results = {
        row.person_id: row
        for row in LabResult.objects.filter(round=lab_round).select_related("person")
    }
    lines = []
    for row in LabExpected.objects.filter(round=lab_round).select_related("person"):
        found = results.pop(row.person_id, None)
        lines.append(_line(row.person, row.role, True, found, row.excused_reason))
    for found in results.values():
        lines.append(_line(found.person, "", False, found, ""))
    return sorted(lines, key=lambda line: (not line.expected, line.name, line.person_id))


def _line(person: Any, role: str, expected: bool, found: Any, excused: str) -> RoundPerson:
    return RoundPerson(
        person_id=person.pk, name=person.name, id_number_masked=person.id_number_masked,
        role=role, expected=expected, result=found.result if found else None,
        result_label=str(LabOutcome(found.result).label) if found else "",
        sampled_at=found.sampled_at if found else None, method=found.method if found else None,
        laboratory=found.laboratory if found else "",
        added_reason=found.added_reason if found else "", excused_reason=excused,
    )  # fmt: skip


def positive_results(*, user: Any, institution: Institution) -> QuerySet[LabResult]:
    """The positive results of the institution's visible rounds, latest sample first."""
    rounds = rounds_visible(user).filter(institution=institution)
    return (
        LabResult.objects.filter(round__in=rounds, result=LabOutcome.POSITIVE)
        .select_related("person", "round")
        .order_by("-sampled_at", "-id")
    )


def late_arrivals(lab_round: LabRound) -> QuerySet[Stay]:
    """The stays that began in the institution after the round started (until now), of persons
    neither expected nor tested in it: listed apart, to be added with a reason."""
    known = LabExpected.objects.filter(round=lab_round).values("person_id")
    tested = LabResult.objects.filter(round=lab_round).values("person_id")
    return (
        Stay.objects.filter(
            institution=lab_round.institution,
            start__gt=lab_round.started_at,
            start__lte=timezone.now(),
        )
        .exclude(person_id__in=known)
        .exclude(person_id__in=tested)
        .select_related("person")
        .order_by("start", "id")
    )


@dataclass(frozen=True)
class Coverage:
    institutions: int
    complete: int
    expected: int
    tested: int
    positive: int


def coverage_region_get(*, user: Any, code: str) -> Region:
    return region_get(user=user, code=code)


def _region_rounds(*, user: Any, region: Region, name: str) -> QuerySet[LabRound]:
    # A region wholly inside the user's scope is its own scope: the same subtree, not twice;
    # the nation's (the empty path) is every region, and needs no filter at all.
    inside = scope_of(user).covers_path(region.path)
    rounds = (LabRound.objects.all() if inside else rounds_visible(user)).filter(name=name)
    if not region.path:
        return rounds
    subtree = Region.objects.filter(path__startswith=region.path).values("pk")
    return rounds.filter(institution__region__in=subtree)


def region_rounds(*, user: Any, region: Region, name: str) -> QuerySet[LabRound]:
    """The visible rounds of this name in the region's subtree, with their counts."""
    rounds = _region_rounds(user=user, region=region, name=name)
    return rounds.select_related("institution").order_by("institution__code")


def coverage(*, user: Any, region: Region, name: str) -> Coverage:
    """A region's coverage of the rounds named `name`: institutions with such a round, those
    complete, and the expected, tested and positive persons summed over them."""
    found = (
        _region_rounds(user=user, region=region, name=name)
        .order_by()
        .aggregate(
            institutions=Count("pk"),
            complete=Count("pk", filter=Q(n_done=F("n_expected"))),
            expected=Coalesce(Sum("n_expected"), 0),
            tested=Coalesce(Sum("n_tested"), 0),
            positive=Coalesce(Sum("n_positive"), 0),
        )
    )
    return Coverage(**found)


def round_names(*, user: Any, region: Region) -> list[str]:
    """The names of the region's rounds, latest first."""
    subtree = Region.objects.filter(path__startswith=region.path).values("pk")
    rows = (
        rounds_visible(user)
        .filter(institution__region__in=subtree)
        .values("name")
        .annotate(latest=Max("started_at"))
        .order_by("-latest", "name")
    )
    return [row["name"] for row in rows]


def region_positives(*, user: Any, region: Region, name: str) -> QuerySet[LabResult]:
    """The positive results of the region's visible rounds of this name, latest sample first."""
    rounds = _region_rounds(user=user, region=region, name=name).values("pk")
    return (
        LabResult.objects.filter(round__in=rounds, result=LabOutcome.POSITIVE)
        .select_related("person", "round", "round__institution")
        .order_by("-sampled_at", "-id")
    )


PROGRESS_HOURS = 72  # a campaign sampled over more than three days is drawn by day


@dataclass(frozen=True)
class ProgressPoint:
    at: datetime.datetime  # the start of the hour or day, in the site's time zone
    tested: int  # expected persons with a final result sampled before the bucket's end


@dataclass(frozen=True)
class Progress:
    expected: int
    unit: str  # "hour" or "day"
    points: list[ProgressPoint]


def progress_hours(*, user: Any, region: Region, name: str) -> QuerySet[Any]:
    """The expected persons of the region's visible rounds named `name` tested in each hour
    (`hour`, `n`), from the hours the rounds keep: the nation's, seen by whom sees it all, from
    those its campaign keeps (a few rows an hour rather than a row a round)."""
    if not region.path and scope_of(user).covers_path(region.path):
        hours: QuerySet[Any] = LabCampaignHour.objects.filter(name=name)
    else:
        rounds = _region_rounds(user=user, region=region, name=name).values("pk")
        hours = LabRoundHour.objects.filter(round__in=rounds)
    found: QuerySet[Any] = hours.order_by().values("hour").annotate(n=Sum("tested"))
    return found.filter(n__gt=0).order_by("hour")


def progress(*, user: Any, region: Region, name: str) -> Progress:
    """How the campaign's coverage grew: expected persons tested by the end of each hour (or
    each day, over a longer span), counting each person at their final result's sample."""
    expected = coverage(user=user, region=region, name=name).expected
    zone = timezone.get_default_timezone()
    hours = progress_hours(user=user, region=region, name=name)
    counted = [(timezone.localtime(row["hour"], zone), row["n"]) for row in hours]
    long = bool(counted) and counted[-1][0] - counted[0][0] > datetime.timedelta(
        hours=PROGRESS_HOURS
    )
    if long:  # by the day of the site's time zone, from the hours
        days: dict[datetime.datetime, int] = {}
        for at, n in counted:
            day = at.replace(hour=0)
            days[day] = days.get(day, 0) + n
        counted = list(days.items())
    points, total = [], 0
    for at, n in counted:
        total += n
        points.append(ProgressPoint(at, total))
    return Progress(expected, "day" if long else "hour", points)


def marked_positive(*, user: Any, institution_ids: list[int]) -> set[int]:
    """Those of the institutions whose latest visible round has a positive result: the board
    marks them until a later round comes back clear."""
    visible_rounds = rounds_visible(user)
    latest = (
        visible_rounds.filter(institution_id=OuterRef("institution_id"))
        .order_by("-started_at", "-id")
        .values("pk")[:1]
    )
    positive = LabResult.objects.filter(round_id=OuterRef("pk"), result=LabOutcome.POSITIVE)
    rows = (
        visible_rounds.filter(institution_id__in=institution_ids)
        .filter(pk=Subquery(latest))
        .filter(Exists(positive))
    )
    return set(rows.values_list("institution_id", flat=True))
