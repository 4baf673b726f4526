"""Reads of supervision, each through the scope of the user asking."""

import datetime
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from fangkong.core.scoping import get_visible_or_404, scope_of, visible
from fangkong.inspections.models import (
    Answer,
    ChecklistItem,
    ChecklistStatus,
    ChecklistVersion,
    Evidence,
    Inspection,
    InspectionDraft,
    InspectionMethod,
    InspectionPlan,
    PlanStatus,
    Rectification,
    RectificationEvent,
    RectificationStatus,
    SpotCheckDraw,
)
from fangkong.inspections.services import DRAWERS, FIXERS, PLANNERS, RECORDERS, VERIFIERS, may
from fangkong.institutions.models import Institution
from fangkong.liaison.models import Finding
from fangkong.regions.models import Region

METHOD_CHOICES = InspectionMethod.choices

# Who reads a region's draws: those who draw and those who go and inspect.
DRAW_READERS = {"admin", "officer", "inspector"}


class RectificationFilter:
    OPEN = "open"
    FIXED = "fixed"
    OVERDUE = "overdue"
    VERIFIED = "verified"
    ALL = (OPEN, FIXED, OVERDUE, VERIFIED)


def inspection_list(*, user: Any, institution: Institution) -> QuerySet[Inspection]:
    return (
        visible(Inspection.objects.filter(institution=institution), user)
        .select_related("institution", "checklist", "created_by")
        .prefetch_related("inspectors", "rectifications__item")
        .order_by("-done_at", "-pk")
    )


def inspection_get(*, user: Any, pk: int) -> Inspection:
    answers = (
        Answer.objects.select_related("item").prefetch_related("files").order_by("item__number")
    )
    rectifications = Rectification.objects.select_related("item", "fixed_by", "verified_by")
    return get_visible_or_404(
        Inspection.objects.select_related(
            "institution__region", "checklist", "created_by"
        ).prefetch_related(
            "inspectors",
            Prefetch("answers", queryset=answers),
            Prefetch("rectifications", queryset=rectifications.order_by("item__number", "pk")),
            "rectifications__files",
            Prefetch(
                "rectifications__events",
                queryset=RectificationEvent.objects.select_related("actor"),
            ),
        ),
        user,
        pk=pk,
    )


def rectification_get(*, user: Any, pk: int) -> Rectification:
    return get_visible_or_404(
        Rectification.objects.select_related(
            "institution__region", "item", "inspection", "fixed_by", "verified_by"
        ).prefetch_related(
            Prefetch("events", queryset=RectificationEvent.objects.select_related("actor")),
            "files",
        ),
        user,
        pk=pk,
    )


def finding_get(*, user: Any, pk: int) -> Finding:
    """A liaison's finding the user may see (to open its rectification), or 404."""
    return get_visible_or_404(
        Finding.objects.select_related("institution__region", "duty_log"), user, pk=pk
    )


def evidence_get(*, user: Any, pk: int) -> Evidence:
    """An evidence file of a rectification the user may see, or 404."""
    return get_visible_or_404(Evidence.objects.all(), user, pk=pk)


def overdue_q(day: datetime.date) -> Q:
    return ~Q(status=RectificationStatus.VERIFIED) & Q(due_date__lt=day)


def rectification_list(
    *,
    user: Any,
    region: Region | None = None,
    institution: Institution | None = None,
    status: str | None = None,
    day: datetime.date | None = None,
) -> QuerySet[Rectification]:
    """The rectifications the user may see in a region's subtree or of one institution;
    `status` one of open, fixed, verified, or overdue (past the deadline, not verified)."""
    day = day or timezone.localdate()
    rows = visible(Rectification.objects.all(), user)
    if institution is not None:
        rows = rows.filter(institution=institution)
    if region is not None and region.path:
        rows = rows.filter(
            institution__region__in=Region.objects.filter(path__startswith=region.path).values("pk")
        )
    if status == RectificationFilter.OVERDUE:
        rows = rows.filter(overdue_q(day))
    elif status:
        rows = rows.filter(status=status)
    return rows.select_related("institution", "item", "inspection").order_by("due_date", "pk")


def draw_list(*, user: Any, region: Region) -> QuerySet[SpotCheckDraw]:
    """Every draw made in the region's subtree, the latest first (none is ever hidden)."""
    rows = visible(SpotCheckDraw.objects.all(), user, DRAW_READERS)
    if region.path:
        rows = rows.filter(region__path__startswith=region.path)
    return rows.select_related("region", "drawn_by").order_by("-drawn_at", "-pk")


def checklist_items(version_id: int) -> QuerySet[ChecklistItem]:
    return ChecklistItem.objects.filter(version_id=version_id).order_by("number")


