"""Supervision (DESIGN.md's contract, "Inspections"): inspections, rectifications and the
spot-check draws, with the reads around them."""

import datetime
from typing import Annotated, Any

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema, Status, UploadedFile
from ninja.pagination import paginate
from pydantic import BeforeValidator, StrictBool, StrictInt

from fangkong.core.errors import field_error
from fangkong.core.pagination import MAX_OFFSET, Pagination
from fangkong.core.schema import (
    READ,
    WRITE,
    Day,
    ErrorOut,
    InputSchema,
    InstitutionCode,
    InstitutionCodeRef,
    Moment,
    RegionCodeRef,
    Text,
    answers,
)
from fangkong.inspections import (
    checklists,
    exports,
    plans,
    selectors,
    services,
    summaries,
    uploads,
)
from fangkong.inspections.models import (
    AnswerResult,
    Evidence,
    Inspection,
    InspectionMethod,
    InspectionPlan,
    PlanStatus,
    Rectification,
    RectificationStatus,
    SpotCheckDraw,
)
from fangkong.institutions.selectors import institution_get
from fangkong.regions.selectors import region_get

router = Router(tags=["inspections"])

ObjectId = Annotated[int, Field(ge=1, le=MAX_OFFSET)]
ItemRef = Annotated[int, Field(ge=1, le=checklists.MAX_ITEMS)]


