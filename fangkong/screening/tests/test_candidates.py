"""Candidates against a hand-built timeline touching the window's edges, and a property."""

import datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from fangkong.conftest import ALXA, make_institution
from fangkong.core.scoping import SYSTEM
from fangkong.institutions.models import Institution
from fangkong.people.models import Person, Stay, Visit
from fangkong.people.services import person_register
from fangkong.people.tests.conftest import moment, ric_number
from fangkong.regions.loading import load_divisions
from fangkong.screening.candidates import candidates
from fangkong.screening.tests.conftest import HOME, WINDOW_END, WINDOW_START

OTHER = "1529230001"


def test_a_presence_touching_the_window_from_outside_is_out_and_one_inside_is_in(world, timeline):
    t = timeline
    just_before = t.stay("止于开始", HOME, "2021-10-01T09:00:00+08:00", WINDOW_START)
    one_second_in = t.stay("多一秒", HOME, "2021-10-01T09:00:00+08:00", "2021-10-17T00:00:01+08:00")
    starts_at_end = t.stay("始于结束", HOME, WINDOW_END, role="staff")
    last_second = t.stay("最后一秒", HOME, "2021-10-23T23:59:59+08:00", role="staff")
    open_ended = t.stay("长住", HOME, "2021-01-01T09:00:00+08:00")
    elsewhere_only = t.stay("他院", OTHER, "2021-10-18T09:00:00+08:00")
    visitor_out = t.person("访客出")
    t.visit(visitor_out, HOME, "2021-10-16T23:00:00+08:00", WINDOW_START)
    t.visit(visitor_out, HOME, WINDOW_END, "2021-10-24T01:00:00+08:00")
    visitor_in = t.person("访客入")
    t.visit(visitor_in, HOME, "2021-10-18T10:00:00+08:00", "2021-10-18T11:00:00+08:00")
    t.visit(visitor_in, OTHER, "2021-10-19T10:00:00+08:00", "2021-10-19T11:00:00+08:00")
    never_left = t.person("未登记离开")
    t.visit(never_left, HOME, "2021-10-16T10:00:00+08:00", None)
    found = candidates(world.institutions[HOME], moment(WINDOW_START), moment(WINDOW_END))
    assert set(found) == {one_second_in.pk, last_second.pk, open_ended.pk, visitor_in.pk,
                          never_left.pk}  # fmt: skip
    assert not {just_before.pk, starts_at_end.pk, elsewhere_only.pk, visitor_out.pk} & set(found)
    assert found[last_second.pk].roles == {"staff"}
    assert found[visitor_in.pk].roles == {"visitor"}
    assert [p["code"] for p in found[visitor_in.pk].elsewhere] == [OTHER]
    assert found[open_ended.pk].elsewhere == []


def test_a_resident_discharged_in_the_window_who_visits_after_has_both_roles(world, timeline):
    person = timeline.stay("出院", HOME, "2021-10-01T09:00:00+08:00", "2021-10-19T09:00:00+08:00")
    timeline.visit(person, HOME, "2021-10-21T09:00:00+08:00", "2021-10-21T10:00:00+08:00")
    found = candidates(world.institutions[HOME], moment(WINDOW_START), moment(WINDOW_END))
    assert found[person.pk].roles == {"resident", "visitor"}


# The property: any stays and visits, in hours around a window, against a naive reading -------

BASE = datetime.datetime(2021, 10, 17, tzinfo=datetime.UTC)
HOURS = st.integers(-30, 30)


def at(hour: int) -> datetime.datetime:
    return BASE + datetime.timedelta(hours=hour)


def naive_present(presences, window_start, window_end):
    """Some whole hour of the window lies in the presence (every bound is a whole hour)."""
    return any(
        start <= hour and (end is None or hour < end)
        for start, end in presences
        for hour in range(window_start, window_end)
    )


@st.composite
def presence(draw):
    start = draw(HOURS)
    end = draw(st.one_of(st.none(), st.integers(start + 1, 31)))
    return start, end


@st.composite
def people_timelines(draw):
    """For each of 4 persons: at most one stay and up to two visits, each here or elsewhere."""
    persons = []
    for _ in range(4):
        stay = draw(st.one_of(st.none(), st.tuples(presence(), st.booleans())))
        visits = draw(st.lists(st.tuples(presence(), st.booleans()), max_size=2))
        persons.append((stay, visits))
    window_start = draw(st.integers(-10, 10))
    window_end = draw(st.integers(window_start + 1, 20))
    return persons, window_start, window_end


class CandidatesProperty(TestCase):
    home: Institution
    other: Institution
    persons: list[Person]

    @classmethod
    def setUpTestData(cls):
        load_divisions(ALXA)
        cls.home = make_institution(HOME, "152921", "阿拉善左旗社会福利中心")
        cls.other = make_institution(OTHER, "152923", "额济纳旗社会福利中心")
        cls.persons = [
            person_register(actor=SYSTEM, name=f"人{n}",
                            id_number=ric_number(sequence=f"{500 + n:03d}")).person
            for n in range(4)
        ]  # fmt: skip

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(people_timelines())
    def test_candidates_are_exactly_the_persons_present_in_the_window(self, drawn):
        persons, window_start, window_end = drawn
        expected = set()
        for person, (stay, visits) in zip(self.persons, persons, strict=True):
            here = []
            if stay is not None:
                (start, end), at_home = stay
                Stay.objects.create(person=person, institution=self.home if at_home else self.other,
                                    role="resident", start=at(start),
                                    end=at(end) if end is not None else None)  # fmt: skip
                if at_home:
                    here.append((start, end))
            for (start, end), at_home in visits:
                place = self.home if at_home else self.other
                Visit.objects.create(visitor=person, institution=place, check_in=at(start),
                                     check_out=at(end) if end is not None else None)  # fmt: skip
                if at_home:
                    here.append((start, end))
            if naive_present(here, window_start, window_end):
                expected.add(person.pk)
        found = candidates(self.home, at(window_start), at(window_end))
        assert set(found) == expected


def test_presences_that_only_touch_share_no_time():
    from fangkong.screening.candidates import shares_time

    noon = moment("2021-10-20T12:00:00+08:00")
    before = [(moment("2021-10-20T08:00:00+08:00"), noon)]
    after = [(noon, None)]
    assert not shares_time(before, after)
    assert not shares_time(after, before)
    assert shares_time(before, [(moment("2021-10-20T11:59:59+08:00"), None)])
