"""Reads of persons, stays and visits, always narrowed to what the user may see.

A person lies in the scope of every institution where they have a stay, an employment or a
visit, or where they were registered; and in the scope of the user who created them.
"""

import datetime
import functools
import operator
import re
from collections.abc import Collection
from typing import Any, NamedTuple

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from fangkong.core.scoping import Scope, scope_of, visible
from fangkong.institutions.models import Institution
from fangkong.people.identity import normalise_phone, phone_hash_of, pinyin_keys
from fangkong.people.models import (
    Employment,
    Person,
    PersonPlace,
    Registration,
    Stay,
    StayRole,
    Visit,
)

SEARCH_LIMIT = 50
# A way of searching by a surname's second reading: its ids first, from a partial index; at
# most this many (in that index's order) are then checked against the scope.
SECOND = "second reading"
SECOND_READINGS_LIMIT = 1000
# A scope of at most this many institutions is searched through its places (`PersonPlace`).
FEW_INSTITUTIONS = 100


# Where a person lies: the institutions of their stays, visits and employments.
PRESENCES: tuple[tuple[type[Stay | Visit | Employment], str], ...] = (
    (Stay, "person"), (Visit, "visitor"), (Employment, "person"),
)  # fmt: skip


def in_scope(user: Any, roles: Collection[str] | None = None) -> Q:
    """The condition on persons that keeps those inside the user's scope (under `roles`).

    Region subtrees are asked of each person (`EXISTS` a stay, a visit or an employment in one
    of their institutions), so that a search walking an index in order stops at its page;
    single institutions are asked the other way round (their persons' ids, a small set).
    """
    scope = scope_of(user, roles)
    if scope.everything:
        return Q()
    if scope.is_empty:
        return Q(pk__in=[])
    condition = Q(pk__in=[])
    if scope.region_paths:
        condition |= in_regions(scope.region_paths)
    if scope.institution_ids:
        condition |= in_institutions(scope.institution_ids)
    if getattr(user, "is_authenticated", False):
        condition |= Q(created_by=user)
    return condition


def in_regions(paths: Collection[str]) -> Q:
    """Persons registered in, staying in, visiting or working in an institution of these
    region subtrees, asked of each person (`EXISTS`): cheap per row, whatever the subtree."""
    regions = Scope(region_paths=tuple(paths))
    homes = Institution.objects.filter(regions.q(Institution.scoping, Institution))
    condition = Q(Exists(homes.filter(pk=OuterRef("created_in_id"))))
    for model, key in PRESENCES:
        rows = model.objects.filter(regions.q(model.scoping, model))
        condition |= Q(Exists(rows.filter(**{key: OuterRef("pk")})))
    return condition


def in_institutions(ids: Collection[int]) -> Q:
    """Persons registered in, staying in, visiting or working in these institutions."""
    condition = Q(created_in__in=ids)
    for model, key in PRESENCES:
        rows = model.objects.filter(institution__in=ids)
        condition |= Q(pk__in=rows.values(f"{key}_id"))
    return condition


def few_institutions(scope: Scope) -> list[int] | None:
    """The institutions of a narrow scope (at most `FEW_INSTITUTIONS`), or None for a wide one."""
    if scope.everything:
        return None
    ids = set(scope.institution_ids)
    if scope.region_paths:
        regions = Scope(region_paths=scope.region_paths)
        homes = Institution.objects.filter(regions.q(Institution.scoping, Institution))
        ids.update(homes.order_by().values_list("pk", flat=True)[: FEW_INSTITUTIONS + 1])
    return sorted(ids) if len(ids) <= FEW_INSTITUTIONS else None


def persons_visible(user: Any, roles: Collection[str] | None = None) -> QuerySet[Person]:
    return Person.objects.filter(in_scope(user, roles))


def person_get(*, user: Any, pk: int, roles: Collection[str] | None = None) -> Person:
    """The person, if the user may see them; absent and out of scope look the same (404)."""
    person = persons_visible(user, roles).filter(pk=pk).first()
    if person is None:
        raise Http404("person")
    return person


