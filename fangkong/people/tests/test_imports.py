"""Imports of residents, staff, visits and results from .xlsx and CSV files built here."""

import datetime
import io
from typing import Any

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile

from fangkong.audit.models import AuditEvent
from fangkong.core.scoping import SYSTEM
from fangkong.people.imports.models import FileImport, ImportStatus
from fangkong.people.models import Person, Stay, Visit
from fangkong.people.tests.conftest import ZHANG, moment, ric_number

CODE = "1529210001"
HEADER = ["姓名", "证件号码", "联系电话", "入住日期", "离院日期"]
A = ric_number(sequence="101")
B = ric_number("152923", "19380203", "211")
C = ric_number("152921", "19450505", "302")


def xlsx(rows: list[list[Any]], *, merge_title: bool = False, formats: bool = False) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    sheet = book.add_worksheet()
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    start = 0
    if merge_title:
        sheet.merge_range(0, 0, 0, len(rows[0]) - 1, "阿拉善左旗社会福利中心在院老人名单")
        start = 1
    for r, row in enumerate(rows, start=start):
        for c, value in enumerate(row):
            if isinstance(value, datetime.date):
                sheet.write_datetime(r, c, datetime.datetime.combine(value, datetime.time()), date)
            elif value is not None:
                sheet.write(r, c, value)
    if formats:  # the formatted, empty rows offices leave under their data
        for r in range(len(rows) + start, len(rows) + start + 200):
            sheet.write_blank(r, 0, None, date)
    book.close()
    return buffer.getvalue()


def upload(world, content: bytes, *, kind: str = "residents", name: str = "名单.xlsx",
           persona: str = "operator", capture: Any = None) -> Any:  # fmt: skip
    client = world.client(persona)
    file = SimpleUploadedFile(name, content)
    return client.post(f"/people/institutions/{CODE}/imports/", {"kind": kind, "file": file})


