"""Writes of planned inspections: an officer plans one (institution, method, time, inspectors,
unannounced or not) and may cancel it with a reason; it is carried out by recording the
inspection against it (`services.inspection_record(plan=…)`)."""

import datetime
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.accounts.models import User
from fangkong.audit.services import audit_record
from fangkong.core.errors import field_error
from fangkong.core.exceptions import Forbidden
from fangkong.inspections.models import InspectionMethod, InspectionPlan, PlanStatus
from fangkong.inspections.services import (
    MAX_DAYS,
    PLANNERS,
    NotInScope,
    inspectors_of,
    may,
    text_of,
)
from fangkong.institutions.models import Institution


def _plannable(actor: Any, institution: Institution | str) -> Institution:
    if isinstance(institution, Institution):
        if not may(actor, PLANNERS, institution):
            raise Forbidden(_("Only an officer over the institution plans its inspections."))
        return institution
    found = Institution.objects.select_related("region").filter(code=institution).first()
    if found is None or not may(actor, PLANNERS, found):
        message = _("No institution with code %(code)s in your scope.") % {"code": institution}
        raise NotInScope(message, field="institution_code")
    return found


@transaction.atomic
def plan_create(
    *,
    actor: Any,
    institution: Institution | str,
    method: str,
    planned_at: datetime.datetime,
    unannounced: bool = False,
    inspectors: Sequence[str] | None = None,
    now: datetime.datetime | None = None,
) -> InspectionPlan:
    """Plan an inspection of `institution` at `planned_at` (not in the past, within a year)."""
    now = now or timezone.now()
    institution = _plannable(actor, institution)
    if method not in InspectionMethod.values:
        raise field_error("method", _("Choose on_site, video or phone."), "invalid_choice")
    if planned_at < now - datetime.timedelta(minutes=5):
        raise field_error("planned_at", _("A plan cannot be for a time already past."), "past")
    if planned_at > now + datetime.timedelta(days=MAX_DAYS):
        raise field_error("planned_at", _("Plan at most a year ahead."), "too_late")
    people = inspectors_of(actor, inspectors)
    plan = InspectionPlan.objects.create(
        institution=institution, method=method, unannounced=unannounced, planned_at=planned_at,
        created_by=actor if isinstance(actor, User) else None,
    )  # fmt: skip
    plan.inspectors.set(people)
    _audit(actor, "inspection.plan", plan, {
        "method": method, "unannounced": unannounced, "planned_at": planned_at.isoformat(),
        "inspectors": [user.username for user in people],
    })  # fmt: skip
    return plan


@transaction.atomic
def plan_cancel(
    *, actor: Any, plan: InspectionPlan, reason: str, now: datetime.datetime | None = None
) -> InspectionPlan:
    """Cancel a plan not yet carried out, saying why."""
    plan = (
        InspectionPlan.objects.select_for_update(of=("self",))
        .select_related("institution__region")
        .get(pk=plan.pk)
    )
    if not may(actor, PLANNERS, plan.institution):
        raise Forbidden(_("Only an officer over the institution cancels its planned inspections."))
    if plan.status != PlanStatus.PLANNED:
        raise field_error("status", _("Only a planned inspection can be cancelled."),
                          "not_planned")  # fmt: skip
    reason = text_of("reason", reason, _("Give the reason for cancelling."))
    plan.status = PlanStatus.CANCELLED
    plan.cancel_reason = reason
    plan.cancelled_by = actor if isinstance(actor, User) else None
    plan.cancelled_at = now or timezone.now()
    plan.save(update_fields=["status", "cancel_reason", "cancelled_by", "cancelled_at"])
    _audit(actor, "inspection.plan_cancel", plan, {"reason": reason})
    return plan


def _audit(actor: Any, action: str, plan: InspectionPlan, facts: dict[str, Any]) -> None:
    institution = plan.institution
    audit_record(
        actor=actor, action=action, target=plan,
        after={"institution": institution.code, "status": plan.status, **facts},
        region_path=institution.region.path, institution_id=institution.pk,
    )  # fmt: skip
