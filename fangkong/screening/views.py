"""Pages: a screening's line list (numbers masked) with a classification form per subject, and
the institution page's list of its screenings."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from fangkong.core.errors import error_items
from fangkong.institutions.models import Institution
from fangkong.screening import selectors, services
from fangkong.screening.forms import ClassificationForm
from fangkong.screening.models import ContactClass

INSTITUTION_SCREENINGS = 5


def institution_section(request: HttpRequest, institution: Institution) -> str:
    """The institution page's part on screenings (registered from `apps.py`)."""
    found = selectors.institution_screenings(user=request.user, institution=institution)
    return render_to_string(
        "screening/_institution_screenings.html",
        {"institution": institution, "screenings": found[:INSTITUTION_SCREENINGS]},
        request=request,
    )


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
