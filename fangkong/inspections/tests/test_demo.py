import datetime

from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.demo.demo import load_demo
from fangkong.inspections.models import (
    Inspection,
    InspectionPlan,
    PlanStatus,
    Rectification,
    RectificationStatus,
)
from fangkong.inspections.selectors import plan_list


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


def test_the_demo_plans_an_announced_and_an_unannounced_inspection_still_to_come(db):
    load_demo()
    load_demo()  # again: nothing more
    plans = InspectionPlan.objects.select_related("institution").order_by("planned_at")
    planned = PlanStatus.PLANNED
    assert [(p.institution.code, p.unannounced, p.status) for p in plans] == [
        ("1529220001", False, planned), ("1529230001", True, planned)]  # fmt: skip
    assert all(p.planned_at > timezone.now() for p in plans)
    assert all([u.username for u in p.inspectors.all()] == ["inspector-alashanmeng"]
               for p in plans)  # fmt: skip
    # the unannounced one is the inspector's to see, not the institution's
    inspector = User.objects.get(username="inspector-alashanmeng")
    operator = User.objects.get(username="operator-1529230001")
    assert plan_list(user=inspector, inspector=inspector).count() == 2
    assert not plan_list(user=operator, institution=plans[1].institution).exists()
