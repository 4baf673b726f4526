"""Testing (DESIGN.md's contract, "Testing"): rounds, results and a region's coverage."""

import datetime
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema, Status

from fangkong.core.exceptions import Forbidden
from fangkong.core.schema import (
    CONFLICT,
    READ,
    WRITE,
    InputSchema,
    InstitutionCode,
    Moment,
    Name,
    RegionCode,
    RegionCodeRef,
    Text,
    answers,
)
from fangkong.lab import selectors, services
from fangkong.lab.models import LabMethod, LabOutcome, LabResult, LabRound
from fangkong.people.selectors import person_get, persons_visible

router = Router(tags=["testing"])

RowId = Annotated[int, Field(ge=1, le=2**31 - 1)]


class RoundIn(InputSchema):
    region_code: RegionCode | None = None
    institution_code: InstitutionCode | None = None
    name: Annotated[Name, Field(max_length=100)]
    started_at: Moment
    method: LabMethod


class OpenedOut(Schema):
    id: int
    institution_code: str
    expected: int


class RoundsOut(Schema):
    campaign_id: int
    rounds: list[OpenedOut]


@router.post("/lab-rounds", response=answers({201: RoundsOut}, (*WRITE, CONFLICT)))
def create_rounds(request: HttpRequest, payload: RoundIn) -> Status[dict[str, Any]]:
    """Open a round for one institution, or one for each institution open that day under a
    region; each expects the persons with a stay covering `started_at`."""
    opened = services.round_create(
        actor=request.user, name=payload.name, started_at=payload.started_at,
        method=payload.method, region_code=payload.region_code,
        institution_code=payload.institution_code,
    )  # fmt: skip
    rounds = [
        {"id": o.round.pk, "institution_code": o.round.institution.code, "expected": o.expected}
        for o in opened
    ]
    return Status(201, {"campaign_id": opened[0].round.campaign_id, "rounds": rounds})


class RoundPersonOut(Schema):
    person_id: int
    name: str
    id_number_masked: str
    role: str = Field(description="`resident` or `staff` when expected; empty when added.")
    expected: bool
    result: LabOutcome | None
    sampled_at: datetime.datetime | None
    method: LabMethod | None = Field(description="How the sample was tested; none without one.")
    laboratory: str
    added_reason: str
    excused_reason: str


class LateArrivalOut(Schema):
    person_id: int
    name: str = Field(alias="person.name")
    id_number_masked: str = Field(alias="person.id_number_masked")
    role: str
    start: datetime.datetime


class RoundOut(Schema):
    id: int
    name: str
    method: LabMethod
    started_at: datetime.datetime
    campaign_id: int
    institution_code: str
    institution_name: str
    expected: int
    tested: int
    positive: int
    complete: bool
    persons: list[RoundPersonOut]
    late_arrivals: list[LateArrivalOut]


def round_body(lab_round: LabRound) -> dict[str, Any]:
    return {
        "id": lab_round.pk, "name": lab_round.name, "method": lab_round.method,
        "started_at": lab_round.started_at, "campaign_id": lab_round.campaign_id,
        "institution_code": lab_round.institution.code,
        "institution_name": lab_round.institution.name,
        "expected": lab_round.n_expected, "tested": lab_round.n_tested,
        "positive": lab_round.n_positive,
        "complete": selectors.is_complete(lab_round),
        "persons": selectors.round_persons(lab_round),
        "late_arrivals": list(selectors.late_arrivals(lab_round)),
    }  # fmt: skip


@router.get("/lab-rounds/{round_id}", response=answers({200: RoundOut}, READ))
def get_round(request: HttpRequest, round_id: RowId) -> dict[str, Any]:
    """A round: its counts, its persons (expected, then added) with their results, and those
    who arrived after it started; identity numbers masked."""
    return round_body(selectors.round_get(user=request.user, pk=round_id))


class ResultIn(InputSchema):
    sampled_at: Moment
    result: LabOutcome
    method: LabMethod | None = Field(None, description="The round's method unless given.")
    laboratory: Annotated[Text, Field(max_length=200)] = ""
    reason: Annotated[Text, Field(max_length=300)] | None = Field(
        None, description="Why a person not expected in the round is added."
    )


class ResultOut(Schema):
    round_id: int
    person_id: int
    sampled_at: datetime.datetime
    result: LabOutcome
    method: LabMethod
    laboratory: str
    added_reason: str
    expected: bool


def _round_for_write(request: HttpRequest, round_id: int) -> LabRound:
    lab_round = selectors.round_get(user=request.user, pk=round_id)
    if not services.may_record(request.user, lab_round.institution):
        raise Forbidden(_("Your role may not record results."))
    return lab_round


@router.put(
    "/lab-rounds/{round_id}/results/{person_id}",
    response=answers({200: ResultOut, 201: ResultOut}, WRITE),
)
def put_result(
    request: HttpRequest, round_id: RowId, person_id: RowId, payload: ResultIn
) -> Status[dict[str, Any]]:
    """Record or replace a person's result; a person not expected needs a `reason`."""
    lab_round = _round_for_write(request, round_id)
    person = person_get(user=request.user, pk=person_id)
    recorded = services.result_record(
        actor=request.user, lab_round=lab_round, person=person, sampled_at=payload.sampled_at,
        result=payload.result, laboratory=payload.laboratory, reason=payload.reason,
        method=payload.method or "",
    )  # fmt: skip
    return Status(201 if recorded.created else 200, _result_body(recorded.result))


