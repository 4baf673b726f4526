import datetime
import json
from zoneinfo import ZoneInfo

import pytest

from fangkong.accounts.models import Role
from fangkong.conftest import make_user
from fangkong.core.scoping import SYSTEM
from fangkong.inspections.services import AnswerIn, inspection_record

BEIJING = ZoneInfo("Asia/Shanghai")
# 25 October 2021, 10:00 in Alxa: the seed's week of inspections.
DONE_AT = datetime.datetime(2021, 10, 25, 10, 0, tzinfo=BEIJING)
DAY = datetime.date(2021, 10, 25)


def post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def answers(*failed: int, passed: tuple[int, ...] = (1, 2)) -> list[AnswerIn]:
    return [AnswerIn(item=n, result="pass") for n in passed] + [
        AnswerIn(item=n, result="fail", note="问题") for n in failed
    ]


@pytest.fixture
def inspector(world):
    """An inspector over 阿拉善左旗 (152921)."""
    user = make_user("inspector", Role.INSPECTOR, world.regions["152921"])
    world.users["inspector"] = user
    return user


@pytest.fixture
def liaison(world):
    """A liaison of 阿拉善左旗社会福利中心 (1529210001), reading it only."""
    user = make_user("liaison", Role.LIAISON, world.institutions["1529210001"])
    world.users["liaison"] = user
    return user


@pytest.fixture
def inspection(world, inspector):
    """An on-site inspection of 1529210001 on 25 October 2021: items 4 and 19 failed."""
    return inspection_record(
        actor=inspector, institution="1529210001", method="on_site", unannounced=False,
        done_at=DONE_AT, answers=answers(4, 19),
    )  # fmt: skip


@pytest.fixture
def rectification(inspection):
    """The rectification of item 4 (gate registration), due a day later."""
    return inspection.rectifications.get(item__number=4)


def record_by_system(code: str, *failed: int, done_at=DONE_AT, method="video"):
    return inspection_record(actor=SYSTEM, institution=code, method=method, unannounced=False,
                             done_at=done_at, answers=answers(*failed))  # fmt: skip
