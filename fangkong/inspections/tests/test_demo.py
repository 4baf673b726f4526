import datetime

from fangkong.demo.demo import load_demo
from fangkong.inspections.models import Inspection, Rectification, RectificationStatus


def test_the_demo_inspects_the_alxa_institutions_in_late_october_2021(db):
    load_demo()
    load_demo()  # again: nothing more
    inspections = Inspection.objects.all()
    assert inspections.count() == 4
    assert {i.method for i in inspections} == {"on_site", "video"}
    assert inspections.filter(unannounced=True).count() == 1
    assert all(datetime.date(2021, 10, 20) <= i.done_on <= datetime.date(2021, 10, 31)
               for i in inspections)  # fmt: skip


def test_the_demo_has_one_verified_and_one_overdue_rectification(db):
    load_demo()
    rows = {r.institution.code: r for r in Rectification.objects.select_related("institution")}
    assert set(rows) == {"1529210001", "1529230001"}
    verified, overdue = rows["1529210001"], rows["1529230001"]
    assert verified.status == RectificationStatus.VERIFIED
    assert verified.verified_by != verified.fixed_by
    assert overdue.status == RectificationStatus.OPEN and overdue.is_overdue()
