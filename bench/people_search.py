"""Search by pinyin initials among two million persons in one province (issue 11: p95 ≤ 50 ms).

Builds 2,000 institutions over the county-level units of 内蒙古 (150000) and `persons` persons
(2 million by default), each with one stay there (90 % residents, 10 % staff with their
employment), written with COPY on PostgreSQL (secondary indexes and the stays' exclusion
constraint dropped during the load and re-created with their exact definitions, foreign-key
triggers off, then ANALYZE). Names follow the frequencies of common Chinese surnames with one or
two given characters; their pinyin and initials are composed per character from the same
readings the application uses (the surname's own readings from `identity.pinyin_keys`, given
characters by pypinyin), checked against `pinyin_keys` on a sample. Identity numbers are real
AES-GCM ciphertexts of synthetic numbers, but their lookup hashes are random (not keyed hashes)
and nobody has a phone: the search under test reads neither. The persons' places
(`PersonPlace`) are filled from the stays and the persons in one INSERT … SELECT when empty,
as migration 0012 would, then analysed.

Then times `person_search` (the selector behind `GET /api/v1/persons?q=` and `/people/?q=`) for
a province officer, a county (banner) officer and one institution's operator, with queries drawn
from the data: two- and three-letter prefixes of initials and a prefix of a full pinyin; prints
the EXPLAIN (ANALYZE, BUFFERS) of the initials query for the province and the banner officer.
"""

import datetime
import random
import time
from collections.abc import Iterator
from functools import cache
from typing import Any

from django.db import connection
from django.utils import timezone

from bench.generate import write_rows
from bench.timing import measure, table

PROVINCE = "150000"
INSTITUTIONS = 2_000
STAFF_SHARE = 0.10
SEED = 2021

# Common surnames with their approximate share (per mille) of the population; a few with a
# second, ordinary reading (单 shan/dan, 曾 zeng/ceng, 解 xie/jie, 翟 zhai/di, 区 ou/qu).
SURNAMES = {
    "王": 71, "李": 70, "张": 67, "刘": 54, "陈": 45, "杨": 31, "黄": 22, "赵": 21, "吴": 20,
    "周": 19, "徐": 16, "孙": 15, "马": 15, "朱": 13, "胡": 13, "郭": 12, "何": 12, "高": 11,
    "林": 11, "罗": 10, "郑": 10, "梁": 9, "谢": 8, "宋": 8, "唐": 8, "许": 7, "韩": 7, "冯": 7,
    "邓": 7, "曹": 7, "彭": 6, "曾": 6, "肖": 6, "田": 6, "董": 5, "袁": 5, "潘": 5, "于": 5,
    "蒋": 5, "蔡": 5, "余": 5, "杜": 5, "叶": 4, "程": 4, "苏": 4, "魏": 4, "吕": 4, "丁": 4,
    "任": 4, "沈": 4, "姚": 4, "卢": 4, "姜": 4, "崔": 3, "钟": 3, "谭": 3, "陆": 3, "汪": 3,
    "范": 3, "金": 3, "石": 3, "廖": 3, "贾": 3, "夏": 3, "韦": 3, "付": 3, "方": 3, "白": 3,
    "邹": 3, "孟": 3, "熊": 3, "秦": 3, "邱": 3, "江": 3, "尹": 3, "薛": 3, "闫": 3, "段": 2,
    "雷": 2, "侯": 2, "龙": 2, "史": 2, "陶": 2, "黎": 2, "贺": 2, "顾": 2, "毛": 2, "郝": 2,
    "龚": 2, "邵": 2, "万": 2, "钱": 2, "严": 2, "武": 2, "戴": 2, "莫": 2, "孔": 2, "向": 2,
    "单": 1, "翟": 1, "解": 1, "区": 1, "欧阳": 1, "包": 2, "乌": 1, "巴": 1, "额尔敦": 1,
}  # fmt: skip
GIVEN = (
    "秀英华玉兰桂珍凤芳淑明国建文军平红志强伟丽云春金海荣德成福贵有林山庆宝生喜福祥瑞和顺"
    "光辉学忠义礼智信仁勇刚毅杰俊峰波涛洪涌江河湖泉水泽润清静雅琴书画梅菊竹松柏杨柳桃李"
    "春夏秋冬晨曦月星辰日阳光亮彩霞虹雪霜雨露凤凰龙虎鹏飞翔腾跃奇正直方圆满全新兴旺发达"
    "富贵吉利安宁康乐寿长永久远恒常青翠绿蓝紫娟婷娜琳琪瑶瑾璐莉萍燕鸿雁鹤鸣凯旋胜利"
)


