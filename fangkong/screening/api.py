"""Screening (DESIGN.md's contract, "Screening"): a window's subjects, computed, classified."""

import datetime
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema, Status

from fangkong.core.errors import field_error
from fangkong.core.schema import (
    CONFLICT,
    READ,
    WRITE,
    Day,
    InputSchema,
    InstitutionCode,
    Moment,
    Name,
    Temperature,
    Text,
    answers,
)
from fangkong.core.scoping import visible
from fangkong.institutions.models import Institution
from fangkong.people.models import Person
from fangkong.people.selectors import persons_visible
from fangkong.regions.selectors import region_get
from fangkong.screening import selectors, services
from fangkong.screening.models import (
    ContactClass,
    FollowUpOutcome,
    FollowUpStatus,
    RingReferral,
    Screening,
    ScreeningSubject,
    SubjectRole,
    Symptom,
)

router = Router(tags=["screening"])

RowId = Annotated[int, Field(ge=1, le=2**31 - 1)]
REGION_LIMIT = 500  # open screenings listed in a region's view


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


class RingOut(Schema):
    id: int
    institution_code: str
    institution_name: str
    subjects: int


class ScreeningOut(Schema):
    id: int
    institution_code: str
    institution_name: str
    start: datetime.datetime
    end: datetime.datetime
    reason: str
    index_person_id: int | None
    subjects: int
    created_at: datetime.datetime
    parent_id: int | None = Field(description="The first ring, when this is a second ring.")
    second_ring_id: int | None = Field(
        description="The second ring opened from this one in the same institution."
    )
    index_person_ids: list[int] = Field(description="A second ring's index persons.")
    rings: list[RingOut] = Field(
        description="The second rings opened from this one, one per institution where a close "
        "contact was present, inside the caller's scope."
    )
    rings_outside_scope: int = Field(
        description="How many institutions of the second ring lie outside the caller's scope "
        "(their officers were told to open it there)."
    )


def _ring_out(ring: Screening) -> dict[str, Any]:
    return {"id": ring.pk, "institution_code": ring.institution.code,
            "institution_name": ring.institution.name,
            "subjects": getattr(ring, "n_subjects", None) or ring.subjects.count()}  # fmt: skip


@router.get("/screenings/{screening_id}", response=answers({200: ScreeningOut}, READ))
def get_screening(request: HttpRequest, screening_id: RowId) -> Any:
    """A screening, with its first ring (a second ring's) and the rings opened from it."""
    screening = selectors.screening_get(user=request.user, pk=screening_id)
    rings = selectors.screening_rings(user=request.user, screening=screening)
    same = [r.pk for r in rings.rings if r.institution_id == screening.institution_id]
    return {
        "id": screening.pk, "institution_code": screening.institution.code,
        "institution_name": screening.institution.name, "start": screening.start,
        "end": screening.end, "reason": screening.reason,
        "index_person_id": screening.index_person_id, "subjects": screening.n_subjects,  # type: ignore[attr-defined]
        "created_at": screening.created_at, "parent_id": screening.parent_id,
        "second_ring_id": same[0] if same else None,
        "index_person_ids": sorted(screening.index_persons.values_list("pk", flat=True)),
        "rings": [_ring_out(ring) for ring in rings.rings], "rings_outside_scope": rings.outside,
    }  # fmt: skip


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


class SecondRingIn(InputSchema):
    reason: Annotated[Name, Field(max_length=500)]
    end: Moment | None = None


class SecondRingOut(Schema):
    id: int = Field(description="The ring in this screening's institution.")
    parent_id: int
    subjects: int
    index_person_ids: list[int]
    rings: list[RingOut] = Field(description="Every ring opened, this institution's first.")
    referred: int = Field(
        description="Institutions outside the caller's scope where a close contact was "
        "present: not opened; their officers were told."
    )


