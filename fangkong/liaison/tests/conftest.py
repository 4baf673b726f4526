import datetime
import json

import pytest

from fangkong.accounts.models import User
from fangkong.accounts.services import user_ensure
from fangkong.conftest import PASSWORD
from fangkong.core.scoping import SYSTEM

DAY = datetime.date(2021, 10, 18)


@pytest.fixture
def leaders(world) -> dict[str, User]:
    """Officials without any grant yet: two league leaders and two banner leaders."""
    names = {"wang": "王局长", "li": "李副局长", "zhao": "赵旗长", "sun": "孙副旗长"}
    return {
        username: user_ensure(actor=SYSTEM, username=username, password=PASSWORD,
                              full_name=full_name)[0]
        for username, full_name in names.items()
    }  # fmt: skip


def post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def assign(client, institution, username, level, start="2021-10-18", end=None):
    body = {"institution_code": institution, "username": username, "level": level,
            "start_date": start}  # fmt: skip
    if end is not None:
        body["end_date"] = end
    return post(client, "/api/v1/liaison-assignments", body)
