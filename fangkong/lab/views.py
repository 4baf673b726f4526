"""Pages: a region's coverage of a round ("6/6"), a round with its persons and the form to
record a result, and the institution page's list of its rounds."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fangkong.core.errors import error_items
from fangkong.core.exceptions import ApiError
from fangkong.institutions.models import Institution
from fangkong.lab import exports, grid, selectors, services
from fangkong.lab.forms import ExcuseForm, ResultForm
from fangkong.lab.models import LabRound
from fangkong.people.selectors import person_get, persons_visible

INSTITUTION_ROUNDS = 5
REGION_PAGE_SIZE = 200  # institutions on a page of the region's round (a nation has 41,000)
REGION_POSITIVES = 200  # positives listed; the Excel sheet has them all


def institution_section(request: HttpRequest, institution: Institution) -> str:
    """The institution page's part on testing rounds (registered from `apps.py`)."""
    rounds = selectors.with_counts(
        selectors.rounds_visible(request.user).filter(institution=institution)
    ).order_by("-started_at")[:INSTITUTION_ROUNDS]
    return render_to_string(
        "lab/_institution_rounds.html",
        {"institution": institution, "rounds": rounds},
        request=request,
    )


@login_required
def region_coverage(request: HttpRequest, code: str) -> HttpResponse:
    """The region's rounds of one name by institution, with coverage and completion."""
    region = selectors.coverage_region_get(user=request.user, code=code)
    names = selectors.round_names(user=request.user, region=region)
    name = " ".join(request.GET.get("name", "").split()) or (names[0] if names else "")
    rounds = selectors.region_rounds(user=request.user, region=region, name=name)
    page = Paginator(rounds, REGION_PAGE_SIZE).get_page(request.GET.get("page"))
    found = selectors.coverage(user=request.user, region=region, name=name)
    lines = [{"round": r, "complete": selectors.is_complete(r)} for r in page]
    positives = selectors.region_positives(user=request.user, region=region, name=name)
    return render(request, "lab/region.html", {
        "region": region, "names": names, "name": name, "coverage": found, "lines": lines,
        "page": page, "positives": positives[:REGION_POSITIVES],
        "more_positives": max(found.positive - REGION_POSITIVES, 0),
        "may_export": exports.may_export(request.user, region),
    })  # fmt: skip


@login_required
def region_xlsx(request: HttpRequest, code: str) -> HttpResponse:
    """The region's rounds of one name as an Excel sheet, for the bureau's officers."""
    region = selectors.coverage_region_get(user=request.user, code=code)
    if not exports.may_export(request.user, region):
        raise PermissionDenied
    name = " ".join(request.GET.get("name", "").split())
    if not name:
        raise Http404(_("Name the round."))
    return exports.rounds_response(user=request.user, region=region, name=name)


def _persons(lab_round: LabRound, lines: list[selectors.RoundPerson]) -> list[tuple[int, str]]:
    choices = [(line.person_id, f"{line.name} {line.id_number_masked}") for line in lines]
    for stay in selectors.late_arrivals(lab_round):
        choices.append((stay.person_id, f"{stay.person.name} {stay.person.id_number_masked}"))
    return choices