@pytest.fixture(autouse=True)
def import_dir(settings, tmp_path):
    settings.FANGKONG_IMPORT_DIR = tmp_path / "imports"


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Upload a file as a persona and let the worker check it (and write it, if `write`)."""

    def run_(world, content: bytes, *, kind: str = "residents", name: str = "名单.xlsx",
             persona: str = "operator", write: bool = True) -> FileImport:  # fmt: skip
        with django_capture_on_commit_callbacks(execute=True):
            response = upload(world, content, kind=kind, name=name, persona=persona)
        assert response.status_code == 302, response.content.decode()
        record = FileImport.objects.latest("pk")
        if write and record.status == ImportStatus.CHECKED:
            with django_capture_on_commit_callbacks(execute=True):
                confirmed = world.client(persona).post(f"/people/imports/{record.pk}/import/")
            assert confirmed.status_code == 302
        record.refresh_from_db()
        return record

    return run_


GOOD = [HEADER, ["张三", A, "13800001111", "2021-10-01", ""], ["李四", B, "", "2021/09/15", ""]]


def test_a_file_of_residents_is_checked_then_imported(world, run):
    record = run(world, xlsx(GOOD), write=False)
    assert (record.status, record.new_rows, record.errors) == ("checked", 2, [])
    assert Person.objects.count() == 0  # the dry run writes nothing
    page = world.client("operator").get(f"/people/imports/{record.pk}/").content.decode()
    assert "导入 2 行" in page and "152921********" + A[-4:] in page and A not in page
    with_confirm = run(world, xlsx(GOOD))
    assert (with_confirm.status, with_confirm.added) == ("done", 2)
    stays = Stay.objects.filter(institution__code=CODE).select_related("person")
    assert {s.person.name for s in stays} == {"张三", "李四"}
    assert stays.get(person__name="李四").start == moment("2021-09-15T00:00:00+08:00")
    assert AuditEvent.objects.filter(action="import.write").count() == 1


def test_importing_the_same_file_again_adds_nothing(world, run):
    first = run(world, xlsx(GOOD))
    second = run(world, xlsx(GOOD), write=False)
    assert (first.added, second.status, second.new_rows, second.known_rows) == (2, "checked", 0, 2)
    assert (Person.objects.count(), Stay.objects.count()) == (2, 2)
    page = world.client("operator").get(f"/people/imports/{second.pk}/").content.decode()
    assert "每一行都已登记" in page or "every row is recorded" in page


def test_a_missing_column_is_named(world, run):
    record = run(world, xlsx([["姓名", "联系电话", "入住日期"], ["张三", "", "2021-10-01"]]))
    assert record.status == "refused"
    assert record.errors[0]["code"] == "missing_column"
    assert "证件号码" in record.errors[0]["zh"] and "ID number" in record.errors[0]["en"]


def test_a_file_that_is_no_spreadsheet_is_refused(world, run):
    record = run(world, b"%PDF-1.4\n\x00\x01\x02binary", name="名单.xlsx")
    assert (record.status, record.errors[0]["code"]) == ("refused", "not_a_spreadsheet")
    docx = run(world, b"PK\x03\x04" + b"\x00" * 200, name="名单.xlsx")
    assert docx.errors[0]["code"] == "not_a_spreadsheet"


def test_a_file_of_50_mb_is_refused_at_once(world, settings):
    settings.FANGKONG_IMPORT_MAX_BYTES = 50 * 1024 * 1024 - 1
    big = SimpleUploadedFile("大.xlsx", b"PK\x03\x04" + b"\x00" * (50 * 1024 * 1024 - 4))
    response = world.client("operator").post(
        f"/people/institutions/{CODE}/imports/", {"kind": "residents", "file": big}
    )
    assert response.status_code == 400
    assert "50 MB" in response.content.decode()
    assert FileImport.objects.count() == 0


def test_the_uploaded_file_is_removed_once_imported(world, run, settings):
    record = run(world, xlsx(GOOD))
    assert record.stored_as == "" and not any(settings.FANGKONG_IMPORT_DIR.iterdir())


def test_an_unexpected_failure_stops_the_import_and_writes_nothing(world, run, monkeypatch):
    from fangkong.people.imports import people_kinds

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk gone")

    monkeypatch.setattr(people_kinds.StayKind, "write", broken)
    record = run(world, xlsx(GOOD))  # the worker records the task as failed
    assert (record.status, record.errors[0]["code"]) == ("refused", "failed")
    assert "unexpected" in record.errors[0]["en"] and Person.objects.count() == 0


def test_every_error_is_listed_by_row_and_column_and_nothing_is_written(world, run):
    wrong = A[:-1] + ("0" if A[-1] != "0" else "1")
    rows = [HEADER, ["张三", A, "", "2021-10-01", ""],  # good, but the file has errors
            ["王五", wrong, "", "2021-10-01", ""],  # wrong check digit
            ["赵六", C, "", "2021-10-01", "2021-09-01"],  # ends before it starts
            ["钱七", B, "", "2021年13月01日", ""]]  # fmt: skip
    record = run(world, xlsx(rows))
    assert record.status == "refused"
    found = {(e["row"], e["column"], e["code"]) for e in record.errors}
    assert found == {(3, "id_number", "invalid_checksum"), (4, "end", "end_first"),
                     (5, "start", "invalid_date")}  # fmt: skip
    checksum = next(e for e in record.errors if e["row"] == 3)
    assert checksum["zh"] == "身份证号码的校验码不正确。" or "校验" in checksum["zh"]
    assert "check digit" in checksum["en"]
    assert (Person.objects.count(), Stay.objects.count()) == (0, 0)
    page = world.client("operator").get(f"/people/imports/{record.pk}/").content.decode()
    assert "check digit" in page and "证件号码" in page and wrong not in page


def test_overlapping_stays_in_the_file_are_refused(world, run):
    rows = [HEADER, ["张三", A, "", "2021-10-01", ""], ["张三", A, "", "2021-11-01", ""]]
    record = run(world, xlsx(rows))
    assert [(e["row"], e["code"]) for e in record.errors] == [(3, "overlap")]
    assert "2" in record.errors[0]["en"]
    assert Stay.objects.count() == 0


def test_a_file_read_a_row_at_a_time_ahead_of_its_checks_keeps_each_rows_place(
    world, run, monkeypatch
):
    """Each chunk is read in a thread ahead of its check and write: a person on rows of
    several chunks is one person, each row's problem keeps its own row, nothing is written
    from a file with one problem, and a clean file is written whole."""
    from fangkong.people.imports.kinds import kind_get

    monkeypatch.setattr(type(kind_get("residents")), "chunk_size", 1)
    rows = [HEADER, ["张三", A, "", "2021-01-01", "2021-06-01"], ["李四", B, "", "2021-03-01", ""],
            ["张三", A, "", "2021-05-01", ""], ["王五", C + "0", "", "2021-03-01", ""]]  # fmt: skip
    refused = run(world, xlsx(rows))
    found = [(e["row"], e["column"], e["code"]) for e in refused.errors]
    assert found == [(4, "start", "overlap"), (5, "id_number", "invalid_length")]
    assert (Person.objects.count(), Stay.objects.count()) == (0, 0)
    rows[3][3], rows[4][1] = "2021-07-01", C
    record = run(world, xlsx(rows))
    assert (record.status, record.added) == ("done", 4)
    assert Person.objects.count() == 3
    assert list(Stay.objects.filter(person__name="张三").values_list("start", flat=True)
                .order_by("start")) == [moment("2021-01-01T00:00:00+08:00"),
                                        moment("2021-07-01T00:00:00+08:00")]  # fmt: skip


def test_reading_ahead_keeps_the_callers_time_zone_and_language_and_raises_where_it_fails():
    """The thread that reads ahead reads days in the time zone the import runs in and words
    in its language; a file refused halfway is refused where its chunk is taken, after the
    chunks before it."""
    from django.utils import timezone, translation

    from fangkong.people.imports.kinds import ImportKind
    from fangkong.people.imports.reading import FileRefused, Row
    from fangkong.people.imports.services import _read_ahead

    class Reader(ImportKind):
        chunk_size = 2

        def read(self, rows: list[Row]) -> Any:
            if rows[0].number > 4:
                raise FileRefused("unreadable", "the file breaks at row %(row)s", row=5)
            return (timezone.get_current_timezone_name(), translation.get_language())

    lines = iter([Row(n, {}) for n in range(1, 8)])
    taken = []
    with (
        timezone.override("Asia/Urumqi"),
        translation.override("en"),
        pytest.raises(FileRefused) as refused,
        _read_ahead(lines, Reader()) as chunks,
    ):
        for rows, read in chunks:
            taken.append(([r.number for r in rows], read))
    assert taken == [([1, 2], ("Asia/Urumqi", "en")), ([3, 4], ("Asia/Urumqi", "en"))]
    assert refused.value.code == "unreadable"


def test_a_stay_overlapping_one_recorded_is_refused(world, run, zhang):
    record = run(world, xlsx([HEADER, ["张三", ZHANG, "", "2021-11-01", ""]]))
    assert [(e["row"], e["code"]) for e in record.errors] == [(2, "overlap")]
    assert Stay.objects.count() == 1


def test_a_visit_to_a_closed_institution_without_exception_is_refused(world, run):
    from fangkong.closures.services import Basis, closure_create

    closure_create(actor=SYSTEM, institution_code=CODE, start_date=datetime.date(2021, 10, 17),
                   level="full", basis=Basis(title="阿盟民发〔2021〕1号"))  # fmt: skip
    header = ["姓名", "证件号码", "进入时间", "离开时间", "体温", "例外原因"]
    rows = [header, ["王五", C, "2021-10-18 10:00", "2021-10-18 10:30", "36.5", ""],
            ["马六", B, "2021-10-10 10:00", "", "36.6", ""]]  # fmt: skip
    record = run(world, xlsx(rows), kind="visits")
    assert [(e["row"], e["column"], e["code"]) for e in record.errors] == [
        (2, "exception_reason", "entry_refused")
    ]
    assert Visit.objects.count() == 0
    rows[1][5] = "送医疗物资"
    allowed = run(world, xlsx(rows), kind="visits", persona="zuoqi")
    assert (allowed.status, allowed.added) == ("done", 2)
    assert Visit.objects.get(visitor__name="王五").exception_reason == "送医疗物资"


VISIT_HEADER = ["姓名", "证件号码", "进入时间", "离开时间", "体温", "被探视人证件号码"]


def test_an_imported_visit_names_a_resident_present_at_its_check_in(world, run, zhang):
    rows = [VISIT_HEADER, ["王五", C, "2021-10-10 10:00", "2021-10-10 10:30", "36.5", ZHANG]]
    record = run(world, xlsx(rows), kind="visits")
    assert (record.status, record.added) == ("done", 1), record.errors
    assert Visit.objects.get().visited == zhang


def test_an_imported_visit_naming_no_resident_present_or_the_visitor_is_refused(
    world, run, zhang, li
):
    from fangkong.people.tests.conftest import LI

    other = ric_number("152921", "19660606", "041")
    rows = [VISIT_HEADER,
            ["王五", C, "2021-10-10 10:00", "", "36.5", B],  # nobody recorded
            ["赵六", other, "2021-10-10 11:00", "", "36.5", LI],  # a resident elsewhere
            ["马七", A, "2021-09-20 10:00", "", "36.5", ZHANG],  # not yet admitted
            ["张三", ZHANG, "2021-10-10 12:00", "", "36.5", ZHANG],  # the visitor herself
            ["王五", C, "2021-10-11 10:00", "", "36.5", ZHANG]]  # fmt: skip
    before = Person.objects.count()
    record = run(world, xlsx(rows), kind="visits")
    assert record.status == "refused"
    found = {(e["row"], e["column"], e["code"]) for e in record.errors}
    assert found == {(2, "visited", "not_resident"), (3, "visited", "not_resident"),
                     (4, "visited", "not_resident"), (5, "visited", "self_visit")}  # fmt: skip
    absent = next(e for e in record.errors if e["row"] == 4)
    assert "被探视人证件号码" in absent["column_zh"] and "check-in" in absent["en"]
    assert "themselves" in next(e for e in record.errors if e["row"] == 5)["en"]
    assert (Visit.objects.count(), Person.objects.count()) == (0, before)


def test_messy_office_files_are_read(world, run):
    full_width = "".join(chr(ord(ch) + 0xFEE0) if ch.isdigit() else ch for ch in A)
    rows = [["姓名（必填）", "证件号码*", "联系电话", "入住日期", "离院日期"],
            ["Name", "ID number", "Phone", "Admitted on", "Discharged on"],
            ["张三", full_width, "１３８０００01111", 44470, ""],  # an Excel serial: 2021-10-01
            ["李四", B, "", datetime.date(2021, 9, 15), ""],
            ["", "", "", "", ""],
            ["王五", C, "", "2021年10月17日", "2021.10.20"]]  # fmt: skip
    record = run(world, xlsx(rows, merge_title=True, formats=True))
    assert (record.status, record.added, record.errors) == ("done", 3, [])
    zhang = Person.objects.get(name="张三")
    assert (zhang.id_number, zhang.phone) == (A, "13800001111")
    starts = {s.person.name: s.start for s in Stay.objects.select_related("person")}
    assert starts["张三"] == moment("2021-10-01T00:00:00+08:00")
    assert starts["王五"] == moment("2021-10-17T00:00:00+08:00")


def test_a_merged_group_header_over_two_rows(world, run):
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet()
    sheet.merge_range(0, 0, 1, 0, "姓名")
    sheet.merge_range(0, 1, 0, 2, "身份信息")
    sheet.write_row(1, 1, ["证件号码", "联系电话"])
    sheet.merge_range(0, 3, 1, 3, "入住日期")
    sheet.write_row(2, 0, ["张三", A, "", "2021-10-01"])
    book.close()
    record = run(world, buffer.getvalue())
    assert (record.status, record.added) == ("done", 1)


def test_an_identity_number_kept_as_a_number_is_refused(world, run):
    record = run(world, xlsx([HEADER, ["张三", float(A[:17] + "0"), "", "2021-10-01", ""]]))
    assert record.errors[0]["code"] == "number_as_number"


def test_csv_in_gbk_and_utf8(world, run):
    text = f"姓名,证件号码,入住日期\n张三,{A},2021-10-01\n李四,{B},2021/9/15\n\n"
    gbk = run(world, text.encode("gb18030"), name="名单.csv")
    assert (gbk.status, gbk.added) == ("done", 2)
    staff = f"姓名,证件号码,岗位,是否住院内,入职日期\n王五,{C},护理员,是,2021-09-01\n"
    record = run(world, ("\ufeff" + staff).encode(), kind="staff", name="staff.csv")
    assert (record.status, record.added) == ("done", 1)
    stay = Stay.objects.get(person__name="王五")
    assert (stay.role, stay.job, stay.on_site) == ("staff", "护理员", True)


def test_imported_staff_are_employed_and_counted_in_the_census(world, run):
    import datetime

    from fangkong.people.models import Employment
    from fangkong.people.staff_selectors import census_of

    staff = f"姓名,证件号码,岗位,是否住院内,入职日期\n王五,{C},护理员,是,2021-09-01\n"
    record = run(world, ("\ufeff" + staff).encode(), kind="staff", name="staff.csv")
    assert (record.status, record.added) == ("done", 1)
    employment = Employment.objects.get(person__name="王五")
    assert (employment.role, employment.on_site, employment.stay.role) == ("护理员", True, "staff")
    census = census_of(employment.institution, datetime.date(2021, 10, 17))
    assert census is not None and census.staff_on_site == 1


def test_the_template_has_chinese_headers_and_english_under_them(world):
    from python_calamine import CalamineWorkbook

    response = world.client("operator").get("/people/imports/templates/residents.xlsx")
    assert response.status_code == 200
    rows = list(CalamineWorkbook.from_filelike(io.BytesIO(response.content))
                .get_sheet_by_index(0).iter_rows())  # fmt: skip
    assert rows[0][:3] == ["姓名*", "证件类型", "证件号码*"]
    assert rows[1][:3] == ["Name", "Document type", "ID number"]


def test_the_template_imports_as_it_is(world, run):
    from fangkong.people.imports.blank import template_xlsx
    from fangkong.people.imports.kinds import kind_get

    kind = kind_get("residents")
    assert kind is not None
    record = run(world, template_xlsx(kind))
    assert (record.status, record.added) == ("done", 1)


def test_the_progress_endpoint_follows_the_import(world, run):
    record = run(world, xlsx(GOOD))
    body = world.client("operator").get(f"/api/v1/imports/{record.pk}").json()
    assert (body["status"], body["percent"], body["rows_done"], body["added"]) == (
        "done", 100, body["rows_total"], 2)  # fmt: skip


def test_a_liaison_may_not_import(world, run):
    from fangkong.accounts.models import Role
    from fangkong.conftest import make_user

    world.users["liaison"] = make_user("liaison", Role.LIAISON, world.regions["152921"])
    response = upload(world, xlsx(GOOD), persona="liaison")
    assert response.status_code in (403, 404)
    assert FileImport.objects.count() == 0


def test_test_results_are_imported_through_lab(world, run):
    from fangkong.lab.models import LabResult
    from fangkong.lab.services import round_create

    run(world, xlsx(GOOD))
    round_create(actor=SYSTEM, institution_code=CODE, name="第一轮",
                 started_at=moment("2021-10-19T08:00:00+08:00"), method="nucleic_acid")  # fmt: skip
    header = ["检测轮次", "证件号码", "采样时间", "检测结果"]
    rows = [
        header,
        ["第一轮", A, "2021-10-19 09:00", "阴性"],
        ["第一轮", B, "2021-10-19 09:05", "阳性"],
    ]
    record = run(world, xlsx(rows), kind="results")
    assert (record.status, record.added) == ("done", 2), record.errors
    assert dict(LabResult.objects.values_list("person__name", "result")) == {
        "张三": "negative", "李四": "positive"}  # fmt: skip
    again = run(world, xlsx(rows), kind="results")
    assert (again.new_rows, again.known_rows) == (0, 2)
    early = [header, ["第一轮", A, "2021-10-18 09:00", "阴性"], ["第二轮", B, "2021-10-19", "阴性"]]
    refused = run(world, xlsx(early), kind="results")
    assert [(e["row"], e["column"], e["code"]) for e in refused.errors] == [
        (2, "sampled_at", "before_round"), (3, "round", "unknown_round")]  # fmt: skip


def test_progress_is_seen_by_others_while_the_write_is_open(transactional_db, world):
    """On PostgreSQL the bar moves during the write's one transaction (a second connection)."""
    from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction

    from fangkong.people.imports.services import Progress

    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer: its bar moves at the end of the write")
    record = FileImport.objects.create(
        institution=world.institutions[CODE], kind="residents", file_name="名单.xlsx", size=1,
        sha256="0" * 64, rows_total=100, status="writing",
    )  # fmt: skip
    reader = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with transaction.atomic():
            progress = Progress(record, aside=True)
            progress.save(40, force=True)
            with reader.cursor() as cursor:
                cursor.execute("SELECT rows_done FROM people_fileimport WHERE id = %s", [record.pk])
                assert cursor.fetchone() == (40,)
            progress.close()
    finally:
        reader.close()


