"""Pages: an institution's people (present residents and staff, a day's visits, forms to add
them), a person's page (numbers masked; a reveal asks why), and the search of persons."""

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
from django.views.decorators.http import require_POST

from fangkong.core.dates import parse_day
from fangkong.core.errors import error_items, field_error
from fangkong.core.exceptions import ApiError
from fangkong.institutions.models import Institution
from fangkong.institutions.selectors import institution_get
from fangkong.people import selectors, services
from fangkong.people.forms import RevealForm, StayForm, VisitForm
from fangkong.people.models import Person, StayRole
from fangkong.people.risk import visit_flags


def institution_section(request: HttpRequest, institution: Institution) -> str:
    """The institution page's link to its people (registered from `apps.py`)."""
    return render_to_string(
        "people/_institution_people.html", {"institution": institution}, request=request
    )


def _day(request: HttpRequest) -> datetime.date:
    value = request.GET.get("date")
    if value:
        try:
            return parse_day(value)
        except ValidationError:
            messages.error(request, _("Enter a day as YYYY-MM-DD."))
    return timezone.localdate()


def _forget_number(form: StayForm | VisitForm | None) -> None:
    """A form shown again after a refusal does not repeat the number typed into it."""
    if form is not None and form.is_bound:
        blank = {form.add_prefix("id_number"): "", form.add_prefix("phone"): ""}
        form.data = {**form.data.dict(), **blank}  # type: ignore[attr-defined]


def _people_page(
    request: HttpRequest,
    institution: Institution,
    stay_form: StayForm | None = None,
    visit_form: VisitForm | None = None,
    status: int = 200,
) -> HttpResponse:
    _forget_number(stay_form)
    _forget_number(visit_form)
    day = _day(request)
    present = list(
        selectors.institution_stays(user=request.user, institution=institution, at=timezone.now())
    )
    residents = [s for s in present if s.role == StayRole.RESIDENT]
    now = timezone.localtime().replace(second=0, microsecond=0, tzinfo=None)
    visits = list(selectors.institution_visits(user=request.user, institution=institution,
                                               day=day)[:500])  # fmt: skip
    flags = visit_flags(institution=institution, day=day, visits=visits)
    for visit in visits:  # a visitor who lives in or came from a risk area is flagged
        visit.risk_flag = flags.get(visit.pk)  # type: ignore[attr-defined]
    return render(request, "people/institution.html", {
        "institution": institution, "day": day,
        "residents": residents,
        "staff": [s for s in present if s.role == StayRole.STAFF],
        "visits": visits,
        "may_record": services.may_record(request.user, institution),
        "stay_form": stay_form or StayForm(initial={"start": now}, prefix="stay"),
        "visit_form": visit_form or VisitForm(initial={"check_in": now}, prefix="visit",
                                              residents=[s.person for s in residents]),
        "previous_day": day - datetime.timedelta(days=1),
        "next_day": day + datetime.timedelta(days=1),
    }, status=status)  # fmt: skip


@login_required
def institution_people(request: HttpRequest, code: str) -> HttpResponse:
    institution = institution_get(user=request.user, code=code)
    return _people_page(request, institution)


def _apply(form: Any, error: ValidationError | ApiError) -> None:
    """Put a service's refusal on the form's field it names (or on the form)."""
    if isinstance(error, ApiError):
        items = [{"field": error.field, "message": str(error.message)}]
    else:
        items = [{"field": i["field"], "message": i["message"]} for i in error_items(error)]
    for item in items:
        field = item["field"] if item["field"] in form.fields else None
        form.add_error(field, item["message"])


def _visited(request: HttpRequest, form: VisitForm) -> Person | None:
    """The resident chosen: one present at the check-in, or any other person the user may see,
    for the service to refuse naming the field as the API does."""
    pk = form.cleaned_data["visited_person_id"]
    if pk is None:
        return None
    if pk in form.residents:
        return form.residents[pk]
    found = selectors.persons_visible(request.user).filter(pk=pk).first()
    if found is None:
        shown = _("Choose one of the residents shown, or leave the visit unlinked.")
        raise field_error(services.VISITED_FIELD, shown, "invalid_choice")
    return found