def _whole(value: Any) -> Any:
    """JSON Schema's `integer` includes `224.0`; a string or a boolean stays refused."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# The bounds stand before the validator, or they would not reach the JSON schema.
ItemNumber = Annotated[StrictInt, Field(ge=1, le=999), BeforeValidator(_whole)]
DrawCount = Annotated[StrictInt, Field(ge=1, le=100_000), BeforeValidator(_whole)]
Seed = Annotated[StrictInt, Field(ge=0, le=services.MAX_SEED), BeforeValidator(_whole)]
DefaultDays = Annotated[StrictInt, Field(ge=1, le=365), BeforeValidator(_whole)]
NoteText = Annotated[Text, Field(max_length=services.MAX_TEXT)]


class AnswerIn(InputSchema):
    item: ItemNumber
    result: AnswerResult
    note: NoteText = ""
    due_date: Day | None = Field(
        default=None, description="A failed item's deadline; absent: the item's default days."
    )


class InspectionIn(InputSchema):
    institution_code: InstitutionCode
    method: InspectionMethod
    unannounced: StrictBool = False
    done_at: Moment
    planned_at: Moment | None = None
    inspectors: Annotated[list[Annotated[Text, Field(min_length=1, max_length=150)]],
                          Field(max_length=20)] = []  # fmt: skip
    answers: Annotated[list[AnswerIn], Field(min_length=1, max_length=200)]
    plan_id: ObjectId | None = Field(
        default=None, description="The planned inspection this carries out, if any."
    )


class EventOut(Schema):
    from_status: str
    to_status: RectificationStatus
    by: str | None
    at: datetime.datetime
    note: str

    @staticmethod
    def resolve_by(obj: Any) -> str | None:
        return obj.actor.get_username() if obj.actor else None


class RectificationOut(Schema):
    id: int
    item: int | None
    status: RectificationStatus
    due_date: datetime.date
    overdue: bool
    institution_code: str = Field(alias="institution.code")
    inspection_id: int | None
    finding_id: int | None
    what: str
    opened_on: datetime.date
    fixed_by: str | None
    fixed_at: datetime.datetime | None
    evidence: str
    verified_by: str | None
    verified_at: datetime.datetime | None
    note: str = Field(alias="verify_note")

    @staticmethod
    def resolve_item(obj: Rectification) -> int | None:
        return obj.item.number if obj.item else None

    @staticmethod
    def resolve_overdue(obj: Rectification) -> bool:
        return obj.is_overdue()

    @staticmethod
    def resolve_fixed_by(obj: Rectification) -> str | None:
        return obj.fixed_by.get_username() if obj.fixed_by else None

    @staticmethod
    def resolve_verified_by(obj: Rectification) -> str | None:
        return obj.verified_by.get_username() if obj.verified_by else None


class EvidenceOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime.datetime
    url: str = Field(description="The file, for readers of the rectification only.")

    @staticmethod
    def resolve_url(obj: Any) -> str:
        return reverse("inspections:evidence", args=[obj.pk])


class RectificationDetailOut(RectificationOut):
    events: list[EventOut]
    files: list[EvidenceOut] = Field(description="Evidence files, the fix's among them.")

    @staticmethod
    def resolve_events(obj: Rectification) -> Any:
        return list(obj.events.all())

    @staticmethod
    def resolve_files(obj: Rectification) -> Any:
        return list(obj.files.all())


class AnswerOut(Schema):
    item: int = Field(alias="item.number")
    result: AnswerResult
    note: str
    files: list[EvidenceOut] = Field(description="Photos taken with the answer.")

    @staticmethod
    def resolve_files(obj: Any) -> Any:
        return list(obj.files.all())


class InspectionOut(Schema):
    id: int
    institution_code: str = Field(alias="institution.code")
    method: InspectionMethod
    unannounced: bool
    planned_at: datetime.datetime | None
    done_at: datetime.datetime
    checklist_version: int = Field(alias="checklist.number")
    inspectors: list[str]
    answers: list[AnswerOut]
    rectifications: list[RectificationOut]

    @staticmethod
    def resolve_inspectors(obj: Inspection) -> list[str]:
        return [user.get_username() for user in obj.inspectors.all()]

    @staticmethod
    def resolve_answers(obj: Inspection) -> Any:
        return sorted(obj.answers.all(), key=lambda answer: answer.item.number)

    @staticmethod
    def resolve_rectifications(obj: Inspection) -> Any:
        return list(obj.rectifications.all())


class InspectionSummaryOut(Schema):
    id: int
    institution_code: str = Field(alias="institution.code")
    method: InspectionMethod
    unannounced: bool
    done_at: datetime.datetime
    checklist_version: int = Field(alias="checklist.number")
    failed: int

    @staticmethod
    def resolve_failed(obj: Inspection) -> int:
        return len(obj.rectifications.all())


@router.post("/inspections", response=answers({201: InspectionOut}, WRITE))
def record_inspection(request: HttpRequest, payload: InspectionIn) -> Status[Inspection]:
    """Record a done inspection; each failed item opens a rectification (`status: open`)."""
    inspection = services.inspection_record(
        actor=request.user, institution=payload.institution_code, method=payload.method,
        unannounced=payload.unannounced, done_at=payload.done_at, planned_at=payload.planned_at,
        inspectors=payload.inspectors, plan=payload.plan_id,
        answers=[services.AnswerIn(item=a.item, result=a.result, note=a.note,
                                   due_date=a.due_date) for a in payload.answers],
    )  # fmt: skip
    return Status(201, selectors.inspection_get(user=request.user, pk=inspection.pk))


@router.get("/inspections/{id}", response=answers({200: InspectionOut}, READ))
def get_inspection(request: HttpRequest, id: ObjectId) -> Inspection:
    return selectors.inspection_get(user=request.user, pk=id)


@router.get(
    "/institutions/{code}/inspections", response=answers({200: list[InspectionSummaryOut]}, READ)
)
@paginate(Pagination)
def list_inspections(request: HttpRequest, code: InstitutionCodeRef) -> Any:
    """The institution's inspections, the latest first."""
    institution = institution_get(user=request.user, code=code)
    return selectors.inspection_list(user=request.user, institution=institution)


@router.get("/rectifications/{id}", response=answers({200: RectificationDetailOut}, READ))
def get_rectification(request: HttpRequest, id: ObjectId) -> Rectification:
    return selectors.rectification_get(user=request.user, pk=id)


UPLOAD_DOC = (
    " Multipart, the file in `file`: a photo (JPEG, PNG, WebP) or a PDF, known by its"
    " content (a name that lies, a program, a PDF with scripts or actions are refused), at"
    " most 5 MB; refused with 400 naming `file`, and nothing kept."
)


