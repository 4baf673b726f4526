"""The demo's residents, staff and visitors (people): a few for each of the six Alxa
institutions in October 2021, admitted before the closure of the 18th, and the visitors of the
week before it (the screening of the 7 days since 17 October will find them)."""

import datetime
from decimal import Decimal

from django.utils import timezone
from stdnum.cn import ric

from fangkong.accounts.models import User
from fangkong.institutions.models import Institution
from fangkong.people.models import Stay
from fangkong.people.services import person_register, stay_create, visit_create

# Region codes of birth: the banners of Alxa (the high-tech zone's 152971 is no county code).
BIRTH_REGIONS = {"1529210": "152921", "1529220": "152922", "1529230": "152923", "1529710": "152921"}
RESIDENTS = ["张桂英", "李福贵", "王淑珍"]
STAFF = [("赵丽华", "护理员"), ("单志刚", "厨师")]  # 单 reads shàn as a surname
VISITORS = [("刘晓东", "巴彦浩特镇", "核酸阴性 10-15"), ("曾红梅", "银川市", "核酸阴性 10-16")]


def demo_number(region: str, born: datetime.date, sequence: int) -> str:
    body = f"{region}{born:%Y%m%d}{sequence:03d}"
    return body + ric.calc_check_digit(body + "0")


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return datetime.datetime.combine(
        day, datetime.time(hour), tzinfo=timezone.get_default_timezone()
    )


def load_people(institutions: list[str]) -> None:
    """Once per institution: its residents and staff, and two visits before the closure."""
    for index, code in enumerate(institutions):
        institution = Institution.objects.select_related("region").get(code=code)
        if Stay.objects.filter(institution=institution).exists():
            continue
        operator = User.objects.get(username=f"operator-{code}")
        region = BIRTH_REGIONS.get(code[:7], "152921")
        for n, name in enumerate(RESIDENTS):
            born = datetime.date(1935 + n * 3, 1 + index, 10 + n)
            person = person_register(
                actor=operator, name=name, id_number=demo_number(region, born, 100 + index * 10 + n)
            )
            stay_create(actor=operator, institution=institution, person=person.person,
                        role="resident", start=_at(datetime.date(2019 + n, 3 + index, 1), 9),
                        admission_reason="子女在外地工作，无人照料")  # fmt: skip
        for n, (name, job) in enumerate(STAFF):
            born = datetime.date(1975 + n * 5, 1 + index, 5 + n)
            person = person_register(
                actor=operator,
                name=name,
                phone=f"1394830{index}{n:03d}",
                id_number=demo_number(region, born, 500 + index * 10 + n),
            )
            stay_create(actor=operator, institution=institution, person=person.person,
                        role="staff", start=_at(datetime.date(2020, 6, 1), 8), job=job,
                        on_site=n == 0)  # fmt: skip
        for n, (name, came_from, proof) in enumerate(VISITORS):
            born = datetime.date(1968 + n * 4, 2 + index, 12 + n)
            person = person_register(
                actor=operator, name=name, id_number=demo_number(region, born, 700 + index * 10 + n)
            )
            check_in = _at(datetime.date(2021, 10, 14 + n * 3), 10)
            visit_create(
                actor=operator, institution=institution, visitor=person.person,
                check_in=check_in, check_out=check_in + datetime.timedelta(minutes=40),
                temperature=Decimal("36.5"), came_from=came_from, test_proof=proof,
            )  # fmt: skip
