"""People (DESIGN.md's contract, "People"): persons, their stays and visits.

No response carries a full identity or phone number, except `GET /persons/{id}?reveal=...`
with a `reason`, for the officers and operators in whose scope the person lies (audited).
"""

import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from fangkong.core.pagination import Pagination
from fangkong.core.schema import (
    CONFLICT,
    FORBIDDEN,
    READ,
    WRITE,
    Day,
    InputSchema,
    InstitutionCodeRef,
    Moment,
    Name,
    Temperature,
    Text,
    answers,
)
from fangkong.institutions.selectors import institution_get
from fangkong.people import selectors, services
from fangkong.people.identity import DocumentType, Sex, mask_name
from fangkong.people.models import Person, Stay, StayRole, Visit

router = Router(tags=["people"])

RowId = Annotated[int, Field(ge=1, le=2**31 - 1)]  # within every database's integers
PersonId = RowId


class PersonIn(InputSchema):
    name: Annotated[Name, Field(max_length=100)]
    id_number: Annotated[Text, Field(min_length=1, max_length=40)]
    document_type: DocumentType = DocumentType.RIC
    phone: Annotated[Text, Field(max_length=30)] = ""


class PersonCreatedOut(Schema):
    id: int
    name: str
    id_number_masked: str


@router.post("/persons", response=answers({200: PersonCreatedOut, 201: PersonCreatedOut}, WRITE))
def create_person(request: HttpRequest, payload: PersonIn) -> Status[dict[str, Any]]:
    """Register a person by their document number; a known number answers 200 with the same
    person (its name masked when the person lies outside the caller's scope)."""
    found = services.person_register(
        actor=request.user, name=payload.name, id_number=payload.id_number,
        document_type=payload.document_type, phone=payload.phone,
    )  # fmt: skip
    person = found.person
    name = person.name if found.in_scope else mask_name(person.name)
    body = {"id": person.pk, "name": name, "id_number_masked": person.id_number_masked}
    return Status(201 if found.created else 200, body)


class StayOut(Schema):
    id: int
    person_id: int
    person_name: str = Field(alias="person.name")
    id_number_masked: str = Field(alias="person.id_number_masked")
    institution_code: str = Field(alias="institution.code")
    role: StayRole
    start: datetime.datetime
    end: datetime.datetime | None
    admission_reason: str
    discharge_reason: str
    job: str
    on_site: bool
    exception_reason: str


class VisitOut(Schema):
    id: int
    person_id: int = Field(alias="visitor_id")
    person_name: str = Field(alias="visitor.name")
    id_number_masked: str = Field(alias="visitor.id_number_masked")
    institution_code: str = Field(alias="institution.code")
    visited_person_id: int | None = Field(alias="visited_id")
    visited_person_name: str | None = Field(None, description="The resident visited, by name only.")
    check_in: datetime.datetime
    check_out: datetime.datetime | None
    temperature: float | None
    came_from: str
    test_proof: str
    exception_reason: str

    @staticmethod
    def resolve_temperature(obj: Visit) -> float | None:
        return float(obj.temperature) if obj.temperature is not None else None

    @staticmethod
    def resolve_visited_person_name(obj: Visit) -> str | None:
        return obj.visited.name if obj.visited_id is not None and obj.visited else None


class PersonOut(Schema):
    id: int
    name: str
    sex: Sex
    birth_date: datetime.date | None
    document_type: DocumentType
    id_number_masked: str
    phone_masked: str
    id_number: str | None = Field(None, description="Only when revealed (`reveal=id_number`).")
    phone: str | None = Field(None, description="Only when revealed (`reveal=phone`).")
    stays: list[StayOut]
    visits: list[VisitOut]
    visits_received: list[VisitOut] = Field(
        description="Visits that named this person as the resident visited (newest 100)."
    )


class PersonListOut(Schema):
    id: int
    name: str
    sex: Sex
    birth_date: datetime.date | None
    id_number_masked: str
    phone_masked: str


@router.get("/persons", response=answers({200: list[PersonListOut]}, READ))
def search_persons(
    request: HttpRequest, q: Annotated[Text, Field(min_length=1, max_length=50)]
) -> Any:
    """Persons in scope by name, pinyin (`zhangsan`) or its initials (`zs`), the last four
    characters of the identity number, or the full phone number."""
    return list(selectors.person_search(user=request.user, q=q))


@router.get("/persons/{person_id}", response=answers({200: PersonOut}, (*READ, FORBIDDEN)))
def get_person(
    request: HttpRequest,
    person_id: PersonId,
    reveal: Literal["id_number", "phone"] | None = None,
    reason: Annotated[Text, Field(max_length=500)] | None = None,
) -> dict[str, Any]:
    """A person in scope, numbers masked; `reveal=id_number` (or `phone`) with a `reason`
    shows the full number to an officer or operator, and is audited."""
    person = selectors.person_get(user=request.user, pk=person_id)
    body: dict[str, Any] = _person_body(request, person)
    if reveal is not None:
        body[reveal] = services.person_reveal(
            actor=request.user, person=person, field=reveal, reason=reason
        )
    return body


