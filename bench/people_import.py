"""Import of a 100,000-row .xlsx of residents (issue 11), on PostgreSQL.

The file is built here (xlsxwriter, constant memory): a title row, Chinese headers and their
English line, then `rows` residents with valid identity numbers, phones, admission days as
text. Measured, once each:

- `bare`: python-calamine opening the file and iterating every row, doing nothing with them;
- `parse`: the import's reader over the same file (header found, merges read, NFKC, empty rows
  skipped, each row into its columns) — target: ≥ 0.5 × bare's speed;
- `check`: the dry run (every row checked against the file and the database, nothing written);
- `write`: the write task (every row checked again, persons encrypted and hashed, stays,
  one transaction); `load` = write − parse, set against `copy`: PostgreSQL `COPY` of the very
  rows the import wrote (persons and stays, read back as COPY text; not the persons' places,
  which the import writes too) into tables like theirs, foreign keys included —
  target: load ≥ 0.3 × copy's speed. `copy_bare` is the same without the foreign keys (the
  reference of earlier runs). Both vary between runs by more than the distance to the target,
  so they are timed in `pairs` interleaved pairs (the import's tables emptied before each
  write, each reference taken right after its write) and the medians are set against each
  other (`load_vs_copy`); each pair's own ratio is listed too;
- peak memory of the write (peak RSS of this process above its size before) — target ≤ 10 ×
  the file's size; `bare_peak_mb` is python-calamine's own peak for reading the file, which
  loads the whole sheet: the floor under any reader built on it (each phase's peak counted
  from its own start: the peak is reset between phases);
- `stream`: the standard library's streaming reader (`bench/xlsx_stream.py`: zipfile and
  expat, row by row) iterating the same file, its speed against bare's and its peak; it is
  not the import's reader (too slow), kept here to show why;
- a second import of the same file: its dry run finds every row known and adds nothing.
"""

import contextlib
import datetime
import io
import random
import resource
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from stdnum.cn import ric

from bench.timing import table

SEED = 11
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘于蒋蔡余杜叶程"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红建国建华淑珍凤兰"


def build_file(path: Path, rows: int) -> None:
    rng = random.Random(SEED)  # noqa: S311 - names, not secrets
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
    sheet = book.add_worksheet()
    headers = ["姓名", "证件号码", "联系电话", "入住日期", "离院日期", "入住原因"]
    english = ["Name", "ID number", "Phone", "Admitted on", "Discharged on", "Admission reason"]
    sheet.merge_range(0, 0, 0, len(headers) - 1, "在院老人名单")
    sheet.write_row(1, 0, headers)
    sheet.write_row(2, 0, english)
    start = datetime.date(1925, 1, 1)
    for i in range(rows):
        born = start + datetime.timedelta(days=i // 900)
        body = f"152921{born:%Y%m%d}{i % 900 + 100:03d}"
        number = body + ric.calc_check_digit(body + "0")
        name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))
        admitted = datetime.date(2015, 1, 1) + datetime.timedelta(days=rng.randrange(2400))
        sheet.write_row(i + 3, 0, [name, number, f"138{i:08d}", admitted.isoformat(), "", "自理"])
    book.close()


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_peak() -> None:
    """Start the peak RSS (VmHWM) afresh, so that a phase's peak is its own, not an earlier
    phase's (Linux: clear_refs 5)."""
    with contextlib.suppress(OSError), open("/proc/self/clear_refs", "w") as handle:
        handle.write("5")


def _peak_mb() -> float:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return _rss_mb()


def _current_rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * resource.getpagesize() / 1024 / 1024


def _copy_reference(tables: list[str], *, foreign_keys: bool) -> float:
    """COPY the rows the import wrote into empty, ordinary (logged) tables like theirs: their
    columns, defaults, checks, exclusion constraints and indexes, committed as the import is;
    the seconds it took. `LIKE … INCLUDING ALL` leaves out foreign keys, whose checks run at
    the commit (the import's tables defer theirs): `foreign_keys` adds the tables' own."""
    dumps = {}
    with connection.cursor() as cursor:
        for name in tables:
            buffer = io.BytesIO()
            with cursor.copy(f"COPY {name} TO STDOUT") as copy:
                for data in copy:
                    buffer.write(data)
            dumps[name] = buffer.getvalue()
            cursor.execute(f"CREATE TABLE ref_{name} (LIKE {name} INCLUDING ALL)")
            if not foreign_keys:
                continue
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
                " WHERE conrelid = %s::regclass AND contype = 'f'", [name],
            )  # fmt: skip
            for constraint, definition in cursor.fetchall():
                cursor.execute(
                    f"ALTER TABLE ref_{name} ADD CONSTRAINT ref_{constraint} {definition}"
                )
    began = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:  # committed, as the import is
        for name in tables:
            with cursor.copy(f"COPY ref_{name} FROM STDIN") as copy:
                copy.write(dumps[name])
    elapsed = time.perf_counter() - began
    with connection.cursor() as cursor:
        for name in tables:
            cursor.execute(f"DROP TABLE ref_{name}")
    return elapsed


def _setup() -> tuple[Any, Any]:
    from fangkong.accounts.services import role_grant, user_ensure
    from fangkong.core.scoping import SYSTEM
    from fangkong.institutions.models import Kind
    from fangkong.institutions.services import institution_create
    from fangkong.regions.loading import NATION, Division, load_divisions
    from fangkong.regions.models import NATION_CODE, Level

    load_divisions([
        NATION, Division("150000", "内蒙古自治区", Level.PROVINCE, NATION_CODE),
        Division("152900", "阿拉善盟", Level.PREFECTURE, "150000"),
        Division("152921", "阿拉善左旗", Level.COUNTY, "152900"),
    ])  # fmt: skip
    institution = institution_create(
        actor=SYSTEM, code="1529210001", name="阿拉善左旗社会福利中心", region_code="152921",
        beds=100000, kind=Kind.PUBLIC,
    )  # fmt: skip
    user, _created = user_ensure(actor=SYSTEM, username="bench-operator", password=None)
    role_grant(actor=SYSTEM, user=user, role="operator", scope=institution)
    return institution, user