def test_a_file_is_read_from_any_binary_file_object(world):
    """The reader takes an open file (a decrypting one, later), not a path on disk."""
    from fangkong.people.imports.kinds import kind_get
    from fangkong.people.imports.reading import open_table

    kind = kind_get("residents")
    assert kind is not None
    sheet = open_table(io.BytesIO(xlsx(GOOD, merge_title=True)), "名单.xlsx", kind.columns)
    assert [(row.number, row.text("name")) for row in sheet.rows] == [(3, "张三"), (4, "李四")]
    text = f"姓名,证件号码,入住日期\n张三,{A},2021-10-01\n".encode("gb18030")
    table = open_table(io.BytesIO(text), "名单.csv", kind.columns)
    assert [(row.number, row.text("id_number")) for row in table.rows] == [(2, A)]
    assert table.total == 2  # the line under the data counts, as an upper bound


# Encrypted at rest -------------------------------------------------------------------------

CSV = f"姓名,证件号码,入住日期\n张三,{A},2021-10-01\n李四,{B},2021-09-15\n".encode()


def test_the_stored_upload_holds_no_identity_number_in_clear(world, run, settings):
    record = run(world, CSV, name="名单.csv", write=False)
    assert record.status == "checked", record.errors
    raw = (settings.FANGKONG_IMPORT_DIR / record.stored_as).read_bytes()
    assert A.encode() not in raw and B.encode() not in raw and "张三".encode() not in raw
    from fangkong.people.imports import storage

    with storage.opened(record.stored_as) as handle:
        assert handle.read() == CSV


