"""The Excel export of an institution's persons: role-limited, a reason required, audited,
numbers masked unless asked for by a role that may reveal them (then audited as reveals)."""

import io
from typing import Any

import pytest
from python_calamine import CalamineWorkbook

from fangkong.audit.models import AuditEvent
from fangkong.core.scoping import SYSTEM
from fangkong.people.services import person_register, visit_create
from fangkong.people.staff import employment_create
from fangkong.people.tests.conftest import VISITOR, ZHANG, moment, ric_number

EXPORT = "/people/institutions/1529210001/export/"
WORKER = ric_number(sequence="301")
ALL = ["residents", "staff", "visitors"]


@pytest.fixture
def persons(world, zhang):
    """张三 (resident), 赵护工 (staff, phone), 王访客 (a visitor of 18 October 2021)."""
    home = world.institutions["1529210001"]
    worker = person_register(actor=SYSTEM, name="赵护工", id_number=WORKER, phone="13900001111")
    employment_create(actor=SYSTEM, institution=home, person=worker.person, role="护理员",
                      start=moment("2021-09-01T08:00:00+08:00"))  # fmt: skip
    visitor = person_register(actor=SYSTEM, name="王访客", id_number=VISITOR).person
    visit_create(actor=SYSTEM, institution=home, visitor=visitor,
                 check_in=moment("2021-10-18T10:00:00+08:00"))  # fmt: skip
    return {"zhang": zhang, "worker": worker.person, "visitor": visitor}


def sheets(content: bytes) -> dict[str, list[list[Any]]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def export(client, **body):
    data = {"kinds": ALL, "reason": "报送核酸检测点", "since": "2021-10-17", "until": "2021-10-23"}
    return client.post(EXPORT, {**data, **body})


def test_an_operator_exports_the_three_sheets_masked_and_it_is_audited(world, persons):
    response = export(world.client("operator"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    found = sheets(response.content)
    assert list(found) == ["在院老人", "工作人员", "探视人员"]
    cells = "|".join(str(c) for rows in found.values() for row in rows for c in row)
    assert "张三" in cells and "赵护工" in cells and "王访客" in cells
    assert persons["zhang"].id_number_masked in cells
    for clear in (ZHANG, WORKER, VISITOR, "13900001111", "13800001234"):
        assert clear not in cells
    event = AuditEvent.objects.get(action="person.export")
    assert event.actor == world.users["operator"]
    assert event.after["reason"] == "报送核酸检测点"
    assert (event.after["persons"], event.after["revealed"]) == (3, False)
    assert not AuditEvent.objects.filter(action="person.reveal").exists()


def test_a_revealed_export_holds_full_numbers_and_records_a_reveal_per_person(world, persons):
    response = export(world.client("operator"), reveal="on", kinds=["staff"])
    found = sheets(response.content)
    assert list(found) == ["工作人员"]
    assert WORKER in found["工作人员"][1] and "13900001111" in found["工作人员"][1]
    reveals = AuditEvent.objects.filter(action="person.reveal")
    assert [e.target_id for e in reveals] == [str(persons["worker"].pk)]
    assert reveals.get().after["via"] == "export"
    assert AuditEvent.objects.get(action="person.export").after["revealed"] is True


def test_an_export_without_a_reason_is_refused_and_nothing_is_audited(world, persons):
    response = export(world.client("operator"), reason="  ")
    assert response.status_code == 400
    assert "attachment" not in response.get("Content-Disposition", "")
    assert not AuditEvent.objects.filter(action="person.export").exists()


def test_a_period_that_ends_before_it_starts_is_refused_at_its_field(world, persons):
    response = export(world.client("operator"), since="2021-10-23", until="2021-10-17")
    assert response.status_code == 400
    assert "结束早于开始" in response.content.decode()


@pytest.mark.parametrize("persona", ["admin", "liaison"])
def test_roles_other_than_officers_and_operators_may_not_export(world, persons, persona):
    from fangkong.accounts.models import Role
    from fangkong.conftest import make_user

    if persona == "liaison":
        world.users[persona] = make_user(persona, Role.LIAISON, world.regions["152921"])
    client = world.client(persona)
    assert "下载 Excel" not in client.get(EXPORT).content.decode()
    response = export(client)
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="person.export").exists()


def test_a_banner_officer_exports_an_institution_of_their_banner(world, persons):
    response = export(world.client("zuoqi"), kinds=["residents"])
    assert response.status_code == 200
    assert sheets(response.content)["在院老人"][1][0] == "张三"