def person_for_record(*, user: Any, pk: int) -> Person:
    """The person a stay or visit is recorded for: one in scope, or one whose full number the
    user typed (`Registration`). Any other id answers 404, so ids cannot be tried in turn."""
    registered = Registration.objects.filter(user=user, person_id=pk).values("person_id")
    condition = in_scope(user) | Q(pk__in=registered) if user.is_authenticated else in_scope(user)
    person = Person.objects.filter(condition).filter(pk=pk).first()
    if person is None:
        raise Http404("person")
    return person


def person_find(*, id_hash: str) -> Person | None:
    """The person with this document number's lookup hash, for the services (unscoped)."""
    return Person.objects.filter(id_hash=id_hash).first()


def person_search(*, user: Any, q: str) -> list[Person]:
    """Visible persons by a prefix of their pinyin or its initials (either reading of a
    polyphonic surname), their name, the last four characters of the identity number, or the
    full phone number (by its keyed hash); at most `SEARCH_LIMIT`, by pinyin.

    Each way of matching is its own query for one page of ids, in the order of its index, then
    the page's persons are read at once. How the scope is asked depends on its size: in a
    narrow one (at most `FEW_INSTITUTIONS`: an operator's, a county's) a prefix is a range of
    each institution's places (`PersonPlace`), with the persons the user registered; a wide
    one (a province, the whole country) is asked of each match in index order (`in_scope`),
    which stops at the page (bench/people_search.py).
    """
    q = "".join(q.split())
    if not q:
        return []
    institutions = few_institutions(scope_of(user))
    keys: set[tuple[str, int]] = set()
    for way in _search_ways(q):
        keys.update(_page(way, user, institutions))
    chosen = [pk for _pinyin, pk in sorted(keys)[:SEARCH_LIMIT]]
    persons = Person.objects.in_bulk(chosen)
    return [persons[pk] for pk in chosen]


class Way(NamedTuple):
    """A way of matching: its condition on persons, the order of its index, and for a prefix
    of a key (`initials`, `pinyin`) the key and the prefix, which places can match too."""

    condition: Q
    order: tuple[str, ...]
    prefix: tuple[str, str] | None = None


def _page(way: Way, user: Any, institutions: list[int] | None) -> list[tuple[str, int]]:
    """One page of (pinyin, id) matching `way` inside the user's scope, in the way's order."""
    if way.order[0] == SECOND:
        # The planner would fetch every row of the partial index; its ids come first, and so
        # few are asked of each (in a narrow scope, of their places: no person is read).
        matched = Person.objects.filter(way.condition).order_by(*way.order[1:])
        ids = list(matched.values_list("pk", flat=True)[:SECOND_READINGS_LIMIT])
        if institutions is not None:
            chosen = placed_rows(institutions, user, Q(person__in=ids), Q(pk__in=ids), ("pinyin",))
            return list(chosen)
        page = Person.objects.filter(pk__in=ids).filter(in_scope(user)).order_by("pinyin", "id")
        return list(page.values_list("pinyin", "pk")[:SEARCH_LIMIT])
    if institutions is not None and way.prefix is not None:
        key, text = way.prefix
        return [row[-2:] for row in placed_page(institutions, user=user, key=key, text=text)]
    scope = in_scope(user) if institutions is None else placed_in(institutions, user=user)
    page = Person.objects.filter(way.condition).filter(scope).order_by(*way.order)
    return list(page.values_list("pinyin", "pk")[:SEARCH_LIMIT])


def placed_page(
    institutions: Collection[int], *, user: Any, key: str, text: str
) -> QuerySet[Any, tuple[Any, ...]]:
    """The first page of the persons whose `key` ("initials" or "pinyin") starts with `text`
    among the places in these institutions and the persons the user registered, in the key's
    index order, as rows ending with (pinyin, id): each institution's range of its index
    (institution, key, …), their union sorted (one query)."""
    columns = ("initials", "pinyin") if key == "initials" else ("pinyin",)
    prefix = Q(**{f"{key}__startswith": text})
    return placed_rows(institutions, user, prefix, prefix, columns)