@pytest.fixture
def confirm(django_capture_on_commit_callbacks):
    """Confirm an import on its page as a persona and let the worker write it."""

    def confirm_(world, record: FileImport, persona: str = "operator") -> FileImport:
        with django_capture_on_commit_callbacks(execute=True):
            world.client(persona).post(f"/people/imports/{record.pk}/import/")
        record.refresh_from_db()
        return record

    return confirm_


def test_a_stored_upload_changed_on_disk_is_refused_and_nothing_written(world, run, settings,
                                                                       confirm):  # fmt: skip
    record = run(world, CSV, name="名单.csv", write=False)
    path = settings.FANGKONG_IMPORT_DIR / record.stored_as
    raw = bytearray(path.read_bytes())
    raw[-20] ^= 0x01
    path.write_bytes(bytes(raw))
    record = confirm(world, record)
    assert (record.status, record.errors[0]["code"]) == ("refused", "unreadable")
    assert "changed" in record.errors[0]["en"] and Person.objects.count() == 0


def test_key_rotation_moves_stored_uploads_under_the_current_key(world, run, settings, confirm):
    import base64
    from io import StringIO

    from django.core.management import call_command

    from fangkong.core.sealed_file import key_of

    current = settings.FANGKONG_ENCRYPTION_KEYS
    older = "older:" + base64.b64encode(b"o" * 32).decode()
    settings.FANGKONG_ENCRYPTION_KEYS = f"{older},{current}"
    record = run(world, CSV, name="名单.csv", write=False)
    path = settings.FANGKONG_IMPORT_DIR / record.stored_as
    assert key_of(path)[1] == "older"
    settings.FANGKONG_ENCRYPTION_KEYS = f"{current},{older}"  # a new key in front
    out = StringIO()
    call_command("keys", "rotate", stdout=out)
    assert "people.imports: 1 of 1 files moved" in out.getvalue()
    assert key_of(path)[1] == current.split(":")[0]
    settings.FANGKONG_ENCRYPTION_KEYS = current  # the older key retired
    record = confirm(world, record)
    assert (record.status, record.added) == ("done", 2), record.errors