# Optional in the schema so that a request without it (or with an empty part, which Django
# drops) is refused as the service refuses a bad file: 400, naming `file`.
UploadField = File(None, description="The photo or PDF.")  # type: ignore[type-arg]


def _required(upload: UploadedFile | None) -> UploadedFile:
    if upload is None:
        raise field_error("file", _("Choose a file."), "required")
    return upload


@router.post(
    "/rectifications/{id}/evidence", response=answers({201: EvidenceOut}, WRITE),
    description="Attach evidence to a rectification not yet verified (the institution with its"
    " fix, or an inspector)." + UPLOAD_DOC,
)  # fmt: skip
def add_rectification_evidence(
    request: HttpRequest, id: ObjectId, file: UploadedFile | None = UploadField
) -> Status[Evidence]:
    rectification = selectors.rectification_get(user=request.user, pk=id)
    file = _required(file)
    evidence = uploads.evidence_add(actor=request.user, rectification=rectification,
                                    upload=file)  # fmt: skip
    return Status(201, evidence)


@router.post(
    "/inspections/{id}/answers/{item}/photos", response=answers({201: EvidenceOut}, WRITE),
    description="Attach a photo to an answer of the inspection." + UPLOAD_DOC,
)  # fmt: skip
def add_answer_photo(
    request: HttpRequest, id: ObjectId, item: ItemRef, file: UploadedFile | None = UploadField
) -> Status[Evidence]:
    inspection = selectors.inspection_get(user=request.user, pk=id)
    answer = next((a for a in inspection.answers.all() if a.item.number == item), None)
    if answer is None:
        raise services.NotInScope(_("Item %(item)s is not answered in this inspection.")
                                  % {"item": item}, field="item")  # fmt: skip
    return Status(201, uploads.answer_photo_add(actor=request.user, answer=answer,
                                                upload=_required(file)))  # fmt: skip


class FixIn(InputSchema):
    evidence: Annotated[Text, Field(min_length=1, max_length=services.MAX_TEXT)]


class VerifyIn(InputSchema):
    accepted: StrictBool
    note: NoteText = ""


@router.post("/rectifications/{id}/fix", response=answers({200: RectificationDetailOut}, WRITE))
def fix_rectification(request: HttpRequest, id: ObjectId, payload: FixIn) -> Rectification:
    """The institution reports what it did: `open` → `fixed`."""
    rectification = selectors.rectification_get(user=request.user, pk=id)
    services.rectification_fix(actor=request.user, rectification=rectification,
                               evidence=payload.evidence)  # fmt: skip
    return selectors.rectification_get(user=request.user, pk=id)


@router.post("/rectifications/{id}/verify", response=answers({200: RectificationDetailOut}, WRITE))
def verify_rectification(request: HttpRequest, id: ObjectId, payload: VerifyIn) -> Rectification:
    """Someone other than who fixed it accepts the fix (`verified`) or not (back to `open`,
    the reason in `note`)."""
    rectification = selectors.rectification_get(user=request.user, pk=id)
    services.rectification_verify(actor=request.user, rectification=rectification,
                                  accepted=payload.accepted, note=payload.note)  # fmt: skip
    return selectors.rectification_get(user=request.user, pk=id)


StatusFilter = Annotated[
    str | None,
    Query(
        pattern="^(open|fixed|overdue|verified)$",
        description="open, fixed, verified, or overdue (past the deadline, not verified).",
    ),
]


@router.get("/regions/{code}/rectifications", response=answers({200: list[RectificationOut]}, READ))
@paginate(Pagination)
def list_region_rectifications(
    request: HttpRequest, code: RegionCodeRef, status: StatusFilter = None
) -> Any:
    """The rectifications of the region's institutions, the earliest deadline first."""
    region = region_get(user=request.user, code=code)
    return selectors.rectification_list(user=request.user, region=region, status=status)


@router.get(
    "/institutions/{code}/rectifications", response=answers({200: list[RectificationOut]}, READ)
)
@paginate(Pagination)
def list_institution_rectifications(
    request: HttpRequest, code: InstitutionCodeRef, status: StatusFilter = None
) -> Any:
    institution = institution_get(user=request.user, code=code)
    return selectors.rectification_list(user=request.user, institution=institution,
                                        status=status)  # fmt: skip


