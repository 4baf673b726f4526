"""Reads of persons, stays and visits, always narrowed to what the user may see.

A person lies in the scope of every institution where they have a stay, an employment or a
visit, or where they were registered; and in the scope of the user who created them.
"""

import datetime
from collections.abc import Collection
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from fangkong.core.scoping import scope_of, visible
from fangkong.institutions.models import Institution
from fangkong.people.identity import normalise_phone, phone_hash_of
from fangkong.people.models import Employment, Person, Registration, Stay, Visit

SEARCH_LIMIT = 50


def in_scope(user: Any, roles: Collection[str] | None = None) -> Q:
    """The condition on persons that keeps those inside the user's scope (under `roles`)."""
    scope = scope_of(user, roles)
    if scope.everything:
        return Q()
    if scope.is_empty:
        return Q(pk__in=[])
    condition = (
        Q(pk__in=visible(Stay.objects.all(), user, roles).values("person_id"))
        | Q(pk__in=visible(Visit.objects.all(), user, roles).values("visitor_id"))
        | Q(pk__in=visible(Employment.objects.all(), user, roles).values("person_id"))
        | Q(pk__in=visible(Person.objects.all(), user, roles).values("pk"))
    )
    if getattr(user, "is_authenticated", False):
        condition |= Q(created_by=user)
    return condition


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


def person_search(*, user: Any, q: str) -> QuerySet[Person]:
    """Visible persons by name, pinyin or its initials, the last four characters of the
    identity number, or the full phone number (by its keyed hash)."""
    q = "".join(q.split())
    persons = persons_visible(user)
    if not q:
        return persons.none()
    condition = Q(name__icontains=q)
    text = q.lower()
    if text.isascii() and text.isalpha():
        condition |= Q(pinyin__icontains=text) | Q(initials__icontains=text)
    if len(q) == 4 and (q[:3].isdigit() and (q[3].isdigit() or q[3] in "xX")):
        condition |= Q(id_last4=q.upper())
    phone = normalise_phone(q)
    if len(phone) >= 7 and phone == q.lstrip("+"):
        condition |= Q(phone_hash=phone_hash_of(phone))
    return persons.filter(condition).order_by("pinyin", "id")[:SEARCH_LIMIT]


def institution_stays(
    *, user: Any, institution: Institution, at: datetime.datetime | None = None
) -> QuerySet[Stay]:
    """The institution's stays; with `at`, those covering that moment (`[start, end)`)."""
    stays = visible(Stay.objects.filter(institution=institution), user)
    if at is not None:
        stays = stays.filter(start__lte=at).filter(Q(end__isnull=True) | Q(end__gt=at))
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
