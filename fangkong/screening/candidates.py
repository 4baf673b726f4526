"""Everyone present in an institution at any moment of a window `[start, end)`, in one step.

A stay `[start, end)` or a visit `[check_in, check_out)` is present in the window when it
begins before the window ends and ends after it begins (an open end runs on): a presence ending
exactly at the window's start is out, one beginning exactly at its end is out.
"""

import datetime
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field

from django.db.models import Q

from fangkong.institutions.models import Institution
from fangkong.people.models import Shift, Stay, Visit

type Interval = tuple[datetime.datetime, datetime.datetime | None]


@dataclass
class Candidate:
    person_id: int
    roles: set[str] = field(default_factory=set)
    intervals: list[Interval] = field(default_factory=list)  # in the institution
    elsewhere: list[dict[str, str | None]] = field(default_factory=list)


def overlaps(
    start: datetime.datetime, end: datetime.datetime | None,
    window_start: datetime.datetime, window_end: datetime.datetime,
) -> bool:  # fmt: skip
    """Does `[start, end)` (an open end runs on) share a moment with the window?"""
    return start < window_end and (end is None or end > window_start)


def _stays(start: datetime.datetime, end: datetime.datetime) -> Q:
    return Q(start__lt=end) & (Q(end__isnull=True) | Q(end__gt=start))


def _visits(start: datetime.datetime, end: datetime.datetime) -> Q:
    return Q(check_in__lt=end) & (Q(check_out__isnull=True) | Q(check_out__gt=start))


def candidates(
    institution: Institution, start: datetime.datetime, end: datetime.datetime
) -> dict[int, Candidate]:
    """The persons present in the institution in `[start, end)`, by id: their roles, their
    intervals there, and their presence in other institutions in the window."""
    found: dict[int, Candidate] = {}
    stays = Stay.objects.filter(_stays(start, end), institution=institution)
    for person_id, role, since, until in stays.values_list("person_id", "role", "start", "end"):
        row = found.setdefault(person_id, Candidate(person_id))
        row.roles.add(role)
        row.intervals.append((since, until))
    visits = Visit.objects.filter(_visits(start, end), institution=institution)
    for person_id, since, until in visits.values_list("visitor_id", "check_in", "check_out"):
        row = found.setdefault(person_id, Candidate(person_id))
        row.roles.add("visitor")
        row.intervals.append((since, until))
    _add_shifts(found, institution, start, end)
    _add_elsewhere(found, institution, start, end)
    return found


# Shifts: staff on duty in the window are present, whatever their stays say -------------------


def _shifts(start: datetime.datetime, end: datetime.datetime) -> Q:
    """Shifts `[start, end)` sharing a moment with the window (a shift always has its end)."""
    return Q(start__lt=end, end__gt=start)


def _add_shifts(
    found: dict[int, Candidate],
    institution: Institution,
    start: datetime.datetime,
    end: datetime.datetime,
) -> None:
    shifts = Shift.objects.filter(_shifts(start, end), institution=institution)
    for person_id, since, until in shifts.values_list("person_id", "start", "end"):
        row = found.setdefault(person_id, Candidate(person_id))
        row.roles.add("staff")
        row.intervals.append((since, until))


def _shifts_elsewhere(
    ids: list[int], institution: Institution, start: datetime.datetime, end: datetime.datetime
) -> list[tuple[int, dict[str, str | None]]]:
    shifts = (
        Shift.objects.filter(_shifts(start, end), person_id__in=ids)
        .exclude(institution=institution)
        .values_list("person_id", "institution__code", "institution__name", "start", "end")
    )
    return [
        (person_id, _place(code, name, "staff", since, until))
        for person_id, code, name, since, until in shifts
    ]


def _add_elsewhere(
    found: dict[int, Candidate],
    institution: Institution,
    start: datetime.datetime,
    end: datetime.datetime,
) -> None:
    ids = list(found)
    places: dict[int, list[dict[str, str | None]]] = defaultdict(list)
    stays = (
        Stay.objects.filter(_stays(start, end), person_id__in=ids)
        .exclude(institution=institution)
        .values_list("person_id", "institution__code", "institution__name", "role", "start", "end")
    )
    visits = (
        Visit.objects.filter(_visits(start, end), visitor_id__in=ids)
        .exclude(institution=institution)
        .values_list("visitor_id", "institution__code", "institution__name", "check_in",
                     "check_out")
    )  # fmt: skip
    for person_id, code, name, role, since, until in stays:
        places[person_id].append(_place(code, name, role, since, until))
    for person_id, code, name, since, until in visits:
        places[person_id].append(_place(code, name, "visitor", since, until))
    for person_id, place in _shifts_elsewhere(ids, institution, start, end):
        places[person_id].append(place)
    for person_id, rows in places.items():
        found[person_id].elsewhere = sorted(rows, key=lambda row: (row["start"] or "", row["code"]))


def _place(
    code: str, name: str, role: str, since: datetime.datetime, until: datetime.datetime | None
) -> dict[str, str | None]:
    return {
        "code": code, "name": name, "role": role, "start": since.isoformat(),
        "end": until.isoformat() if until else None,
    }  # fmt: skip


def shares_time(first: list[Interval], second: list[Interval]) -> bool:
    """Do two persons' presences share a moment?"""
    for start, end in first:
        for other_start, other_end in second:
            if (other_end is None or start < other_end) and (end is None or other_start < end):
                return True
    return False


def institutions_of(
    person_ids: Collection[int], start: datetime.datetime, end: datetime.datetime
) -> dict[int, set[int]]:
    """Where these persons were present in `[start, end)` (stays, visits, shifts): the
    persons present, by institution id; in three queries however many there are."""
    ids = list(person_ids)
    found: dict[int, set[int]] = defaultdict(set)
    rows = [
        *Stay.objects.filter(_stays(start, end), person_id__in=ids).values_list(
            "institution_id", "person_id"
        ),
        *Visit.objects.filter(_visits(start, end), visitor_id__in=ids).values_list(
            "institution_id", "visitor_id"
        ),
        *Shift.objects.filter(_shifts(start, end), person_id__in=ids).values_list(
            "institution_id", "person_id"
        ),
    ]
    for institution_id, person_id in rows:
        found[institution_id].add(person_id)
    return dict(found)