def may_record(user: Any, institution: Institution) -> bool:
    return may(user, RECORDERS, institution)


def may_fix(user: Any, institution: Institution) -> bool:
    return may(user, FIXERS, institution)


def may_verify(user: Any, institution: Institution) -> bool:
    return may(user, VERIFIERS, institution)


def may_draw(user: Any, region: Region) -> bool:
    return visible(Region.objects.filter(pk=region.pk), user, DRAWERS).exists()


# Who reads a region's summaries: its officers and inspectors (the counts name no institution
# by name, but they sum over every institution of the region).
SUMMARY_READERS = {"admin", "officer", "inspector"}


def may_read_summary(user: Any, region: Region) -> bool:
    return visible(Region.objects.filter(pk=region.pk), user, SUMMARY_READERS).exists()


def checklist_get(*, user: Any, number: int) -> ChecklistVersion:
    """A published version for anyone signed in; a draft only for administrators."""
    version = ChecklistVersion.objects.filter(number=number).first()
    if version is None or (
        version.status == ChecklistStatus.DRAFT and not scope_of(user, {"admin"}).everything
    ):
        raise Http404("checklist version")
    return version


def draft_of(*, user: Any, institution: Institution) -> InspectionDraft | None:
    """The user's own draft inspection of the institution, if any."""
    if not getattr(user, "is_authenticated", False):
        return None
    return InspectionDraft.objects.filter(institution=institution, author=user).first()


# Who sees an unannounced plan before it is carried out: those who plan and go, never the
# institution (nor its liaisons, who might warn it).
PLAN_INSIDERS = {"admin", "officer", "inspector"}


class PlanFilter:
    PLANNED = "planned"
    LATE = "late"
    DONE = "done"
    CANCELLED = "cancelled"
    ALL = (PLANNED, LATE, DONE, CANCELLED)


def plans_visible(user: Any) -> QuerySet[InspectionPlan]:
    """The plans the user may see: in scope, and an unannounced one not yet carried out only
    by those who plan and inspect."""
    rows = visible(InspectionPlan.objects.all(), user)
    insiders = visible(InspectionPlan.objects.all(), user, PLAN_INSIDERS).values("pk")
    return rows.filter(Q(unannounced=False) | Q(status=PlanStatus.DONE) | Q(pk__in=insiders))


def plan_list(
    *,
    user: Any,
    region: Region | None = None,
    institution: Institution | None = None,
    inspector: Any = None,
    status: str | None = None,
    now: datetime.datetime | None = None,
) -> QuerySet[InspectionPlan]:
    """Plans in a region's subtree, of an institution or naming an inspector, the soonest
    first; `status` one of planned, late (planned, its time past), done, cancelled."""
    rows = plans_visible(user)
    if institution is not None:
        rows = rows.filter(institution=institution)
    if region is not None and region.path:
        rows = rows.filter(
            institution__region__in=Region.objects.filter(path__startswith=region.path).values("pk")
        )
    if inspector is not None:
        rows = rows.filter(inspectors=inspector)
    if status == PlanFilter.LATE:
        rows = rows.filter(status=PlanStatus.PLANNED, planned_at__lt=now or timezone.now())
    elif status:
        rows = rows.filter(status=status)
    return (
        rows.select_related("institution__region", "created_by", "cancelled_by", "inspection")
        .prefetch_related("inspectors")
        .order_by("planned_at", "pk")
    )


def plan_get(*, user: Any, pk: int) -> InspectionPlan:
    return get_visible_or_404(
        plans_visible(user)
        .select_related("institution__region", "created_by", "cancelled_by", "inspection")
        .prefetch_related("inspectors"),
        user,
        pk=pk,
    )


def may_plan(user: Any, institution: Institution) -> bool:
    return may(user, PLANNERS, institution)


def may_plan_in(user: Any, region: Region) -> bool:
    return visible(Region.objects.filter(pk=region.pk), user, PLANNERS).exists()


def findings_without_rectification(*, user: Any, institution: Institution) -> QuerySet[Finding]:
    """The institution's liaison findings not yet put into a rectification, the latest first."""
    return (
        visible(Finding.objects.filter(institution=institution, rectification__isnull=True), user)
        .select_related("duty_log", "raised_by")
        .order_by("-raised_at", "-pk")
    )


def institution_codes(*, user: Any, region: Region) -> QuerySet[Institution]:
    """The region's institutions the user may plan for, in code order (the form's list)."""
    rows = visible(Institution.objects.all(), user, PLANNERS)
    if region.path:
        rows = rows.filter(
            region__in=Region.objects.filter(path__startswith=region.path).values("pk")
        )
    return rows.order_by("code")
