"""The Alxa League demo (阿拉善盟): its banners and units, six institutions, a user per role."""

import datetime
from dataclasses import dataclass

from django.db import transaction
from pypinyin import lazy_pinyin

from fangkong.accounts.models import Role
from fangkong.accounts.scoping import SYSTEM
from fangkong.accounts.services import role_grant, user_ensure
from fangkong.institutions.models import Institution, Kind
from fangkong.institutions.services import institution_create
from fangkong.regions.loading import load_official
from fangkong.regions.models import Region

DEMO_PASSWORD = "Alxa-2022-demo"  # noqa: S105 - printed for the demo's users on purpose
LEAGUE = "152900"
UNITS = ["152921", "152922", "152923", "152971", "152921401", "152900-01"]


@dataclass(frozen=True)
class DemoInstitution:
    code: str
    name: str
    region: str
    kind: Kind
    beds: int
    address: str
    contact_person: str
    contact_phone: str


INSTITUTIONS = [
    DemoInstitution("1529210001", "阿拉善左旗社会福利中心", "152921", Kind.PUBLIC, 260,
                    "巴彦浩特镇王府街", "王秀兰", "0483-8221001"),
    DemoInstitution("1529210002", "阿拉善左旗巴彦浩特镇敬老院", "152921", Kind.RURAL, 80,
                    "巴彦浩特镇新华街", "刘建军", "0483-8221002"),
    DemoInstitution("1529210003", "阿拉善左旗康宁老年公寓", "152921", Kind.PRIVATE, 120,
                    "巴彦浩特镇银河路", "张丽", "0483-8221003"),
    DemoInstitution("1529220001", "阿拉善右旗社会福利中心", "152922", Kind.PUBLIC, 90,
                    "额肯呼都格镇", "巴特尔", "0483-6021001"),
    DemoInstitution("1529230001", "额济纳旗社会福利中心", "152923", Kind.PUBLIC, 70,
                    "达来呼布镇", "乌云", "0483-6521001"),
    DemoInstitution("1529710001", "阿拉善高新区颐养院", "152971", Kind.PRIVATE, 100,
                    "乌斯太镇", "李明", "0483-8991001"),
]  # fmt: skip


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    scope: str


def _slug(name: str) -> str:
    """Spell a short name in full pinyin (阿拉善左旗: alashanzuoqi), a long one by initials."""
    syllables = lazy_pinyin(name)
    return "".join(syllables if len(syllables) <= 5 else [s[0] for s in syllables])


@transaction.atomic
def load_demo() -> list[DemoLogin]:
    """Load the demo once; running it again changes nothing and returns the same logins."""
    load_official()
    logins = [DemoLogin("admin", Role.ADMIN, "")]
    league = Region.objects.get(code=LEAGUE)
    logins.append(DemoLogin(f"officer-{_slug(league.name)}", Role.OFFICER, LEAGUE))
    for unit in Region.objects.filter(code__in=UNITS).order_by("path"):
        logins.append(DemoLogin(f"officer-{_slug(unit.name)}", Role.OFFICER, unit.code))
    for item in INSTITUTIONS:
        if not Institution.objects.filter(code=item.code).exists():
            institution_create(
                actor=SYSTEM,
                code=item.code,
                name=item.name,
                region_code=item.region,
                kind=item.kind,
                beds=item.beds,
                address=item.address,
                contact_person=item.contact_person,
                contact_phone=item.contact_phone,
                opened_on=datetime.date(2015, 1, 1),
            )
        logins.append(DemoLogin(f"operator-{item.code}", Role.OPERATOR, item.code))
    for login in logins:
        user, created = user_ensure(actor=SYSTEM, username=login.username)
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        scope = (
            Region.objects.filter(code=login.scope).first()
            or Institution.objects.filter(code=login.scope).first()
        )
        role_grant(actor=SYSTEM, user=user, role=login.role, scope=scope)
    return logins