def placed_rows(
    institutions: Collection[int], user: Any, places: Q, persons: Q, columns: tuple[str, ...]
) -> QuerySet[Any, tuple[Any, ...]]:
    """The first page, by `columns` then id, of the places in these institutions that meet
    `places`, with the persons the user registered who meet `persons` (the same condition,
    said of a person), as rows of `columns` and the person's id; each person once. The
    places' keys are read from their indexes alone."""
    placed = PersonPlace.objects.filter(places, institution__in=institutions)
    rows = placed.order_by().values_list(*columns, "person_id")
    if getattr(user, "is_authenticated", False):
        mine = Person.objects.filter(persons, created_by=user)
        rows = rows.union(mine.order_by().values_list(*columns, "pk"))
    else:
        rows = rows.distinct()
    return rows.order_by(*columns, "person_id")[:SEARCH_LIMIT]


def placed_in(institutions: Collection[int], *, user: Any) -> Q:
    """A narrow scope as the ids of the persons placed in its institutions, or registered by
    the user: one range of the places' index per institution, read from the index alone,
    which the planner joins to the matches."""
    places = PersonPlace.objects.filter(institution__in=institutions).order_by()
    ids = places.values_list("person_id", flat=True)
    if getattr(user, "is_authenticated", False):
        mine = Person.objects.filter(created_by=user).order_by().values_list("pk", flat=True)
        ids = ids.union(mine)
    return Q(pk__in=ids)


def _search_ways(q: str) -> list[Way]:
    """The ways a query matches by, each with the order its index gives."""
    ways: list[Way] = []
    text = q.lower()
    if text.isascii() and text.isalpha():
        ways += [
            Way(Q(initials__startswith=text), ("initials", "pinyin", "id"), ("initials", text)),
            Way(Q(pinyin__startswith=text), ("pinyin", "id"), ("pinyin", text)),
            # A surname's second reading follows a space, on the few rows that have one
            # (a partial index of its own each).
            Way(
                Q(initials__contains=" ") & Q(initials__contains=f" {text}"),
                (SECOND, "initials", "pinyin", "id"),
            ),
            Way(Q(pinyin__contains=" ") & Q(pinyin__contains=f" {text}"), (SECOND, "pinyin", "id")),
        ]
    elif not q.lstrip("+").isdigit():  # a number is looked for as a number only
        ways.append(Way(Q(name__icontains=q), ("pinyin", "id")))
    if len(q) == 4 and (q[:3].isdigit() and (q[3].isdigit() or q[3] in "xX")):
        ways.append(Way(Q(id_last4=q.upper()), ("pinyin", "id")))
    phone = normalise_phone(q)
    if len(phone) >= 7 and phone == q.lstrip("+"):
        ways.append(Way(Q(phone_hash=phone_hash_of(phone)), ("pinyin", "id")))
    return ways


def stays_at(stays: QuerySet[Stay], at: datetime.datetime) -> QuerySet[Stay]:
    """The stays covering the moment `at` (`[start, end)`)."""
    return stays.filter(start__lte=at).filter(Q(end__isnull=True) | Q(end__gt=at))


def institution_stays(
    *, user: Any, institution: Institution, at: datetime.datetime | None = None
) -> QuerySet[Stay]:
    """The institution's stays; with `at`, those covering that moment (`[start, end)`)."""
    stays = visible(Stay.objects.filter(institution=institution), user)
    if at is not None:
        stays = stays_at(stays, at)
    return stays.select_related("person", "institution").order_by("role", "person__pinyin", "id")


def institution_visits(
    *, user: Any, institution: Institution, day: datetime.date
) -> QuerySet[Visit]:
    """The visits that checked in on a local day of the site's time zone, in order."""
    zone = timezone.get_default_timezone()
    start = datetime.datetime.combine(day, datetime.time(), tzinfo=zone)
    end = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(), tzinfo=zone)
    visits = visible(Visit.objects.filter(institution=institution), user)
    return (
        visits.filter(check_in__gte=start, check_in__lt=end)
        .select_related("visitor", "visited", "institution")
        .order_by("check_in", "id")
    )