def _older_key_first(settings) -> tuple[str, str]:
    """Keys with an older one in front (files sealed now are under it); return both lists'
    entries (current, older)."""
    import base64

    current = settings.FANGKONG_ENCRYPTION_KEYS
    older = "older:" + base64.b64encode(b"o" * 32).decode()
    settings.FANGKONG_ENCRYPTION_KEYS = f"{older},{current}"
    return current, older


def test_key_rotation_skips_files_in_clear_or_kept_by_no_import_and_goes_on(
    world, run, settings, confirm
):
    from io import StringIO

    from django.core.management import call_command

    from fangkong.core.sealed_file import key_of
    from fangkong.people.imports import storage

    current, older = _older_key_first(settings)
    kept = run(world, CSV, name="名单.csv", write=False)
    # An import whose file was stored before uploads were sealed: in clear.
    in_clear = run(world, xlsx(GOOD), write=False)
    (settings.FANGKONG_IMPORT_DIR / in_clear.stored_as).write_bytes(CSV)
    # A file no import keeps: an upload still being received, or one left behind.
    received, _size, _sha = storage.store(SimpleUploadedFile("名单.csv", CSV))
    settings.FANGKONG_ENCRYPTION_KEYS = f"{current},{older}"  # a new key in front
    out = StringIO()
    call_command("keys", "rotate", stdout=out)
    said = out.getvalue()
    assert ("people.imports: 1 of 3 files moved; skipped: 1 kept by no import, "
            "1 not sealed or unreadable") in said  # fmt: skip
    assert "people.Person: 0 lookup hashes recomputed" in said  # the run went on to the end
    assert key_of(settings.FANGKONG_IMPORT_DIR / kept.stored_as)[1] == current.split(":")[0]
    assert key_of(settings.FANGKONG_IMPORT_DIR / received)[1] == "older"  # left untouched
    assert (settings.FANGKONG_IMPORT_DIR / in_clear.stored_as).read_bytes() == CSV
    assert not list(settings.FANGKONG_IMPORT_DIR.glob("*.rotating"))
    settings.FANGKONG_ENCRYPTION_KEYS = current
    assert confirm(world, kept).status == "done"


def test_key_rotation_does_not_bring_back_a_file_its_import_let_go(world, run, settings):
    """An expiry (or the end of a write) lets the file go before it is removed: a rotation
    in between leaves it as it is, and it is removed as it would have been."""
    from io import StringIO

    from django.core.management import call_command

    from fangkong.core.sealed_file import key_of

    current, older = _older_key_first(settings)
    record = run(world, CSV, name="名单.csv", write=False)
    path = settings.FANGKONG_IMPORT_DIR / record.stored_as
    FileImport.objects.filter(pk=record.pk).update(status=ImportStatus.EXPIRED, stored_as="")
    settings.FANGKONG_ENCRYPTION_KEYS = f"{current},{older}"
    out = StringIO()
    call_command("keys", "rotate", stdout=out)
    assert "0 of 1 files moved; skipped: 1 kept by no import" in out.getvalue()
    assert key_of(path)[1] == "older"


# Imports stuck unfinished, and files no import keeps -------------------------------------------


def _aged(record: FileImport, **hours: float) -> None:
    from django.utils import timezone

    FileImport.objects.filter(pk=record.pk).update(
        **{field: timezone.now() - datetime.timedelta(hours=h) for field, h in hours.items()}
    )


