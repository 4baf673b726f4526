import datetime
import json
from zoneinfo import ZoneInfo

import pytest

from fangkong.core.scoping import SYSTEM
from fangkong.reporting.services import regime_create

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = datetime.date(2022, 10, 25)


def at(hour: int, minute: int = 0, second: int = 0, day: datetime.date = DAY):
    """An instant on `day` in Beijing time."""
    return datetime.datetime.combine(day, datetime.time(hour, minute, second), tzinfo=SHANGHAI)


def figures(**overrides):
    values = {
        "residents": 180, "staff_on_site": 60, "in_isolation": 0, "admissions": 0,
        "visitors": 0, "fever": 0, "respiratory": 0, "suspected": 0, "confirmed": 0,
        "close_contacts": 0, "tested": 0, "positive": 0, "ppe_days": 30,
    }  # fmt: skip
    values.update(overrides)
    return values


@pytest.fixture
def regime(world):
    """From 24 October 2022 every institution of the league reports by 16:00 Beijing time."""
    return regime_create(
        actor=SYSTEM, name="阿拉善盟日报告", region_code="152900",
        start_date=datetime.date(2022, 10, 24),
    )  # fmt: skip


@pytest.fixture
def clock(monkeypatch):
    """Set what `timezone.now()` returns for the code under test."""

    class Clock:
        def set(self, moment: datetime.datetime) -> None:
            monkeypatch.setattr("django.utils.timezone.now", lambda: moment)

    return Clock()


def put(client, code, day, body, **headers):
    return client.put(
        f"/api/v1/institutions/{code}/daily-reports/{day}",
        data=json.dumps(body),
        content_type="application/json",
        headers=headers,
    )