@router.post(
    "/screenings/{screening_id}/second-ring",
    response=answers({201: SecondRingOut}, (*WRITE, CONFLICT)),
)
def open_second_ring(
    request: HttpRequest, screening_id: RowId, payload: SecondRingIn
) -> Status[dict[str, Any]]:
    """Open the second ring, from this window's start to `end` (default: now; 28 days at most):
    in every institution where a close contact was present in it, a new screening linked to
    this one whose index persons are the close contacts present there. Institutions outside
    the caller's scope are only counted, and referred to their own officers; a second time:
    409."""
    screening = selectors.screening_get(user=request.user, pk=screening_id)
    opened = services.second_ring_open(
        actor=request.user, screening=screening, reason=payload.reason, end=payload.end
    )
    home = opened.home
    return Status(201, {
        "id": home.pk, "parent_id": screening.pk, "subjects": home.subjects.count(),
        "index_person_ids": sorted(home.index_persons.values_list("pk", flat=True)),
        "rings": [_ring_out(ring) for ring in opened.rings], "referred": len(opened.referrals),
    })  # fmt: skip


class ReferralOut(Schema):
    id: int
    parent_id: int = Field(description="The first ring (outside the caller's scope, maybe).")
    institution_code: str
    institution_name: str
    start: datetime.datetime
    end: datetime.datetime
    reason: str
    index_person_ids: list[int]
    screening_id: int | None = Field(description="The ring, once opened here.")
    created_at: datetime.datetime


def _referral_out(referral: RingReferral) -> dict[str, Any]:
    return {
        "id": referral.pk, "parent_id": referral.parent_id,
        "institution_code": referral.institution.code,
        "institution_name": referral.institution.name, "start": referral.start,
        "end": referral.end, "reason": referral.reason,
        "index_person_ids": sorted(p.pk for p in referral.index_persons.all()),
        "screening_id": referral.screening_id, "created_at": referral.created_at,
    }  # fmt: skip


@router.get("/ring-referrals/{referral_id}", response=answers({200: ReferralOut}, READ))
def get_referral(request: HttpRequest, referral_id: RowId) -> Any:
    """A second ring referred to an institution of the caller's scope by an officer of
    another: its window, its index persons, and the ring once opened."""
    return _referral_out(selectors.referral_get(user=request.user, pk=referral_id))


class ReferralOpenIn(InputSchema):
    reason: Annotated[Name, Field(max_length=500)]


@router.post(
    "/ring-referrals/{referral_id}/open",
    response=answers({201: SecondRingOut}, (*WRITE, CONFLICT)),
)
def open_referral(
    request: HttpRequest, referral_id: RowId, payload: ReferralOpenIn
) -> Status[dict[str, Any]]:
    """Open the referred second ring in the institution (its officers); a second time: 409."""
    referral = selectors.referral_get(user=request.user, pk=referral_id)
    ring = services.referral_open(actor=request.user, referral=referral, reason=payload.reason)
    return Status(201, {
        "id": ring.pk, "parent_id": referral.parent_id, "subjects": ring.subjects.count(),
        "index_person_ids": sorted(ring.index_persons.values_list("pk", flat=True)),
        "rings": [_ring_out(ring)], "referred": 0,
    })  # fmt: skip


# Follow-up of close contacts ----------------------------------------------------------------


class FollowUpIn(InputSchema):
    quarantine_until: Day = Field(description="The quarantine's last day.")
    test_days: list[Day] = Field(default_factory=list, max_length=60)


class TestDayOut(Schema):
    day: datetime.date
    state: str = Field(description="`met` (a result of a sample that day), `missed`, `planned`.")
    result: str | None


class SymptomsOut(Schema):
    day: datetime.date
    symptoms: list[Symptom]
    temperature: float | None
    note: str


class FollowUpPlanOut(Schema):
    revision: int
    quarantine_until: datetime.date
    test_days: list[datetime.date]
    reason: str = Field(description="Why it was changed (empty for the first plan).")
    author: str | None
    at: datetime.datetime