def test_imports_stuck_unfinished_are_ended_after_their_hours(
    world, run, settings, django_capture_on_commit_callbacks
):
    from io import StringIO

    from django.core.management import call_command

    settings.FANGKONG_IMPORT_KEEP_HOURS = 24
    with django_capture_on_commit_callbacks(execute=False):  # the worker never comes
        assert upload(world, CSV, name="名单.csv").status_code == 302
    queued = FileImport.objects.latest("pk")
    writing = run(world, xlsx(GOOD), write=False)
    with django_capture_on_commit_callbacks(execute=False):
        world.client("operator").post(f"/people/imports/{writing.pk}/import/")
    checking = run(world, CSV, name="名单.csv", write=False)
    FileImport.objects.filter(pk=checking.pk).update(status=ImportStatus.CHECKING)
    young = run(world, CSV, name="名单.csv", write=False)
    FileImport.objects.filter(pk=young.pk).update(status=ImportStatus.CHECKING)
    _aged(queued, created_at=25)
    _aged(checking, created_at=24.1)
    _aged(writing, created_at=30, checked_at=30, confirmed_at=24.1)
    _aged(young, created_at=23.9)
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("imports", "expire", stdout=out)
    assert "imports expired: 3" in out.getvalue()
    for record in (queued, checking, writing):
        record.refresh_from_db()
        assert (record.status, record.stored_as) == ("refused", "")
        assert record.errors[0]["code"] == "stalled" and "24" in record.errors[0]["en"]
    young.refresh_from_db()
    assert young.status == "checking"
    assert sorted(p.name for p in settings.FANGKONG_IMPORT_DIR.iterdir()) == [young.stored_as]
    events = AuditEvent.objects.filter(action="import.stall")
    assert sorted(e.before["status"] for e in events) == ["checking", "queued", "writing"]
    page = world.client("operator").get(f"/people/imports/{writing.pk}/").content.decode()
    assert "未在 24 小时内完成" in page and 'id="confirm"' not in page
    api = world.api("operator").get(f"/api/v1/imports/{queued.pk}").json()
    assert (api["status"], api["errors"][0]["code"]) == ("refused", "stalled")
    assert Person.objects.count() == 0