def _upload(user: Any, institution: Any, content: bytes) -> Any:
    from fangkong.people.imports.services import import_upload

    file = SimpleUploadedFile("在院老人.xlsx", content)
    return import_upload(actor=user, institution=institution, kind="residents", upload=file)


def _empty(tables: list[str]) -> None:
    """Empty the import's tables (and what points to them) for the next pair's write."""
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
        cursor.execute(f"VACUUM ANALYZE {', '.join(tables)}")


def run(rows: int = 100_000, pairs: int = 5) -> dict[str, Any]:
    from bench.xlsx_stream import open_sheet
    from fangkong.people.imports import services
    from fangkong.people.imports.kinds import kind_get
    from fangkong.people.imports.models import FileImport
    from fangkong.people.imports.reading import iterate_bare, open_table
    from fangkong.people.models import Person, PersonPlace, Stay

    if connection.vendor != "postgresql":
        raise SystemExit("people_import compares with PostgreSQL's COPY: set "
                         "FANGKONG_BENCH_DATABASE_URL to a bench_… database")  # fmt: skip
    institution, user = _setup()
    kind = kind_get("residents")
    assert kind is not None
    folder = Path(tempfile.mkdtemp(prefix="bench-import-"))
    path = folder / "residents.xlsx"
    began = time.perf_counter()
    build_file(path, rows)
    size_mb = path.stat().st_size / 1024 / 1024
    print(f"file: {rows} rows, {size_mb:.1f} MB, built in {time.perf_counter() - began:.1f} s")

    rss_before = _current_rss_mb()
    _reset_peak()
    began = time.perf_counter()
    with path.open("rb") as source:
        assert iterate_bare(source) == rows + 3
    bare = time.perf_counter() - began
    bare_peak = _peak_mb() - rss_before
    rss_before = _current_rss_mb()
    _reset_peak()
    began = time.perf_counter()
    with path.open("rb") as source:
        assert sum(1 for _row in open_sheet(source).rows) == rows + 3
    stream = time.perf_counter() - began
    stream_peak = _peak_mb() - rss_before
    began = time.perf_counter()
    with path.open("rb") as source:
        assert sum(1 for _row in open_table(source, path.name, kind.columns).rows) == rows
    parse = time.perf_counter() - began

    content = path.read_bytes()
    written = [Person._meta.db_table, PersonPlace._meta.db_table, Stay._meta.db_table]
    tables = [Person._meta.db_table, Stay._meta.db_table]  # the rows of the file
    check = 0.0
    writes, copies, copies_bare, peak = [], [], [], 0.0
    for pair in range(pairs):
        if pair:
            _empty(written)
        record = _upload(user, institution, content)
        began = time.perf_counter()
        services.import_check(record.pk)
        check = check or time.perf_counter() - began
        record.refresh_from_db()
        assert (record.status, record.new_rows) == ("checked", rows), record.errors[:3]
        services.import_confirm(actor=user, record=record)
        rss_before = _current_rss_mb()
        _reset_peak()
        began = time.perf_counter()
        services.import_write(record.pk)
        writes.append(time.perf_counter() - began)
        peak = max(peak, _peak_mb() - rss_before)
        record.refresh_from_db()
        assert (record.status, record.added) == ("done", rows)
        assert (Person.objects.count(), Stay.objects.count()) == (rows, rows)
        copies.append(_copy_reference(tables, foreign_keys=True))
        copies_bare.append(_copy_reference(tables, foreign_keys=False))
        ratio = copies[-1] / (writes[-1] - parse)
        print(f"pair {pair + 1}: write {writes[-1]:.2f} s, COPY {copies[-1]:.2f} s "
              f"(no foreign keys {copies_bare[-1]:.2f} s): {ratio:.3f}x")  # fmt: skip

    again = _upload(user, institution, content)
    services.import_check(again.pk)
    again.refresh_from_db()
    assert (again.new_rows, again.known_rows) == (0, rows)
    services.import_confirm(actor=user, record=again)
    services.import_write(again.pk)
    again.refresh_from_db()
    assert again.added == 0 and Person.objects.count() == rows == Stay.objects.count()
    FileImport.objects.all().delete()
    shutil.rmtree(folder)

    write, copy, copy_bare = (statistics.median(x) for x in (writes, copies, copies_bare))
    load = write - parse
    result = {
        "rows": rows, "file_mb": round(size_mb, 2), "bare_s": round(bare, 3),
        "parse_s": round(parse, 3), "parse_vs_bare": round(bare / parse, 2),
        "check_s": round(check, 2), "write_s": round(write, 2), "load_s": round(load, 2),
        "copy_s": round(copy, 3), "load_vs_copy": round(copy / load, 3),
        "copy_bare_s": round(copy_bare, 3), "load_vs_copy_bare": round(copy_bare / load, 3),
        "pairs": pairs,
        "pair_ratios": [round(c / (w - parse), 3) for w, c in zip(writes, copies, strict=True)],
        "peak_rss_mb": round(peak, 1), "peak_vs_file": round(peak / size_mb, 1),
        "bare_peak_mb": round(bare_peak, 1), "stream_s": round(stream, 3),
        "stream_vs_bare": round(bare / stream, 2), "stream_peak_mb": round(stream_peak, 1),
        "second_import_added": again.added, "scale": f"{rows // 1000}k",
    }  # fmt: skip
    print(table([result], list(result)))
    return result
