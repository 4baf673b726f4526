"""Reads of screenings, their subjects and follow-ups, narrowed to what the user may see."""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.scoping import visible
from fangkong.institutions.models import Institution
from fangkong.lab.models import LabOutcome, LabResult
from fangkong.regions.models import Region
from fangkong.screening.models import (
    ContactClass,
    FollowUp,
    FollowUpStatus,
    RingReferral,
    Screening,
    ScreeningSubject,
)
from fangkong.screening.services import local_day


def screening_get(*, user: Any, pk: int) -> Screening:
    """The screening, if the user may see it (absent and hidden look the same: 404)."""
    found = (
        visible(Screening.objects.filter(pk=pk), user)
        .select_related("institution", "institution__region", "index_person", "parent")
        .annotate(n_subjects=Count("subjects"))
        .first()
    )
    if found is None:
        raise Http404("screening")
    return found


@dataclass(frozen=True)
class Rings:
    """A screening's links as one user may see them: its first ring if visible, the rings
    opened from it inside the user's scope, and only how many institutions lie outside."""

    parent: Screening | None
    rings: Sequence[Screening]
    outside: int  # rings opened or referred in institutions outside the user's scope


def screening_rings(*, user: Any, screening: Screening) -> Rings:
    parent = None
    if screening.parent_id is not None:
        parent = visible(Screening.objects.filter(pk=screening.parent_id), user).first()
    rings = list(
        visible(Screening.objects.filter(parent=screening), user)
        .select_related("institution")
        .annotate(n_subjects=Count("subjects"))
        .order_by("institution__code")
    )
    opened = Screening.objects.filter(parent=screening).count()
    pending = RingReferral.objects.filter(parent=screening, screening__isnull=True).count()
    return Rings(parent, rings, opened + pending - len(rings))


def referral_get(*, user: Any, pk: int) -> RingReferral:
    """A second ring referred to an institution, if the user may see that institution."""
    found = (
        visible(RingReferral.objects.filter(pk=pk), user)
        .select_related("institution", "institution__region", "screening")
        .prefetch_related("index_persons")
        .first()
    )
    if found is None:
        raise Http404("referral")
    return found


def pending_referrals(*, user: Any, region: Region) -> QuerySet[RingReferral]:
    """The visible second rings referred to institutions of the region's subtree, not opened."""
    return (
        visible(RingReferral.objects.filter(screening__isnull=True), user)
        .filter(institution__region__in=_subtree(region))
        .select_related("institution")
        .order_by("-created_at", "id")
    )


def subjects_of(screening: Screening) -> QuerySet[ScreeningSubject]:
    """The screening's subjects, by name, with their persons."""
    return (
        ScreeningSubject.objects.filter(screening=screening)
        .select_related("person")
        .order_by("person__pinyin", "person_id")
    )


def institution_screenings(*, user: Any, institution: Institution) -> QuerySet[Screening]:
    return (
        visible(Screening.objects.filter(institution=institution), user)
        .annotate(n_subjects=Count("subjects"))
        .order_by("-start", "-id")
    )


# Follow-ups ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TestDay:
    """A planned test day: met by a result of a sample taken that day, missed once past."""

    day: datetime.date
    result: str | None  # the lab's outcome of that day's sample, if any
    result_label: str
    state: str  # "met", "missed" or "planned"


@dataclass(frozen=True)
class FollowUpState:
    follow_up: FollowUp
    tests: list[TestDay]
    overdue_since: datetime.date | None  # the first lapse: a missed test, or the quarantine's end
    reasons: list[str] = field(default_factory=list)

    @property
    def overdue(self) -> bool:
        return self.overdue_since is not None


def _day_bounds(first: datetime.date, last: datetime.date) -> tuple[datetime.datetime, ...]:
    zone = timezone.get_default_timezone()
    after = last + datetime.timedelta(days=1)
    return (datetime.datetime.combine(first, datetime.time(0), zone),
            datetime.datetime.combine(after, datetime.time(0), zone))  # fmt: skip


def _sampled_days(
    pairs: set[tuple[int, datetime.date]],
) -> dict[tuple[int, datetime.date], str]:
    """The lab's results by (person, local day of the sample), in one query; a final result
    wins over a pending one."""
    if not pairs:
        return {}
    first, last = _day_bounds(min(d for _p, d in pairs), max(d for _p, d in pairs))
    rows = (
        LabResult.objects.filter(
            person_id__in={p for p, _d in pairs}, sampled_at__gte=first, sampled_at__lt=last
        )
        .order_by("sampled_at")
        .values_list("person_id", "sampled_at", "result")
    )
    found: dict[tuple[int, datetime.date], str] = {}
    for person_id, sampled_at, result in rows:
        key = (person_id, local_day(sampled_at))
        if key in pairs and (key not in found or found[key] == LabOutcome.PENDING):
            found[key] = result
    return found


