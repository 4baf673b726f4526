"""The page that exports an institution's persons to Excel (people/exports.py)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from fangkong.core.exceptions import ApiError
from fangkong.core.xlsx import attachment
from fangkong.institutions.models import Institution
from fangkong.institutions.selectors import institution_get
from fangkong.people import exports
from fangkong.people.forms import ExportForm
from fangkong.people.services import _covers
from fangkong.people.views import _apply


def _page(
    request: HttpRequest, institution: Institution, form: ExportForm, status: int = 200
) -> HttpResponse:
    return render(request, "people/export.html", {
        "institution": institution, "form": form,
        "may_export": _covers(request.user, exports.EXPORTERS, institution),
        "may_reveal": _covers(request.user, exports.EXPORT_REVEALERS, institution),
    }, status=status)  # fmt: skip


@login_required
def export_persons(request: HttpRequest, code: str) -> HttpResponse:
    """GET: the form; POST: the workbook, or the form again saying what is wrong."""
    institution = institution_get(user=request.user, code=code)
    if request.method != "POST":
        return _page(request, institution, ExportForm())
    form = ExportForm(request.POST)
    if not form.is_valid():
        return _page(request, institution, form, status=400)
    data = form.cleaned_data
    try:
        exported = exports.persons_export(
            actor=request.user, institution=institution, kinds=data["kinds"],
            reason=data["reason"], reveal=data["reveal"], since=data["since"],
            until=data["until"],
        )  # fmt: skip
    except (ValidationError, ApiError) as error:
        _apply(form, error)
        status = error.status if isinstance(error, ApiError) else 400
        return _page(request, institution, form, status=status)
    response = attachment(exported.content, exported.filename)
    response["Cache-Control"] = "no-store"
    return response
