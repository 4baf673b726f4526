"""Screening (DESIGN.md's contract, "Screening"): a window's subjects, computed, classified."""

import datetime
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema, Status

from fangkong.core.errors import field_error
from fangkong.core.schema import (
    READ,
    WRITE,
    InputSchema,
    InstitutionCode,
    Moment,
    Name,
    answers,
)
from fangkong.core.scoping import visible
from fangkong.institutions.models import Institution
from fangkong.people.models import Person
from fangkong.people.selectors import persons_visible
from fangkong.screening import selectors, services
from fangkong.screening.models import ContactClass, ScreeningSubject, SubjectRole

router = Router(tags=["screening"])

RowId = Annotated[int, Field(ge=1, le=2**31 - 1)]


class ScreeningIn(InputSchema):
    institution_code: InstitutionCode
    start: Moment
    end: Moment
    reason: Annotated[Name, Field(max_length=500)]
    index_person_id: RowId | None = None


class ScreeningCreatedOut(Schema):
    id: int
    subjects: int = Field(description="How many persons were present in the window.")


def _institution(request: HttpRequest, code: str) -> Institution:
    institutions = visible(Institution.objects.select_related("region"), request.user)
    found = institutions.filter(code=code).first()
    if found is None:
        raise field_error(
            "institution_code", _("No institution with code %(code)s in your scope."),
            "unknown_institution", code=code,
        )  # fmt: skip
    return found


def _index_person(request: HttpRequest, pk: int | None) -> Person | None:
    if pk is None:
        return None
    found = persons_visible(request.user).filter(pk=pk).first()
    if found is None:
        raise field_error(
            "index_person_id", _("No person with this id in your scope."), "unknown_person"
        )
    return found


@router.post("/screenings", response=answers({201: ScreeningCreatedOut}, WRITE))
def create_screening(request: HttpRequest, payload: ScreeningIn) -> Status[dict[str, Any]]:
    """Open a screening: everyone present in the institution at any moment of `[start, end)`
    (stays and visits that overlap it; 28 days at most) becomes a subject."""
    screening = services.screening_create(
        actor=request.user, institution=_institution(request, payload.institution_code),
        start=payload.start, end=payload.end, reason=payload.reason,
        index_person=_index_person(request, payload.index_person_id),
    )  # fmt: skip
    return Status(201, {"id": screening.pk, "subjects": screening.subjects.count()})


class ScreeningOut(Schema):
    id: int
    institution_code: str = Field(alias="institution.code")
    institution_name: str = Field(alias="institution.name")
    start: datetime.datetime
    end: datetime.datetime
    reason: str
    index_person_id: int | None
    subjects: int = Field(alias="n_subjects")
    created_at: datetime.datetime


@router.get("/screenings/{screening_id}", response=answers({200: ScreeningOut}, READ))
def get_screening(request: HttpRequest, screening_id: RowId) -> Any:
    return selectors.screening_get(user=request.user, pk=screening_id)


class PlaceOut(Schema):
    code: str
    name: str
    role: SubjectRole
    start: datetime.datetime
    end: datetime.datetime | None


class SubjectOut(Schema):
    person_id: int
    name: str = Field(alias="person.name")
    id_number_masked: str = Field(alias="person.id_number_masked")
    roles: list[SubjectRole]
    classification: ContactClass | None
    classification_reason: str
    proposed: ContactClass | None = Field(description="A proposal only, never applied by itself.")
    proposed_basis: str
    elsewhere: list[PlaceOut] = Field(description="Presence in other institutions in the window.")

    @staticmethod
    def resolve_classification(obj: ScreeningSubject) -> str | None:
        return obj.classification or None

    @staticmethod
    def resolve_proposed(obj: ScreeningSubject) -> str | None:
        return obj.proposed or None


@router.get("/screenings/{screening_id}/subjects", response=answers({200: list[SubjectOut]}, READ))
def list_subjects(request: HttpRequest, screening_id: RowId) -> Any:
    """Everyone present in the window, with roles, class (or none yet) and the proposal;
    identity numbers masked."""
    screening = selectors.screening_get(user=request.user, pk=screening_id)
    return list(selectors.subjects_of(screening))


class ClassificationIn(InputSchema):
    classification: ContactClass
    reason: Annotated[Name, Field(max_length=500)]


@router.post(
    "/screenings/{screening_id}/subjects/{person_id}/classification",
    response=answers({200: SubjectOut}, WRITE),
)
def classify_subject(
    request: HttpRequest, screening_id: RowId, person_id: RowId, payload: ClassificationIn
) -> Any:
    """Classify a subject (close contact, contact of a contact, general contact, excluded),
    with a reason; a person who is not a subject: 400 naming `person_id`."""
    screening = selectors.screening_get(user=request.user, pk=screening_id)
    services.subject_classify(
        actor=request.user, screening=screening, person_id=person_id,
        classification=payload.classification, reason=payload.reason,
    )  # fmt: skip
    return selectors.subjects_of(screening).get(person_id=person_id)
