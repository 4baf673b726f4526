from typing import Any

import pytest

from fangkong.core.scoping import SYSTEM
from fangkong.lab.tests.conftest import People
from fangkong.people.models import Person, Visit
from fangkong.people.tests.conftest import moment
from fangkong.people.tests.conftest import (
    no_clear_numbers_in_responses as no_clear_numbers_in_responses,
)
from fangkong.people.tests.conftest import post as post

# The seed's window: the 7 days since 17 October 2021, Beijing time.
WINDOW_START = "2021-10-17T00:00:00+08:00"
WINDOW_END = "2021-10-24T00:00:00+08:00"
HOME = "1529210001"


class Timeline(People):
    def visit(
        self, person: Person, institution: str, check_in: str, check_out: str | None
    ) -> Visit:
        from fangkong.people.services import visit_create

        return visit_create(
            actor=SYSTEM, institution=self.world.institutions[institution], visitor=person,
            check_in=moment(check_in), check_out=moment(check_out) if check_out else None,
        )  # fmt: skip


@pytest.fixture
def timeline(world: Any) -> Timeline:
    return Timeline(world)
