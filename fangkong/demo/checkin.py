"""The demo's risk area and a visitor waiting at a gate: the league declares 银川市 a
medium-risk area, and a visitor who came from there checks in on their phone at
阿拉善左旗社会福利中心, flagged on the gate screen."""

from decimal import Decimal

from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.core.scoping import SYSTEM
from fangkong.institutions.models import Institution
from fangkong.people.checkin import VisitorEntry, checkin_submit, poster_issue
from fangkong.people.models import RiskArea
from fangkong.people.risk import RiskAreaData, risk_area_create
from fangkong.regions.models import Region

GATE = "1529210001"


def load_checkin(officer: User, league: Region) -> None:
    """Once: the risk area, the gate poster and one pending self check-in."""
    if RiskArea.objects.exists():
        return
    today = timezone.localdate()
    area = Region.objects.filter(code="640100").first()
    risk_area_create(actor=officer, data=RiskAreaData(
        authority=league, region=area, place="" if area else "银川市", level="medium",
        start_date=today, note="据宁夏回族自治区疫情通报",
    ))  # fmt: skip
    institution = Institution.objects.select_related("region").get(code=GATE)
    poster = poster_issue(actor=SYSTEM, institution=institution, days=30)
    checkin_submit(poster=poster, entry=VisitorEntry(
        name="马文静", id_number="640121198203150029", phone="13909510123",
        visiting="张桂英（母亲）", temperature=Decimal("36.4"), came_from="宁夏银川市永宁县",
    ))  # fmt: skip
