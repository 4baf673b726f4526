"""Pages: a screening's line list (numbers masked) with a classification form per subject, and
the institution page's list of its screenings."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from fangkong.core.errors import error_items
from fangkong.core.exceptions import Forbidden
from fangkong.institutions.models import Institution
from fangkong.institutions.selectors import institution_get
from fangkong.lab.selectors import positive_results
from fangkong.people.selectors import person_get
from fangkong.screening import selectors, services
from fangkong.screening.forms import ClassificationForm, ScreeningForm
from fangkong.screening.models import ContactClass

INSTITUTION_SCREENINGS = 5
DEFAULT_WINDOW = datetime.timedelta(days=7)  # the seed's "7 days since 17 October"


def institution_section(request: HttpRequest, institution: Institution) -> str:
    """The institution page's part on screenings (registered from `apps.py`)."""
    found = selectors.institution_screenings(user=request.user, institution=institution)
    may_screen = services.may_screen(request.user, institution)
    positives = []
    if may_screen:
        found_positives = positive_results(user=request.user, institution=institution)
        positives = list(found_positives[:INSTITUTION_SCREENINGS])
    return render_to_string(
        "screening/_institution_screenings.html",
        {"institution": institution, "screenings": found[:INSTITUTION_SCREENINGS],
         "may_screen": may_screen, "positives": positives},
        request=request,
    )  # fmt: skip


@login_required
def screening_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The line list: each subject, their roles, where else they were, the proposal, the class."""
    screening = selectors.screening_get(user=request.user, pk=pk)
    may_classify = services.may_screen(request.user, screening.institution)
    if request.method == "POST" and may_classify:
        form = ClassificationForm(request.POST)
        if form.is_valid():
            try:
                services.subject_classify(
                    actor=request.user, screening=screening,
                    person_id=form.cleaned_data["person"],
                    classification=form.cleaned_data["classification"],
                    reason=form.cleaned_data["reason"],
                )  # fmt: skip
                messages.success(request, _("Subject classified."))
                return redirect("screening:screening", pk=screening.pk)
            except ValidationError as exc:
                messages.error(request, " ".join(str(i["message"]) for i in error_items(exc)))
        else:
            messages.error(request, _("Choose a class and say why."))
    subjects = list(selectors.subjects_of(screening))
    return render(request, "screening/screening.html", {
        "screening": screening, "subjects": subjects, "may_classify": may_classify,
        "classes": ContactClass.choices,
    })  # fmt: skip


def _initial(request: HttpRequest) -> dict[str, object]:
    """A window of 7 days ending at `?end=` (a positive's sample time), else now."""
    end = parse_datetime(request.GET.get("end", "")) or timezone.now()
    end = timezone.localtime(end, timezone.get_default_timezone()).replace(second=0, microsecond=0)
    return {"start": end - DEFAULT_WINDOW, "end": end}


@login_required
def screening_new(request: HttpRequest, code: str) -> HttpResponse:
    """Open a screening of the institution, with `?index=` (a positive) as its index person."""
    institution = institution_get(user=request.user, code=code)
    if not services.may_screen(request.user, institution):
        raise PermissionDenied
    index_id = request.GET.get("index") or request.POST.get("index")
    index = None
    if index_id and index_id.isdigit() and len(index_id) <= 9:
        index = person_get(user=request.user, pk=int(index_id))
    form = ScreeningForm(request.POST or None, initial=_initial(request))
    if request.method == "POST" and form.is_valid():
        try:
            screening = services.screening_create(
                actor=request.user, institution=institution, index_person=index,
                start=form.cleaned_data["start"], end=form.cleaned_data["end"],
                reason=form.cleaned_data["reason"],
            )  # fmt: skip
            return redirect("screening:screening", pk=screening.pk)
        except (ValidationError, Forbidden) as exc:
            _refused(form, exc)
    return render(request, "screening/new.html", {
        "institution": institution, "index": index, "form": form,
    })  # fmt: skip


def _refused(form: ScreeningForm, exc: ValidationError | Forbidden) -> None:
    if isinstance(exc, Forbidden):
        form.add_error(None, str(exc.message))
        return
    for item in error_items(exc):
        form.add_error(
            item["field"] if item["field"] in form.fields else None, str(item["message"])
        )