class FindingRectificationIn(InputSchema):
    due_date: Day


@router.post(
    "/liaison-findings/{id}/rectification", response=answers({201: RectificationOut}, WRITE)
)
def rectify_finding(
    request: HttpRequest, id: ObjectId, payload: FindingRectificationIn
) -> Status[Rectification]:
    """Open a rectification for a problem a liaison found, due on `due_date`."""
    finding = selectors.finding_get(user=request.user, pk=id)
    rectification = services.rectification_from_finding(actor=request.user, finding=finding,
                                                        due_date=payload.due_date)  # fmt: skip
    return Status(201, selectors.rectification_get(user=request.user, pk=rectification.pk))


class DrawIn(InputSchema):
    count: DrawCount
    method: InspectionMethod
    seed: Seed | None = None


class DrawOut(Schema):
    id: int
    region_code: str = Field(alias="region.code")
    method: InspectionMethod
    count: int
    seed: int
    as_of: datetime.date
    institutions: list[str] = Field(alias="result")
    weights: dict[str, float]
    drawn_by: str | None
    drawn_at: datetime.datetime

    @staticmethod
    def resolve_drawn_by(obj: SpotCheckDraw) -> str | None:
        return obj.drawn_by.get_username() if obj.drawn_by else None


@router.post("/regions/{code}/spot-checks", response=answers({201: DrawOut}, WRITE))
def draw_spot_checks(
    request: HttpRequest, code: RegionCodeRef, payload: DrawIn
) -> Status[SpotCheckDraw]:
    """Draw `count` institutions of the region, weighted towards the least recently inspected
    and those with open or overdue rectifications; the same seed over the same data gives the
    same list. Every draw is kept and listed."""
    region = region_get(user=request.user, code=code)
    draw = services.spot_check_draw(actor=request.user, region=region, count=payload.count,
                                    method=payload.method, seed=payload.seed)  # fmt: skip
    return Status(201, draw)


@router.get("/regions/{code}/spot-checks", response=answers({200: list[DrawOut]}, READ))
@paginate(Pagination)
def list_spot_checks(request: HttpRequest, code: RegionCodeRef) -> Any:
    """Every draw made in the region, the latest first."""
    region = region_get(user=request.user, code=code)
    return selectors.draw_list(user=request.user, region=region)


class ChecklistItemOut(Schema):
    number: int
    text_zh: str
    text_en: str
    default_days: int


class ChecklistOut(Schema):
    number: int
    status: str
    published_at: datetime.datetime | None
    items: list[ChecklistItemOut]

    @staticmethod
    def resolve_items(obj: Any) -> Any:
        return list(obj.items.order_by("number"))


class ChecklistItemIn(InputSchema):
    text_zh: Annotated[Text, Field(min_length=1, max_length=2000)]
    text_en: Annotated[Text, Field(min_length=1, max_length=2000)]
    default_days: DefaultDays


VersionNumber = Annotated[int, Field(ge=1, le=MAX_OFFSET)]


@router.get("/checklists/{number}", response=answers({200: ChecklistOut}, READ))
def get_checklist(request: HttpRequest, number: VersionNumber) -> Any:
    """A checklist version with its items (a draft only for administrators)."""
    return selectors.checklist_get(user=request.user, number=number)


@router.post("/checklists", response=answers({201: ChecklistOut}, WRITE))
def draft_checklist(request: HttpRequest) -> Status[Any]:
    """Start the next version as a draft copy of the published one (administrators)."""
    return Status(201, checklists.checklist_draft(actor=request.user))


@router.put("/checklists/{number}/items/{item}", response=answers({200: ChecklistItemOut}, WRITE))
def set_checklist_item(
    request: HttpRequest, number: VersionNumber, item: ItemRef, payload: ChecklistItemIn
) -> Any:
    """Change an item of a draft, or add the next one."""
    version = selectors.checklist_get(user=request.user, number=number)
    return checklists.checklist_item_set(actor=request.user, version=version, number=item,
                                         **payload.dict())  # fmt: skip


