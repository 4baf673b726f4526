"""Staff on a shift in the window are candidates: a hand-built timeline at the window's edges,
and the property of test_candidates.py extended with shifts."""

import datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from fangkong.conftest import ALXA, make_institution
from fangkong.core.scoping import SYSTEM
from fangkong.institutions.models import Institution
from fangkong.people.models import Employment, Person, Shift
from fangkong.people.services import person_register
from fangkong.people.staff import employment_create, shift_create
from fangkong.people.tests.conftest import moment, ric_number
from fangkong.regions.loading import load_divisions
from fangkong.screening.candidates import candidates
from fangkong.screening.tests.conftest import HOME, WINDOW_END, WINDOW_START

OTHER = "1529230001"
HIRED = "2021-01-01T08:00:00+08:00"


def on_shift(world, timeline, name, institution, start, end, on_site=True):
    """A person employed by the institution (no stay) with one shift `[start, end)`."""
    person = timeline.person(name)
    employment = employment_create(
        actor=SYSTEM, institution=world.institutions[institution], person=person,
        start=moment(HIRED), role="护理员",
    )  # fmt: skip
    shift_create(actor=SYSTEM, employment=employment, start=moment(start), end=moment(end),
                 on_site=on_site)  # fmt: skip
    return person


def test_shifts_touching_the_window_from_outside_are_out_and_those_inside_are_in(world, timeline):
    t = timeline
    ends_at_start = on_shift(world, t, "夜班止于开始", HOME, "2021-10-16T16:00:00+08:00",
                             WINDOW_START)  # fmt: skip
    starts_at_end = on_shift(
        world, t, "早班始于结束", HOME, WINDOW_END, "2021-10-24T08:00:00+08:00"
    )
    last_second = on_shift(world, t, "最后一秒", HOME, "2021-10-23T23:59:59+08:00",
                           "2021-10-24T08:00:00+08:00")  # fmt: skip
    across_start = on_shift(world, t, "跨夜", HOME, "2021-10-16T20:00:00+08:00",
                            "2021-10-17T04:00:00+08:00")  # fmt: skip
    off_site = on_shift(world, t, "院外值守", HOME, "2021-10-18T08:00:00+08:00",
                        "2021-10-18T16:00:00+08:00", on_site=False)  # fmt: skip
    elsewhere = on_shift(world, t, "他院", OTHER, "2021-10-18T08:00:00+08:00",
                         "2021-10-18T16:00:00+08:00")  # fmt: skip
    found = candidates(world.institutions[HOME], moment(WINDOW_START), moment(WINDOW_END))
    assert set(found) == {last_second.pk, across_start.pk, off_site.pk}
    assert not {ends_at_start.pk, starts_at_end.pk, elsewhere.pk} & set(found)
    assert found[across_start.pk].roles == {"staff"}
    assert found[across_start.pk].intervals == [
        (moment("2021-10-16T20:00:00+08:00"), moment("2021-10-17T04:00:00+08:00"))
    ]


def test_an_employment_without_a_shift_in_the_window_makes_no_candidate(world, timeline):
    person = timeline.person("无班")
    employment_create(actor=SYSTEM, institution=world.institutions[HOME], person=person,
                      start=moment(HIRED))  # fmt: skip
    found = candidates(world.institutions[HOME], moment(WINDOW_START), moment(WINDOW_END))
    assert person.pk not in found


def test_a_shift_in_another_institution_in_the_window_is_listed_elsewhere(world, timeline):
    person = on_shift(world, timeline, "两院", HOME, "2021-10-18T08:00:00+08:00",
                      "2021-10-18T16:00:00+08:00")  # fmt: skip
    other = employment_create(actor=SYSTEM, institution=world.institutions[OTHER], person=person,
                              start=moment(HIRED))  # fmt: skip
    shift_create(actor=SYSTEM, employment=other, start=moment("2021-10-19T08:00:00+08:00"),
                 end=moment("2021-10-19T16:00:00+08:00"))  # fmt: skip
    found = candidates(world.institutions[HOME], moment(WINDOW_START), moment(WINDOW_END))
    assert [(p["code"], p["role"]) for p in found[person.pk].elsewhere] == [(OTHER, "staff")]


def test_a_staff_member_on_shift_is_a_subject_of_the_screening(world, timeline, client):
    from fangkong.screening.services import screening_create

    person = on_shift(world, timeline, "同班护工", HOME, "2021-10-18T08:00:00+08:00",
                      "2021-10-18T16:00:00+08:00")  # fmt: skip
    screening = screening_create(
        actor=SYSTEM, institution=world.institutions[HOME], start=moment(WINDOW_START),
        end=moment(WINDOW_END), reason="阳性病例",
    )  # fmt: skip
    subject = screening.subjects.get(person=person)
    assert subject.as_staff


# The property: shifts at whole hours around a window, here or elsewhere, against a naive reading


BASE = datetime.datetime(2021, 10, 17, tzinfo=datetime.UTC)


def at(hour: int) -> datetime.datetime:
    return BASE + datetime.timedelta(hours=hour)


@st.composite
def shift_timelines(draw):
    """For each of 3 persons: up to three shifts (non-overlapping), each here or elsewhere."""
    persons = []
    for _ in range(3):
        bounds = sorted(draw(st.sets(st.integers(-30, 31), max_size=6)))
        pairs = list(zip(bounds[::2], bounds[1::2], strict=False))
        persons.append([(start, end, draw(st.booleans())) for start, end in pairs])
    window_start = draw(st.integers(-10, 10))
    window_end = draw(st.integers(window_start + 1, 20))
    return persons, window_start, window_end


class ShiftCandidatesProperty(TestCase):
    home: Institution
    other: Institution
    persons: list[Person]

    @classmethod
    def setUpTestData(cls):
        load_divisions(ALXA)
        cls.home = make_institution(HOME, "152921", "阿拉善左旗社会福利中心")
        cls.other = make_institution(OTHER, "152923", "额济纳旗社会福利中心")
        cls.persons = [
            person_register(actor=SYSTEM, name=f"工{n}",
                            id_number=ric_number(sequence=f"{600 + n:03d}")).person
            for n in range(3)
        ]  # fmt: skip

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(shift_timelines())
    def test_candidates_are_exactly_the_staff_on_a_shift_in_the_window(self, drawn):
        persons, window_start, window_end = drawn
        expected = set()
        for person, shifts in zip(self.persons, persons, strict=True):
            jobs = {
                place: Employment.objects.create(person=person, institution=place, start=at(-40))
                for place in (self.home, self.other)
            }
            for start, end, at_home in shifts:
                place = self.home if at_home else self.other
                Shift.objects.create(employment=jobs[place], person=person, institution=place,
                                     start=at(start), end=at(end))  # fmt: skip
                if at_home and start < window_end and end > window_start:
                    expected.add(person.pk)
        found = candidates(self.home, at(window_start), at(window_end))
        assert set(found) == expected
