"""A file of results imports like recording its rows one by one, at a fixed number of queries a
row; the campaign's hours are changed once, in order, before the import commits, so that two
imports into rounds of the same slice never wait on each other for good (PostgreSQL)."""

import csv
import io
import threading
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fangkong.core.scoping import SYSTEM
from fangkong.lab import selectors, services
from fangkong.lab.models import PROGRESS_SHARDS, LabCampaignHour, LabRound
from fangkong.people.imports import services as imports
from fangkong.people.imports.kinds import kind_get
from fangkong.people.imports.models import FileImport
from fangkong.people.models import Person
from fangkong.people.tests.conftest import moment

HOME, OTHER = "1529210001", "1529210002"  # the two homes of 阿拉善左旗
START = "2021-10-20T08:00:00+08:00"
HEADER = ["检测轮次", "姓名", "证件号码", "采样时间", "检测结果", "补录原因"]


@pytest.fixture(autouse=True)
def import_dir(settings, tmp_path):
    settings.FANGKONG_IMPORT_DIR = tmp_path / "imports"


@pytest.fixture
def results_kind(monkeypatch) -> Any:
    """The results kind, checked and written a few rows at a time (chunks end mid-round)."""
    kind = kind_get("results")
    monkeypatch.setattr(kind, "chunk_size", 2)
    return kind


