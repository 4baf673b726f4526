"""Test results from a file: the `results` kind of people's imports, registered here.

A row names a round of the importing institution by its name, a person by their document
number (they must be recorded already: as a resident, staff member or visitor), when the
sample was taken and its result. The services decide what a row may be (no sample in the
future or before the round; a person not expected in the round needs a reason): the check tries
every row through `services.result_record` in a savepoint it undoes, so the dry run refuses
exactly what the write would. A result already recorded with the same sample time, result and
laboratory is known, so a file imported twice adds nothing.

The write records a chunk's rows round by round (in id order) through
`services.results_record_many`, each round recounted once per chunk. The campaign's hours
(rows shared by every round of a name) are not changed as each round is recounted: their
differences are added up over the file and applied once, in (name, shard, hour) order, just
before the import commits (`finish`), so that two imports, or an import and the grid, never
hold them waiting on each other. A trial of the dry run collects them and drops them.
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from fangkong.core.exceptions import ApiError
from fangkong.institutions.models import Institution
from fangkong.lab import services
from fangkong.lab.models import LabOutcome, LabResult, LabRound
from fangkong.people.identity import mask_id
from fangkong.people.imports.kinds import Checked, Context, ImportKind, register
from fangkong.people.imports.people_kinds import DOCUMENT_TYPE, ID_NUMBER, NAME
from fangkong.people.imports.reading import Column, Row
from fangkong.people.imports.values import moment_of
from fangkong.people.models import Person

ROUND = Column(
    "round", "检测轮次", "Round", required=True, aliases=("轮次", "轮次名称", "round name")
)
SAMPLED_AT = Column("sampled_at", "采样时间", "Sampled at", required=True,
                    aliases=("采样日期", "sampling time"))  # fmt: skip
RESULT = Column("result", "检测结果", "Result", required=True, aliases=("结果",))
LABORATORY = Column("laboratory", "检测机构", "Laboratory", aliases=("检测单位", "实验室"))
REASON = Column("reason", "补录原因", "Reason added", aliases=("增补原因", "reason"))

PERSON_NAME = Column("name", "姓名", "Name", aliases=NAME.aliases)  # not required: read, not kept

OUTCOMES = {
    "阴性": LabOutcome.NEGATIVE, "阴": LabOutcome.NEGATIVE, "-": LabOutcome.NEGATIVE,
    "negative": LabOutcome.NEGATIVE, "阳性": LabOutcome.POSITIVE, "阳": LabOutcome.POSITIVE,
    "+": LabOutcome.POSITIVE, "positive": LabOutcome.POSITIVE, "无效": LabOutcome.INVALID,
    "invalid": LabOutcome.INVALID, "待定": LabOutcome.PENDING, "待检": LabOutcome.PENDING,
    "待出结果": LabOutcome.PENDING, "pending": LabOutcome.PENDING,
}  # fmt: skip


@dataclass
class ResultValue:
    lab_round: LabRound
    person: Person
    sampled_at: datetime.datetime
    result: str
    laboratory: str
    reason: str


class _Trial(Exception):
    """Undoes a row tried during the check."""


class ResultKind(ImportKind):
    code = "results"
    label = _("Test results")
    columns = (ROUND, PERSON_NAME, DOCUMENT_TYPE, ID_NUMBER, SAMPLED_AT, RESULT, LABORATORY, REASON)
    preview_columns = (ROUND, PERSON_NAME, ID_NUMBER, SAMPLED_AT, RESULT)
    example = (("全员核酸检测第一轮", "张三", "居民身份证", "152921194010170024",
                "2021-10-19 09:30", "阴性", "阿拉善盟疾控中心", ""),)  # fmt: skip
    chunk_size = 500

    def may_import(self, actor: Any, institution: Institution) -> bool:
        return services.may_record(actor, institution)

    def check(self, rows: list[Row], context: Context) -> list[Checked]:
        from fangkong.people.imports.people_kinds import read_person

        out: list[Checked] = []
        rounds: dict[str, LabRound | None] = context.state.setdefault("rounds", {})
        seen: dict[tuple[int, int], int] = context.state.setdefault("seen", {})
        for row in rows:
            checked = Checked(row.number)
            out.append(checked)
            person_value = read_person(_named(row), checked)
            lab_round = self._round(row, checked, context, rounds)
            sampled_at = self._sampled_at(row, checked)
            result = OUTCOMES.get(row.text(RESULT.key).lower())
            if result is None:
                checked.refuse(RESULT.key, "invalid_choice",
                               _("Write 阴性, 阳性, 无效 or 待定 (negative, positive, invalid, "
                                 "pending)."))  # fmt: skip
            if checked.problems or person_value is None or lab_round is None:
                continue
            person = Person.objects.filter(id_hash=person_value.digest).first()
            if person is None:
                checked.refuse(ID_NUMBER.key, "unknown_person", _(
                    "Nobody is recorded with this number: import them as residents or staff "
                    "first."
                ))  # fmt: skip
                continue
            key = (lab_round.pk, person.pk)
            if key in seen:
                checked.refuse(ID_NUMBER.key, "duplicate", _(
                    "This person's result in this round is in row %(row)d already."
                ), row=seen[key])  # fmt: skip
                continue
            seen[key] = row.number
            laboratory, reason = row.text(LABORATORY.key)[:200], row.text(REASON.key)[:300]
            assert sampled_at is not None
            value = ResultValue(lab_round, person, sampled_at, str(result), laboratory, reason)
            self._try(checked, value, context)
        return out

    def _round(
        self, row: Row, checked: Checked, context: Context, rounds: dict[str, LabRound | None]
    ) -> LabRound | None:
        name = " ".join(row.text(ROUND.key).split())
        if not name:
            checked.refuse(ROUND.key, "required", _("Enter the round's name."))
            return None
        if name not in rounds:
            rounds[name] = (
                LabRound.objects.select_related("institution__region")
                .filter(institution=context.institution, name=name)
                .first()
            )
        if rounds[name] is None:
            checked.refuse(ROUND.key, "unknown_round",
                           _("This institution has no round of that name."))  # fmt: skip
        return rounds[name]

    def _sampled_at(self, row: Row, checked: Checked) -> datetime.datetime | None:
        try:
            found = moment_of(row.cells.get(SAMPLED_AT.key))
        except ValidationError as error:
            checked.refuse_error(SAMPLED_AT.key, error)
            return None
        if found is None:
            checked.refuse(SAMPLED_AT.key, "required", _("Enter when the sample was taken."))
        return found

    def _try(self, checked: Checked, value: ResultValue, context: Context) -> None:
        """Mark a result already recorded as known; try another in a savepoint undone."""
        previous = LabResult.objects.filter(round=value.lab_round, person=value.person).first()
        if previous is not None and (previous.sampled_at, previous.result, previous.laboratory) == (
            value.sampled_at, value.result, value.laboratory.strip()
        ):  # fmt: skip
            checked.known = True
            return
        if context.writing:  # the write records it for good
            checked.value = value
            return
        try:
            with transaction.atomic():
                self._record(value, context)
                raise _Trial
        except _Trial:
            checked.value = value
        except (ValidationError, ApiError) as error:
            column = _column_of(error)
            checked.refuse_error(column, error)

    def _record(self, value: ResultValue, context: Context) -> None:
        """Try a row: its campaign's hours are collected and dropped, never locked."""
        services.result_record(
            actor=context.actor, lab_round=value.lab_round, person=value.person,
            sampled_at=value.sampled_at, result=value.result, laboratory=value.laboratory,
            reason=value.reason or None, hours_into={},
        )  # fmt: skip

    def write(self, rows: list[Checked], context: Context) -> int:
        """Record the chunk round by round, in the rounds' id order; the campaign's hours moved
        are kept in `context.state` for `finish`."""
        moved: services.CampaignHours = context.state.setdefault("campaign_hours", {})
        by_round: dict[int, list[Checked]] = {}
        for row in rows:
            by_round.setdefault(row.value.lab_round.pk, []).append(row)
        for round_id in sorted(by_round):
            values: list[ResultValue] = [row.value for row in by_round[round_id]]
            services.results_record_many(
                actor=context.actor, lab_round=values[0].lab_round,
                entries=[_entry(value) for value in values],
                persons={value.person.pk: value.person for value in values},
                rows=[row.number for row in by_round[round_id]], hours_into=moved,
            )  # fmt: skip
        return len(rows)

    def finish(self, context: Context) -> None:
        """Move the campaign's hours by what the whole file changed, once, in order."""
        services.campaign_hours_apply(moved=context.state.get("campaign_hours", {}))

    def preview(self, value: ResultValue) -> list[str]:
        from django.utils import timezone

        return [
            value.lab_round.name, value.person.name, mask_id(value.person.id_number),
            timezone.localtime(value.sampled_at).strftime("%Y-%m-%d %H:%M"),
            str(LabOutcome(value.result).label),
        ]  # fmt: skip


def _entry(value: ResultValue) -> services.ResultEntry:
    return services.ResultEntry(
        person_id=value.person.pk, sampled_at=value.sampled_at, result=value.result,
        laboratory=value.laboratory, reason=value.reason or None,
    )  # fmt: skip


FIELD_COLUMNS = {"sampled_at": SAMPLED_AT.key, "result": RESULT.key, "reason": REASON.key}


def _column_of(error: ValidationError | ApiError) -> str | None:
    field = error.field if isinstance(error, ApiError) else next(
        iter(getattr(error, "error_dict", {}) or {None: None})
    )  # fmt: skip
    return FIELD_COLUMNS.get(field or "")


def _named(row: Row) -> Row:
    """A result's row names its person, if at all, only to be read: a name is not required."""
    if row.text(NAME.key):
        return row
    return Row(row.number, {**row.cells, NAME.key: "-"})


register(ResultKind())
