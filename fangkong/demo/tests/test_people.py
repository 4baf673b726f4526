import datetime

from fangkong.demo.demo import INSTITUTIONS, load_demo
from fangkong.people.models import Person, Stay, Visit


def test_the_demo_gives_each_institution_residents_staff_and_visitors(db):
    load_demo()
    for item in INSTITUTIONS:
        stays = Stay.objects.filter(institution__code=item.code)
        assert stays.filter(role="resident").count() == 3
        assert stays.filter(role="staff").count() == 2
        assert Visit.objects.filter(institution__code=item.code).count() == 2


def test_the_demo_visits_fall_in_the_week_before_the_closure(db):
    load_demo()
    days = {v.check_in.date() for v in Visit.objects.all()}
    assert min(days) >= datetime.date(2021, 10, 14) and max(days) <= datetime.date(2021, 10, 17)


def test_loading_the_demo_twice_adds_no_person(db):
    load_demo()
    persons, stays = Person.objects.count(), Stay.objects.count()
    load_demo()
    assert (Person.objects.count(), Stay.objects.count()) == (persons, stays)
