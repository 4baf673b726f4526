"""Pages: an institution's inspections and open rectifications, the form recording an
inspection item by item, an inspection with its fix and verify forms, and a region's
rectifications with its spot-check draws."""

import json
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from fangkong.core.dates import parse_day
from fangkong.core.errors import error_items
from fangkong.core.exceptions import ApiError
from fangkong.inspections import exports, plans, selectors, services, summaries, uploads
from fangkong.inspections.forms import (
    CancelForm,
    DrawForm,
    FindingRectificationForm,
    FixForm,
    InspectionForm,
    PlanForm,
    VerifyForm,
)
from fangkong.inspections.models import InspectionPlan, PlanStatus, RectificationStatus
from fangkong.institutions.models import Institution
from fangkong.institutions.selectors import institution_get
from fangkong.regions.selectors import region_get

PAGE_ROWS = 500


def institution_section(request: HttpRequest, institution: Institution) -> str:
    """The institution page's part on supervision (registered from `apps.py`)."""
    today = timezone.localdate()
    open_rows = selectors.rectification_list(user=request.user, institution=institution).exclude(
        status=RectificationStatus.VERIFIED
    )
    return render_to_string("inspections/_institution.html", {
        "institution": institution, "open": list(open_rows[:20]), "today": today,
        "last": selectors.inspection_list(user=request.user, institution=institution).first(),
    }, request=request)  # fmt: skip


@login_required
def institution(request: HttpRequest, code: str) -> HttpResponse:
    unit = institution_get(user=request.user, code=code)
    rectifications = selectors.rectification_list(user=request.user, institution=unit)
    may_record = selectors.may_record(request.user, unit)
    return render(request, "inspections/institution.html", {
        "institution": unit, "today": timezone.localdate(), "now": timezone.now(),
        "inspections": selectors.inspection_list(user=request.user, institution=unit)[:200],
        "open": rectifications.exclude(status=RectificationStatus.VERIFIED),
        "plans": selectors.plan_list(user=request.user, institution=unit,
                                     status=PlanStatus.PLANNED)[:PAGE_ROWS],
        "findings": selectors.findings_without_rectification(user=request.user,
                                                             institution=unit)[:PAGE_ROWS],
        "may_record": may_record, "may_rectify": may_record,
        "finding_form": FindingRectificationForm(
            initial={"due_date": timezone.localdate() + services.FINDING_DAYS}
        ),
    })  # fmt: skip


@login_required
def record(request: HttpRequest, code: str) -> HttpResponse:
    """The phone form of an inspection: how and when, then each item pass / fail / n.a."""
    unit = institution_get(user=request.user, code=code)
    if not selectors.may_record(request.user, unit):
        return redirect("inspections:institution", code=unit.code)
    version = services.published_version()
    items = list(selectors.checklist_items(version.pk))
    initial: dict[str, Any] = {
        "done_at": timezone.localtime().replace(second=0, microsecond=0, tzinfo=None)
    }
    draft = selectors.draft_of(user=request.user, institution=unit)
    if draft is not None:  # the answers given before the connection dropped
        initial |= {key: value for key, value in draft.data.items() if value != ""}
        initial["unannounced"] = draft.data.get("unannounced") == "on"
    plan = _plan_of(request, unit)
    if plan is not None:
        initial |= {"method": plan.method, "unannounced": plan.unannounced}
    form = InspectionForm(initial=initial, items=items)
    if request.method == "POST":
        form = InspectionForm(request.POST, items=items)
        holder: dict[str, Any] = {}

        def write() -> None:
            data = form.cleaned_data
            holder["inspection"] = services.inspection_record(
                actor=request.user, institution=unit, method=data["method"],
                unannounced=data["unannounced"], done_at=data["done_at"], plan=plan,
                answers=[services.AnswerIn(item=item.number, result=data[f"result_{item.number}"],
                                           note=data[f"note_{item.number}"]) for item in items],
            )  # fmt: skip

        if form.is_valid() and _try(form, write):
            messages.success(request, _("The inspection was recorded."))
            return redirect("inspections:detail", pk=holder["inspection"].pk)
    return render(request, "inspections/record.html", {"institution": unit, "form": form,
                                                       "version": version, "draft": draft,
                                                       "plan": plan})  # fmt: skip