def csv_file(rows: list[tuple[str, Person, str, str, str]]) -> bytes:
    """A file of (round, person, sampled at, result, reason) rows."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for name, person, at, result, reason in rows:
        writer.writerow([name, person.name, person.id_number, at, result, reason])
    return out.getvalue().encode("utf-8")


def checked(world: Any, code: str, content: bytes) -> FileImport:
    """A file uploaded by the banner's officer, checked and confirmed; the worker's write is
    left to the caller."""
    actor = world.users["zuoqi"]
    upload = SimpleUploadedFile("结果.csv", content)
    record = imports.import_upload(
        actor=actor, institution=world.institutions[code], kind="results", upload=upload
    )
    imports.import_check(record.pk)
    record.refresh_from_db()
    assert (record.status, record.errors) == ("checked", [])
    return imports.import_confirm(actor=actor, record=record)


def imported(world: Any, code: str, rows: list[tuple[str, Person, str, str, str]]) -> FileImport:
    record = checked(world, code, csv_file(rows))
    imports.import_write(record.pk)
    record.refresh_from_db()
    assert record.status == "done", record.errors
    return record


def open_round(name: str, **where: str) -> list[LabRound]:
    opened = services.round_create(actor=SYSTEM, name=name, started_at=moment(START),
                                   method="antigen", **where)  # fmt: skip
    return [o.round for o in opened]


OUTCOMES = {"阴性": "negative", "阳性": "positive", "待定": "pending", "无效": "invalid"}


def one_by_one(code: str, rows: list[tuple[str, Person, str, str, str]], names: dict[str, str]):
    """The same rows recorded each on its own, into the rounds named `names[round]`."""
    for name, person, at, result, reason in rows:
        services.result_record(
            actor=SYSTEM, lab_round=LabRound.objects.get(institution__code=code, name=names[name]),
            person=person, sampled_at=moment(at.replace(" ", "T") + ":00+08:00"),
            result=OUTCOMES[result], reason=reason,
        )  # fmt: skip


def chart(client: Any, region: str, name: str) -> list[tuple[str, int]]:
    body = client.get(f"/api/v1/regions/{region}/lab-progress?name={name}").json()
    return [(p["at"], p["tested"]) for p in body["points"]]


def counts(name: str) -> dict[str, tuple[int, int, int, int]]:
    rounds = LabRound.objects.filter(name=name).select_related("institution")
    return {r.institution.code: (r.n_expected, r.n_tested, r.n_done, r.n_positive) for r in rounds}


def test_an_imported_file_counts_as_its_rows_recorded_one_by_one(world, people, results_kind):
    """Two rounds of one name (one per home) and a second round in one home, imported over
    several chunks, with a result replaced by a later file, an added person and a pending
    result: the chart and the rounds' counts are those of the same rows recorded one by one."""
    home = [people.stay(f"甲{n}", HOME, "2021-10-01T09:00:00+08:00") for n in range(4)]
    other = [people.stay(f"乙{n}", OTHER, "2021-10-01T09:00:00+08:00") for n in range(3)]
    for name in ("第一轮", "对照轮"):
        open_round(name, region_code="152921")
    for name in ("第二轮", "对照二"):
        open_round(name, institution_code=HOME)
    late = people.stay("甲晚", HOME, "2021-10-20T09:00:00+08:00")
    first = [
        ("第一轮", home[0], "2021-10-20 08:10", "阴性", ""),
        ("第二轮", home[0], "2021-10-20 12:10", "阴性", ""),
        ("第一轮", home[1], "2021-10-20 08:50", "阳性", ""),
        ("第一轮", home[2], "2021-10-20 09:05", "待定", ""),
        ("第二轮", home[1], "2021-10-20 13:00", "阴性", ""),
        ("第一轮", late, "2021-10-20 09:30", "阴性", "晚到"),
        ("第一轮", home[3], "2021-10-20 10:00", "阴性", ""),
    ]
    replaced = [
        ("第一轮", home[2], "2021-10-20 11:15", "阴性", ""),  # was pending
        ("第一轮", home[0], "2021-10-20 12:40", "无效", ""),  # moves from 08:00 to 12:00
    ]
    elsewhere = [
        ("第一轮", p, f"2021-10-20 {9 + n:02d}:59", "阴性", "") for n, p in enumerate(other)
    ]
    assert imported(world, HOME, first).added == 7
    assert imported(world, HOME, replaced).added == 2
    assert imported(world, OTHER, elsewhere).added == 3
    mirror = {"第一轮": "对照轮", "第二轮": "对照二"}
    one_by_one(HOME, first + replaced, mirror)
    one_by_one(OTHER, elsewhere, mirror)

    assert counts("第一轮") == counts("对照轮") == {HOME: (4, 4, 4, 1), OTHER: (3, 3, 3, 0)}
    assert counts("第二轮") == counts("对照二") == {HOME: (4, 2, 2, 0)}
    admin, zuoqi = world.api("admin"), world.api("zuoqi")
    for imported_name, recorded_name in mirror.items():
        # The nation's chart, from the campaign's hours; the banner's, from the rounds' own.
        nation = chart(admin, "000000", imported_name)
        assert nation == chart(admin, "000000", recorded_name) and nation
        assert chart(zuoqi, "152921", imported_name) == chart(zuoqi, "152921", recorded_name)
        assert chart(zuoqi, "152921", imported_name) == nation
    assert [tested for _at, tested in chart(admin, "000000", "第一轮")] == [1, 2, 4, 6, 7]
    nation = world.regions["000000"]
    found = selectors.progress(user=SYSTEM, region=nation, name="第一轮")
    assert found.points == selectors.progress(user=SYSTEM, region=nation, name="对照轮").points


def test_the_write_needs_a_fixed_number_of_queries_a_row(
    world, people, results_kind, monkeypatch, django_assert_max_num_queries
):
    """Each row is read, written and audited; the round is recounted once a chunk and the
    campaign's hours once a file. Recorded one by one, a row took over 20 queries."""
    monkeypatch.setattr(results_kind, "chunk_size", 500)
    persons = [people.stay(f"丙{n}", HOME, "2021-10-01T09:00:00+08:00") for n in range(40)]
    open_round("第一轮", institution_code=HOME)
    open_round("第二轮", institution_code=HOME)

    def file(name: str, n: int) -> bytes:
        return csv_file([(name, p, f"2021-10-20 {8 + i % 4:02d}:{i:02d}", "阴性", "")
                         for i, p in enumerate(persons[:n])])  # fmt: skip

    ten, forty = checked(world, HOME, file("第一轮", 10)), checked(world, HOME, file("第二轮", 40))
    with CaptureQueriesContext(connection) as at_ten:
        imports.import_write(ten.pk)
    with django_assert_max_num_queries(len(at_ten) + 30 * PER_ROW):
        imports.import_write(forty.pk)
    assert LabRound.objects.get(name="第二轮").n_tested == 40


