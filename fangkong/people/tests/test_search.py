"""Search by a prefix of the pinyin or its initials (either reading of a polyphonic surname),
page by page, inside the caller's scope only."""

from fangkong.core.scoping import SYSTEM
from fangkong.people.selectors import SEARCH_LIMIT, person_search
from fangkong.people.services import person_register, stay_create
from fangkong.people.tests.conftest import moment, ric_number

HOME = "1529210001"
OTHER = "1529230001"


def resident(world, name, sequence, home=HOME):
    person = person_register(actor=SYSTEM, name=name, id_number=ric_number(sequence=sequence))
    stay_create(actor=SYSTEM, institution=world.institutions[home], person=person.person,
                role="resident", start=moment("2021-10-01T09:00:00+08:00"))  # fmt: skip
    return person.person


def names(world, persona, q):
    return [p.name for p in person_search(user=world.users[persona], q=q)]


def test_a_prefix_of_the_initials_or_the_pinyin_finds_in_pinyin_order(world):
    for n, name in enumerate(["张三", "张书明", "赵四", "周帅", "李四"]):
        resident(world, name, f"{500 + n}")
    assert names(world, "operator", "zs") == ["张三", "张书明", "赵四", "周帅"]
    assert names(world, "operator", "zsm") == ["张书明"]
    assert names(world, "operator", "ZHANGS") == ["张三", "张书明"]
    assert names(world, "operator", "zhao") == ["赵四"]
    assert names(world, "operator", "si") == []  # a prefix, not any part of the name


def test_either_reading_of_a_polyphonic_surname_finds_the_person(world):
    resident(world, "单田芳", "510")
    resident(world, "曾小明", "511")
    for q in ["stf", "dtf", "shantian", "dantian"]:
        assert names(world, "operator", q) == ["单田芳"], q
    assert names(world, "operator", "cxm") == ["曾小明"]


def test_a_chinese_name_or_part_of_it_is_found_by_the_name(world):
    resident(world, "欧阳修", "520")
    assert names(world, "operator", "阳修") == ["欧阳修"]


def test_a_search_gives_one_page_in_pinyin_order(world):
    for n in range(SEARCH_LIMIT + 5):
        resident(world, f"张{chr(0x4E00 + n)}", f"{600 + n}")
    found = list(person_search(user=world.users["operator"], q="z"))
    assert len(found) == SEARCH_LIMIT
    assert [p.pinyin for p in found] == sorted(p.pinyin for p in found)


def test_officers_find_the_persons_of_their_subtree_only(world):
    resident(world, "张三", "530")
    resident(world, "张山", "531", home=OTHER)
    assert names(world, "zuoqi", "zs") == ["张三"]
    assert names(world, "ejina", "zs") == ["张山"]
    assert sorted(names(world, "league", "zs")) == ["张三", "张山"]
    assert names(world, "other_operator", "zs") == ["张山"]
