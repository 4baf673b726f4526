from fangkong.core.scoping import SYSTEM
from fangkong.demo.demo import INSTITUTIONS, load_demo
from fangkong.lab.models import LabResult, LabRound
from fangkong.lab.selectors import coverage
from fangkong.regions.models import Region
from fangkong.screening.models import Screening


def test_the_demo_round_covers_the_six_institutions_all_complete(db):
    load_demo()
    found = coverage(
        user=SYSTEM, region=Region.objects.get(code="152900"), name="全员核酸检测第一轮"
    )
    assert (found.institutions, found.complete) == (len(INSTITUTIONS), len(INSTITUTIONS))
    assert found.expected == found.tested == 5 * len(INSTITUTIONS)
    assert found.positive == 0


def test_the_demo_screening_finds_residents_staff_and_the_visitor_of_the_17th(db):
    load_demo()
    screening = Screening.objects.get()
    roles = [subject.roles for subject in screening.subjects.all()]
    assert sorted(r for rs in roles for r in rs) == ["resident"] * 3 + ["staff"] * 2 + ["visitor"]


def test_loading_the_demo_twice_adds_no_round_and_no_screening(db):
    load_demo()
    counts = (LabRound.objects.count(), LabResult.objects.count(), Screening.objects.count())
    load_demo()
    assert (LabRound.objects.count(), LabResult.objects.count(),
            Screening.objects.count()) == counts  # fmt: skip
