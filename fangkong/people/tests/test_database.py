"""The database's own guarantees: no overlapping stays, end after start, temperature bounds."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from fangkong.core.scoping import SYSTEM
from fangkong.people.models import Stay, Visit
from fangkong.people.tests.conftest import moment


def _stay(world, person, start, end=None):
    return Stay(person=person, institution=world.institutions["1529210002"], role="staff",
                start=moment(start), end=moment(end) if end else None)  # fmt: skip


def test_the_database_refuses_overlapping_stays(world, zhang):
    with pytest.raises(IntegrityError), transaction.atomic():
        _stay(world, zhang, "2022-01-01T00:00:00+08:00").save()


def test_the_database_refuses_an_overlapping_change(world, zhang):
    other = _stay(world, zhang, "2021-08-01T00:00:00+08:00", "2021-09-01T00:00:00+08:00")
    other.save()
    other.end = moment("2021-10-05T00:00:00+08:00")
    with pytest.raises(IntegrityError), transaction.atomic():
        other.save()


def test_the_database_allows_a_stay_that_ends_as_the_next_starts(world, zhang):
    _stay(world, zhang, "2021-08-01T00:00:00+08:00", "2021-10-01T09:00:00+08:00").save()
    assert Stay.objects.filter(person=zhang).count() == 2


def test_the_database_refuses_a_stay_ending_before_it_starts(world, zhang):
    stay = _stay(world, zhang, "2021-08-01T00:00:00+08:00", "2021-07-01T00:00:00+08:00")
    with pytest.raises(IntegrityError), transaction.atomic():
        stay.save()


def test_the_database_refuses_an_impossible_temperature(world, zhang):
    at = datetime.datetime(2021, 10, 1, tzinfo=datetime.UTC)
    visit = Visit(
        visitor=zhang, institution=world.institutions["1529210001"], check_in=at, temperature=60
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        visit.save()


@pytest.mark.django_db(transaction=True)
def test_two_overlapping_stays_at_once_one_wins(world):
    """Two writers at the same moment: on PostgreSQL the exclusion constraint decides."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time")
    import threading

    from django.db import connections

    from fangkong.core.exceptions import Overlap
    from fangkong.people.services import person_register, stay_create
    from fangkong.people.tests.conftest import ric_number

    person = person_register(actor=SYSTEM, name="钱七", id_number=ric_number(sequence="051")).person
    barrier, outcomes = threading.Barrier(2), []

    def write(code: str) -> None:
        try:
            barrier.wait()
            stay_create(actor=SYSTEM, institution=world.institutions[code], person=person,
                        role="staff", start=moment("2021-10-01T08:00:00+08:00"))  # fmt: skip
            outcomes.append("created")
        except Overlap:
            outcomes.append("overlap")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(c,)) for c in ("1529210001", "1529210002")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["created", "overlap"]
    assert Stay.objects.filter(person=person).count() == 1
