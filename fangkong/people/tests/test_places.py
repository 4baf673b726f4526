"""Each person's places: every write that places a person in an institution records it, so
that a narrow scope's search (through the places) finds whom the wide one (through the rows)
finds, and nobody else."""

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from fangkong.core.scoping import SYSTEM, scope_of
from fangkong.people import selectors
from fangkong.people.checkin import poster_issue, poster_token
from fangkong.people.imports.models import FileImport, ImportStatus
from fangkong.people.models import Person, PersonPlace, SelfCheckIn
from fangkong.people.places import places_rekey
from fangkong.people.selectors import few_institutions, in_scope, person_search, placed_in
from fangkong.people.services import person_register, stay_create, visit_create
from fangkong.people.staff import employment_create
from fangkong.people.tests.conftest import moment, ric_number

HOME = "1529210001"  # the operator's, in 阿拉善左旗
SECOND = "1529210002"  # also in 阿拉善左旗
NUMBER = ric_number(sequence="901")
AT = moment("2021-10-02T09:00:00+08:00")


@pytest.fixture(autouse=True)
def import_dir(settings, tmp_path):
    settings.FANGKONG_IMPORT_DIR = tmp_path / "imports"


@pytest.fixture
def imported(django_capture_on_commit_callbacks):
    """Import a CSV of `kind` into HOME as its operator, checked then written."""

    def import_(world: Any, kind: str, text: str) -> None:
        client = world.client("operator")
        file = SimpleUploadedFile("名单.csv", ("\ufeff" + text).encode())
        with django_capture_on_commit_callbacks(execute=True):
            client.post(f"/people/institutions/{HOME}/imports/", {"kind": kind, "file": file})
        record = FileImport.objects.latest("pk")
        assert record.status == ImportStatus.CHECKED, record.errors
        with django_capture_on_commit_callbacks(execute=True):
            client.post(f"/people/imports/{record.pk}/import/")
        record.refresh_from_db()
        assert record.status == ImportStatus.DONE, record.errors

    return import_


def registered_by_operator(world: Any, person: Person, imported: Any) -> tuple[Person, str]:
    """An operator registers a person: they lie in the operator's institution at once."""
    number = ric_number(sequence="902")
    return person_register(
        actor=world.users["operator"], name="张书梅", id_number=number
    ).person, HOME


def resident_stay(world: Any, person: Person, imported: Any) -> tuple[Person, str]:
    stay_create(actor=SYSTEM, institution=world.institutions[SECOND], person=person,
                role="resident", start=AT)  # fmt: skip
    return person, SECOND


def staff_stay(world: Any, person: Person, imported: Any) -> tuple[Person, str]:
    stay_create(actor=SYSTEM, institution=world.institutions[SECOND], person=person,
                role="staff", start=AT, job="护理员")  # fmt: skip
    return person, SECOND


def employment_alone(world: Any, person: Person, imported: Any) -> tuple[Person, str]:
    """An employment without a staff stay (a doctor serving two institutions)."""
    employment_create(actor=SYSTEM, institution=world.institutions[SECOND], person=person, start=AT)
    return person, SECOND


def visit_at_the_gate(world: Any, person: Person, imported: Any) -> tuple[Person, str]:
    visit_create(actor=world.users["operator"], institution=world.institutions[HOME],
                 visitor=person, check_in=AT)  # fmt: skip
    return person, HOME


def self_check_in_confirmed(world: Any, person: Person, imported: Any) -> tuple[Person, str]:
    poster = poster_issue(actor=SYSTEM, institution=world.institutions[HOME], days=7)
    url = f"/checkin/{HOME}/{poster_token(poster)}/"
    visitor = Client()
    visitor.get(url)
    visitor.post(url, {"name": person.name, "document_type": "ric", "id_number": person.id_number,
                       "phone": "13900001111", "visiting": "张三", "temperature": "36.5",
                       "came_from": "巴彦浩特镇"})  # fmt: skip
    check_in = SelfCheckIn.objects.latest("pk")
    world.client("operator").post(f"/people/checkins/{check_in.pk}/confirm/")
    return person, HOME


def who(person: Person) -> str:
    """The person's name and number as a row of a file gives them."""
    return f"{person.name},{person.id_number}"


def imported_residents(world: Any, person: Person, imported: Any) -> tuple[Person, str]:
    imported(
        world, "residents", f"姓名,证件号码,入住日期\n{person.name},{person.id_number},2021-10-01\n"
    )
    return person, HOME


def imported_staff(world: Any, person: Person, imported: Any) -> tuple[Person, str]:
    imported(
        world,
        "staff",
        f"姓名,证件号码,岗位,入职日期\n{person.name},{person.id_number},厨师,2021-09-01\n",
    )
    return person, HOME


def imported_visits(world: Any, person: Person, imported: Any) -> tuple[Person, str]:
    imported(
        world,
        "visits",
        f"姓名,证件号码,进入时间\n{person.name},{person.id_number},2021-10-10 10:00\n",
    )
    return person, HOME


