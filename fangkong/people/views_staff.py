"""Pages: an institution's staff (employments now, the day's shifts), with the forms to add an
employment and a shift."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.core.exceptions import ApiError
from fangkong.institutions.models import Institution
from fangkong.institutions.selectors import institution_get
from fangkong.people import services, staff, staff_selectors
from fangkong.people.forms import EmploymentForm, ShiftForm
from fangkong.people.views import _apply, _day, _forget_number, _register


def _staff_page(
    request: HttpRequest,
    institution: Institution,
    form: EmploymentForm | None = None,
    shift_form: ShiftForm | None = None,
    status: int = 200,
) -> HttpResponse:
    _forget_number(form)  # type: ignore[arg-type]
    day = _day(request)
    now = timezone.localtime().replace(second=0, microsecond=0, tzinfo=None)
    employments = staff_selectors.institution_employments(
        user=request.user, institution=institution, at=timezone.now()
    )[:500]
    rows = [  # each employment its own shift form; the one posted keeps what was typed
        (e, shift_form if shift_form is not None and shift_form.prefix == _prefix(e.pk)
         else ShiftForm(initial={"start": now}, prefix=_prefix(e.pk)))
        for e in employments
    ]  # fmt: skip
    return render(request, "people/staff.html", {
        "institution": institution, "day": day,
        "rows": rows,
        "shifts": staff_selectors.institution_shifts(
            user=request.user, institution=institution, day=day)[:500],
        "census": staff_selectors.census_of(institution, day),
        "may_record": services.may_record(request.user, institution),
        "form": form or EmploymentForm(initial={"start": now}, prefix="employment"),
        "previous_day": day - datetime.timedelta(days=1),
        "next_day": day + datetime.timedelta(days=1),
    }, status=status)  # fmt: skip


def _prefix(pk: int) -> str:
    return f"shift{pk}"


@login_required
def institution_staff(request: HttpRequest, code: str) -> HttpResponse:
    institution = institution_get(user=request.user, code=code)
    return _staff_page(request, institution)


@login_required
@require_POST
def add_employment(request: HttpRequest, code: str) -> HttpResponse:
    institution = institution_get(user=request.user, code=code)
    form = EmploymentForm(request.POST, prefix="employment")
    if form.is_valid():
        data = form.cleaned_data
        try:
            person = _register(request, form)  # type: ignore[arg-type]
            staff.employment_create(
                actor=request.user, institution=institution, person=person, role=data["role"],
                on_site=data["on_site"], start=data["start"], end=data["end"],
            )  # fmt: skip
        except (ValidationError, ApiError) as error:
            _apply(form, error)
        else:
            messages.success(request, _("%(name)s added.") % {"name": person.name})
            return redirect("people:staff", code=institution.code)
    return _staff_page(request, institution, form=form, status=400)


@login_required
@require_POST
def add_shift(request: HttpRequest, pk: int) -> HttpResponse:
    employment = staff_selectors.employment_get(user=request.user, pk=pk)
    form = ShiftForm(request.POST, prefix=_prefix(employment.pk))
    if form.is_valid():
        data = form.cleaned_data
        try:
            staff.shift_create(actor=request.user, employment=employment, start=data["start"],
                               end=data["end"], on_site=data["on_site"])  # fmt: skip
        except (ValidationError, ApiError) as error:
            _apply(form, error)
        else:
            messages.success(request, _("Shift of %(name)s recorded.") % {
                "name": employment.person.name})  # fmt: skip
            day = timezone.localtime(data["start"]).date().isoformat()
            return redirect(f"{reverse('people:staff', args=[employment.institution.code])}"
                            f"?date={day}")  # fmt: skip
    return _staff_page(request, employment.institution, shift_form=form, status=400)
