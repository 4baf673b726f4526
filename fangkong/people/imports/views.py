"""Pages: an institution's imports (upload, templates, recent files), one import (its
progress bar, preview, problems, the button to import), a kind's template."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from fangkong.core.errors import error_items
from fangkong.core.exceptions import ApiError
from fangkong.core.xlsx import attachment
from fangkong.institutions.models import Institution
from fangkong.institutions.selectors import institution_get
from fangkong.people.imports import selectors, services
from fangkong.people.imports.blank import template_xlsx
from fangkong.people.imports.forms import UploadForm
from fangkong.people.imports.kinds import kind_get, kinds
from fangkong.people.imports.uploads import sealing_uploads


def _allowed(user: Any, institution: Institution) -> list[tuple[str, str]]:
    return [(k.code, str(k.label)) for k in kinds().values() if k.may_import(user, institution)]


def _page(
    request: HttpRequest, institution: Institution, form: UploadForm | None = None,
    status: int = 200,
) -> HttpResponse:  # fmt: skip
    allowed = _allowed(request.user, institution)
    return render(request, "people/imports/institution.html", {
        "institution": institution, "kinds": allowed,
        "form": form or UploadForm(kinds=allowed),
        "imports": selectors.institution_imports(user=request.user, institution=institution),
    }, status=status)  # fmt: skip


# The upload is sealed as it is received (`uploads`): its handler is set before the body is
# read, so before CSRF's check (which reads the form), made here inside.
@csrf_exempt
@login_required
@sealing_uploads
@csrf_protect
def institution_imports(request: HttpRequest, code: str) -> HttpResponse:
    institution = institution_get(user=request.user, code=code)
    if request.method != "POST":
        return _page(request, institution)
    allowed = _allowed(request.user, institution)
    form = UploadForm(request.POST, request.FILES, kinds=allowed)
    if not allowed:
        form.add_error(None, _("Your role may not import into this institution."))
        return _page(request, institution, form, status=403)
    if form.is_valid():
        try:
            record = services.import_upload(
                actor=request.user, institution=institution, kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
            )  # fmt: skip
        except (ValidationError, ApiError) as error:
            _apply(form, error)
        else:
            return redirect("people:import", pk=record.pk)
    return _page(request, institution, form, status=400)


def _apply(form: UploadForm, error: ValidationError | ApiError) -> None:
    if isinstance(error, ApiError):
        form.add_error(None, str(error.message))
        return
    for item in error_items(error):
        field = item["field"] if item["field"] in form.fields else None
        form.add_error(field, item["message"] or "")


@login_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.import_get(user=request.user, pk=pk)
    kind = kind_get(record.kind)
    if kind is None:
        raise Http404("kind")
    return render(request, "people/imports/detail.html", {
        "record": record, "kind": kind, "earlier": services.earlier_import(record),
        "progress_url": reverse("api:import_progress", args=[record.pk]),
        "may_import": kind.may_import(request.user, record.institution),
        "more_errors": record.error_count - len(record.errors),
        "keep_hours": services.keep_hours(),
    })  # fmt: skip


@login_required
@require_POST
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.import_get(user=request.user, pk=pk)
    try:
        services.import_confirm(actor=request.user, record=record)
    except ApiError as error:
        return HttpResponse(str(error.message), status=error.status)
    except ValidationError:
        pass  # already confirmed or refused: the page says where it stands
    return redirect("people:import", pk=record.pk)


@login_required
def template(request: HttpRequest, kind: str) -> HttpResponse:
    found = kind_get(kind)
    if found is None:
        raise Http404("kind")
    name = _("Template %(kind)s.xlsx") % {"kind": found.label}
    return attachment(template_xlsx(found), name)