@router.post("/checklists/{number}/publish", response=answers({200: ChecklistOut}, WRITE))
def publish_checklist(request: HttpRequest, number: VersionNumber) -> Any:
    """Publish a draft: new inspections are answered against it from now on."""
    version = selectors.checklist_get(user=request.user, number=number)
    return checklists.checklist_publish(actor=request.user, version=version)


class FindingCountOut(Schema):
    item: int
    text: str
    count: int


class RectificationCountsOut(Schema):
    total: int
    open: int
    fixed: int
    verified: int
    overdue: int


class ChildSummaryOut(Schema):
    region_code: str
    name: str
    direct: bool = Field(description="The institutions placed directly in the region itself.")
    inspections: int
    by_method: dict[str, int]
    unannounced: int
    unannounced_share: float
    findings: list[FindingCountOut]
    rectifications: RectificationCountsOut
    median_days_to_fix: float | None


class SummaryOut(Schema):
    region_code: str
    week_start: datetime.date
    week_end: datetime.date
    inspections: int
    by_method: dict[str, int]
    unannounced: int
    unannounced_share: float = Field(description="A fraction 0–1 of the week's inspections.")
    findings: list[FindingCountOut] = Field(description="Failed answers by item, most first.")
    rectifications: RectificationCountsOut = Field(
        description="The rectifications found that week, by what each is today."
    )
    median_days_to_fix: float | None
    children: list[ChildSummaryOut] = Field(
        description="The same by child region (and the region's own institutions, if any): "
        "their counts add up to the region's."
    )


def _summary(request: HttpRequest, code: str, week: datetime.date) -> summaries.WeekSummary:
    region = region_get(user=request.user, code=code)
    if not selectors.may_read_summary(request.user, region):
        raise Http404(_("Not found."))
    return summaries.week_summary(region, summaries.week_of(week))


@router.get("/regions/{code}/inspection-summary", response=answers({200: SummaryOut}, READ))
def get_summary(request: HttpRequest, code: RegionCodeRef, week: Day) -> dict[str, Any]:
    """The region's supervision in the week (Monday to Sunday) holding the day `week`, and
    the same for each child region."""
    summary = _summary(request, code, week)
    children = summaries.children_summaries(summary.region, summary.week_start)
    return _summary_dict(summary) | {
        "region_code": summary.region.code, "week_start": summary.week_start,
        "week_end": summary.week_end,
        "children": [_summary_dict(part.summary) | {
            "region_code": part.region.code, "name": part.region.name, "direct": part.direct,
        } for part in children],
    }  # fmt: skip


def _summary_dict(summary: summaries.WeekSummary) -> dict[str, Any]:
    return {
        "inspections": summary.inspections, "by_method": summary.by_method,
        "unannounced": summary.unannounced, "unannounced_share": summary.unannounced_share,
        "findings": [{"item": n, "text": t, "count": c} for n, t, c in summary.findings],
        "rectifications": summary.rectifications,
        "median_days_to_fix": summary.median_days_to_fix,
    }  # fmt: skip


XLSX_FILE = {
    "responses": {
        200: {"content": {exports.XLSX_CONTENT_TYPE: {"schema": {"type": "string",
                                                                   "format": "binary"}}}}
    }
}  # fmt: skip


@router.get(
    "/regions/{code}/inspection-summary.xlsx",
    response={frozenset(READ): ErrorOut},
    openapi_extra=XLSX_FILE,
)
def summary_xlsx(request: HttpRequest, code: RegionCodeRef, week: Day) -> HttpResponse:
    """The week's summary as an Excel sheet, with a second sheet by child region."""
    summary = _summary(request, code, week)
    children = summaries.children_summaries(summary.region, summary.week_start)
    return exports.summary_response(request, summary, children)


# Planned inspections -----------------------------------------------------------------------


class PlanIn(InputSchema):
    institution_code: InstitutionCode
    method: InspectionMethod
    planned_at: Moment
    unannounced: StrictBool = False
    inspectors: Annotated[list[Annotated[Text, Field(min_length=1, max_length=150)]],
                          Field(max_length=20)] = []  # fmt: skip


