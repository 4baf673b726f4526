from fangkong.demo.demo import load_demo
from fangkong.people.models import RiskArea, SelfCheckIn


def test_the_demo_has_a_risk_area_and_a_flagged_visitor_waiting_at_a_gate(db):
    load_demo()
    load_demo()
    area = RiskArea.objects.get()
    assert (area.authority.code, area.level) == ("152900", "medium")
    waiting = SelfCheckIn.objects.get()
    assert (waiting.status, waiting.risk_level) == ("pending", "medium")
    assert waiting.institution.code == "1529210001"