def _plan_of(request: HttpRequest, unit: Institution) -> InspectionPlan | None:
    """The plan named by `?plan=`, still planned, of this institution; 404 for any other."""
    value = request.GET.get("plan")
    if not value:
        return None
    if not value.isdigit():
        raise Http404(_("No such planned inspection."))
    plan = selectors.plan_get(user=request.user, pk=int(value))
    if plan.institution_id != unit.pk or plan.status != PlanStatus.PLANNED:
        raise Http404(_("No such planned inspection."))
    return plan


@login_required
@require_POST
def record_draft(request: HttpRequest, code: str) -> HttpResponse:
    """Keep the form's answers so far (the form posts them after each change); 204."""
    unit = institution_get(user=request.user, code=code)
    try:
        services.inspection_draft_save(actor=request.user, institution=unit,
                                       data=request.POST.dict())  # fmt: skip
    except ApiError as exc:
        return HttpResponse(str(exc.message), status=exc.status)
    return HttpResponse(status=204)


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = selectors.inspection_get(user=request.user, pk=pk)
    unit = inspection.institution
    return render(request, "inspections/detail.html", {
        "inspection": inspection, "institution": unit, "today": timezone.localdate(),
        "may_fix": selectors.may_fix(request.user, unit),
        "may_record": selectors.may_record(request.user, unit),
        "may_verify": selectors.may_verify(request.user, unit),
        "fix_form": FixForm(), "verify_form": VerifyForm(),
    })  # fmt: skip


@login_required
@require_POST
def fix(request: HttpRequest, pk: int) -> HttpResponse:
    rectification = selectors.rectification_get(user=request.user, pk=pk)
    form = FixForm(request.POST)
    if form.is_valid() and _try(form, lambda: services.rectification_fix(
        actor=request.user, rectification=rectification, evidence=form.cleaned_data["evidence"]
    )):  # fmt: skip
        messages.success(request, _("The rectification was reported fixed."))
    else:
        _tell(request, form)
    return _back(rectification)


@login_required
@require_POST
def verify(request: HttpRequest, pk: int) -> HttpResponse:
    rectification = selectors.rectification_get(user=request.user, pk=pk)
    form = VerifyForm(request.POST)
    if form.is_valid() and _try(form, lambda: services.rectification_verify(
        actor=request.user, rectification=rectification,
        accepted=form.cleaned_data["accepted"], note=form.cleaned_data["note"],
    )):  # fmt: skip
        messages.success(request, _("The verdict was recorded."))
    else:
        _tell(request, form)
    return _back(rectification)


@login_required
@require_POST
def evidence_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Attach a photo or PDF to a rectification (multipart `file`)."""
    rectification = selectors.rectification_get(user=request.user, pk=pk)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a file."))
        return _back(rectification)
    _upload(request, lambda: uploads.evidence_add(actor=request.user, rectification=rectification,
                                                  upload=upload))  # fmt: skip
    return _back(rectification)


@login_required
@require_POST
def answer_photo_add(request: HttpRequest, pk: int, item: int) -> HttpResponse:
    """Attach a photo to an answer of the inspection (multipart `file`)."""
    inspection = selectors.inspection_get(user=request.user, pk=pk)
    answer = next((a for a in inspection.answers.all() if a.item.number == item), None)
    if answer is None:
        raise Http404(_("No such item."))
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a file."))
    else:
        _upload(request, lambda: uploads.answer_photo_add(actor=request.user, answer=answer,
                                                          upload=upload))  # fmt: skip
    return redirect("inspections:detail", pk=inspection.pk)


def _upload(request: HttpRequest, write: Callable[[], Any]) -> None:
    try:
        write()
    except ValidationError as exc:
        for error in error_items(exc):
            messages.error(request, str(error["message"]))
    except ApiError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The file was added."))


@login_required
def evidence_file(request: HttpRequest, pk: int) -> FileResponse:
    """Send an evidence file to a reader who may see its rectification; 404 to anyone else."""
    evidence = selectors.evidence_get(user=request.user, pk=pk)
    path = uploads.path_of(evidence)
    if not path.is_file():
        raise Http404(_("The file is missing."))
    inline = evidence.content_type != "application/pdf"
    response = FileResponse(path.open("rb"), content_type=evidence.content_type,
                            as_attachment=not inline, filename=evidence.name)  # fmt: skip
    # Whatever the file holds, the browser runs nothing of it and guesses no other type.
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _back(rectification: Any) -> HttpResponse:
    if rectification.inspection_id:
        return redirect("inspections:detail", pk=rectification.inspection_id)
    return redirect("inspections:institution", code=rectification.institution.code)


@login_required
def region(request: HttpRequest, code: str) -> HttpResponse:
    """A region's rectifications (open, overdue, fixed, verified) and every spot-check draw."""
    area = region_get(user=request.user, code=code)
    status = request.GET.get("status") or selectors.RectificationFilter.OPEN
    if status not in selectors.RectificationFilter.ALL:
        status = selectors.RectificationFilter.OPEN
    may_draw = selectors.may_draw(request.user, area)
    form = DrawForm()
    if request.method == "POST" and may_draw:
        form = DrawForm(request.POST)
        if form.is_valid() and _try(form, lambda: services.spot_check_draw(
            actor=request.user, region=area, **form.cleaned_data
        )):  # fmt: skip
            messages.success(request, _("The draw was made and kept."))
            return redirect("inspections:region", code=area.code)
    rows = selectors.rectification_list(user=request.user, region=area, status=status)
    return render(request, "inspections/region.html", {
        "region": area, "status": status, "rectifications": rows[:PAGE_ROWS],
        "total": rows.count(), "today": timezone.localdate(),
        "filters": [(key, _label(key)) for key in selectors.RectificationFilter.ALL],
        "draws": selectors.draw_list(user=request.user, region=area)[:100],
        "may_draw": may_draw, "form": form,
        "late_plans": selectors.plan_list(user=request.user, region=area,
                                          status=selectors.PlanFilter.LATE).count(),
    })  # fmt: skip