def test_a_write_ended_as_stuck_meanwhile_keeps_nothing(world, run, confirm):
    """The expiry ends a write that seemed stuck while the worker was in fact still at it:
    the write, at its end, finds its import ended and keeps nothing."""
    from django.db import connection

    record = run(world, CSV, name="名单.csv", write=False)
    ended: list[bool] = []

    def end_once(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if not ended and Person._meta.db_table in sql:  # the write is reading its rows
            ended.append(True)
            FileImport.objects.filter(pk=record.pk).update(status=ImportStatus.REFUSED)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(end_once):
        record = confirm(world, record)
    assert ended and record.status != "done"
    assert Person.objects.count() == 0 and not Stay.objects.exists()


def test_files_no_import_keeps_are_removed_once_an_hour_old(
    world, run, settings, django_capture_on_commit_callbacks
):
    import os
    import time
    from io import StringIO

    from django.core.management import call_command

    from fangkong.people.imports import storage

    folder = settings.FANGKONG_IMPORT_DIR
    kept = run(world, CSV, name="名单.csv", write=False)
    left, _size, _sha = storage.store(SimpleUploadedFile("名单.csv", CSV))
    receiving, _size, _sha = storage.store(SimpleUploadedFile("名单.csv", CSV))
    in_clear = "0" * 32
    (folder / in_clear).write_bytes(CSV)  # from before uploads were sealed
    (folder / f"{kept.stored_as}.0123456789abcdef.rotating").write_bytes(b"FKSEALED")
    hour_ago = time.time() - 3601
    for name in (kept.stored_as, left, in_clear, f"{kept.stored_as}.0123456789abcdef.rotating"):
        os.utime(folder / name, (hour_ago, hour_ago))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("imports", "expire", stdout=StringIO())
    assert sorted(p.name for p in folder.iterdir()) == sorted([kept.stored_as, receiving])
    kept.refresh_from_db()
    assert kept.status == "checked"


# Through the API ---------------------------------------------------------------------------


def api_upload(world, content: bytes, *, kind: str = "residents", name: str = "名单.csv",
               persona: str = "operator", code: str = CODE) -> Any:  # fmt: skip
    file = SimpleUploadedFile(name, content)
    return world.api(persona).post(f"/api/v1/institutions/{code}/imports",
                                   {"kind": kind, "file": file})  # fmt: skip


def test_a_file_is_uploaded_checked_and_imported_through_the_api(
    world, django_capture_on_commit_callbacks
):
    api = world.api("operator")
    with django_capture_on_commit_callbacks(execute=True):
        file = SimpleUploadedFile("名单.csv", CSV)
        uploaded = api.post(
            f"/api/v1/institutions/{CODE}/imports", {"kind": "residents", "file": file}
        )
    assert uploaded.status_code == 202, uploaded.json()
    body = uploaded.json()
    assert (body["status"], body["file_name"], body["institution_code"]) == (
        "queued", "名单.csv", CODE)  # fmt: skip
    polled = api.get(f"/api/v1/imports/{body['id']}").json()
    assert (polled["status"], polled["new_rows"], polled["errors"]) == ("checked", 2, [])
    assert Person.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = api.post(f"/api/v1/imports/{body['id']}/confirm")
    assert confirmed.status_code == 202
    done = api.get(f"/api/v1/imports/{body['id']}").json()
    assert (done["status"], done["added"]) == ("done", 2)
    assert set(Stay.objects.filter(institution__code=CODE).values_list("person__name", flat=True)) \
        == {"张三", "李四"}  # fmt: skip
    assert AuditEvent.objects.filter(action="import.upload").count() == 1


def test_a_file_of_50_mb_is_refused_through_the_api_and_nothing_kept(world, settings):
    settings.FANGKONG_IMPORT_MAX_BYTES = 50 * 1024 * 1024 - 1
    response = api_upload(world, b"PK\x03\x04" + b"\x00" * (50 * 1024 * 1024 - 4),
                          name="大.xlsx")  # fmt: skip
    assert response.status_code == 400
    body = response.json()
    assert (body["code"], body["field"]) == ("too_large", "file") and "50 MB" in body["message"]
    assert FileImport.objects.count() == 0 and not any(settings.FANGKONG_IMPORT_DIR.glob("*"))


def test_a_body_far_over_the_import_limit_is_refused_before_it_is_read(world, settings):
    settings.FANGKONG_IMPORT_MAX_BYTES = 1000
    response = api_upload(world, b"x" * 200_000)
    assert (response.status_code, response.json()["field"]) == (413, "file")
    assert FileImport.objects.count() == 0


def test_other_endpoints_keep_the_api_limit_of_64_kib(world):
    big = {"kind": "residents", "file": SimpleUploadedFile("名单.csv", b"x" * 70_000)}
    response = world.api("operator").post("/api/v1/imports/1/confirm", big)
    assert (response.status_code, response.json()["code"]) == (413, "too_large")
    listed = world.api("operator").generic("GET", f"/api/v1/institutions/{CODE}/imports",
                                           b"x" * 70_000)  # fmt: skip
    assert listed.status_code == 413


def test_an_upload_without_a_file_or_of_an_unknown_kind_names_the_field(world):
    api = world.api("operator")
    missing = api.post(f"/api/v1/institutions/{CODE}/imports", {"kind": "residents"})
    assert (missing.status_code, missing.json()["field"]) == (400, "file")
    unknown = api_upload(world, CSV, kind="pets")
    assert (unknown.status_code, unknown.json()["field"]) == (400, "kind")
    assert FileImport.objects.count() == 0


def test_a_liaison_may_not_upload_through_the_api(world):
    from fangkong.accounts.models import Role
    from fangkong.conftest import make_user

    world.users["liaison"] = make_user("liaison", Role.LIAISON, world.regions["152921"])
    response = api_upload(world, CSV, persona="liaison")
    assert (response.status_code, response.json()["field"]) == (403, "kind")
    assert FileImport.objects.count() == 0


# Unconfirmed imports expire -----------------------------------------------------------------


def test_an_unconfirmed_import_expires_after_its_hours(
    world, run, settings, django_capture_on_commit_callbacks
):
    from io import StringIO

    from django.core.management import call_command
    from django.utils import timezone

    settings.FANGKONG_IMPORT_KEEP_HOURS = 24
    old = run(world, CSV, name="名单.csv", write=False)
    fresh = run(world, xlsx(GOOD), write=False)
    FileImport.objects.filter(pk=old.pk).update(
        checked_at=timezone.now() - datetime.timedelta(hours=24, minutes=1)
    )
    FileImport.objects.filter(pk=fresh.pk).update(
        checked_at=timezone.now() - datetime.timedelta(hours=23, minutes=59)
    )
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):  # the file goes once it commits
        call_command("imports", "expire", stdout=out)
    assert "imports expired: 1" in out.getvalue()
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert (old.status, old.stored_as, fresh.status) == ("expired", "", "checked")
    assert sorted(p.name for p in settings.FANGKONG_IMPORT_DIR.iterdir()) == [fresh.stored_as]
    event = AuditEvent.objects.get(action="import.expire")
    assert event.target_id == str(old.pk)
    api = world.api("operator")
    assert api.get(f"/api/v1/imports/{old.pk}").json()["status"] == "expired"
    refused = api.post(f"/api/v1/imports/{old.pk}/confirm")
    assert (refused.status_code, refused.json()["code"]) == (400, "expired")
    assert "24 小时内未导入" in refused.json()["message"]  # the API speaks Chinese by default
    page = world.client("operator").get(f"/people/imports/{old.pk}/").content.decode()
    assert 'id="import-expired"' in page and 'id="confirm"' not in page
    call_command("imports", "expire", stdout=StringIO())  # again: nothing more to do
    assert AuditEvent.objects.filter(action="import.expire").count() == 1
    assert Person.objects.count() == 0


def test_the_reminders_loop_expires_unconfirmed_imports(
    world, run, settings, django_capture_on_commit_callbacks
):
    from io import StringIO

    from django.core.management import call_command
    from django.utils import timezone

    settings.FANGKONG_IMPORT_KEEP_HOURS = 1
    record = run(world, CSV, name="名单.csv", write=False)
    FileImport.objects.filter(pk=record.pk).update(
        checked_at=timezone.now() - datetime.timedelta(hours=2)
    )
    with django_capture_on_commit_callbacks(execute=True):
        call_command("reminders", "loop", "--max-runs", "1", stdout=StringIO())
    record.refresh_from_db()
    assert record.status == "expired" and not any(settings.FANGKONG_IMPORT_DIR.iterdir())


# Sealed as it is received ------------------------------------------------------------------

# A CSV larger than Django keeps in memory and than a segment, read as two residents.
PADDING = "备注"
LARGE_CSV = (
    f"姓名,证件号码,入住日期,{PADDING}\n"
    f"张三,{A},2021-10-01,{'x' * 50_000}\n李四,{B},2021-09-15,{'y' * 50_000}\n"
).encode()


@pytest.fixture
def temp_dir(settings, tmp_path):
    """Django's folder for uploads too large for memory, with a small memory limit."""
    folder = tmp_path / "upload-temp"
    folder.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(folder)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 16 * 1024
    assert len(LARGE_CSV) > settings.FILE_UPLOAD_MAX_MEMORY_SIZE
    return folder