@cache
def _surname_keys(surname: str) -> tuple[list[str], list[str]]:
    from fangkong.people.identity import pinyin_keys

    # A surname is read as one only before a given name: read it with one, then drop that.
    full, initials = pinyin_keys(surname + "明")
    return [f.removesuffix("ming") for f in full.split()], [i[:-1] for i in initials.split()]


@cache
def _syllable(character: str) -> str:
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(character))


def keys_of(surname: str, given: str) -> tuple[str, str]:
    """The name's pinyin and initials, composed per character like `identity.pinyin_keys`."""
    full, initials = _surname_keys(surname)
    syllables = [_syllable(c) for c in given]
    spelled, first = "".join(syllables), "".join(s[:1] for s in syllables)
    return " ".join(f + spelled for f in full), " ".join(i + first for i in initials)


def names(rng: random.Random, count: int) -> Iterator[tuple[str, str, str]]:
    surnames, weights = list(SURNAMES), list(SURNAMES.values())
    for surname in rng.choices(surnames, weights, k=count):
        given = "".join(rng.choice(GIVEN) for _ in range(1 if rng.random() < 0.3 else 2))
        pinyin, initials = keys_of(surname, given)
        yield surname + given, pinyin, initials


# -- loading --------------------------------------------------------------------------------


def _institutions(rng: random.Random) -> list[int]:
    from fangkong.institutions.models import Institution
    from fangkong.regions.loading import load_official
    from fangkong.regions.models import Level, Region

    load_official()
    province = Region.objects.get(code=PROVINCE)
    counties = list(Region.objects.filter(level=Level.COUNTY, path__startswith=province.path))
    Institution.objects.bulk_create(
        [Institution(code=f"P{i:07d}", name=f"养老院{i}", region=rng.choice(counties), beds=200)
         for i in range(INSTITUTIONS)],
        batch_size=2000,
    )  # fmt: skip
    return list(Institution.objects.order_by("pk").values_list("pk", flat=True))