class FollowUpOut(Schema):
    id: int
    screening_id: int
    person_id: int
    name: str
    id_number_masked: str
    quarantine_until: datetime.date
    status: FollowUpStatus
    outcome: FollowUpOutcome | None
    outcome_note: str
    tests: list[TestDayOut]
    symptoms: list[SymptomsOut]
    overdue: bool
    overdue_since: datetime.date | None
    plans: list[FollowUpPlanOut] = Field(description="The plan's revisions, the first first.")


def _follow_up_out(state: selectors.FollowUpState) -> dict[str, Any]:
    fu = state.follow_up
    person = fu.subject.person
    return {
        "id": fu.pk, "screening_id": fu.subject.screening_id, "person_id": person.pk,
        "name": person.name, "id_number_masked": person.id_number_masked,
        "quarantine_until": fu.quarantine_until, "status": fu.status,
        "outcome": fu.outcome or None, "outcome_note": fu.outcome_note,
        "tests": [{"day": t.day, "state": t.state, "result": t.result} for t in state.tests],
        "symptoms": [
            {"day": row.day, "symptoms": row.symptoms, "note": row.note,
             "temperature": None if row.temperature is None else float(row.temperature)}
            for row in fu.symptoms.all()
        ],
        "overdue": state.overdue, "overdue_since": state.overdue_since,
        "plans": [
            {"revision": plan.number, "quarantine_until": plan.quarantine_until,
             "test_days": plan.test_days, "reason": plan.reason,
             "author": plan.author.username if plan.author else None, "at": plan.created_at}
            for plan in fu.plans.all()
        ],
    }  # fmt: skip


def _read(request: HttpRequest, pk: int) -> dict[str, Any]:
    follow_up = selectors.follow_up_get(user=request.user, pk=pk)
    return _follow_up_out(selectors.follow_up_state(follow_up))


@router.post(
    "/screenings/{screening_id}/subjects/{person_id}/follow-up",
    response=answers({201: FollowUpOut}, (*WRITE, CONFLICT)),
)
def start_follow_up(
    request: HttpRequest, screening_id: RowId, person_id: RowId, payload: FollowUpIn
) -> Status[dict[str, Any]]:
    """Follow up a close contact: quarantine until a day, tests on the planned days (each met
    when the lab app has a result of a sample taken that day); a subject not classified as
    close contact: 400 naming `person_id`; a second follow-up: 409."""
    screening = selectors.screening_get(user=request.user, pk=screening_id)
    follow_up = services.follow_up_start(
        actor=request.user, screening=screening, person_id=person_id,
        quarantine_until=payload.quarantine_until, test_days=payload.test_days,
    )  # fmt: skip
    return Status(201, _read(request, follow_up.pk))


@router.get("/follow-ups/{follow_up_id}", response=answers({200: FollowUpOut}, READ))
def get_follow_up(request: HttpRequest, follow_up_id: RowId) -> Any:
    """A follow-up: its planned tests met, missed or to come, its symptoms by day, its status."""
    return _read(request, follow_up_id)


class SymptomsIn(InputSchema):
    day: Day
    # Checked by the service, which names the field: one of `Symptom`'s codes each.
    symptoms: list[Annotated[Text, Field(max_length=30)]] = Field(
        default_factory=list, max_length=20, description=f"Of: {', '.join(Symptom.values)}."
    )
    temperature: Temperature | None = None
    note: Annotated[Text, Field(max_length=500)] = ""


@router.post("/follow-ups/{follow_up_id}/symptoms", response=answers({200: FollowUpOut}, WRITE))
def record_symptoms(request: HttpRequest, follow_up_id: RowId, payload: SymptomsIn) -> Any:
    """Record a day's symptoms (an empty list: none) and temperature; the same day again
    replaces it. Officers and the institution's operators."""
    follow_up = selectors.follow_up_get(user=request.user, pk=follow_up_id)
    temperature = None
    if payload.temperature is not None:
        temperature = Decimal(str(round(payload.temperature, 1)))
    services.symptoms_record(
        actor=request.user, follow_up=follow_up, day=payload.day, symptoms=payload.symptoms,
        temperature=temperature, note=payload.note,
    )  # fmt: skip
    return _read(request, follow_up_id)


