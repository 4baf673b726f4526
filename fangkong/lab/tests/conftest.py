import datetime
from typing import Any

import pytest

from fangkong.core.scoping import SYSTEM
from fangkong.people.models import Person
from fangkong.people.services import person_register, stay_create
from fangkong.people.tests.conftest import moment, ric_number
from fangkong.people.tests.conftest import (
    no_clear_numbers_in_responses as no_clear_numbers_in_responses,
)
from fangkong.people.tests.conftest import post as post


def put(client: Any, url: str, body: dict[str, Any]) -> Any:
    import json

    return client.put(url, data=json.dumps(body), content_type="application/json")


class People:
    """Persons with stays in the world's institutions, each with a fresh valid number."""

    def __init__(self, world: Any) -> None:
        self.world = world
        self.sequence = 100

    def person(self, name: str) -> Person:
        self.sequence += 1
        number = ric_number(sequence=f"{self.sequence:03d}")
        return person_register(actor=SYSTEM, name=name, id_number=number).person

    def stay(
        self, name: str, institution: str, start: str, end: str | None = None,
        role: str = "resident",
    ) -> Person:  # fmt: skip
        person = self.person(name)
        stay_create(
            actor=SYSTEM, institution=self.world.institutions[institution], person=person,
            role=role, start=moment(start), end=moment(end) if end else None,
        )  # fmt: skip
        return person


@pytest.fixture
def people(world: Any) -> People:
    return People(world)


START = "2021-10-20T08:00:00+08:00"
START_AT = datetime.datetime.fromisoformat(START)