@pytest.fixture
def temp_while_kept(temp_dir):
    """What the temporary folder holds at the moment the import is recorded (the upload
    received in full, its request still open)."""
    from django.db.models.signals import post_save

    seen: list[list[str]] = []

    def look(**kwargs: Any) -> None:
        if kwargs.get("created"):
            seen.append(sorted(p.name for p in temp_dir.iterdir()))

    post_save.connect(look, sender=FileImport, weak=False)
    yield seen
    post_save.disconnect(look, sender=FileImport)


def stored_in_clear(settings, record: FileImport) -> None:
    """The stored file holds no number in clear, reads back as uploaded and is what
    `storage.store` makes of the same bytes."""
    import hashlib

    from fangkong.people.imports import storage

    raw = (settings.FANGKONG_IMPORT_DIR / record.stored_as).read_bytes()
    assert A.encode() not in raw and B.encode() not in raw and "张三".encode() not in raw
    with storage.opened(record.stored_as) as handle:
        assert handle.read() == LARGE_CSV
    assert (record.size, record.sha256) == (len(LARGE_CSV), hashlib.sha256(LARGE_CSV).hexdigest())
    made, _size, _sha = storage.store(SimpleUploadedFile("名单.csv", LARGE_CSV))
    assert (settings.FANGKONG_IMPORT_DIR / made).stat().st_size == len(raw)
    storage.remove(made)


def test_a_large_upload_on_the_page_never_touches_the_disk_in_clear(
    world, run, settings, temp_while_kept, temp_dir
):
    record = run(world, LARGE_CSV, name="名单.csv", write=False)
    assert temp_while_kept == [[]] and not any(temp_dir.iterdir())
    assert (record.status, record.new_rows) == ("checked", 2), record.errors
    stored_in_clear(settings, record)


def test_a_large_upload_through_the_api_never_touches_the_disk_in_clear(
    world, settings, temp_while_kept, temp_dir, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_upload(world, LARGE_CSV)
    assert response.status_code == 202, response.json()
    assert temp_while_kept == [[]] and not any(temp_dir.iterdir())
    record = FileImport.objects.get(pk=response.json()["id"])
    assert (record.status, record.new_rows) == ("checked", 2), record.errors
    stored_in_clear(settings, record)


def csrf_client(world, persona: str = "operator") -> tuple[Any, str]:
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users[persona])
    client.get(f"/people/institutions/{CODE}/imports/")
    return client, client.cookies["csrftoken"].value


def test_the_page_upload_keeps_its_csrf_check(world, settings, temp_dir):
    client, token = csrf_client(world)
    file = SimpleUploadedFile("名单.csv", LARGE_CSV)
    refused = client.post(f"/people/institutions/{CODE}/imports/",
                          {"kind": "residents", "file": file})  # fmt: skip
    assert refused.status_code == 403 and FileImport.objects.count() == 0
    assert not any(settings.FANGKONG_IMPORT_DIR.glob("*"))
    file = SimpleUploadedFile("名单.csv", LARGE_CSV)
    body = {"kind": "residents", "file": file, "csrfmiddlewaretoken": token}
    sent = client.post(f"/people/institutions/{CODE}/imports/", body)
    assert sent.status_code == 302 and FileImport.objects.count() == 1
    assert not any(temp_dir.iterdir())


def test_a_signed_in_browser_uploads_through_the_api_with_its_csrf_token(world, temp_dir):
    client, token = csrf_client(world)
    file = SimpleUploadedFile("名单.csv", LARGE_CSV)
    response = client.post(f"/api/v1/institutions/{CODE}/imports",
                           {"kind": "residents", "file": file},
                           headers={"x-csrftoken": token})  # fmt: skip
    assert response.status_code == 202, response.content
    assert not any(temp_dir.iterdir())


@pytest.mark.parametrize(
    ("kind", "code", "status"),
    [("residents", CODE, 400), ("pets", CODE, 400), ("residents", "1529230001", 404)],
    ids=["too large", "a wrong kind", "out of scope"],
)
def test_a_refused_upload_on_the_page_leaves_no_file(world, settings, temp_dir, kind, code,
                                                     status):  # fmt: skip
    too_large = kind == "residents" and code == CODE
    settings.FANGKONG_IMPORT_MAX_BYTES = len(LARGE_CSV) - 1 if too_large else 10**7
    file = SimpleUploadedFile("名单.csv", LARGE_CSV)
    response = world.client("operator").post(f"/people/institutions/{code}/imports/",
                                             {"kind": kind, "file": file})  # fmt: skip
    assert response.status_code == status
    assert FileImport.objects.count() == 0
    assert not any(settings.FANGKONG_IMPORT_DIR.glob("*")) and not any(temp_dir.iterdir())


@pytest.mark.parametrize(
    ("kind", "code", "status"),
    [("residents", CODE, 400), ("pets", CODE, 400), ("residents", "1529230001", 404)],
    ids=["too large", "a wrong kind", "out of scope"],
)
def test_a_refused_upload_through_the_api_leaves_no_file(world, settings, temp_dir, kind, code,
                                                         status):  # fmt: skip
    too_large = kind == "residents" and code == CODE
    settings.FANGKONG_IMPORT_MAX_BYTES = len(LARGE_CSV) - 1 if too_large else 10**7
    response = api_upload(world, LARGE_CSV, kind=kind, code=code)
    assert response.status_code == status, response.json()
    assert FileImport.objects.count() == 0
    assert not any(settings.FANGKONG_IMPORT_DIR.glob("*")) and not any(temp_dir.iterdir())