def imported_new_resident(world: Any, person: Person, imported: Any) -> tuple[Person, str]:
    """A number nobody has yet: the import registers the person in its institution."""
    number = ric_number(sequence="903")
    imported(world, "residents", f"姓名,证件号码,入住日期\n张书兰,{number},2021-10-01\n")
    return Person.objects.get(name="张书兰"), HOME


WRITES: dict[str, Callable[[Any, Person, Any], tuple[Person, str]]] = {
    f.__name__: f
    for f in (registered_by_operator, resident_stay, staff_stay, employment_alone,
              visit_at_the_gate, self_check_in_confirmed, imported_residents, imported_staff,
              imported_visits, imported_new_resident)
}  # fmt: skip


def searched(world: Any, persona: str, q: str, monkeypatch: Any, *, narrow: bool) -> list[str]:
    monkeypatch.setattr(selectors, "FEW_INSTITUTIONS", 1000 if narrow else 0)
    return [p.name for p in person_search(user=world.users[persona], q=q)]


@pytest.mark.parametrize("write", list(WRITES))
def test_every_write_that_places_a_person_records_the_place(world, imported, monkeypatch, write):
    # Registered by a user of no institution: placed nowhere until the write under test.
    waiting = person_register(actor=SYSTEM, name="张书明", id_number=NUMBER).person
    assert not PersonPlace.objects.filter(person=waiting).exists()
    person, code = WRITES[write](world, waiting, imported)
    places = PersonPlace.objects.filter(person=person)
    assert [(p.institution.code, p.pinyin, p.initials) for p in places] == [
        (code, person.pinyin, person.initials)
    ]
    # The county's officer, who registered nobody, finds them by either path, by a prefix of
    # the initials or of the pinyin; the neighbouring county's officer by neither.
    for q in ("zs", "zhangshu"):
        wide = searched(world, "zuoqi", q, monkeypatch, narrow=False)
        assert searched(world, "zuoqi", q, monkeypatch, narrow=True) == wide, q
        assert person.name in wide, q
        assert searched(world, "ejina", q, monkeypatch, narrow=True) == [], q


def test_a_place_is_recorded_once_however_often_the_person_comes(world):
    person = person_register(actor=SYSTEM, name="张书明", id_number=NUMBER).person
    institution = world.institutions[HOME]
    for hour in (9, 10, 11):
        at = moment(f"2021-10-02T{hour:02d}:00:00+08:00")
        visit_create(actor=SYSTEM, institution=institution, visitor=person, check_in=at)
    stay_create(actor=SYSTEM, institution=institution, person=person, role="resident", start=AT)
    assert PersonPlace.objects.filter(person=person).count() == 1


def test_the_places_of_a_narrow_scope_hold_exactly_its_persons(world, imported):
    """Whatever wrote them, the persons placed in a narrow scope's institutions (or registered
    by the user) are those the scope's rows give (`in_scope`): no more, no fewer."""
    for n, write in enumerate(WRITES.values()):
        number = ric_number(sequence=f"{910 + n}")
        person = person_register(actor=SYSTEM, name=f"李{chr(0x4E00 + n)}", id_number=number)
        write(world, person.person, imported)
    for persona in ("operator", "other_operator", "zuoqi", "ejina", "league"):
        user = world.users[persona]
        institutions = few_institutions(scope_of(user))
        assert institutions is not None, persona
        placed = set(Person.objects.filter(placed_in(institutions, user=user)))
        assert placed == set(Person.objects.filter(in_scope(user))), persona
    assert placed  # the league's officer sees someone: the comparison compared something


def test_a_new_name_moves_the_places_to_the_new_keys(world, monkeypatch):
    person = person_register(actor=SYSTEM, name="张书明", id_number=NUMBER).person
    stay_create(actor=SYSTEM, institution=world.institutions[HOME], person=person,
                role="resident", start=AT)  # fmt: skip
    Person.objects.filter(pk=person.pk).update(name="李书明", pinyin="lishuming", initials="lsm")
    person.refresh_from_db()
    places_rekey(person=person)
    assert searched(world, "zuoqi", "lsm", monkeypatch, narrow=True) == ["李书明"]
    assert searched(world, "zuoqi", "zs", monkeypatch, narrow=True) == []
    assert searched(world, "zuoqi", "lishu", monkeypatch, narrow=True) == ["李书明"]


def test_a_new_person_on_rows_of_two_chunks_has_one_place(world, imported, monkeypatch):
    """The import copies the place of a person it registers once, however many rows name them."""
    from fangkong.people.imports.kinds import kind_get

    monkeypatch.setattr(type(kind_get("visits")), "chunk_size", 1)
    number = ric_number(sequence="905")
    imported(world, "visits", (
        f"姓名,证件号码,进入时间\n王书华,{number},2021-10-10 10:00\n"
        f"王书华,{number},2021-10-11 10:00\n"
    ))  # fmt: skip
    person = Person.objects.get(name="王书华")
    assert person.visits.count() == 2
    places = PersonPlace.objects.filter(person=person)
    assert [(p.institution.code, p.initials) for p in places] == [(HOME, person.initials)]
