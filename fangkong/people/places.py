"""The places of persons (`PersonPlace`): each institution where a person lies, with their
search keys. Every write that places a person somewhere records it in the same transaction (a
registration in an operator's institution, a stay, an employment, a visit, and the imports'
rows); migration 0012 filled it from the rows recorded before.

A search in a narrow scope walks these (`selectors.person_search`); they only make the same
scope (`selectors.in_scope`) faster to read, so a person must never lie in a scope by their
places and not by their rows, nor the other way round (`tests/test_places.py`).
"""

from collections.abc import Iterable

from django.db import connection

from fangkong.people.models import Person, PersonPlace

BATCH = 500  # persons per statement


def places_record(*, institution_id: int, person_ids: Iterable[int]) -> None:
    """Record that these persons lie in the institution, with their search keys as recorded;
    a place recorded already is kept as it is. One statement per `BATCH` persons, in id order
    (two imports at once take the same rows' locks in the same order)."""
    ids = sorted(set(person_ids))
    quote = connection.ops.quote_name
    places, persons = quote(PersonPlace._meta.db_table), quote(Person._meta.db_table)
    with connection.cursor() as cursor:
        for at in range(0, len(ids), BATCH):
            batch = ids[at : at + BATCH]
            marks = ", ".join(["%s"] * len(batch))
            cursor.execute(
                f"INSERT INTO {places} (person_id, institution_id, pinyin, initials) "  # noqa: S608 - names, not values
                f"SELECT id, %s, pinyin, initials FROM {persons} WHERE id IN ({marks}) "
                "ON CONFLICT (person_id, institution_id) DO NOTHING",
                [institution_id, *batch],
            )


def places_rekey(*, person: Person) -> None:
    """Give the person's places their keys as they are now: a write that changes a person's
    name (and so `pinyin` and `initials`) calls this in its transaction. (A migration that
    recomputes every person's keys, as 0006 and 0007 did, updates the places in SQL too.)"""
    PersonPlace.objects.filter(person=person).update(pinyin=person.pinyin, initials=person.initials)