def person_stays(*, user: Any, person: Person) -> QuerySet[Stay]:
    """The person's stays in institutions the user may see."""
    return (
        visible(Stay.objects.filter(person=person), user)
        .select_related("institution", "person")
        .order_by("-start")
    )


def person_visits(*, user: Any, person: Person) -> QuerySet[Visit]:
    return (
        visible(Visit.objects.filter(visitor=person), user)
        .select_related("institution", "visitor", "visited")
        .order_by("-check_in")[:100]
    )


def visits_to_person(
    *,
    user: Any,
    person: Person,
    start: datetime.datetime | None = None,
    end: datetime.datetime | None = None,
    institution: Institution | None = None,
) -> QuerySet[Visit]:
    """The visits the user may see that named `person` as the resident visited, those
    overlapping the window `[start, end)` when given (a visit not checked out lasts on),
    newest first: who came to see an index person, for a screening's close contacts."""
    visits = visible(Visit.objects.filter(visited=person), user)
    if institution is not None:
        visits = visits.filter(institution=institution)
    if end is not None:
        visits = visits.filter(check_in__lt=end)
    if start is not None:
        visits = visits.filter(Q(check_out__isnull=True) | Q(check_out__gt=start))
    return visits.select_related("institution", "visitor", "visited").order_by("-check_in", "id")


def residents_present(
    *, user: Any, institution: Institution, at: datetime.datetime
) -> QuerySet[Person]:
    """The persons with a resident stay in the institution at `at`, by pinyin."""
    stays = stays_at(visible(Stay.objects.filter(institution=institution), user), at)
    ids = stays.filter(role=StayRole.RESIDENT).values("person_id")
    return Person.objects.filter(pk__in=ids).order_by("pinyin", "id")


MATCHES_LIMIT = 10
_ASIDE = re.compile(r"[(（][^)）]*[)）]")  # "张三（母亲）": the relation typed after the name


def typed_name(typed: str) -> str:
    """The name in what a visitor typed: without an aside in brackets, without spaces."""
    return "".join(_ASIDE.sub("", typed).split())


def residents_named(
    *, user: Any, institution: Institution, at: datetime.datetime, typed: str
) -> list[Person]:
    """The residents present at `at` whose name is what a visitor typed (an aside in brackets
    and spaces left out), then those whose name reads the same in pinyin (a homophone, or the
    pinyin typed itself); at most `MATCHES_LIMIT`."""
    name = typed_name(typed)
    if not name:
        return []
    present = residents_present(user=user, institution=institution, at=at)
    exact = list(present.filter(name=name)[:MATCHES_LIMIT])
    readings = set(pinyin_keys(name)[0].split())
    if not readings:
        return exact
    sounds = functools.reduce(
        operator.or_,
        (Q(pinyin=r) | Q(pinyin__startswith=f"{r} ") | Q(pinyin__endswith=f" {r}")
         for r in readings),
    )  # fmt: skip
    alike = present.filter(sounds).exclude(pk__in=[p.pk for p in exact])
    return [*exact, *alike[: MATCHES_LIMIT - len(exact)]]


def place_of(*, user: Any, person: Person) -> Institution | None:
    """One institution in the user's scope where the person lies, to place an audit event."""
    stay = person_stays(user=user, person=person).first()
    if stay is not None:
        return stay.institution
    visit = visible(Visit.objects.filter(visitor=person), user).select_related("institution")
    first = visit.first()
    if first is not None:
        return first.institution
    return person.created_in


def stay_get(*, user: Any, pk: int) -> Stay:
    stay = visible(Stay.objects.filter(pk=pk), user).select_related("person", "institution")
    found = stay.first()
    if found is None:
        raise Http404("stay")
    return found


def visit_get(*, user: Any, pk: int) -> Visit:
    visit = visible(Visit.objects.filter(pk=pk), user)
    found = visit.select_related("visitor", "visited", "institution").first()
    if found is None:
        raise Http404("visit")
    return found