PER_ROW = 5  # the person, their earlier result, the result written, its audit row and a spare


def test_two_imports_into_one_slice_in_opposite_hour_orders_both_finish(
    transactional_db, world, people, results_kind, monkeypatch
):
    """On PostgreSQL, two imports write at once into two rounds whose campaign hours are the
    same rows, one from 09:00 to 11:00, the other back: neither is stopped as a deadlock, and
    both finish in bounded time."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer: two writes never run at once")
    monkeypatch.setattr(results_kind, "chunk_size", 1)
    monkeypatch.setattr(imports, "_enqueue", lambda step, pk: None)  # the test is the worker
    ones = [people.stay(f"丁{n}", HOME, "2021-10-01T09:00:00+08:00") for n in range(3)]
    twos = [people.stay(f"戊{n}", OTHER, "2021-10-01T09:00:00+08:00") for n in range(3)]
    (one,) = open_round("第一轮", institution_code=HOME)
    filler = 0
    while (one.pk + 1 + filler) % PROGRESS_SHARDS != one.pk % PROGRESS_SHARDS:  # the same slice
        filler += 1
        open_round(f"其他{filler}", institution_code=OTHER)
    (two,) = open_round("第一轮", institution_code=OTHER)
    assert one.pk % PROGRESS_SHARDS == two.pk % PROGRESS_SHARDS
    forward = [("第一轮", p, f"2021-10-20 {9 + n:02d}:10", "阴性", "") for n, p in enumerate(ones)]
    back = [("第一轮", p, f"2021-10-20 {11 - n}:20", "阴性", "") for n, p in enumerate(twos)]
    records = [checked(world, HOME, csv_file(forward)), checked(world, OTHER, csv_file(back))]

    # Both writes hold their first chunk before either goes on: the old way, each then held
    # one end of the hours the other went on to.
    met = threading.Barrier(2, timeout=30)
    write = results_kind.write

    def write_then_meet(rows: Any, context: Any) -> int:
        written: int = write(rows, context)
        if not context.state.get("met"):
            context.state["met"] = True
            met.wait()
        return written

    monkeypatch.setattr(results_kind, "write", write_then_meet)
    failures: list[BaseException] = []

    def worker(pk: int) -> None:
        from django.db import connections

        try:
            imports.import_write(pk)
        except BaseException as error:  # told to the test below
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(r.pk,)) for r in records]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    assert failures == []
    assert [FileImport.objects.get(pk=r.pk).status for r in records] == ["done", "done"]
    hours = LabCampaignHour.objects.filter(name="第一轮", shard=one.pk % PROGRESS_SHARDS)
    assert sorted((h.hour.hour, h.tested) for h in hours) == [(1, 2), (2, 2), (3, 2)]  # UTC


def test_the_dry_run_waits_for_no_campaign_hour(transactional_db, world, people, monkeypatch):
    """On PostgreSQL, a check tries each row and undoes it without touching the campaign's
    hours: it finishes while another write holds them (the grid, a file being imported)."""
    from django.db import DEFAULT_DB_ALIAS, connections

    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer: two writes never run at once")
    monkeypatch.setattr(imports, "_enqueue", lambda step, pk: None)  # the test is the worker
    first, second = (people.stay(f"己{n}", HOME, "2021-10-01T09:00:00+08:00") for n in range(2))
    (lab_round,) = open_round("第一轮", institution_code=HOME)
    at = moment("2021-10-20T09:10:00+08:00")
    services.result_record(
        actor=SYSTEM, lab_round=lab_round, person=first, sampled_at=at, result="negative"
    )
    other = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        other.set_autocommit(False)
        with other.cursor() as cursor:
            cursor.execute(f"SELECT id FROM {LabCampaignHour._meta.db_table} FOR UPDATE")  # noqa: S608
            assert cursor.fetchall()
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '3s'")  # rather than wait for the other's end
        record = checked(
            world, HOME, csv_file([("第一轮", second, "2021-10-20 09:30", "阴性", "")])
        )
    finally:
        other.rollback()
        other.close()
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = 0")
    assert (record.new_rows, record.known_rows) == (1, 0)
