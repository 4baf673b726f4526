"""Closures (DESIGN.md's contract, "Closures"), the entry check and the gate register."""

import datetime
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from fangkong.closures import selectors, services
from fangkong.closures.models import Closure, ClosureLevel, GateDirection, GateEvent, GatePurpose
from fangkong.core.pagination import Pagination
from fangkong.core.schema import (
    CONFLICT,
    READ,
    WRITE,
    Day,
    InputSchema,
    InstitutionCode,
    InstitutionCodeRef,
    Moment,
    Name,
    RegionCode,
    RegionCodeRef,
    Temperature,
    Text,
    answers,
)
from fangkong.institutions.selectors import institution_get
from fangkong.regions.selectors import region_get

router = Router(tags=["closures"])


class BasisIn(InputSchema):
    """The notice ordering the closure: its title, number (文号) and date."""

    title: Annotated[Name, Field(max_length=200)]
    number: Annotated[Text, Field(max_length=100)] = ""
    date: Day | None = None


class BasisOut(Schema):
    title: str
    number: str
    date: datetime.date | None


# The notice's title alone may stand for the whole basis.
BasisField = BasisIn | Annotated[Name, Field(max_length=200)]


def _basis(value: BasisIn | str) -> services.Basis:
    if isinstance(value, str):
        return services.Basis(title=value)
    return services.Basis(title=value.title, number=value.number, date=value.date)


class ClosureIn(InputSchema):
    region_code: RegionCode | None = None
    institution_code: InstitutionCode | None = None
    start_date: Day
    end_date: Day | None = None
    level: ClosureLevel
    basis: BasisField


class LiftIn(InputSchema):
    region_code: RegionCode | None = None
    institution_code: InstitutionCode | None = None
    end_date: Day = Field(description="The closures' new last day (included).")
    basis: BasisField


class ClosureOut(Schema):
    id: int
    institution_code: str = Field(alias="institution.code")
    institution_name: str = Field(alias="institution.name")
    region_code: str = Field(alias="institution.region.code")
    start_date: datetime.date
    end_date: datetime.date | None
    level: ClosureLevel
    basis: BasisOut = Field(alias="order.basis")
    order_id: int
    ordered_by: str | None
    created_at: datetime.datetime
    lifted_at: datetime.datetime | None
    lifted_by: str | None

    @staticmethod
    def resolve_ordered_by(obj: Closure) -> str | None:
        return obj.order.ordered_by.get_username() if obj.order.ordered_by else None

    @staticmethod
    def resolve_lifted_by(obj: Closure) -> str | None:
        return obj.lifted_by.get_username() if obj.lifted_by else None


class SkippedOut(Schema):
    code: str
    name: str
    closure_id: int = Field(description="The closure already in force on some of the days.")
    start_date: datetime.date
    end_date: datetime.date | None


class OrderOut(Schema):
    order_id: int
    kind: str = Field(description="`close` or `lift`.")
    closures: list[ClosureOut]
    skipped: list[SkippedOut] = Field(
        description="A region's order: the institutions left out, already closed on some of "
        "its days (their own closure stands)."
    )


@router.post("/closures", response=answers({201: OrderOut}, (*WRITE, CONFLICT)))
def create_closures(request: HttpRequest, payload: ClosureIn) -> Status[dict[str, Any]]:
    """Close one institution, or every institution open on `start_date` under a region."""
    order = services.closure_create(
        actor=request.user, region_code=payload.region_code,
        institution_code=payload.institution_code, start_date=payload.start_date,
        end_date=payload.end_date, level=payload.level, basis=_basis(payload.basis),
    )  # fmt: skip
    closures = list(selectors.closure_of_order(order=order))
    return Status(201, {"order_id": order.pk, "kind": order.kind, "closures": closures,
                        "skipped": order.skipped})  # fmt: skip


@router.post("/closures/lift", response=answers({200: OrderOut}, WRITE))
def lift_closures(request: HttpRequest, payload: LiftIn) -> dict[str, Any]:
    """Lift the closures in force after `end_date`, of one institution or under a region."""
    order = services.closure_lift(
        actor=request.user, region_code=payload.region_code,
        institution_code=payload.institution_code, end_date=payload.end_date,
        basis=_basis(payload.basis),
    )  # fmt: skip
    return {"order_id": order.pk, "kind": order.kind, "skipped": [],
            "closures": list(selectors.closures_lifted_by(order=order))}  # fmt: skip


@router.get("/regions/{code}/closures", response=answers({200: list[ClosureOut]}, READ))
@paginate(Pagination)
def list_region_closures(request: HttpRequest, code: RegionCodeRef, date: Day | None = None) -> Any:
    """The closures of the region's institutions: those in force on `date` when given."""
    region = region_get(user=request.user, code=code)
    return selectors.closure_list(user=request.user, region=region, day=date)


@router.get("/institutions/{code}/closures", response=answers({200: list[ClosureOut]}, READ))
def list_institution_closures(request: HttpRequest, code: InstitutionCodeRef) -> Any:
    """The institution's closures, the latest first."""
    institution = institution_get(user=request.user, code=code)
    return selectors.institution_closures(user=request.user, institution=institution)


