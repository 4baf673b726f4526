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


def test_narrow_and_wide_scopes_find_the_same_persons_and_nothing_outside(world, monkeypatch):
    """A narrow scope lists its persons first, a wide one asks each match where it lies: both
    give the same page, in the same order, of the persons the user may see, and no other."""
    from fangkong.people import selectors
    from fangkong.people.services import visit_create
    from fangkong.people.staff import employment_create

    at = moment("2021-10-02T09:00:00+08:00")
    placed = {  # name: (institution, how the person lies there)
        "张三": (HOME, "stay"), "张山": (OTHER, "stay"), "赵书": ("1529210002", "stay"),
        "周顺": ("1529210002", "employment"), "朱森": (HOME, "visit"),
        "郑松": ("1529220001", "stay"), "庄帅": ("6201000001", "stay"),
        "单书": (HOME, "stay"), "曾帅": (OTHER, "visit"), "张述": ("1529710001", "stay"),
    }  # fmt: skip
    for n, (name, (code, how)) in enumerate(placed.items()):
        number = ric_number(sequence=f"{700 + n}")
        person = person_register(actor=SYSTEM, name=name, id_number=number)
        institution = world.institutions[code]
        if how == "stay":
            stay_create(actor=SYSTEM, institution=institution, person=person.person,
                        role="resident", start=at)  # fmt: skip
        elif how == "visit":
            visit_create(actor=SYSTEM, institution=institution, visitor=person.person, check_in=at)
        else:
            employment_create(actor=SYSTEM, institution=institution, person=person.person, start=at)
    # Registered by the operator, in their institution, and nowhere else yet.
    operator, number = world.users["operator"], ric_number(sequence="799")
    person_register(actor=operator, name="张森", id_number=number)
    sees = {
        "operator": {"张三", "朱森", "单书", "张森"},
        "other_operator": {"张山", "曾帅"},
        "zuoqi": {"张三", "赵书", "周顺", "朱森", "单书", "张森"},
        "ejina": {"张山", "曾帅"},
        "league": {"张三", "张山", "赵书", "周顺", "朱森", "郑松", "单书", "曾帅", "张森", "张述"},
        "admin": {*placed, "张森"},
    }
    queries = ["z", "zs", "zhang", "s", "ds", "shanshu", "cs", "张", "书"]
    for persona, visible in sees.items():
        user = world.users[persona]
        for q in queries:
            monkeypatch.setattr(selectors, "FEW_INSTITUTIONS", 1000)
            narrow = [(p.pk, p.name) for p in person_search(user=user, q=q)]
            monkeypatch.setattr(selectors, "FEW_INSTITUTIONS", 0)
            wide = [(p.pk, p.name) for p in person_search(user=user, q=q)]
            assert narrow == wide, (persona, q)
            assert {name for _pk, name in narrow} <= visible, (persona, q)
        every = {p.name for p in person_search(user=user, q="z")}
        every |= {p.name for p in person_search(user=user, q="s")}
        assert every == visible, persona


def test_a_county_officer_takes_the_narrow_path_and_a_province_the_wide(world):
    from fangkong.core.scoping import scope_of
    from fangkong.people.selectors import FEW_INSTITUTIONS, few_institutions

    zuoqi = few_institutions(scope_of(world.users["zuoqi"]))
    assert zuoqi == sorted([world.institutions["1529210001"].pk,
                            world.institutions["1529210002"].pk])  # fmt: skip
    assert few_institutions(scope_of(world.users["admin"])) is None
    assert FEW_INSTITUTIONS < 2000  # a province of the benchmark (2,000 institutions) is wide
