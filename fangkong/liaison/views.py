"""The liaison pages: a region's coverage with drill-down, an institution's liaisons and duty
log, and the phone form a liaison adds an entry with."""

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core.errors import error_items
from fangkong.core.exceptions import ApiError
from fangkong.core.pages import page_day, refuses_bad_days
from fangkong.institutions.models import Institution
from fangkong.institutions.selectors import institution_get
from fangkong.liaison import selectors, services
from fangkong.liaison.forms import AssignForm, DutyLogForm, EndForm
from fangkong.liaison.models import LiaisonLevel

PAGE_UNITS = 500  # the page lists this many uncovered institutions; the Excel sheet has all


def _day(request: HttpRequest) -> datetime.date:
    """The day in the query (`?date=`), today by default; a wrong one answers 400."""
    return page_day(request.GET.get("date"), timezone.localdate())


@login_required
@refuses_bad_days
def coverage(request: HttpRequest, code: str) -> HttpResponse:
    """A region's liaison coverage on a day: in figures, per child region, the gaps."""
    region = selectors.coverage_region_get(user=request.user, code=code)
    day = _day(request)
    scan = selectors.coverage_scan(region, day, per_region=True)
    result = selectors.coverage_by_child(scan)
    uncovered = [
        {**unit, "missing": [LiaisonLevel(level).label for level in unit["missing"]]}
        for unit in selectors.uncovered_units(scan, 0, PAGE_UNITS)
    ]
    parent = region.parent if region.parent and selectors.coverage_region_visible(
        request.user, region.parent) else None  # fmt: skip
    return render(request, "liaison/coverage.html", {
        "region": region, "parent": parent, "day": day, "total": result.total,
        "children": result.children, "uncovered": uncovered,
        "units": list(selectors.units_with_liaisons(region, day)[:PAGE_UNITS]),
        "several": selectors.officials_with_several(region, day),
        "without": selectors.officials_without(region, day),
        "previous_day": day - datetime.timedelta(days=1),
        "next_day": day + datetime.timedelta(days=1),
    })  # fmt: skip


def institution_section(request: HttpRequest, institution: Institution) -> str:
    """The institution page's part naming its liaisons of today and linking their page.

    Registered with the institutions app (see `apps.py`), which knows nothing of liaison.
    """
    today = timezone.localdate()
    current = selectors.current_liaisons(institution, today)
    return render_to_string("liaison/_institution.html", {
        "institution": institution, "day": today,
        "liaisons": [(label, current.get(level)) for level, label in LiaisonLevel.choices],
    }, request=request)  # fmt: skip


@login_required
def institution(request: HttpRequest, code: str) -> HttpResponse:
    """An institution's liaison assignments (officers assign and end them) and duty log."""
    unit = institution_get(user=request.user, code=code)
    may_assign = services.may_assign(request.user, unit)
    assign_form = AssignForm(initial={"start_date": timezone.localdate()})
    if request.method == "POST" and may_assign:
        assign_form = AssignForm(request.POST)
        if assign_form.is_valid() and _try(request, assign_form, lambda: services.assignment_create(
            actor=request.user, institution_code=unit.code, **assign_form.cleaned_data
        )):  # fmt: skip
            messages.success(request, _("The liaison was assigned."))
            return redirect("liaison:institution", code=unit.code)
    logs = None
    if selectors.duty_log_visible(request.user, unit):
        logs = list(selectors.duty_log_list(user=request.user, institution=unit)[:50])
    today = timezone.localdate()
    return render(request, "liaison/institution.html", {
        "institution": unit, "assignments": selectors.assignment_list(user=request.user,
                                                                      institution=unit),
        "may_assign": may_assign, "assign_form": assign_form, "logs": logs, "today": today,
        "is_liaison": services.assignment_of(request.user, unit, today) is not None,
        "end_form": EndForm(initial={"end_date": today}),
    })  # fmt: skip


@login_required
def end(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = selectors.assignment_get(user=request.user, pk=pk)
    if request.method != "POST":
        return redirect("liaison:institution", code=assignment.institution.code)
    form = EndForm(request.POST)
    if form.is_valid() and _try(request, form, lambda: services.assignment_end(
        actor=request.user, assignment=assignment, end_date=form.cleaned_data["end_date"]
    )):  # fmt: skip
        messages.success(request, _("The assignment was ended."))
    else:
        for error in form.errors.values():
            messages.error(request, " ".join(str(e) for e in error))
    return redirect("liaison:institution", code=assignment.institution.code)


@login_required
def duty_new(request: HttpRequest, code: str) -> HttpResponse:
    """The phone form of a liaison's contact: the day, how, what was checked, what was found."""
    unit = selectors.duty_log_institution(user=request.user, code=code)
    form = DutyLogForm(initial={"date": timezone.localdate()})
    if request.method == "POST":
        form = DutyLogForm(request.POST)
        if form.is_valid() and _try(request, form, lambda: services.duty_log_add(
            actor=request.user, institution=unit, day=form.cleaned_data["date"],
            method=form.cleaned_data["method"], checked=form.checked_text(),
            found=form.cleaned_data["found"], findings=form.finding_lines(),
        ), fields={"checked": "usual"}):  # fmt: skip
            messages.success(request, _("The contact was recorded."))
            return redirect("liaison:institution", code=unit.code)
    return render(request, "liaison/duty_new.html", {"institution": unit, "form": form})


def _try(request: HttpRequest, form: Any, write: Any, fields: dict[str, str] | None = None) -> bool:
    """Run a service; put its refusal on the form, under the field it names."""
    try:
        write()
    except ValidationError as exc:
        for item in error_items(exc):
            name = (fields or {}).get(item["field"] or "", item["field"])
            form.add_error(name if name in form.fields else None, item["message"])
        return False
    except ApiError as exc:
        name = (fields or {}).get(exc.field or "", exc.field)
        form.add_error(name if name in form.fields else None, str(exc.message))
        return False
    return True