def _secondary(tables: list[str]) -> tuple[list[tuple[str, str]], list[tuple[str, str, str]]]:
    """The indexes no constraint owns, and the exclusion constraints, of these tables."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = ANY(%s) AND "
            "NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
            [tables],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT t.relname, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
            "JOIN pg_class t ON t.oid = c.conrelid WHERE c.contype = 'x' AND t.relname = ANY(%s)",
            [tables],
        )
        exclusions = cursor.fetchall()
    return indexes, exclusions


def load(persons: int) -> dict[str, float]:
    from fangkong.core.crypto import encrypt

    rng = random.Random(SEED)  # noqa: S311 - reproducible synthetic data
    phases: dict[str, float] = {}
    start = time.perf_counter()
    homes = _institutions(rng)
    postgres = connection.vendor == "postgresql"
    tables = ["people_person", "people_stay", "people_employment"]
    indexes, exclusions = _secondary(tables) if postgres else ([], [])
    with connection.cursor() as cursor:
        if postgres:
            cursor.execute("SET session_replication_role = replica")  # no FK triggers
            for table_name, name, _definition in exclusions:
                cursor.execute(f"ALTER TABLE {table_name} DROP CONSTRAINT {name}")
            for name, _definition in indexes:
                cursor.execute(f"DROP INDEX {name}")
    created = timezone.now()
    born = datetime.date(1930, 1, 1)

    def person_rows() -> Iterator[tuple[Any, ...]]:
        for pk, (name, pinyin, initials) in enumerate(names(rng, persons), start=1):
            number = f"150102{born + datetime.timedelta(days=pk % 12_000):%Y%m%d}{pk % 1000:03d}X"
            yield (pk, name, "unknown", None, "ric",
                   encrypt(number, associated_data="people.Person.id_number"),
                   rng.randbytes(32).hex(), number[-4:], "", "", pinyin, initials, None,
                   homes[pk % len(homes)], created)  # fmt: skip

    write_rows("people_person", ["id", "name", "sex", "birth_date", "document_type", "id_number",
               "id_hash", "id_last4", "phone", "phone_hash", "pinyin", "initials",
               "created_by_id", "created_in_id", "created_at"], person_rows())  # fmt: skip
    phases["persons_s"] = round(time.perf_counter() - start, 1)
    admitted = datetime.datetime(2015, 1, 1, tzinfo=datetime.UTC)
    staff = int(persons * STAFF_SHARE)

    def stay_rows() -> Iterator[tuple[Any, ...]]:
        for pk in range(1, persons + 1):
            since = admitted + datetime.timedelta(hours=pk % 50_000)
            yield (pk, pk, homes[pk % len(homes)], "staff" if pk <= staff else "resident", since,
                   None, "", "", "", False, "", None, created)  # fmt: skip

    write_rows("people_stay", ["id", "person_id", "institution_id", "role", "start_at", "end_at",
               "admission_reason", "discharge_reason", "job", "on_site", "exception_reason",
               "created_by_id", "created_at"], stay_rows())  # fmt: skip
    write_rows("people_employment", ["id", "person_id", "institution_id", "role", "on_site",
               "start_at", "end_at", "stay_id", "created_by_id", "created_at"],
               ((pk, pk, homes[pk % len(homes)], "护理员", True,
                 admitted + datetime.timedelta(hours=pk % 50_000), None, pk, None, created)
                for pk in range(1, staff + 1)))  # fmt: skip
    phases["copy_s"] = round(time.perf_counter() - start, 1)
    with connection.cursor() as cursor:
        if postgres:
            cursor.execute("SET session_replication_role = DEFAULT")
            for _name, definition in indexes:
                cursor.execute(definition)
            for table_name, name, definition in exclusions:
                cursor.execute(f"ALTER TABLE {table_name} ADD CONSTRAINT {name} {definition}")
            for table_name in tables:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table_name}', 'id'), "  # noqa: S608
                    f"(SELECT max(id) FROM {table_name}))"
                )
            cursor.execute("ANALYZE")
    phases["indexes_s"] = round(time.perf_counter() - start, 1)
    return phases


# -- timing ---------------------------------------------------------------------------------


def _personas() -> dict[str, Any]:
    from fangkong.accounts.models import Role, User
    from fangkong.accounts.services import role_grant
    from fangkong.core.scoping import SYSTEM
    from fangkong.institutions.models import Institution
    from fangkong.regions.models import Region

    busiest = Institution.objects.filter(code__startswith="P").order_by("code").first()
    assert busiest is not None
    scopes: dict[str, tuple[str, Region | Institution]] = {
        "province officer": (Role.OFFICER, Region.objects.get(code=PROVINCE)),
        "banner officer": (Role.OFFICER, busiest.region),
        "operator": (Role.OPERATOR, busiest),
    }
    users = {}
    for label, (role, scope) in scopes.items():
        user, _ = User.objects.get_or_create(username=f"bench-search-{role}-{scope.code}")
        role_grant(actor=SYSTEM, user=user, role=role, scope=scope)
        users[label] = User.objects.get(pk=user.pk)
    return users


def _queries(rng: random.Random) -> dict[str, list[str]]:
    from fangkong.people.models import Person

    top = Person.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    picks = rng.sample(range(1, top + 1), 40)
    sample = list(Person.objects.filter(pk__in=picks).values_list("pinyin", "initials"))
    two = [i[:2] for _p, i in sample if len(i.split()[0]) >= 2]
    three = [i[:3] for _p, i in sample if len(i.split()[0]) >= 3]
    return {"initials, 2 letters": two, "initials, 3 letters": three,
            "pinyin prefix": [p.split()[0][:6] for p, _i in sample]}  # fmt: skip


def _agreement(rng: random.Random) -> float:
    """The share of sampled names whose composed keys equal `pinyin_keys`'s own."""
    from fangkong.people.identity import pinyin_keys

    sampled = list(names(rng, 500))
    same = sum(pinyin_keys(name) == (pinyin, initials) for name, pinyin, initials in sampled)
    return same / len(sampled)


