"""Residents, staff and visits from a file.

A row names a person by their document number: a known number is that person (found by its
keyed hash, never by the clear number), a new one is registered in the importing institution.
A stay or a visit already recorded (the same person, institution and start) is known and
skipped, so a file imported twice adds nothing. Stays are checked against each other within
the file and against the stays already recorded; an admission or a visit asks the closures'
entry check, and one it refuses needs an officer's exception reason in its row.
"""

import datetime
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.text import has_visible
from fangkong.institutions.entry import EntryAnswer, entry_allowed_over
from fangkong.institutions.models import Institution
from fangkong.people import identity, services
from fangkong.people.identity import DocumentType, Sex, mask_id, mask_phone
from fangkong.people.imports import loading
from fangkong.people.imports.kinds import Checked, Context, ImportKind, register
from fangkong.people.imports.reading import Cell, Column, Row, text_of
from fangkong.people.imports.values import day_of, decimal_of, moment_of, yes_no
from fangkong.people.models import (
    MAX_TEMPERATURE,
    MIN_TEMPERATURE,
    Employment,
    Person,
    PersonPlace,
    Stay,
    StayRole,
    Visit,
)
from fangkong.people.places import places_record

NAME = Column("name", "姓名", "Name", required=True, aliases=("老人姓名", "人员姓名", "访客姓名"))
DOCUMENT_TYPE = Column("document_type", "证件类型", "Document type")
ID_NUMBER = Column(
    "id_number", "证件号码", "ID number", required=True,
    aliases=("身份证号", "身份证号码", "公民身份号码", "document number", "identity number"),
)  # fmt: skip
SEX = Column("sex", "性别", "Sex")
BIRTH_DATE = Column("birth_date", "出生日期", "Birth date")
PHONE = Column("phone", "联系电话", "Phone", aliases=("电话", "手机", "手机号码", "联系方式"))
EXCEPTION = Column("exception_reason", "例外原因", "Exception reason")

DOCUMENT_NAMES = {
    "居民身份证": DocumentType.RIC, "身份证": DocumentType.RIC, "ric": DocumentType.RIC,
    "护照": DocumentType.PASSPORT, "passport": DocumentType.PASSPORT,
    "港澳居民来往内地通行证": DocumentType.HK_MACAU, "港澳通行证": DocumentType.HK_MACAU,
    "回乡证": DocumentType.HK_MACAU, "hk_macau": DocumentType.HK_MACAU,
    "台湾居民来往大陆通行证": DocumentType.TAIWAN, "台胞证": DocumentType.TAIWAN,
    "taiwan": DocumentType.TAIWAN, "其他": DocumentType.OTHER, "other": DocumentType.OTHER,
}  # fmt: skip
SEX_NAMES = {"男": Sex.MALE, "male": Sex.MALE, "m": Sex.MALE, "女": Sex.FEMALE,
             "female": Sex.FEMALE, "f": Sex.FEMALE}  # fmt: skip
LONGEST_EXACT = 15  # digits a spreadsheet's number keeps exactly


@dataclass
class PersonValue:
    """A person as a row names them: found (`pk`) or to be registered."""

    name: str
    document_type: str
    number: str
    digest: str
    phone: str = ""
    sex: str = Sex.UNKNOWN
    birth_date: datetime.date | None = None
    pk: int | None = None
    sealed: tuple[str, str, str, str, str] | None = None

    def seal(self) -> tuple[str, str, str, str, str]:
        """What registering the person takes work to make, made once: the number and the
        phone encrypted as their columns store them, the phone's lookup hash, the name's
        pinyin and initials."""
        if self.sealed is None:
            pinyin, initials = _pinyin_keys(self.name)
            self.sealed = (
                loading.prepare(Person, "id_number", self.number),
                loading.prepare(Person, "phone", self.phone),
                identity.phone_hash_of(self.phone), pinyin, initials,
            )  # fmt: skip
        return self.sealed

    def new_person(self, actor: Any, institution: Institution) -> Person:
        pinyin, initials = _pinyin_keys(self.name)
        return Person(
            name=self.name, sex=self.sex, birth_date=self.birth_date,
            document_type=self.document_type, id_number=self.number, id_hash=self.digest,
            id_last4=self.number[-4:], phone=self.phone,
            phone_hash=identity.phone_hash_of(self.phone), pinyin=pinyin, initials=initials,
            created_by=_user(actor), created_in=institution,
        )  # fmt: skip


