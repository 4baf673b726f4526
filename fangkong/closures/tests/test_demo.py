import datetime

from fangkong.closures.models import Closure, ClosureOrder, GateEvent
from fangkong.demo.demo import load_demo


def test_the_demo_closes_all_six_institutions_on_the_leagues_order(db):
    load_demo()
    load_demo()  # again: nothing more
    order = ClosureOrder.objects.get()
    assert order.region.code == "152900"
    assert order.ordered_by.username == "officer-alashanmeng"
    assert Closure.objects.filter(order=order, start_date=datetime.date(2021, 10, 18)).count() == 6
    assert GateEvent.objects.count() == 5
    [exception] = GateEvent.objects.exclude(exception_reason="")
    assert exception.exception_by == order.ordered_by and exception.direction == "out"