def _week(request: HttpRequest) -> Any:
    """The Monday of the week holding `?week=` (today by default); 404 for what is no day."""
    value = request.GET.get("week")
    try:
        day = parse_day(value) if value else timezone.localdate()
    except ValidationError as exc:
        raise Http404(_("No such day.")) from exc
    return summaries.week_of(day)


def _summary(request: HttpRequest, code: str) -> summaries.WeekSummary:
    area = region_get(user=request.user, code=code)
    if not selectors.may_read_summary(request.user, area):
        raise Http404(_("No such region."))
    return summaries.week_summary(area, _week(request))


@login_required
def summary(request: HttpRequest, code: str) -> HttpResponse:
    """The region's week of supervision: by method, unannounced, findings, rectifications."""
    week = _summary(request, code)
    most = max((count for _n, _t, count in week.findings), default=0)
    children = [
        {"region": part.region, "direct": part.direct, "summary": part.summary,
         "methods": [part.summary.by_method.get(value, 0) for value, _l in
                     selectors.METHOD_CHOICES],
         "failed": sum(count for _n, _t, count in part.summary.findings)}
        for part in summaries.children_summaries(week.region, week.week_start)
    ]  # fmt: skip
    return render(request, "inspections/summary.html", {
        "summary": week, "region": week.region, "children": children,
        "previous_week": week.week_start - summaries.WEEK,
        "next_week": week.week_start + summaries.WEEK,
        "methods": [(label, week.by_method.get(value, 0)) for value, label in
                    selectors.METHOD_CHOICES],
        "findings": [(n, t, c, round(100 * c / most) if most else 0) for n, t, c in week.findings],
        "method_labels": json.dumps({value: str(label) for value, label in
                                     selectors.METHOD_CHOICES}, ensure_ascii=False),
    })  # fmt: skip


@login_required
def summary_xlsx(request: HttpRequest, code: str) -> HttpResponse:
    week = _summary(request, code)
    children = summaries.children_summaries(week.region, week.week_start)
    return exports.summary_response(request, week, children)


def _label(key: str) -> str:
    if key == selectors.RectificationFilter.OVERDUE:
        return _("Overdue")
    return str(RectificationStatus(key).label)


def _tell(request: HttpRequest, form: Form) -> None:
    for errors in form.errors.values():
        messages.error(request, " ".join(str(error) for error in errors))


def _try(form: Form, write: Callable[[], Any], names: dict[str, str] | None = None) -> bool:
    """Run a service; put its refusal on the form, under the field it names (renamed by
    `names` where the form calls it otherwise)."""
    names = names or {}
    try:
        write()
    except ValidationError as exc:
        for item in error_items(exc):
            name = names.get(item["field"] or "", item["field"])
            form.add_error(name if name in form.fields else None, str(item["message"]))
        return False
    except ApiError as exc:
        name = names.get(exc.field or "", exc.field)
        form.add_error(name if name in form.fields else None, str(exc.message))
        return False
    return True


