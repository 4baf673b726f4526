"""A round keeps its counts (expected, tested, tested or excused, positive) as fields so that a
nation's coverage reads rounds, not persons: after any sequence of results, replacements,
excuses and bulk entries they equal the counts worked out from the rows, by hand."""

import contextlib
import datetime

from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from fangkong.conftest import ALXA, make_institution
from fangkong.core.scoping import SYSTEM
from fangkong.lab import services
from fangkong.lab.models import LabExpected, LabResult, LabRound
from fangkong.people.services import person_register, stay_create
from fangkong.people.tests.conftest import ric_number
from fangkong.regions.loading import load_divisions

START = datetime.datetime(2021, 10, 20, 8, tzinfo=datetime.UTC)
OUTCOMES = ["negative", "positive", "invalid", "pending"]
PERSONS = 5  # the first EXPECTED are present at the start, the others arrive later
EXPECTED = 3

operations = st.lists(
    st.one_of(
        st.tuples(st.just("result"), st.integers(0, PERSONS - 1), st.sampled_from(OUTCOMES)),
        st.tuples(st.just("excuse"), st.integers(0, PERSONS - 1), st.just("")),
        st.tuples(
            st.just("bulk"),
            st.lists(
                st.tuples(st.integers(0, PERSONS - 1), st.sampled_from(OUTCOMES)),
                min_size=1,
                max_size=4,
            ),
            st.just(""),
        ),
    ),
    max_size=12,
)


def by_hand(lab_round):
    expected = {e.person_id: e.excused_reason for e in LabExpected.objects.filter(round=lab_round)}
    results = {r.person_id: r.result for r in LabResult.objects.filter(round=lab_round)}
    tested = {p for p in expected if results.get(p, "pending") != "pending"}
    done = tested | {p for p, reason in expected.items() if reason}
    positive = sum(1 for r in results.values() if r == "positive")
    return (len(expected), len(tested), len(done), positive)


def fields(lab_round):
    lab_round = LabRound.objects.get(pk=lab_round.pk)
    return (lab_round.n_expected, lab_round.n_tested, lab_round.n_done, lab_round.n_positive)


class RoundCounts(TestCase):
    def build(self):
        load_divisions(ALXA)
        home = make_institution("1529210001", "152921", "阿拉善左旗社会福利中心")
        persons = []
        for n in range(PERSONS):
            person = person_register(
                actor=SYSTEM, name=f"人{n}", id_number=ric_number(sequence=f"{n + 100:03d}")
            ).person
            start = START - datetime.timedelta(days=1) if n < EXPECTED else START + \
                datetime.timedelta(hours=1)  # fmt: skip
            stay_create(actor=SYSTEM, institution=home, person=person, role="resident",
                        start=start)  # fmt: skip
            persons.append(person)
        opened = services.round_create(
            actor=SYSTEM, name="R", started_at=START, method="antigen", institution_code=home.code
        )
        return opened[0].round, persons  # fmt: skip

    def apply(self, lab_round, persons, operation):
        kind, target, outcome = operation
        at = START + datetime.timedelta(hours=2)
        if kind == "result":
            services.result_record(actor=SYSTEM, lab_round=lab_round, person=persons[target],
                                   sampled_at=at, result=outcome, reason="晚到")  # fmt: skip
        elif kind == "excuse":
            services.person_excuse(actor=SYSTEM, lab_round=lab_round, person=persons[target],
                                   reason="住院")  # fmt: skip
        else:
            entries = [services.ResultEntry(persons[i].pk, at, o, reason="晚到") for i, o in target]
            services.results_record_many(actor=SYSTEM, lab_round=lab_round, entries=entries,
                                         persons={p.pk: p for p in persons})  # fmt: skip

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(operations)
    def test_the_rounds_counts_are_those_of_its_rows(self, sequence):
        lab_round, persons = self.build()
        assert fields(lab_round) == (EXPECTED, 0, 0, 0)
        for operation in sequence:
            # Refused ones too: excusing a person not expected, one person twice in a bulk.
            with contextlib.suppress(ValidationError):
                self.apply(lab_round, persons, operation)
            assert fields(lab_round) == by_hand(lab_round), operation