def _register(request: HttpRequest, form: StayForm | VisitForm) -> Person:
    data = form.cleaned_data
    found = services.person_register(
        actor=request.user, name=data["name"], id_number=data["id_number"],
        document_type=data["document_type"], phone=data["phone"],
    )  # fmt: skip
    return found.person


@login_required
@require_POST
def add_stay(request: HttpRequest, code: str) -> HttpResponse:
    institution = institution_get(user=request.user, code=code)
    form = StayForm(request.POST, prefix="stay")
    if form.is_valid():
        data = form.cleaned_data
        try:
            person = _register(request, form)
            services.stay_create(
                actor=request.user, institution=institution, person=person, role=data["role"],
                start=data["start"], end=data["end"], admission_reason=data["admission_reason"],
                job=data["job"], on_site=data["on_site"],
                exception_reason=data["exception_reason"] or None,
            )  # fmt: skip
        except (ValidationError, ApiError) as error:
            _apply(form, error)
        else:
            messages.success(request, _("%(name)s added.") % {"name": person.name})
            return redirect("people:institution", code=institution.code)
    return _people_page(request, institution, stay_form=form, status=400)


@login_required
@require_POST
def add_visit(request: HttpRequest, code: str) -> HttpResponse:
    institution = institution_get(user=request.user, code=code)

    def present_at(at: datetime.datetime) -> list[Person]:
        return list(selectors.residents_present(user=request.user, institution=institution,
                                                at=at))  # fmt: skip

    form = VisitForm(request.POST, prefix="visit", residents_at=present_at)
    if form.is_valid():
        data = form.cleaned_data
        try:
            visited = _visited(request, form)
            person = _register(request, form)
            services.visit_create(
                actor=request.user, institution=institution, visitor=person, visited=visited,
                check_in=data["check_in"], check_out=data["check_out"],
                temperature=data["temperature"], came_from=data["came_from"],
                test_proof=data["test_proof"], exception_reason=data["exception_reason"] or None,
            )  # fmt: skip
        except (ValidationError, ApiError) as error:
            _apply(form, error)
        else:
            messages.success(request, _("Visit of %(name)s registered.") % {"name": person.name})
            return redirect("people:institution", code=institution.code)
    return _people_page(request, institution, visit_form=form, status=400)


def _person_page(
    request: HttpRequest,
    person: Person,
    form: RevealForm | None = None,
    revealed: str = "",
    status: int = 200,
) -> HttpResponse:
    response = render(request, "people/person.html", {
        "person": person, "form": form or RevealForm(), "revealed": revealed,
        "stays": selectors.person_stays(user=request.user, person=person),
        "visits": selectors.person_visits(user=request.user, person=person),
        "received": selectors.visits_to_person(user=request.user, person=person)[:100],
    }, status=status)  # fmt: skip
    response["Cache-Control"] = "no-store"  # a revealed number stays out of every cache
    return response


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = selectors.person_get(user=request.user, pk=pk)
    return _person_page(request, person)


@login_required
@require_POST
def person_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """Show a full number once, on this response only, after saying why (audited)."""
    person = selectors.person_get(user=request.user, pk=pk)
    form = RevealForm(request.POST)
    if not form.is_valid():
        return _person_page(request, person, form=form, status=400)
    try:
        revealed = services.person_reveal(
            actor=request.user, person=person, field=form.cleaned_data["field"],
            reason=form.cleaned_data["reason"],
        )  # fmt: skip
    except (ValidationError, ApiError) as error:
        _apply(form, error)
        status = error.status if isinstance(error, ApiError) else 400
        return _person_page(request, person, form=form, status=status)
    return _person_page(request, person, form=RevealForm(), revealed=revealed)


@login_required
def search(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:50]
    persons = list(selectors.person_search(user=request.user, q=q)) if q else []
    return render(request, "people/search.html", {"q": q, "persons": persons})