def _result_body(row: LabResult) -> dict[str, Any]:
    return {
        "round_id": row.round_id, "person_id": row.person_id, "sampled_at": row.sampled_at,
        "result": row.result, "method": row.method, "laboratory": row.laboratory,
        "added_reason": row.added_reason, "expected": not row.added_reason,
    }  # fmt: skip


class BulkResultIn(ResultIn):
    person_id: RowId


class BulkResultsIn(InputSchema):
    results: Annotated[list[BulkResultIn], Field(min_length=1, max_length=services.BULK_LIMIT)]


class BulkResultsOut(Schema):
    round_id: int
    recorded: int
    created: int
    results: list[ResultOut]


@router.post("/lab-rounds/{round_id}/results", response=answers({200: BulkResultsOut}, WRITE))
def post_results(request: HttpRequest, round_id: RowId, payload: BulkResultsIn) -> dict[str, Any]:
    """Record or replace many results at once, all or none: a refusal lists every problem in
    `errors`, each `field` naming the entry from 0 (`results[3].sampled_at`)."""
    lab_round = _round_for_write(request, round_id)
    entries = [
        services.ResultEntry(
            person_id=item.person_id, sampled_at=item.sampled_at, result=item.result,
            method=item.method or "", laboratory=item.laboratory, reason=item.reason,
        )
        for item in payload.results
    ]  # fmt: skip
    ids = {entry.person_id for entry in entries}
    persons = {p.pk: p for p in persons_visible(request.user).filter(pk__in=ids)}
    recorded = services.results_record_many(
        actor=request.user, lab_round=lab_round, entries=entries, persons=persons
    )
    return {
        "round_id": lab_round.pk, "recorded": len(recorded),
        "created": sum(1 for r in recorded if r.created),
        "results": [_result_body(r.result) for r in recorded],
    }  # fmt: skip


class ExcuseIn(InputSchema):
    reason: Annotated[Name, Field(max_length=300)]


class ExcuseOut(Schema):
    round_id: int
    person_id: int
    excused_reason: str


@router.post(
    "/lab-rounds/{round_id}/excuses/{person_id}", response=answers({200: ExcuseOut}, WRITE)
)
def excuse_person(
    request: HttpRequest, round_id: RowId, person_id: RowId, payload: ExcuseIn
) -> dict[str, Any]:
    """Excuse an expected person without a result (in hospital, left), with the reason."""
    lab_round = _round_for_write(request, round_id)
    person = person_get(user=request.user, pk=person_id)
    row = services.person_excuse(
        actor=request.user, lab_round=lab_round, person=person, reason=payload.reason
    )
    return {"round_id": lab_round.pk, "person_id": person.pk, "excused_reason": row.excused_reason}


class LabCoverageOut(Schema):
    name: str
    institutions: int
    complete: int
    expected: int
    tested: int
    positive: int


@router.get("/regions/{code}/lab-coverage", response=answers({200: LabCoverageOut}, READ))
def get_coverage(
    request: HttpRequest, code: RegionCodeRef, name: Annotated[Text, Field(max_length=100)]
) -> dict[str, Any]:
    """The region's coverage of the rounds named `name`: institutions with such a round and
    those complete (every expected person tested or excused); expected, tested (a result other
    than pending) and positive persons."""
    region = selectors.coverage_region_get(user=request.user, code=code)
    found = selectors.coverage(user=request.user, region=region, name=" ".join(name.split()))
    return {"name": name, **found.__dict__}


class ProgressPointOut(Schema):
    at: datetime.datetime = Field(description="The hour's or day's start, in local time.")
    tested: int = Field(description="Expected persons with a final result sampled by its end.")
    coverage: float = Field(description="`tested` / `expected`, 0–1.")


class LabProgressOut(Schema):
    name: str
    expected: int
    unit: str = Field(description="`hour`, or `day` when sampling spans more than 3 days.")
    points: list[ProgressPointOut]


@router.get("/regions/{code}/lab-progress", response=answers({200: LabProgressOut}, READ))
def get_progress(
    request: HttpRequest, code: RegionCodeRef, name: Annotated[Text, Field(max_length=100)]
) -> dict[str, Any]:
    """The campaign's progress over time: the region's expected persons of the rounds named
    `name` tested by the end of each hour (or day), cumulated."""
    region = selectors.coverage_region_get(user=request.user, code=code)
    name = " ".join(name.split())
    found = selectors.progress(user=request.user, region=region, name=name)
    points = [
        {"at": p.at, "tested": p.tested,
         "coverage": p.tested / found.expected if found.expected else 0.0}
        for p in found.points
    ]  # fmt: skip
    return {"name": name, "expected": found.expected, "unit": found.unit, "points": points}
