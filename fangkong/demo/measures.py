"""The demo's testing round and screening: the seed's "6 of 6 institutions done" and "the 7
days since 17 October" (lab, screening)."""

import datetime

from django.utils import timezone

from fangkong.accounts.models import User
from fangkong.institutions.models import Institution
from fangkong.lab.models import LabCampaign, LabExpected, LabOutcome
from fangkong.lab.services import result_record, round_create
from fangkong.people.models import Person
from fangkong.screening.models import Screening
from fangkong.screening.services import screening_create

ROUND_NAME = "全员核酸检测第一轮"
LABORATORY = "阿拉善盟疾病预防控制中心"
SCREENED = "1529210001"
SCREENING_REASON = "10月17日起7天内在院老人、工作人员及全部探视人员排查（演示）"


def _at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2021, 10, day, hour, minute, tzinfo=timezone.get_default_timezone())


def load_lab_round(officer: User) -> None:
    """Once: a round of every institution open in the league on 19 October 2021, each
    expected person sampled that morning and negative: all six complete."""
    if LabCampaign.objects.filter(name=ROUND_NAME).exists():
        return
    opened = round_create(
        actor=officer, name=ROUND_NAME, started_at=_at(19, 8), method="nucleic_acid",
        region_code="152900",
    )  # fmt: skip
    for item in opened:
        operator = User.objects.get(username=f"operator-{item.round.institution.code}")
        expected = LabExpected.objects.filter(round=item.round).order_by("person_id")
        for n, row in enumerate(expected):
            result_record(
                actor=operator, lab_round=item.round, person=Person.objects.get(pk=row.person_id),
                sampled_at=_at(19, 8, 10 + 5 * n), result=LabOutcome.NEGATIVE,
                laboratory=LABORATORY,
            )  # fmt: skip


def load_screening(officer: User) -> None:
    """Once: the 7 days since 17 October 2021 at 阿拉善左旗社会福利中心."""
    institution = Institution.objects.select_related("region").get(code=SCREENED)
    if Screening.objects.filter(institution=institution).exists():
        return
    screening_create(
        actor=officer, institution=institution, start=_at(17, 0),
        end=_at(17, 0) + datetime.timedelta(days=7), reason=SCREENING_REASON,
    )  # fmt: skip
