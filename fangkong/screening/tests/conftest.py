import datetime
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


def open_and_classify(world: Any, timeline: Timeline, persona: str = "zuoqi") -> dict[str, Any]:
    """The seed's window at HOME: a positive resident (the index), a carer on duty with them
    classified close contact, and a visitor after them, classified general contact."""
    from fangkong.screening.services import screening_create, subject_classify

    index = timeline.stay("病例", HOME, "2021-10-01T09:00:00+08:00", "2021-10-20T12:00:00+08:00")
    staff = timeline.stay("护工", HOME, "2021-09-01T08:00:00+08:00", role="staff")
    visitor = timeline.person("家属")
    timeline.visit(visitor, HOME, "2021-10-22T10:00:00+08:00", "2021-10-22T11:00:00+08:00")
    officer = world.users[persona]
    screening = screening_create(
        actor=officer, institution=world.institutions[HOME], start=moment(WINDOW_START),
        end=moment(WINDOW_END), reason="阳性病例", index_person=index,
    )  # fmt: skip
    subject_classify(actor=officer, screening=screening, person_id=staff.pk,
                     classification="close_contact", reason="同班次")  # fmt: skip
    subject_classify(actor=officer, screening=screening, person_id=visitor.pk,
                     classification="general_contact", reason="未同时在场")  # fmt: skip
    return {"screening": screening, "index": index, "staff": staff, "visitor": visitor}


def lab_result(world: Any, person: Person, sampled_at: str, result: str = "negative") -> None:
    """A result of the lab app: a round at HOME opened just before the sample."""
    from fangkong.lab.services import result_record, round_create

    sampled = moment(sampled_at)
    opened = round_create(
        actor=SYSTEM, name=f"R{sampled:%Y%m%d%H%M}", method="nucleic_acid",
        institution_code=HOME, started_at=sampled - datetime.timedelta(minutes=30),
    )  # fmt: skip
    result_record(actor=SYSTEM, lab_round=opened[0].round, person=person, sampled_at=sampled,
                  result=result, reason="密接随访")  # fmt: skip