class PlanOut(Schema):
    id: int
    institution_code: str = Field(alias="institution.code")
    method: InspectionMethod
    unannounced: bool
    planned_at: datetime.datetime
    inspectors: list[str]
    status: PlanStatus
    late: bool = Field(description="Still planned after its time.")
    inspection_id: int | None = Field(description="The inspection that carried it out.")
    cancel_reason: str
    cancelled_by: str | None
    cancelled_at: datetime.datetime | None
    planned_by: str | None

    @staticmethod
    def resolve_inspectors(obj: InspectionPlan) -> list[str]:
        return [user.get_username() for user in obj.inspectors.all()]

    @staticmethod
    def resolve_late(obj: InspectionPlan) -> bool:
        return obj.is_late()

    @staticmethod
    def resolve_cancelled_by(obj: InspectionPlan) -> str | None:
        return obj.cancelled_by.get_username() if obj.cancelled_by else None

    @staticmethod
    def resolve_planned_by(obj: InspectionPlan) -> str | None:
        return obj.created_by.get_username() if obj.created_by else None


class CancelIn(InputSchema):
    reason: Annotated[Text, Field(min_length=1, max_length=services.MAX_TEXT)]


PlanStatusFilter = Annotated[
    str | None,
    Query(
        pattern="^(planned|late|done|cancelled)$",
        description="planned, late (planned, its time past), done or cancelled.",
    ),
]


@router.post("/inspection-plans", response=answers({201: PlanOut}, WRITE))
def plan_inspection(request: HttpRequest, payload: PlanIn) -> Status[InspectionPlan]:
    """Plan an inspection (officers); record it later with `plan_id`, or cancel it. An
    unannounced plan is not shown to the institution before it is carried out."""
    plan = plans.plan_create(
        actor=request.user, institution=payload.institution_code, method=payload.method,
        planned_at=payload.planned_at, unannounced=payload.unannounced,
        inspectors=payload.inspectors,
    )  # fmt: skip
    return Status(201, selectors.plan_get(user=request.user, pk=plan.pk))


@router.get("/inspection-plans", response=answers({200: list[PlanOut]}, READ))
@paginate(Pagination)
def list_my_plans(request: HttpRequest, status: PlanStatusFilter = None) -> Any:
    """The plans naming the caller among their inspectors, the soonest first."""
    return selectors.plan_list(user=request.user, inspector=request.user, status=status)


@router.get("/inspection-plans/{id}", response=answers({200: PlanOut}, READ))
def get_plan(request: HttpRequest, id: ObjectId) -> InspectionPlan:
    return selectors.plan_get(user=request.user, pk=id)


@router.post("/inspection-plans/{id}/cancel", response=answers({200: PlanOut}, WRITE))
def cancel_plan(request: HttpRequest, id: ObjectId, payload: CancelIn) -> InspectionPlan:
    """Cancel a plan not yet carried out, with the reason."""
    plan = selectors.plan_get(user=request.user, pk=id)
    plans.plan_cancel(actor=request.user, plan=plan, reason=payload.reason)
    return selectors.plan_get(user=request.user, pk=id)


@router.get("/regions/{code}/inspection-plans", response=answers({200: list[PlanOut]}, READ))
@paginate(Pagination)
def list_region_plans(
    request: HttpRequest, code: RegionCodeRef, status: PlanStatusFilter = None
) -> Any:
    """The planned inspections of the region's institutions, the soonest first."""
    region = region_get(user=request.user, code=code)
    return selectors.plan_list(user=request.user, region=region, status=status)


@router.get("/institutions/{code}/inspection-plans", response=answers({200: list[PlanOut]}, READ))
@paginate(Pagination)
def list_institution_plans(
    request: HttpRequest, code: InstitutionCodeRef, status: PlanStatusFilter = None
) -> Any:
    institution = institution_get(user=request.user, code=code)
    return selectors.plan_list(user=request.user, institution=institution, status=status)