# Planned inspections -----------------------------------------------------------------------


@login_required
def region_plans(request: HttpRequest, code: str) -> HttpResponse:
    """A region's planned inspections (late ones flagged), and the form planning one."""
    area = region_get(user=request.user, code=code)
    status = request.GET.get("status") or selectors.PlanFilter.PLANNED
    if status not in selectors.PlanFilter.ALL:
        status = selectors.PlanFilter.PLANNED
    may_plan = selectors.may_plan_in(request.user, area)
    form = PlanForm()
    if request.method == "POST" and may_plan:
        form = PlanForm(request.POST)
        holder: dict[str, Any] = {}

        def write() -> None:
            data = form.cleaned_data
            holder["plan"] = plans.plan_create(
                actor=request.user, institution=data["institution"].strip(),
                method=data["method"], planned_at=data["planned_at"],
                unannounced=data["unannounced"], inspectors=data["inspectors"],
            )  # fmt: skip

        if form.is_valid() and _try(form, write, {"institution_code": "institution"}):
            messages.success(request, _("The inspection was planned."))
            return redirect("inspections:plan", pk=holder["plan"].pk)
    rows = selectors.plan_list(user=request.user, region=area, status=status)
    return render(request, "inspections/plans.html", {
        "region": area, "status": status, "plans": rows[:PAGE_ROWS], "total": rows.count(),
        "now": timezone.now(), "may_plan": may_plan, "form": form,
        "filters": [(key, _plan_label(key)) for key in selectors.PlanFilter.ALL],
        "codes": selectors.institution_codes(user=request.user, region=area)[:PAGE_ROWS]
        if may_plan else [],
    })  # fmt: skip


@login_required
def my_plans(request: HttpRequest) -> HttpResponse:
    """The planned inspections naming the signed-in user among the inspectors."""
    rows = selectors.plan_list(user=request.user, inspector=request.user,
                               status=PlanStatus.PLANNED)  # fmt: skip
    done = selectors.plan_list(user=request.user, inspector=request.user).exclude(
        status=PlanStatus.PLANNED
    )
    return render(request, "inspections/my_plans.html", {
        "plans": rows[:PAGE_ROWS], "past": done.order_by("-planned_at", "-pk")[:50],
        "now": timezone.now(),
    })  # fmt: skip


@login_required
def plan(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.plan_get(user=request.user, pk=pk)
    unit = found.institution
    return render(request, "inspections/plan.html", {
        "plan": found, "institution": unit, "now": timezone.now(),
        "may_cancel": found.status == PlanStatus.PLANNED and selectors.may_plan(request.user,
                                                                                 unit),
        "may_record": found.status == PlanStatus.PLANNED and selectors.may_record(request.user,
                                                                                   unit),
        "cancel_form": CancelForm(),
    })  # fmt: skip


@login_required
@require_POST
def plan_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.plan_get(user=request.user, pk=pk)
    form = CancelForm(request.POST)
    if form.is_valid() and _try(form, lambda: plans.plan_cancel(
        actor=request.user, plan=found, reason=form.cleaned_data["reason"]
    )):  # fmt: skip
        messages.success(request, _("The planned inspection was cancelled."))
    else:
        _tell(request, form)
    return redirect("inspections:plan", pk=found.pk)


def _plan_label(key: str) -> str:
    if key == selectors.PlanFilter.LATE:
        return pgettext("plan", "Late")
    return str(PlanStatus(key).label)


# A liaison's finding put right ---------------------------------------------------------------


@login_required
@require_POST
def finding_rectify(request: HttpRequest, pk: int) -> HttpResponse:
    """Open the rectification of a liaison's finding, due on the form's day."""
    finding = selectors.finding_get(user=request.user, pk=pk)
    form = FindingRectificationForm(request.POST)
    if form.is_valid() and _try(form, lambda: services.rectification_from_finding(
        actor=request.user, finding=finding, due_date=form.cleaned_data["due_date"]
    )):  # fmt: skip
        messages.success(request, _("The rectification was opened."))
    else:
        _tell(request, form)
    return redirect("inspections:institution", code=finding.institution.code)