def _person_body(request: HttpRequest, person: Person) -> dict[str, Any]:
    return {
        "id": person.pk, "name": person.name, "sex": person.sex, "birth_date": person.birth_date,
        "document_type": person.document_type, "id_number_masked": person.id_number_masked,
        "phone_masked": person.phone_masked,
        "stays": list(selectors.person_stays(user=request.user, person=person)),
        "visits": list(selectors.person_visits(user=request.user, person=person)),
        "visits_received": list(
            selectors.visits_to_person(user=request.user, person=person)[:100]
        ),
    }  # fmt: skip


class StayIn(InputSchema):
    person_id: PersonId
    role: StayRole
    start: Moment
    end: Moment | None = None
    admission_reason: Annotated[Text, Field(max_length=300)] = ""
    discharge_reason: Annotated[Text, Field(max_length=300)] = ""
    job: Annotated[Text, Field(max_length=100)] = ""
    on_site: bool = False
    exception_reason: Annotated[Text, Field(max_length=500)] | None = None


@router.post("/institutions/{code}/stays", response=answers({201: StayOut}, (*WRITE, CONFLICT)))
def create_stay(request: HttpRequest, code: InstitutionCodeRef, payload: StayIn) -> Status[Stay]:
    """Record a resident's or a staff member's stay over `[start, end)`; 409 when it overlaps
    another stay of the person; an admission during a closure: 422 `entry_refused`."""
    institution = institution_get(user=request.user, code=code)
    person = selectors.person_for_record(user=request.user, pk=payload.person_id)
    data = payload.dict(exclude={"person_id"})
    stay = services.stay_create(actor=request.user, institution=institution, person=person, **data)
    return Status(201, stay)


@router.get("/institutions/{code}/stays", response=answers({200: list[StayOut]}, READ))
@paginate(Pagination)
def list_stays(request: HttpRequest, code: InstitutionCodeRef, at: Moment | None = None) -> Any:
    """The institution's stays; with `at`, the residents and staff present at that moment."""
    institution = institution_get(user=request.user, code=code)
    return selectors.institution_stays(user=request.user, institution=institution, at=at)


class VisitIn(InputSchema):
    person_id: PersonId
    check_in: Moment
    check_out: Moment | None = None
    temperature: Temperature | None = None
    came_from: Annotated[Text, Field(max_length=200)] = ""
    test_proof: Annotated[Text, Field(max_length=200)] = ""
    visited_person_id: PersonId | None = None
    exception_reason: Annotated[Text, Field(max_length=500)] | None = None


@router.post("/institutions/{code}/visits", response=answers({201: VisitOut}, WRITE))
def create_visit(request: HttpRequest, code: InstitutionCodeRef, payload: VisitIn) -> Status[Visit]:
    """Register a visit; during a closure that forbids visits, 422 `entry_refused` unless an
    officer gives an `exception_reason`. `visited_person_id` names the resident visited: one
    with a resident stay in this institution at `check_in` (422 otherwise)."""
    institution = institution_get(user=request.user, code=code)
    visitor = selectors.person_for_record(user=request.user, pk=payload.person_id)
    visited = None
    if payload.visited_person_id is not None:
        visited = selectors.person_get(user=request.user, pk=payload.visited_person_id)
    temperature = None
    if payload.temperature is not None:
        temperature = Decimal(str(round(payload.temperature, 1)))
    visit = services.visit_create(
        actor=request.user, institution=institution, visitor=visitor, visited=visited,
        check_in=payload.check_in, check_out=payload.check_out, temperature=temperature,
        came_from=payload.came_from, test_proof=payload.test_proof,
        exception_reason=payload.exception_reason,
    )  # fmt: skip
    return Status(201, visit)


@router.get("/institutions/{code}/visits", response=answers({200: list[VisitOut]}, READ))
@paginate(Pagination)
def list_visits(request: HttpRequest, code: InstitutionCodeRef, date: Day) -> Any:
    """The visits that checked in on a local day (Asia/Shanghai), in order."""
    institution = institution_get(user=request.user, code=code)
    return selectors.institution_visits(user=request.user, institution=institution, day=date)


class StayEndIn(InputSchema):
    end: Moment
    discharge_reason: Annotated[Text, Field(max_length=300)] = ""


@router.post("/stays/{stay_id}/end", response=answers({200: StayOut}, WRITE))
def end_stay(request: HttpRequest, stay_id: RowId, payload: StayEndIn) -> Stay:
    """End an open stay: a resident's discharge (with its reason), a staff member leaving."""
    stay = selectors.stay_get(user=request.user, pk=stay_id)
    return services.stay_end(
        actor=request.user, stay=stay, end=payload.end, discharge_reason=payload.discharge_reason
    )


class CheckOutIn(InputSchema):
    check_out: Moment


@router.post("/visits/{visit_id}/check-out", response=answers({200: VisitOut}, WRITE))
def check_out_visit(request: HttpRequest, visit_id: RowId, payload: CheckOutIn) -> Visit:
    """Record when the visitor left."""
    visit = selectors.visit_get(user=request.user, pk=visit_id)
    return services.visit_check_out(actor=request.user, visit=visit, check_out=payload.check_out)


# Imports of files (fangkong.people.imports).
from fangkong.people.imports.api import router as imports_router  # noqa: E402

router.add_router("", imports_router)


# Staff: employments, shifts and the census (people/api_staff.py) --------------------------------
def _add_staff_router() -> None:
    from fangkong.people.api_staff import router as staff_router

    router.add_router("", staff_router)


_add_staff_router()