PLACES = (  # the persons' places as migration 0012 fills them (in one statement here)
    "INSERT INTO people_personplace (person_id, institution_id, pinyin, initials) "
    "SELECT t.person_id, t.institution_id, p.pinyin, p.initials FROM ("
    " SELECT id AS person_id, created_in_id AS institution_id FROM people_person"
    " WHERE created_in_id IS NOT NULL"
    " UNION SELECT person_id, institution_id FROM people_stay"
    " UNION SELECT person_id, institution_id FROM people_employment"
    " UNION SELECT visitor_id, institution_id FROM people_visit"
    ") t JOIN people_person p ON p.id = t.person_id WHERE true "
    "ON CONFLICT (person_id, institution_id) DO NOTHING"
)


def fill_places() -> float:
    """Fill the places of the persons loaded (when a load left them empty); the seconds taken."""
    from fangkong.people.models import PersonPlace

    if PersonPlace.objects.exists():
        return 0.0
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(PLACES)
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE people_personplace")
    return round(time.perf_counter() - start, 1)


def explain(user: Any, q: str) -> str:
    """The initials query of `person_search` for this user, as its scope's size decides."""
    from fangkong.core.scoping import scope_of
    from fangkong.people.models import Person
    from fangkong.people.selectors import SEARCH_LIMIT, few_institutions, in_scope, placed_page

    institutions = few_institutions(scope_of(user))
    if institutions is not None:
        query = placed_page(institutions, user=user, key="initials", text=q)
    else:
        query = (
            Person.objects.filter(initials__startswith=q)
            .filter(in_scope(user))
            .order_by("initials", "pinyin", "id")
            .values_list("pinyin", "pk")[:SEARCH_LIMIT]
        )
    if connection.vendor != "postgresql":
        return str(query.query)
    return str(query.explain(analyze=True, buffers=True))


def run(persons: int, repeat: int) -> dict[str, Any]:
    from fangkong.people.models import Person
    from fangkong.people.selectors import person_search

    phases: dict[str, float] = {}
    if not Person.objects.exists():  # else: the persons a previous run loaded
        from django.core.management import call_command

        call_command("flush", interactive=False, verbosity=0)
        print(f"loading {persons:,} persons …", flush=True)
        phases = load(persons)
        print(f"loaded: {phases} (seconds since the start)", flush=True)
    phases["places_s"] = fill_places()
    if connection.vendor == "postgresql":  # as autovacuum leaves a table: visibility map set
        with connection.cursor() as cursor:
            cursor.execute(
                "VACUUM (ANALYZE) people_person, people_stay, people_employment, people_personplace"
            )
    count = Person.objects.count()
    rng = random.Random(SEED + 1)  # noqa: S311
    users, queries = _personas(), _queries(rng)
    rows: list[dict[str, Any]] = []
    for label, user in users.items():
        for kind, texts in queries.items():
            cycle = iter(texts * (repeat // len(texts) + 2))
            found: list[int] = []

            def search(
                user: Any = user, cycle: Iterator[str] = cycle, found: list[int] = found
            ) -> None:
                found.append(len(list(person_search(user=user, q=next(cycle)))))

            timing = measure(search, repeat=repeat)
            rows.append({"persona": label, "query": kind, **timing,
                         "mean_found": round(sum(found) / len(found), 1)})  # fmt: skip
    first = queries["initials, 2 letters"][0]
    plan = explain(users["province officer"], first)
    banner_plan = explain(users["banner officer"], first)
    print(f"people_search: {count:,} persons in {PROVINCE}, {INSTITUTIONS} institutions, {phases}")
    print(table(rows, list(rows[0])))
    print(f"\nEXPLAIN of the initials query {first!r}, province:")
    print(plan)
    print(f"\nEXPLAIN of the initials query {first!r}, banner (a narrow scope):")
    print(banner_plan)
    agreement = _agreement(rng)
    print(f"\ncomposed keys equal to pinyin_keys on {agreement:.1%} of 500 sampled names")
    worst = max(r["p95_ms"] for r in rows if r["query"].startswith("initials"))
    print(f"initials p95, worst persona: {worst} ms (target ≤ 50 ms)")
    return {"benchmark": "people_search", "scale": "province", "persons": count,
            "institutions": INSTITUTIONS, "repeat": repeat, "load": phases, "rows": rows,
            "explain": plan, "explain_banner": banner_plan, "keys_agreement": agreement,
            "initials_p95_worst_ms": worst, "target_p95_ms": 50}  # fmt: skip