@login_required
def round_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A round: counts, persons with their results, late arrivals, and a result form."""
    lab_round = selectors.round_get(user=request.user, pk=pk)
    lines = selectors.round_persons(lab_round)
    may_record = services.may_record(request.user, lab_round.institution)
    form = ResultForm(persons=_persons(lab_round, lines), prefix="result")
    if request.method == "POST" and may_record:
        if "excuse-person" in request.POST:
            return _excuse(request, lab_round)
        form = ResultForm(request.POST, persons=_persons(lab_round, lines), prefix="result")
        if form.is_valid() and _record(request, lab_round, form):
            return redirect("lab:round", pk=lab_round.pk)
    return render(request, "lab/round.html", {
        "round": lab_round, "lines": lines, "complete": selectors.is_complete(lab_round),
        "late": selectors.late_arrivals(lab_round), "form": form, "may_record": may_record,
    })  # fmt: skip


@login_required
def round_grid(request: HttpRequest, pk: int) -> HttpResponse:
    """Every person of a round on one grid, entered at once: all rows, or none."""
    lab_round = selectors.round_get(user=request.user, pk=pk)
    if not services.may_record(request.user, lab_round.institution):
        raise PermissionDenied
    lines = selectors.round_persons(lab_round)
    found = grid.grid_build(lab_round, lines, request.POST if request.method == "POST" else None)
    if request.method == "POST":
        entries, numbers = grid.grid_entries(found)
        if not found.errors:
            if not entries:
                messages.info(request, _("Nothing new to record."))
                return redirect("lab:round", pk=lab_round.pk)
            if _record_many(request, lab_round, found, entries, numbers):
                return redirect("lab:round", pk=lab_round.pk)
        elif entries:  # list the service's problems too, writing nothing
            refusal = services.results_refusal(
                lab_round=lab_round, entries=entries, persons=_persons_of(request, entries),
                rows=numbers,
            )  # fmt: skip
            if refusal is not None:
                grid.grid_refused(found, refusal, numbers)
    return render(request, "lab/grid.html", {
        "round": lab_round, "grid": found, "complete": selectors.is_complete(lab_round),
    }, status=400 if found.errors else 200)  # fmt: skip


def _persons_of(request: HttpRequest, entries: list[services.ResultEntry]) -> dict[int, Any]:
    ids = {entry.person_id for entry in entries}
    return {p.pk: p for p in persons_visible(request.user).filter(pk__in=ids)}


def _record_many(
    request: HttpRequest,
    lab_round: LabRound,
    found: grid.Grid,
    entries: list[services.ResultEntry],
    numbers: list[int],
) -> bool:
    try:
        recorded = services.results_record_many(
            actor=request.user, lab_round=lab_round, entries=entries,
            persons=_persons_of(request, entries), rows=numbers,
        )  # fmt: skip
    except ValidationError as exc:
        grid.grid_refused(found, exc, numbers)
        return False
    messages.success(
        request,
        ngettext("%(n)d result recorded.", "%(n)d results recorded.", len(recorded))
        % {"n": len(recorded)},
    )
    return True


def _refused(request: HttpRequest, form: Any, exc: ValidationError | ApiError) -> None:
    if isinstance(exc, ApiError):
        messages.error(request, str(exc.message))
        return
    for item in error_items(exc):
        field = item["field"] if item["field"] in form.fields else None
        form.add_error(field, str(item["message"]))


def _record(request: HttpRequest, lab_round: LabRound, form: ResultForm) -> bool:
    data = form.cleaned_data
    person = person_get(user=request.user, pk=data["person"])
    try:
        services.result_record(
            actor=request.user, lab_round=lab_round, person=person, result=data["result"],
            sampled_at=data["sampled_at"], laboratory=data["laboratory"], reason=data["reason"],
        )  # fmt: skip
    except (ValidationError, ApiError) as exc:
        _refused(request, form, exc)
        return False
    messages.success(request, _("Result recorded."))
    return True


def _excuse(request: HttpRequest, lab_round: LabRound) -> HttpResponse:
    form = ExcuseForm(request.POST, prefix="excuse")
    if form.is_valid():
        person = person_get(user=request.user, pk=form.cleaned_data["person"])
        try:
            services.person_excuse(
                actor=request.user, lab_round=lab_round, person=person,
                reason=form.cleaned_data["reason"],
            )  # fmt: skip
            messages.success(request, _("Person excused."))
        except ValidationError as exc:
            messages.error(request, " ".join(str(i["message"]) for i in error_items(exc)))
    else:
        messages.error(request, _("Say why the person is excused."))
    return redirect("lab:round", pk=lab_round.pk)