def follow_up_states(follow_ups: Sequence[FollowUp], today: datetime.date) -> list[FollowUpState]:
    """Each follow-up with its planned tests met, missed or still to come, and whether it is
    overdue: a planned day passed with no result, or the quarantine's last day passed while
    still active. `follow_ups` come with their subjects and test days preloaded."""
    planned = {fu.pk: [t.day for t in fu.test_days.all()] for fu in follow_ups}
    pairs = {(fu.subject.person_id, d) for fu in follow_ups for d in planned[fu.pk]}
    results = _sampled_days(pairs)
    states = []
    for fu in follow_ups:
        tests, lapses, reasons = [], [], []
        for day in planned[fu.pk]:
            result = results.get((fu.subject.person_id, day))
            state = "met" if result else ("missed" if day < today else "planned")
            label = str(LabOutcome(result).label) if result else ""
            tests.append(TestDay(day=day, result=result, result_label=label, state=state))
            if state == "missed" and fu.status == FollowUpStatus.ACTIVE:
                lapses.append(day)
                reasons.append(str(_("No result for the test of %(day)s.") % {"day": day}))
        if fu.status == FollowUpStatus.ACTIVE and fu.quarantine_until < today:
            lapses.append(fu.quarantine_until)
            reasons.append(str(_("The quarantine ended on %(day)s and the follow-up is not closed.")
                               % {"day": fu.quarantine_until}))  # fmt: skip
        states.append(FollowUpState(fu, tests, min(lapses) if lapses else None, reasons))
    return states


def _follow_ups(queryset: QuerySet[FollowUp]) -> QuerySet[FollowUp]:
    return queryset.select_related(
        "subject__person", "subject__screening__institution__region"
    ).prefetch_related("test_days", "symptoms", "plans__author")


def follow_up_get(*, user: Any, pk: int) -> FollowUp:
    """The follow-up, if the user may see its screening (absent and hidden look the same)."""
    found = _follow_ups(visible(FollowUp.objects.filter(pk=pk), user)).first()
    if found is None:
        raise Http404("follow-up")
    return found


def follow_up_state(follow_up: FollowUp, today: datetime.date | None = None) -> FollowUpState:
    return follow_up_states([follow_up], today or local_day(timezone.now()))[0]


def screening_follow_ups(screening: Screening) -> dict[int, FollowUpState]:
    """The screening's follow-ups by person."""
    rows = list(_follow_ups(FollowUp.objects.filter(subject__screening=screening)))
    states = follow_up_states(rows, local_day(timezone.now()))
    return {state.follow_up.subject.person_id: state for state in states}


def active_follow_ups(queryset: QuerySet[FollowUp] | None = None) -> QuerySet[FollowUp]:
    base = FollowUp.objects.all() if queryset is None else queryset
    return _follow_ups(base.filter(status=FollowUpStatus.ACTIVE)).order_by(
        "subject__screening__institution__code", "quarantine_until", "pk"
    )


# A region's view --------------------------------------------------------------------------


def _subtree(region: Region) -> QuerySet[Region]:
    return Region.objects.filter(path__startswith=region.path)


def region_open_screenings(*, user: Any, region: Region) -> QuerySet[Screening]:
    """The visible screenings of the region's subtree still open: a subject not yet classified
    or a follow-up still active; with their counts, latest first."""
    active = Q(subjects__follow_up__status=FollowUpStatus.ACTIVE)
    close = Q(subjects__classification=ContactClass.CLOSE)
    found = (
        visible(Screening.objects.filter(institution__region__in=_subtree(region)), user)
        .annotate(
            n_subjects=Count("subjects", distinct=True),
            n_unclassified=Count("subjects", filter=Q(subjects__classification=""), distinct=True),
            n_close=Count("subjects", filter=close, distinct=True),
            n_active=Count("subjects", filter=active, distinct=True),
        )
        .filter(Q(n_unclassified__gt=0) | Q(n_active__gt=0))
        .select_related("institution", "parent")
    )
    return found.order_by("-start", "-id")


def region_overdue_follow_ups(
    *, user: Any, region: Region, today: datetime.date | None = None
) -> list[FollowUpState]:
    """The visible active follow-ups of the region's subtree that are overdue."""
    rows = active_follow_ups(
        visible(FollowUp.objects.all(), user).filter(
            subject__screening__institution__region__in=_subtree(region)
        )
    )
    states = follow_up_states(list(rows), today or local_day(timezone.now()))
    return [state for state in states if state.overdue]
