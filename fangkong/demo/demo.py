"""The Alxa League demo (阿拉善盟): its banners and units, six institutions, a user per role."""

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from pypinyin import lazy_pinyin

from fangkong.accounts.models import Role, User
from fangkong.accounts.services import role_grant, user_ensure
from fangkong.closures.models import ClosureOrder
from fangkong.closures.services import Basis, closure_create, gate_event_record
from fangkong.core.scoping import SYSTEM
from fangkong.demo.checkin import load_checkin
from fangkong.demo.measures import load_lab_round, load_screening
from fangkong.demo.people import load_people
from fangkong.inspections.models import (
    AnswerResult,
    Inspection,
    InspectionMethod,
    InspectionPlan,
)
from fangkong.inspections.plans import plan_create
from fangkong.inspections.services import (
    AnswerIn,
    inspection_record,
    rectification_fix,
    rectification_verify,
)
from fangkong.institutions.models import Institution, Kind
from fangkong.institutions.services import institution_create
from fangkong.liaison.models import LiaisonAssignment, LiaisonLevel
from fangkong.liaison.services import assignment_create
from fangkong.regions.loading import load_official
from fangkong.regions.models import Region
from fangkong.reporting.models import ReportingRegime
from fangkong.reporting.services import regime_create, report_submit

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


# Leader liaison (领导包联) from 18 October 2021: each league leader answers for one institution,
# and each banner names one of its leaders per institution.
LIAISON_START = datetime.date(2021, 10, 18)
LIAISONS = [
    ("1529210001", "leader-league-1", "王建国", "leader-alashanzuoqi-1", "赵永平"),
    ("1529210002", "leader-league-2", "李春梅", "leader-alashanzuoqi-2", "孙立新"),
    ("1529210003", "leader-league-3", "张志强", "leader-alashanzuoqi-3", "周海燕"),
    ("1529220001", "leader-league-4", "刘文华", "leader-alashanyouqi-1", "巴图"),
    ("1529230001", "leader-league-5", "陈玉兰", "leader-ejinaqi-1", "其木格"),
    ("1529710001", "leader-league-6", "杨树林", "leader-gaoxinqu-1", "吴天明"),
]


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
    logins.append(DemoLogin(f"inspector-{_slug(league.name)}", Role.INSPECTOR, LEAGUE))
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
    if not ReportingRegime.objects.filter(region=league).exists():
        _load_reports(league)
    # The persons before the closures: their admissions and visits precede the 18th.
    load_people([item.code for item in INSTITUTIONS])
    if not ClosureOrder.objects.filter(region=league).exists():
        _load_closures(league)
    if not Inspection.objects.exists():
        _load_inspections(league)
    if not InspectionPlan.objects.exists():
        _load_plans(league)
    officer = User.objects.get(username=f"officer-{_slug(league.name)}")
    load_lab_round(officer)
    load_screening(officer)
    load_checkin(officer, league)
    return logins + _load_liaisons()


# The league's next inspections, days from the day the demo is loaded: the on-site visit
# 阿拉善右旗 was told of, and an unannounced return to 额济纳旗, whose disinfection register
# (failed in October) is still not put right.
PLANS = [
    ("1529220001", 3, "09:30", InspectionMethod.ON_SITE, False),
    ("1529230001", 6, "15:00", InspectionMethod.ON_SITE, True),
]


def _load_plans(league: Region) -> None:
    """Two inspections planned by the league's officer for its inspector, still to come."""
    officer = User.objects.get(username=f"officer-{_slug(league.name)}")
    inspector = f"inspector-{_slug(league.name)}"
    zone = timezone.get_current_timezone()
    for code, days, hour, method, unannounced in PLANS:
        day = timezone.localdate() + datetime.timedelta(days=days)
        planned_at = datetime.datetime.combine(day, datetime.time.fromisoformat(hour), zone)
        plan_create(actor=officer, institution=code, method=method, planned_at=planned_at,
                    unannounced=unannounced, inspectors=[inspector])  # fmt: skip


def _load_liaisons() -> list[DemoLogin]:
    """A league and a banner liaison for each institution, once; return their logins."""
    logins = []
    for code, *people in LIAISONS:
        for (username, full_name), level in zip(
            [people[0:2], people[2:4]], [LiaisonLevel.LEAGUE, LiaisonLevel.BANNER], strict=True
        ):
            user, created = user_ensure(actor=SYSTEM, username=username, full_name=full_name)
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            if not LiaisonAssignment.objects.filter(institution__code=code, level=level).exists():
                assignment_create(actor=SYSTEM, institution_code=code, username=username,
                                  level=level, start_date=LIAISON_START)  # fmt: skip
            logins.append(DemoLogin(username, Role.LIAISON, code))
    return logins


HISTORY_DAYS = 14


def _load_reports(league: Region) -> None:
    """A regime from two weeks ago and its reports so far: mostly zero reports on time, a late
    one now and then, one institution that often forgets, and a small fever cluster."""
    today = timezone.localdate()
    start = today - datetime.timedelta(days=HISTORY_DAYS)
    regime_create(actor=SYSTEM, name="阿拉善盟养老机构疫情防控日报告", region_code=league.code,
                  start_date=start)  # fmt: skip
    rng = random.Random(1025)  # noqa: S311 - reproducible demo data
    for offset in range(HISTORY_DAYS, 0, -1):
        day = today - datetime.timedelta(days=offset)
        for index, item in enumerate(INSTITUTIONS):
            if item.code == "1529710001" and rng.random() < 0.4:
                continue  # the forgetful one
            hour = 16 if rng.random() < 0.1 else rng.randint(8, 15)
            fever = 2 if item.code == "1529210003" and offset in (3, 2) else 0
            report_submit(
                actor=SYSTEM, institution=Institution.objects.get(code=item.code), day=day,
                figures=_figures(item, index, fever), is_zero=not fever,
                now=datetime.datetime.combine(day, datetime.time(hour, rng.randint(0, 59)),
                                              tzinfo=timezone.get_current_timezone()),
            )  # fmt: skip