# Names repeat (a file of 100,000 residents has far fewer names): each is read once.
_pinyin_keys = functools.lru_cache(maxsize=65536)(identity.pinyin_keys)


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _number_cell(value: Cell, checked: Checked) -> str | None:
    """The document number as text; a long number Excel kept as a number has lost digits."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        digits = text_of(value)
        if len(digits) > LONGEST_EXACT or not float(value).is_integer():
            checked.refuse(ID_NUMBER.key, "number_as_number", _(
                "Excel kept this number as a number and lost its last digits: format the "
                "column as text and type the numbers again."
            ))  # fmt: skip
            return None
        return digits
    return text_of(value)


def read_person(row: Row, checked: Checked) -> PersonValue | None:
    """The person a row names, checked; None (with the row's problems) when it cannot be."""
    name = " ".join(row.text(NAME.key).split())
    if not has_visible(name):
        checked.refuse(NAME.key, "required", _("Enter the person's name."))
    elif len(name) > 100:
        checked.refuse(NAME.key, "too_long", _("A name has at most 100 characters."))
    kind_text = row.text(DOCUMENT_TYPE.key)
    document_type = DOCUMENT_NAMES.get(kind_text.lower()) if kind_text else DocumentType.RIC
    if document_type is None:
        checked.refuse(DOCUMENT_TYPE.key, "invalid_choice", _(
            "Unknown document type: write 居民身份证, 护照, 港澳居民来往内地通行证, "
            "台湾居民来往大陆通行证 or 其他."
        ))  # fmt: skip
    raw = _number_cell(row.cells.get(ID_NUMBER.key), checked)
    number = ""
    if raw is not None and document_type is not None:
        if not raw:
            checked.refuse(ID_NUMBER.key, "required", _("Enter the document's number."))
        else:
            try:
                number = identity.normalise(document_type, raw)
            except ValidationError as error:
                checked.refuse_error(ID_NUMBER.key, error)
    phone = identity.normalise_phone(row.text(PHONE.key))
    if phone and not 7 <= len(phone) <= 15:
        checked.refuse(PHONE.key, "invalid_phone", _("A phone number has 7 to 15 digits."))
    sex, birth = _sex_and_birth(row, checked, document_type, number)
    if checked.problems or document_type is None:
        return None
    digest = identity.id_hash_of(document_type, number)
    return PersonValue(name, document_type, number, digest, phone, sex, birth)


def _sex_and_birth(
    row: Row, checked: Checked, document_type: str | None, number: str
) -> tuple[str, datetime.date | None]:
    if document_type == DocumentType.RIC and number:
        return identity.sex_of(number), identity.birth_date_of(number)
    sex = SEX_NAMES.get(row.text(SEX.key).lower(), Sex.UNKNOWN)
    try:
        birth = day_of(row.cells.get(BIRTH_DATE.key))
    except ValidationError as error:
        checked.refuse_error(BIRTH_DATE.key, error)
        return sex, None
    if birth is not None and birth > timezone.localdate():
        checked.refuse(BIRTH_DATE.key, "future", _("The birth date is in the future."))
    return sex, birth


def known_persons(values: Iterable[PersonValue], context: Context) -> None:
    """Fill in the persons already recorded (or registered by an earlier chunk of the file)."""
    created: dict[str, int] = context.state.setdefault("created", {})
    found = _ids_by_hash(sorted({v.digest for v in values}))
    for value in values:
        value.pk = found.get(value.digest) or created.get(value.digest)


def _ids_by_hash(digests: list[str]) -> dict[str, int]:
    """The ids of the persons recorded under these lookup hashes. On PostgreSQL one array
    parameter (`= ANY`) in place of a chunk's thousand (`IN`), which the driver and the server
    would each parse for every chunk of every pass."""
    if connection.vendor != "postgresql":
        return dict(Person.objects.filter(id_hash__in=digests).values_list("id_hash", "pk"))
    table = connection.ops.quote_name(Person._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id_hash, id FROM {table} WHERE id_hash = ANY(%s)", [digests])  # noqa: S608 - a name, not a value
        return dict(cursor.fetchall())


def register_new(values: Iterable[PersonValue], context: Context) -> None:
    """Register the persons of `values` not yet recorded, in one statement; fill in their ids."""
    created: dict[str, int] = context.state.setdefault("created", {})
    fresh: dict[str, PersonValue] = {}
    for value in values:
        if value.pk is None:
            value.pk = created.get(value.digest)
        if value.pk is None:
            fresh.setdefault(value.digest, value)
    if connection.vendor == "postgresql":
        _copy_persons(list(fresh.values()), context, created)
    else:
        persons = [v.new_person(context.actor, context.institution) for v in fresh.values()]
        loading.insert(persons)
        for person in persons:
            created[person.id_hash] = person.pk
    for value in values:
        if value.pk is None:
            value.pk = created[value.digest]


PERSON_COLUMNS = ("name", "sex", "birth_date", "document_type", "id_number", "id_hash",
                  "id_last4", "phone", "phone_hash", "pinyin", "initials", "created_by",
                  "created_in", "created_at")  # fmt: skip


def _copy_persons(values: list[PersonValue], context: Context, created: dict[str, int]) -> None:
    """The persons as rows of COPY, their numbers encrypted by the fields' own preparation
    (as a `save()` would), without building a model instance each. Each row is made while
    PostgreSQL takes in the rows before it."""
    user = _user(context.actor)
    by, where, at = user.pk if user else None, context.institution.pk, timezone.now()
    rows = (
        [v.name, v.sex, v.birth_date, v.document_type, number, v.digest, v.number[-4:], phone,
         phone_hash, pinyin, initials, by, where, at]
        for v in values
        for number, phone, phone_hash, pinyin, initials in [v.seal()]
    )  # fmt: skip
    ids = loading.copy_rows(Person, PERSON_COLUMNS, rows, len(values))
    for value, pk in zip(values, ids, strict=True):
        created[value.digest] = pk
    # A person registered here has no place yet: theirs is copied with the same keys, where a
    # person known before is placed by `places_record` (a place they may have already).
    loading.copy_rows(PersonPlace, PLACE_COLUMNS, (
        [pk, where, *value.seal()[3:]] for pk, value in zip(ids, values, strict=True)
    ), len(ids))  # fmt: skip
    context.state.setdefault("placed", set()).update(ids)


PLACE_COLUMNS = ("person", "institution", "pinyin", "initials")


def _place(persons: Iterable[PersonValue], context: Context) -> None:
    """The rows' persons lie in the importing institution (those it registers too)."""
    placed: set[int] = context.state.setdefault("placed", set())
    ids = {p.pk for p in persons if p.pk is not None} - placed
    places_record(institution_id=context.institution.pk, person_ids=ids)
    placed.update(ids)


def _moment(row: Row, checked: Checked, column: Column, *, timed: bool = False) -> Any:
    try:
        return moment_of(row.cells.get(column.key), day_only=not timed)
    except ValidationError as error:
        checked.refuse_error(column.key, error)
        return None


class EntryCheck:
    """The closures' answer for a purpose over the moments of a file: read for the span of the
    moments seen so far in one statement (`entry_allowed_over`), read again only when a chunk
    of rows reaches beyond it; kept once per local day of a file's admissions (a closure runs
    from a day to a day) and once per moment of its visits."""

    def __init__(self, institution: Institution, purpose: str, *, by_day: bool) -> None:
        self.institution, self.purpose, self.by_day = institution, purpose, by_day
        self.answers: dict[Any, EntryAnswer] = {}
        self.span: tuple[datetime.datetime, datetime.datetime] | None = None
        self.ask: Callable[[datetime.datetime], EntryAnswer] | None = None

    def cover(self, moments: Iterable[datetime.datetime]) -> None:
        """Make sure the moments of a chunk lie in the span read."""
        moments = list(moments)
        if not moments:
            return
        first, last = min(moments), max(moments)
        if self.span is not None:
            if self.span[0] <= first and last <= self.span[1]:
                return
            first, last = min(first, self.span[0]), max(last, self.span[1])
        self.span = (first, last)
        self.ask = entry_allowed_over(self.institution, first, last, self.purpose)

    def __call__(self, at: datetime.datetime) -> EntryAnswer:
        key = timezone.localdate(at) if self.by_day else at
        if key not in self.answers:
            self.cover([at])
            assert self.ask is not None
            self.answers[key] = self.ask(at)
        return self.answers[key]


def exception_for(row: Row, checked: Checked, context: Context, answer: Any) -> str:
    """The row's exception reason when the entry check refuses it ("" when it allows it)."""
    if answer.allowed:
        return ""
    reason = row.text(EXCEPTION.key)
    if not has_visible(reason):
        checked.refuse(EXCEPTION.key, "entry_refused", answer.reason)
    elif not services._covers(context.actor, services.EXCEPTION_MAKERS, context.institution):
        message = _("Only an officer may make an exception to the closure's rules.")
        checked.refuse(EXCEPTION.key, "forbidden", message)
    return reason


# Stays: residents and staff ---------------------------------------------------------------


@dataclass
class StayValue:
    person: PersonValue
    start: datetime.datetime
    end: datetime.datetime | None
    admission_reason: str = ""
    discharge_reason: str = ""
    job: str = ""
    on_site: bool = False
    exception_reason: str = ""


def _overlaps(a_start: Any, a_end: Any, b_start: Any, b_end: Any) -> bool:
    return (b_end is None or a_start < b_end) and (a_end is None or b_start < a_end)


STAY_COLUMNS = ("person", "institution", "role", "start", "end", "admission_reason",
                "discharge_reason", "job", "on_site", "exception_reason", "created_by",
                "created_at")  # fmt: skip


class StayKind(ImportKind):
    role: str = StayRole.RESIDENT
    start_column: Column
    end_column: Column
    purpose = "admission"

    def may_import(self, actor: Any, institution: Institution) -> bool:
        return services.may_record(actor, institution)

    def read_stay(self, row: Row, checked: Checked) -> StayValue | None:
        raise NotImplementedError

    def read(self, rows: list[Row]) -> list[tuple[Row, Checked, StayValue | None]]:
        read = []
        for row in rows:
            checked = Checked(row.number)
            read.append((row, checked, self.read_stay(row, checked)))
        return read

    def check(
        self, rows: list[tuple[Row, Checked, StayValue | None]], context: Context
    ) -> list[Checked]:
        out = [checked for _row, checked, _value in rows]
        values = [(r, c, v) for r, c, v in rows if v is not None and not c.problems]
        known_persons([v.person for _r, _c, v in values], context)
        recorded = self._recorded(v.person.pk for _r, _c, v in values)
        entry = context.state.setdefault(
            "entry", EntryCheck(context.institution, self.purpose, by_day=True)
        )
        entry.cover(v.start for _r, _c, v in values)
        spans: dict[str, list[tuple[Any, Any, int]]] = context.state.setdefault("spans", {})
        for row, checked, value in values:
            self._check_one(row, checked, value, context, recorded, spans, entry)
        return out

    def _recorded(self, pks: Iterable[int | None]) -> dict[int, list[tuple[Any, ...]]]:
        ids = {pk for pk in pks if pk is not None}
        found: dict[int, list[tuple[Any, ...]]] = {}
        rows = Stay.objects.filter(person_id__in=ids).values_list(
            "person_id", "institution_id", "role", "start", "end"
        )
        for person_id, *rest in rows:
            found.setdefault(person_id, []).append(tuple(rest))
        return found

    def _check_one(
        self, row: Row, checked: Checked, value: StayValue, context: Context,
        recorded: dict[int, list[tuple[Any, ...]]], spans: dict[str, list[tuple[Any, Any, int]]],
        entry: EntryCheck,
    ) -> None:  # fmt: skip
        start, end = value.start, value.end
        for other_start, other_end, number in spans.get(value.person.digest, ()):
            if _overlaps(start, end, other_start, other_end):
                checked.refuse(self.start_column.key, "overlap", _(
                    "This stay overlaps the stay of the same person in row %(row)d."
                ), row=number)  # fmt: skip
                return
        spans.setdefault(value.person.digest, []).append((start, end, row.number))
        for institution_id, role, other_start, other_end in recorded.get(value.person.pk or 0, []):
            same = (institution_id, role, other_start) == (context.institution.pk, self.role, start)
            if same:
                checked.known = True
                return
            if _overlaps(start, end, other_start, other_end):
                checked.refuse(self.start_column.key, "overlap", _(
                    "This person already stays in an institution at that time."
                ))  # fmt: skip
                return
        if self.role == StayRole.RESIDENT:
            value.exception_reason = exception_for(row, checked, context, entry(start))
        if not checked.problems:
            checked.value = value

    def write(self, rows: list[Checked], context: Context) -> int:
        values: list[StayValue] = [c.value for c in rows]
        register_new([v.person for v in values], context)
        _place([v.person for v in values], context)
        if connection.vendor == "postgresql":
            user, where, at = _user(context.actor), context.institution.pk, timezone.now()
            by = user.pk if user else None
            ids = loading.copy_rows(Stay, STAY_COLUMNS, (
                [v.person.pk, where, self.role, v.start, v.end, v.admission_reason,
                 v.discharge_reason, v.job, v.on_site, v.exception_reason, by, at]
                for v in values
            ), len(values))  # fmt: skip
            self._employ(values, ids, context)
            return len(values)
        stays = [
            Stay(
                person_id=v.person.pk or 0,
                institution=context.institution,
                role=self.role,
                start=v.start,
                end=v.end,
                admission_reason=v.admission_reason,
                discharge_reason=v.discharge_reason,
                job=v.job,
                on_site=v.on_site,
                exception_reason=v.exception_reason,
                created_by=_user(context.actor),
            )
            for v in values
        ]
        loading.insert(stays)
        self._employ(values, [stay.pk for stay in stays], context)
        return len(stays)

    def _employ(self, values: list[StayValue], stay_ids: list[int], context: Context) -> None:
        """Staff stays record their employments too, as `stay_create` does: the census and the
        testing rounds count staff by their employments."""
        if self.role != StayRole.STAFF:
            return
        loading.insert([
            Employment(person_id=v.person.pk or 0, institution=context.institution, role=v.job,
                       on_site=True, start=v.start, end=v.end, stay_id=stay_id,
                       created_by=_user(context.actor))
            for v, stay_id in zip(values, stay_ids, strict=True)
        ])  # fmt: skip

    def _dates(self, row: Row, checked: Checked) -> tuple[Any, Any]:
        start = _moment(row, checked, self.start_column)
        end = _moment(row, checked, self.end_column)
        if start is None and not any(p.column == self.start_column.key for p in checked.problems):
            checked.refuse(self.start_column.key, "required", _("Enter the day it starts."))
        if start is not None and end is not None and end <= start:
            checked.refuse(self.end_column.key, "end_first", _("The stay ends before it starts."))
        return start, end


ADMITTED = Column("start", "入住日期", "Admitted on", required=True,
                  aliases=("入院日期", "入住时间", "入院时间", "admission date"))  # fmt: skip
DISCHARGED = Column("end", "离院日期", "Discharged on",
                    aliases=("出院日期", "离院时间", "discharge date"))  # fmt: skip
ADMISSION_REASON = Column("admission_reason", "入住原因", "Admission reason")
DISCHARGE_REASON = Column("discharge_reason", "离院原因", "Discharge reason")


def _short(row: Row, checked: Checked, column: Column, limit: int) -> str:
    text = " ".join(row.text(column.key).split())
    if len(text) > limit:
        checked.refuse(column.key, "too_long", _("At most %(limit)d characters."), limit=limit)
    return text


class ResidentKind(StayKind):
    code = "residents"
    label = _("Residents")
    role = StayRole.RESIDENT
    start_column, end_column = ADMITTED, DISCHARGED
    columns = (NAME, DOCUMENT_TYPE, ID_NUMBER, SEX, BIRTH_DATE, PHONE, ADMITTED, DISCHARGED,
               ADMISSION_REASON, DISCHARGE_REASON, EXCEPTION)  # fmt: skip
    example = (("张三", "居民身份证", "152921194010170024", "", "", "13800001234", "2021-10-01",
                "", "自理能力下降", "", ""),)  # fmt: skip

    preview_columns = (NAME, ID_NUMBER, PHONE, ADMITTED, DISCHARGED, ADMISSION_REASON)

    def read_stay(self, row: Row, checked: Checked) -> StayValue | None:
        person = read_person(row, checked)
        start, end = self._dates(row, checked)
        admission = _short(row, checked, ADMISSION_REASON, 300)
        discharge = _short(row, checked, DISCHARGE_REASON, 300)
        if person is None or checked.problems:
            return None
        return StayValue(person, start, end, admission, discharge)

    def preview(self, value: StayValue) -> list[str]:
        return [
            *_person_preview(value.person),
            _day_text(value.start),
            _day_text(value.end),
            value.admission_reason,
        ]


STARTED = Column("start", "入职日期", "Started on", required=True,
                 aliases=("到岗日期", "上岗日期", "入职时间", "start date"))  # fmt: skip
LEFT = Column("end", "离职日期", "Left on", aliases=("离岗日期", "end date"))
JOB = Column("job", "岗位", "Job", aliases=("职务", "工作岗位"))
ON_SITE = Column("on_site", "是否住院内", "Lives on site", aliases=("住院内", "院内居住"))


class StaffKind(StayKind):
    code = "staff"
    label = _("Staff")
    role = StayRole.STAFF
    start_column, end_column = STARTED, LEFT
    purpose = "staff"
    columns = (NAME, DOCUMENT_TYPE, ID_NUMBER, SEX, BIRTH_DATE, PHONE, JOB, ON_SITE, STARTED,
               LEFT)  # fmt: skip
    example = (("李四", "居民身份证", "152921198005120311", "", "", "13900001234", "护理员", "是",
                "2021-09-01", ""),)  # fmt: skip

    preview_columns = (NAME, ID_NUMBER, PHONE, JOB, ON_SITE, STARTED, LEFT)

    def read_stay(self, row: Row, checked: Checked) -> StayValue | None:
        person = read_person(row, checked)
        start, end = self._dates(row, checked)
        job = _short(row, checked, JOB, 100)
        try:
            on_site = yes_no(row.cells.get(ON_SITE.key))
        except ValidationError as error:
            checked.refuse_error(ON_SITE.key, error)
            on_site = False
        if person is None or checked.problems:
            return None
        return StayValue(person, start, end, job=job, on_site=on_site)

    def preview(self, value: StayValue) -> list[str]:
        on_site = "是" if value.on_site else "否"
        start, end = _day_text(value.start), _day_text(value.end)
        return [*_person_preview(value.person), value.job, on_site, start, end]


def _day_text(value: datetime.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d") if value else ""


def _person_preview(person: PersonValue) -> list[str]:
    phone = mask_phone(person.phone) if person.phone else ""
    return [person.name, mask_id(person.number), phone]


# Visits ---------------------------------------------------------------------------------------

CHECK_IN = Column("check_in", "进入时间", "Checked in", required=True,
                  aliases=("探视时间", "到访时间", "进院时间", "check-in"))  # fmt: skip
CHECK_OUT = Column("check_out", "离开时间", "Checked out",
                   aliases=("离院时间", "出院时间", "check-out"))  # fmt: skip
TEMPERATURE = Column("temperature", "体温", "Temperature", aliases=("体温(℃)", "体温℃"))
CAME_FROM = Column("came_from", "来自", "Came from", aliases=("来源地", "从何处来", "出发地"))
TEST_PROOF = Column("test_proof", "检测证明", "Test proof", aliases=("核酸证明", "核酸检测证明"))
VISITED = Column("visited", "被探视人证件号码", "Visited person's ID number")


@dataclass
class VisitValue:
    person: PersonValue
    check_in: datetime.datetime
    check_out: datetime.datetime | None
    temperature: Decimal | None
    came_from: str
    test_proof: str
    visited_digest: str = ""
    visited_pk: int | None = None
    exception_reason: str = ""


class VisitKind(ImportKind):
    code = "visits"
    label = _("Visits")
    columns = (NAME, DOCUMENT_TYPE, ID_NUMBER, PHONE, CHECK_IN, CHECK_OUT, TEMPERATURE,
               CAME_FROM, TEST_PROOF, VISITED, EXCEPTION)  # fmt: skip
    example = (
        ("王五", "居民身份证", "152921197005120317", "13700001234", "2021-10-10 10:00",
         "2021-10-10 10:30", "36.5", "巴彦浩特镇", "", "152921194010170024", ""),
    )  # fmt: skip

    preview_columns = (NAME, ID_NUMBER, PHONE, CHECK_IN, CHECK_OUT, TEMPERATURE, CAME_FROM)

    def may_import(self, actor: Any, institution: Institution) -> bool:
        return services.may_record(actor, institution)

    def check(self, rows: list[Row], context: Context) -> list[Checked]:
        out, values = [], []
        for row in rows:
            checked = Checked(row.number)
            value = self._read(row, checked)
            out.append(checked)
            if value is not None and not checked.problems:
                values.append((row, checked, value))
        known_persons([v.person for _r, _c, v in values], context)
        self._visited(values, context)
        recorded = set(
            Visit.objects.filter(
                institution=context.institution,
                visitor_id__in={v.person.pk for _r, _c, v in values if v.person.pk},
            ).values_list("visitor_id", "check_in")
        )
        entry = context.state.setdefault(
            "entry", EntryCheck(context.institution, "visit", by_day=False)
        )
        entry.cover(v.check_in for _r, _c, v in values)
        seen: dict[tuple[str, datetime.datetime], int] = context.state.setdefault("seen", {})
        for row, checked, value in values:
            key = (value.person.digest, value.check_in)
            if key in seen:
                checked.refuse(CHECK_IN.key, "duplicate", _(
                    "The same visit is in row %(row)d already."
                ), row=seen[key])  # fmt: skip
                continue
            seen[key] = row.number
            if (value.person.pk, value.check_in) in recorded:
                checked.known = True
                continue
            value.exception_reason = exception_for(row, checked, context, entry(value.check_in))
            if not checked.problems:
                checked.value = value
        return out

    def _visited(self, values: list[tuple[Row, Checked, VisitValue]], context: Context) -> None:
        digests = {v.visited_digest for _r, _c, v in values if v.visited_digest}
        if not digests:
            return
        # The resident stays here of the persons named, to check each against its check-in.
        stays = list(Stay.objects.filter(
            institution=context.institution, role=StayRole.RESIDENT,
            person__id_hash__in=digests,
        ).values_list("person__id_hash", "person_id", "start", "end"))  # fmt: skip
        for _row, checked, value in values:
            if value.visited_digest:
                at = value.check_in
                value.visited_pk = next((pk for digest, pk, start, end in stays
                                         if digest == value.visited_digest and at is not None
                                         and start <= at and (end is None or at < end)),
                                        None)  # fmt: skip
                if value.visited_pk is None:
                    checked.refuse(VISITED.key, "not_resident", _(
                        "Nobody with this number is a resident of this institution at the "
                        "check-in."
                    ))  # fmt: skip
                elif value.visited_pk == value.person.pk:
                    checked.refuse(VISITED.key, "self_visit",
                                   _("A visitor does not visit themselves."))  # fmt: skip

    def _read(self, row: Row, checked: Checked) -> VisitValue | None:
        person = read_person(row, checked)
        check_in = _moment(row, checked, CHECK_IN, timed=True)
        check_out = _moment(row, checked, CHECK_OUT, timed=True)
        if check_in is None and not any(p.column == CHECK_IN.key for p in checked.problems):
            checked.refuse(CHECK_IN.key, "required", _("Enter when the visitor came in."))
        if check_in is not None and check_in > timezone.now():
            checked.refuse(CHECK_IN.key, "future", _("The moment is in the future."))
        if check_in is not None and check_out is not None and check_out <= check_in:
            checked.refuse(CHECK_OUT.key, "end_first",
                           _("The visit is checked out before it is checked in."))  # fmt: skip
        temperature = self._temperature(row, checked)
        visited = ""
        text = row.text(VISITED.key)
        if text:
            try:
                visited = identity.id_hash_of(DocumentType.RIC, identity.normalise_ric(text))
            except ValidationError as error:
                checked.refuse_error(VISITED.key, error)
        came_from = _short(row, checked, CAME_FROM, 200)
        proof = _short(row, checked, TEST_PROOF, 200)
        if person is None or checked.problems:
            return None
        return VisitValue(person, check_in, check_out, temperature, came_from, proof, visited)

    def _temperature(self, row: Row, checked: Checked) -> Decimal | None:
        try:
            value = decimal_of(row.cells.get(TEMPERATURE.key))
        except ValidationError as error:
            checked.refuse_error(TEMPERATURE.key, error)
            return None
        if value is not None and not MIN_TEMPERATURE <= value <= MAX_TEMPERATURE:
            checked.refuse(TEMPERATURE.key, "out_of_range", _(
                "A body temperature lies between %(low)s and %(high)s °C."
            ), low=MIN_TEMPERATURE, high=MAX_TEMPERATURE)  # fmt: skip
        return value

    def write(self, rows: list[Checked], context: Context) -> int:
        values: list[VisitValue] = [c.value for c in rows]
        register_new([v.person for v in values], context)
        _place([v.person for v in values], context)
        visits = [
            Visit(
                visitor_id=v.person.pk or 0,
                institution=context.institution,
                visited_id=v.visited_pk,
                check_in=v.check_in,
                check_out=v.check_out,
                temperature=v.temperature,
                came_from=v.came_from,
                test_proof=v.test_proof,
                exception_reason=v.exception_reason,
                created_by=_user(context.actor),
            )
            for v in values
        ]
        loading.insert(visits)
        return len(visits)

    def preview(self, value: VisitValue) -> list[str]:
        out = timezone.localtime(value.check_out).strftime("%H:%M") if value.check_out else ""
        check_in = timezone.localtime(value.check_in).strftime("%Y-%m-%d %H:%M")
        temperature = str(value.temperature or "")
        return [*_person_preview(value.person), check_in, out, temperature, value.came_from]


register(ResidentKind())
register(StaffKind())
register(VisitKind())