class FollowUpPlanIn(InputSchema):
    quarantine_until: Day = Field(description="The quarantine's last day.")
    test_days: list[Day] = Field(default_factory=list, max_length=60)
    reason: Annotated[Name, Field(max_length=500)]


@router.post("/follow-ups/{follow_up_id}/plan", response=answers({200: FollowUpOut}, WRITE))
def change_plan(request: HttpRequest, follow_up_id: RowId, payload: FollowUpPlanIn) -> Any:
    """Change an active follow-up's plan with a reason (officers); the earlier plan stays as a
    revision; a closed follow-up: 400 naming `status`; the same plan: 400 `unchanged`."""
    follow_up = selectors.follow_up_get(user=request.user, pk=follow_up_id)
    services.follow_up_plan_change(
        actor=request.user, follow_up=follow_up, quarantine_until=payload.quarantine_until,
        test_days=payload.test_days, reason=payload.reason,
    )  # fmt: skip
    return _read(request, follow_up_id)


class CloseIn(InputSchema):
    outcome: FollowUpOutcome
    note: Annotated[Text, Field(max_length=500)] = ""


@router.post("/follow-ups/{follow_up_id}/close", response=answers({200: FollowUpOut}, WRITE))
def close_follow_up(request: HttpRequest, follow_up_id: RowId, payload: CloseIn) -> Any:
    """Close a follow-up with its outcome; a closed one: 400 naming `status`."""
    follow_up = selectors.follow_up_get(user=request.user, pk=follow_up_id)
    services.follow_up_close(
        actor=request.user, follow_up=follow_up, outcome=payload.outcome, note=payload.note
    )
    return _read(request, follow_up_id)


# A region's view --------------------------------------------------------------------------


class OpenScreeningOut(Schema):
    id: int
    institution_code: str = Field(alias="institution.code")
    institution_name: str = Field(alias="institution.name")
    start: datetime.datetime
    end: datetime.datetime
    parent_id: int | None
    subjects: int = Field(alias="n_subjects")
    unclassified: int = Field(alias="n_unclassified")
    close_contacts: int = Field(alias="n_close")
    active_follow_ups: int = Field(alias="n_active")


class OverdueOut(Schema):
    id: int
    screening_id: int
    institution_code: str
    person_id: int
    name: str
    quarantine_until: datetime.date
    overdue_since: datetime.date
    reasons: list[str]


class RegionScreeningsOut(Schema):
    screenings: list[OpenScreeningOut]
    overdue_follow_ups: list[OverdueOut]


def overdue_row(state: selectors.FollowUpState) -> dict[str, Any]:
    fu = state.follow_up
    return {
        "id": fu.pk, "screening_id": fu.subject.screening_id,
        "institution_code": fu.subject.screening.institution.code,
        "person_id": fu.subject.person_id, "name": fu.subject.person.name,
        "quarantine_until": fu.quarantine_until, "overdue_since": state.overdue_since,
        "reasons": state.reasons,
    }  # fmt: skip


@router.get("/regions/{code}/screenings", response=answers({200: RegionScreeningsOut}, READ))
def region_screenings(request: HttpRequest, code: str) -> Any:
    """The open screenings of the region's subtree (a subject unclassified or a follow-up
    active) and its overdue follow-ups, within the caller's scope."""
    region = region_get(user=request.user, code=code)
    found = selectors.region_open_screenings(user=request.user, region=region)
    return {
        "screenings": list(found[:REGION_LIMIT]),
        "overdue_follow_ups": [
            overdue_row(s)
            for s in selectors.region_overdue_follow_ups(user=request.user, region=region)
        ],
    }