def _figures(item: DemoInstitution, index: int, fever: int) -> dict[str, int]:
    residents = item.beds * 7 // 10
    return {
        "residents": residents,
        "staff_on_site": max(6, residents // 4),
        "in_isolation": 0,
        "admissions": 0,
        "visitors": 0,
        "fever": fever,
        "respiratory": 0,
        "suspected": 0,
        "confirmed": 0,
        "close_contacts": 0,
        "tested": 0,
        "positive": 0,
        "ppe_days": 20 + index,
    }


CLOSED_FROM = datetime.date(2021, 10, 18)
# (day, hh:mm, direction, purpose, name, temperature, test proof, officer's exception)
GATE_EVENTS = [
    (18, "07:40", "in", "staff", "王秀兰", "36.4", "核酸阴性 10-17", ""),
    (18, "09:15", "in", "supplies", "蒙A·3K021 送菜", "36.6", "", ""),
    (18, "10:05", "in", "medical", "巴彦浩特镇卫生院 赵医生", "36.5", "核酸阴性 10-17", ""),
    (19, "08:02", "in", "staff", "刘建军", "36.3", "核酸阴性 10-18", ""),
    (19, "15:30", "out", "medical", "住院老人 孙桂英（转诊盟医院）", "38.2", "",
     "发热伴呼吸困难，120 转诊阿拉善盟中心医院"),
]  # fmt: skip


def _load_closures(league: Region) -> None:
    """All six institutions closed from 18 October 2021 on the league's order, and the first
    days of 阿拉善左旗社会福利中心's gate register, with one exception (a transfer to hospital)."""
    officer = User.objects.get(username=f"officer-{_slug(league.name)}")
    notice = Basis(title="关于全盟养老机构实施封闭管理的通知", number="阿民字〔2021〕（演示）",
                   date=datetime.date(2021, 10, 17))  # fmt: skip
    closure_create(actor=officer, region_code=league.code, start_date=CLOSED_FROM,
                   level="full", basis=notice)  # fmt: skip
    institution = Institution.objects.select_related("region").get(code="1529210001")
    operator = User.objects.get(username=f"operator-{institution.code}")
    zone = timezone.get_current_timezone()
    for day, hour, direction, purpose, name, temperature, proof, exception in GATE_EVENTS:
        at = datetime.datetime.combine(
            CLOSED_FROM.replace(day=day), datetime.time.fromisoformat(hour), tzinfo=zone
        )
        gate_event_record(
            actor=officer if exception else operator, institution=institution, at=at,
            direction=direction, purpose=purpose, person_name=name,
            temperature=Decimal(temperature), test_proof=proof, exception_reason=exception or None,
        )  # fmt: skip


# Supervision (督查) in late October 2021: (institution, day, hh:mm, method, unannounced,
# {failed item: note}, {not applicable item}).
INSPECTIONS = [
    ("1529210001", 22, "10:00", InspectionMethod.ON_SITE, False,
     {4: "门岗登记表缺少行程信息"}, {24}),
    ("1529220001", 25, "15:00", InspectionMethod.VIDEO, False, {}, {18}),
    ("1529230001", 27, "09:30", InspectionMethod.ON_SITE, True,
     {19: "消毒记录未按日填写，浓度未记录"}, set()),
    ("1529710001", 28, "14:00", InspectionMethod.VIDEO, False, {}, {16}),
]  # fmt: skip


def _load_inspections(league: Region) -> None:
    """Four inspections by the league's inspector, one unannounced; two items failed: the gate
    register of 阿拉善左旗社会福利中心 (fixed and verified) and the disinfection register of
    额济纳旗社会福利中心 (still open, long overdue)."""
    inspector = User.objects.get(username=f"inspector-{_slug(league.name)}")
    officer = User.objects.get(username=f"officer-{_slug(league.name)}")
    zone = timezone.get_current_timezone()
    for code, day, hour, method, unannounced, failed, not_applicable in INSPECTIONS:
        done_at = datetime.datetime.combine(
            datetime.date(2021, 10, day), datetime.time.fromisoformat(hour), tzinfo=zone
        )
        answers = [
            AnswerIn(item=n, result=AnswerResult.FAIL, note=failed[n]) if n in failed
            else AnswerIn(item=n, result=AnswerResult.NA if n in not_applicable
                          else AnswerResult.PASS)
            for n in range(1, 25)
        ]  # fmt: skip
        inspection = inspection_record(actor=inspector, institution=code, method=method,
                                       unannounced=unannounced, done_at=done_at,
                                       answers=answers)  # fmt: skip
        if code == "1529210001":
            rectification = inspection.rectifications.get()
            operator = User.objects.get(username=f"operator-{code}")
            rectification_fix(actor=operator, rectification=rectification,
                              evidence="门岗登记表已增加行程栏，专人逐项登记",
                              now=done_at + datetime.timedelta(hours=20))  # fmt: skip
            rectification_verify(actor=officer, rectification=rectification, accepted=True,
                                 note="视频核实登记表已规范",
                                 now=done_at + datetime.timedelta(days=2))  # fmt: skip
