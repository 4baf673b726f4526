import datetime

from fangkong.demo.demo import load_demo
from fangkong.liaison.models import LiaisonAssignment
from fangkong.liaison.selectors import coverage_counts
from fangkong.regions.models import Region


def test_the_demo_gives_each_institution_a_league_and_a_banner_liaison(db):
    load_demo()
    load_demo()  # again: nothing more
    assert LiaisonAssignment.objects.count() == 12
    league = Region.objects.get(code="152900")
    counts = coverage_counts(league, datetime.date(2021, 10, 18))
    assert (counts.institutions, counts.covered) == (6, 6)
    # One institution each at league level: no official holds two.
    leaders = LiaisonAssignment.objects.filter(level="league").values_list("official", flat=True)
    assert len(set(leaders)) == 6
