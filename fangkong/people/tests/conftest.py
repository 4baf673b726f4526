import datetime
import json
from typing import Any

import pytest
from stdnum.cn import ric

from fangkong.core.scoping import SYSTEM
from fangkong.people.services import person_register

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def ric_number(region: str = "152921", birth: str = "19401017", sequence: str = "123") -> str:
    """A valid 18-digit resident identity number."""
    body = region + birth + sequence
    return body + ric.calc_check_digit(body + "0")


# Numbers the tests create: none may appear in clear in any response unless revealed.
ZHANG = ric_number(sequence="002")  # a woman (even 17th digit)
LI = ric_number("152923", "19380203", "011")
VISITOR = ric_number("152921", "19700512", "031")


def moment(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text)


def post(client: Any, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json")


@pytest.fixture
def zhang(world):
    """张三, a resident of 阿拉善左旗社会福利中心 (the operator's) since October 2021."""
    from fangkong.people.services import stay_create

    person = person_register(actor=SYSTEM, name="张三", id_number=ZHANG, phone="13800001234")
    stay_create(actor=SYSTEM, institution=world.institutions["1529210001"], person=person.person,
                role="resident", start=moment("2021-10-01T09:00:00+08:00"))  # fmt: skip
    return person.person


@pytest.fixture
def li(world):
    """李四, a resident of 额济纳旗社会福利中心 (the other operator's)."""
    from fangkong.people.services import stay_create

    person = person_register(actor=SYSTEM, name="李四", id_number=LI).person
    stay_create(actor=SYSTEM, institution=world.institutions["1529230001"], person=person,
                role="resident", start=moment("2021-09-01T09:00:00+08:00"))  # fmt: skip
    return person


@pytest.fixture(autouse=True)
def no_clear_numbers_in_responses(request, monkeypatch):
    """Every response a test of this app receives is searched for the clear numbers of the
    persons it created: none may appear, except in the answer to an audited reveal."""
    from django.test import Client

    seen: list[tuple[str, bytes]] = []
    original = Client.request

    def recording(self: Client, **kwargs: Any) -> Any:
        response = original(self, **kwargs)
        path = str(kwargs.get("PATH_INFO", ""))
        asked = f"{path}?{kwargs.get('QUERY_STRING', '')}"
        if not path.rstrip("/").endswith("/reveal") and "reveal=" not in asked:
            seen.append((asked, getattr(response, "content", b"")))
        return response

    monkeypatch.setattr(Client, "request", recording)
    yield
    if not seen or ("db" not in request.fixturenames and "world" not in request.fixturenames):
        return
    from fangkong.people.models import Person, SelfCheckIn

    numbers = {ZHANG, LI, VISITOR}
    try:
        rows: list[Person | SelfCheckIn] = [*Person.objects.all(), *SelfCheckIn.objects.all()]
        for row in rows:  # the persons, and the numbers visitors typed at the gate
            numbers.add(row.id_number)
            if row.phone:
                numbers.add(row.phone)
    except Exception:  # noqa: S110 - the database may be gone in transactional tests
        pass
    for asked, content in seen:
        text = content.decode(errors="replace")
        leaked = [n for n in numbers if n in text]
        assert not leaked, f"{asked} shows a clear number"