class EntryCheckOut(Schema):
    allowed: bool
    reason: str
    conditions: str
    requires: list[str] = Field(
        description="What a passage must show under the rule: `test_proof`, `temperature`."
    )
    outcome: str
    field: str | None = Field(description="What a refusal is about: `purpose` or the condition.")
    closure_id: int | None
    level: ClosureLevel | None


@router.get("/institutions/{code}/entry-check", response=answers({200: EntryCheckOut}, READ))
def entry_check(
    request: HttpRequest,
    code: InstitutionCodeRef,
    at: Moment,
    purpose: GatePurpose,
    direction: GateDirection = GateDirection.IN,
    temperature: Annotated[float, Query(ge=30, le=45)] | None = None,
    test_proof: Annotated[Text, Query(max_length=200)] | None = None,
) -> dict[str, Any]:
    """May someone enter (or, with `direction=out`, leave) for `purpose` at the moment `at`?

    Without `temperature` and `test_proof` a conditional rule answers allowed, naming in
    `requires` what the passage must show; with either, the passage's conditions are checked.
    """
    institution = institution_get(user=request.user, code=code)
    evidence = None
    if temperature is not None or test_proof is not None:
        evidence = services.Evidence(
            temperature=Decimal(str(round(temperature, 1))) if temperature is not None else None,
            test_proof=test_proof or "",
        )
    decision = services.entry_check(institution, at, purpose, direction, evidence)
    return {
        "allowed": decision.allowed,
        "reason": decision.reason,
        "conditions": decision.conditions,
        "requires": list(decision.requires),
        "field": None if decision.allowed else decision.field,
        "outcome": decision.outcome,
        "closure_id": decision.closure.pk if decision.closure else None,
        "level": decision.closure.level if decision.closure else None,
    }


class GateEventIn(InputSchema):
    at: Moment
    direction: GateDirection
    purpose: GatePurpose
    person_name: Annotated[Text, Field(max_length=100)] = ""
    vehicle: Annotated[Text, Field(max_length=20)] = ""
    temperature: Temperature | None = None
    test_proof: Annotated[Text, Field(max_length=200)] = ""
    exception_reason: Annotated[Text, Field(max_length=500)] | None = None


class GateEventOut(Schema):
    id: int
    institution_code: str = Field(alias="institution.code")
    closure_id: int
    at: datetime.datetime
    direction: GateDirection
    purpose: GatePurpose
    person_name: str
    vehicle: str
    temperature: float | None
    test_proof: str
    outcome: str
    exception_reason: str
    exception_by: str | None
    recorded_by: str | None

    @staticmethod
    def resolve_exception_by(obj: GateEvent) -> str | None:
        return obj.exception_by.get_username() if obj.exception_by else None

    @staticmethod
    def resolve_recorded_by(obj: GateEvent) -> str | None:
        return obj.recorded_by.get_username() if obj.recorded_by else None

    @staticmethod
    def resolve_temperature(obj: GateEvent) -> float | None:
        return float(obj.temperature) if obj.temperature is not None else None


@router.post("/institutions/{code}/gate-events", response=answers({201: GateEventOut}, WRITE))
def record_gate_event(
    request: HttpRequest, code: InstitutionCodeRef, payload: GateEventIn
) -> Status[GateEvent]:
    """Register a passage; 422 `entry_refused` / `exit_refused` when the closure's rules refuse
    it and no officer's `exception_reason` is given."""
    institution = institution_get(user=request.user, code=code)
    passage = payload.dict()
    if passage["temperature"] is not None:
        passage["temperature"] = Decimal(str(round(passage["temperature"], 1)))
    event = services.gate_event_record(actor=request.user, institution=institution, **passage)
    return Status(201, event)


@router.get("/institutions/{code}/gate-events", response=answers({200: list[GateEventOut]}, READ))
def list_gate_events(request: HttpRequest, code: InstitutionCodeRef, date: Day) -> Any:
    """The institution's gate register of a local day, in order."""
    institution = institution_get(user=request.user, code=code)
    return selectors.gate_register(user=request.user, institution=institution, day=date)


@router.get("/regions/{code}/gate-exceptions", response=answers({200: list[GateEventOut]}, READ))
def list_gate_exceptions(request: HttpRequest, code: RegionCodeRef, date: Day) -> Any:
    """The exceptions made at the gates of the region's institutions on a local day."""
    region = region_get(user=request.user, code=code)
    return selectors.gate_exceptions(user=request.user, region=region, day=date)[:1000]


class EntryRuleOut(Schema):
    level: ClosureLevel
    direction: GateDirection
    purpose: GatePurpose
    outcome: str
    reason: str = Field(alias="reason_text")
    conditions: str = Field(alias="conditions_text")
    requires: list[str]
    fever_from: float | None
    handover_outside: bool


@router.get("/entry-rules", response=answers({200: list[EntryRuleOut]}, READ))
def list_entry_rules(request: HttpRequest) -> Any:
    """The rule table: what each closure level lets through the gate, and why."""
    return selectors.rule_table()
