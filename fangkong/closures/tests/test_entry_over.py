"""The entry check over a span of days (an import's admissions, one statement) answers every
moment exactly as the entry check of that one moment does."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from fangkong.closures.models import ClosureLevel, GateDirection, GatePurpose
from fangkong.closures.services import entry_check, entry_checks_over
from fangkong.closures.tests.conftest import NOTICE
from fangkong.conftest import ALXA, make_institution
from fangkong.core.scoping import SYSTEM
from fangkong.institutions.entry import entry_allowed, entry_allowed_over
from fangkong.institutions.models import Institution
from fangkong.regions.loading import load_divisions

SHANGHAI = ZoneInfo("Asia/Shanghai")
FIRST_DAY = datetime.date(2021, 10, 1)
BASE = datetime.datetime(2021, 10, 1, tzinfo=SHANGHAI)  # local midnight of FIRST_DAY
HOME = "1529210001"


def day(offset: int) -> datetime.date:
    return FIRST_DAY + datetime.timedelta(days=offset)


@st.composite
def closures(draw):
    """Up to 4 closures that never overlap (as the database insists), over about 20 days; the
    last may be open-ended."""
    bounds = sorted(draw(st.sets(st.integers(0, 20), max_size=8)))
    out = []
    for start, end in zip(bounds[::2], bounds[1::2], strict=False):
        out.append((start, end, draw(st.sampled_from(ClosureLevel.values))))
    if len(bounds) % 2 and draw(st.booleans()):
        out.append((bounds[-1], None, draw(st.sampled_from(ClosureLevel.values))))
    return out


# Moments in hours from local midnight of the first day, in UTC and local time alike: they
# cross the local days' edges, where the two calendars disagree.
MOMENTS = st.lists(
    st.tuples(st.integers(-30, 24 * 23), st.sampled_from([datetime.UTC, SHANGHAI])),
    min_size=1,
    max_size=12,
)


def at(hours: int, zone: datetime.tzinfo) -> datetime.datetime:
    return (BASE + datetime.timedelta(hours=hours)).astimezone(zone)


def same(decision):
    closure = decision.closure.pk if decision.closure else None
    return (decision.allowed, decision.reason, decision.conditions, decision.outcome, closure,
            decision.requires, decision.field)  # fmt: skip


class EntryOverSpanProperty(TestCase):
    home: Institution

    @classmethod
    def setUpTestData(cls):
        load_divisions(ALXA)
        cls.home = make_institution(HOME, "152921", "阿拉善左旗社会福利中心")

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        closures(),
        MOMENTS,
        st.sampled_from(GatePurpose.values),
        st.sampled_from(GateDirection.values),
    )
    def test_the_span_answers_each_moment_as_the_one_moment_check(
        self, drawn, moments, purpose, direction
    ):
        from fangkong.closures.services import closure_create

        for start, end, level in drawn:
            closure_create(actor=SYSTEM, institution_code=HOME, start_date=day(start),
                           end_date=day(end) if end is not None else None, level=level,
                           basis=NOTICE)  # fmt: skip
        instants = [at(hours, zone) for hours, zone in moments]
        over = entry_checks_over(self.home, min(instants), max(instants), purpose, direction)
        for instant in instants:
            assert same(over(instant)) == same(entry_check(self.home, instant, purpose, direction))
        allowed = entry_allowed_over(self.home, min(instants), max(instants), purpose)
        for instant in instants:
            assert allowed(instant) == entry_allowed(self.home, instant, purpose)


def test_the_span_is_read_in_one_statement_whatever_the_days_asked(
    world, django_assert_num_queries
):
    from fangkong.closures.services import closure_create

    home = world.institutions[HOME]
    closure_create(actor=SYSTEM, institution_code=HOME, start_date=day(3), end_date=day(5),
                   level="full", basis=NOTICE)  # fmt: skip
    closure_create(actor=SYSTEM, institution_code=HOME, start_date=day(9), level="exit_only",
                   basis=NOTICE)  # fmt: skip
    days = [BASE + datetime.timedelta(days=n, hours=10) for n in range(15)]
    with django_assert_num_queries(1):
        over = entry_checks_over(home, days[0], days[-1], "admission")
        answers = [over(moment).allowed for moment in days]
    assert answers == [True] * 3 + [False] * 3 + [True] * 3 + [False] * 6


def test_a_moment_outside_the_span_is_not_answered(world):
    over = entry_checks_over(world.institutions[HOME], BASE, BASE, "admission")
    with pytest.raises(ValueError, match="outside"):
        over(BASE + datetime.timedelta(days=1))
