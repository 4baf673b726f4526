"""Pages of the self check-in by QR code and of risk areas.

The visitor's pages need no account: the check-in form (reached by the poster's token) and the
status page (reached by the secret of their own submission). The gate staff's screen, the
poster and the risk areas are for signed-in users in scope.
"""

import secrets
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.audit.middleware import client_address
from fangkong.core.exceptions import ApiError
from fangkong.institutions.models import Institution
from fangkong.institutions.selectors import institution_get
from fangkong.people import checkin, risk, selectors, services
from fangkong.people.checkin_forms import (
    ConfirmForm,
    PosterForm,
    RefuseForm,
    RiskAreaForm,
    SelfCheckInForm,
)
from fangkong.people.checkin_models import CheckInStatus, RiskArea, SelfCheckIn
from fangkong.people.views import _apply
from fangkong.regions.models import Region
from fangkong.regions.selectors import region_get

DEVICE_COOKIE = "fangkong_device"
DEVICE_AGE = 365 * 24 * 3600


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


# The visitor's pages -----------------------------------------------------------------------


def _refused(request: HttpRequest, error: ApiError) -> HttpResponse:
    page = render(request, "people/checkin_refused.html", {"message": error.message},
                  status=error.status)  # fmt: skip
    return _no_store(page)


def _form_page(
    request: HttpRequest, institution: Institution, form: SelfCheckInForm, status: int = 200
) -> HttpResponse:
    if form.is_bound:  # a form shown again does not repeat the number typed into it
        form.data = {**form.data.dict(), "id_number": ""}  # type: ignore[attr-defined]
    page = render(request, "people/checkin_form.html",
                  {"institution": institution, "form": form}, status=status)  # fmt: skip
    if not request.COOKIES.get(DEVICE_COOKIE):
        page.set_cookie(DEVICE_COOKIE, secrets.token_urlsafe(16), max_age=DEVICE_AGE,
                        httponly=True, samesite="Lax", secure=request.is_secure())  # fmt: skip
    return _no_store(page)


def checkin_form(request: HttpRequest, code: str, token: str) -> HttpResponse:
    """The form a visitor reaches by scanning the gate poster, on their own phone."""
    try:
        poster = checkin.poster_for_token(code=code, token=token)
    except checkin.TokenRefused as error:
        return _refused(request, error)
    if request.method != "POST":
        return _form_page(request, poster.institution, SelfCheckInForm())
    try:
        checkin.rate_limit(device=request.COOKIES.get(DEVICE_COOKIE),
                           address=client_address(request), institution_code=code)  # fmt: skip
    except checkin.TooManyCheckIns as error:
        return _refused(request, error)
    form = SelfCheckInForm(request.POST)
    if form.is_valid():
        try:
            submitted = checkin.checkin_submit(
                poster=poster, entry=checkin.VisitorEntry(**form.cleaned_data)
            )
        except (ValidationError, ApiError) as error:
            _apply(form, error)
        else:
            return redirect("people:checkin_status", secret=submitted.secret)
    return _form_page(request, poster.institution, form, status=400)


def checkin_status(request: HttpRequest, secret: str) -> HttpResponse:
    """The visitor's own check-in, and the gate's decision once made (htmx asks again)."""
    check_in = checkin.checkin_for_secret(secret)
    template = "people/_checkin_status.html" if request.headers.get("HX-Request") else None
    context = {"check_in": check_in, "secret": secret}
    page = render(request, template or "people/checkin_status.html", context)
    return _no_store(page)


# The gate staff's screen -------------------------------------------------------------------


def _gate_page(
    request: HttpRequest, institution: Institution, status: int = 200, **forms: Any
) -> HttpResponse:
    rows = list(checkin.checkin_queue(user=request.user, institution=institution))
    pending = [r for r in rows if r.status == CheckInStatus.PENDING]
    for row in pending:
        _offer_residents(request, row)
    return render(request, "people/checkin_gate.html", {
        "institution": institution, "pending": pending,
        "decided": [r for r in rows if r.status != CheckInStatus.PENDING],
        "may_record": services.may_record(request.user, institution),
        "failed_id": forms.get("failed_id"), "confirm_form": forms.get("confirm") or ConfirmForm(),
        "refuse_form": forms.get("refuse") or RefuseForm(),
    }, status=status)  # fmt: skip


def _offer_residents(request: HttpRequest, row: SelfCheckIn) -> None:
    """The residents the gate staff may link, the one chosen when the name is exactly one's."""
    candidates = checkin.visited_candidates(user=request.user, check_in=row)
    exact = [p for p in candidates if p.name == selectors.typed_name(row.visiting)]
    row.candidates = candidates  # type: ignore[attr-defined]
    row.preselect = exact[0].pk if len(exact) == 1 else None  # type: ignore[attr-defined]


@login_required
def gate_checkins(request: HttpRequest, code: str) -> HttpResponse:
    institution = institution_get(user=request.user, code=code)
    return _gate_page(request, institution)


def _decide(request: HttpRequest, pk: int, form: ConfirmForm | RefuseForm) -> HttpResponse:
    check_in: SelfCheckIn = checkin.checkin_get(user=request.user, pk=pk)
    institution = check_in.institution
    kind = "confirm" if isinstance(form, ConfirmForm) else "refuse"
    if form.is_valid():
        try:
            if isinstance(form, ConfirmForm):
                reason = form.cleaned_data["exception_reason"] or None
                checkin.checkin_confirm(
                    actor=request.user, check_in=check_in, exception_reason=reason,
                    visited_person_id=form.cleaned_data["visited_person_id"],
                )  # fmt: skip
                messages.success(request, _("%(name)s checked in.") % {"name": check_in.name})
            else:
                checkin.checkin_refuse(actor=request.user, check_in=check_in,
                                       reason=form.cleaned_data["reason"])  # fmt: skip
                messages.success(request, _("%(name)s refused.") % {"name": check_in.name})
        except (ValidationError, ApiError) as error:
            _apply(form, error)
        else:
            return redirect("people:gate_checkins", code=institution.code)
    return _gate_page(request, institution, status=400, failed_id=pk, **{kind: form})


@login_required
@require_POST
def confirm_checkin(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, ConfirmForm(request.POST))


@login_required
@require_POST
def refuse_checkin(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, RefuseForm(request.POST))


# The gate poster ---------------------------------------------------------------------------


def _qr_svg(url: str) -> str:
    """The QR code as inline SVG, scaled by the page (a viewBox, no fixed size)."""
    code = segno.make(url, error="m")
    return mark_safe(code.svg_inline(omitsize=True, border=4, dark="#000"))  # noqa: S308 - segno's own markup


@login_required
def poster(request: HttpRequest, code: str) -> HttpResponse:
    """The printable A4 poster with the QR code; a POST prints a new one (the old stops)."""
    institution = institution_get(user=request.user, code=code)
    form = PosterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            checkin.poster_issue(actor=request.user, institution=institution,
                                 days=form.cleaned_data["days"])  # fmt: skip
        except (ValidationError, ApiError) as error:
            _apply(form, error)
        else:
            return redirect("people:poster", code=institution.code)
    current = checkin.poster_current(institution)
    url = svg = ""
    if current is not None and services.may_record(request.user, institution):
        path = reverse("people:checkin", args=[institution.code, checkin.poster_token(current)])
        url = request.build_absolute_uri(path)
        svg = _qr_svg(url)
    return render(request, "people/checkin_poster.html", {
        "institution": institution, "poster": current, "url": url, "svg": svg, "form": form,
        "may_record": services.may_record(request.user, institution),
    }, status=400 if form.errors else 200)  # fmt: skip


# Risk areas --------------------------------------------------------------------------------


def _region_or_none(code: str) -> Region | None:
    code = code.strip()
    if not code:
        return None
    found = Region.objects.filter(code=code).first()
    if found is None:
        raise ValidationError({"region_code": ValidationError(_("No region has this code."),
                                                              code="unknown_region")})  # fmt: skip
    return found


def _risk_data(authority: Region, form: RiskAreaForm) -> risk.RiskAreaData:
    data = form.cleaned_data
    return risk.RiskAreaData(
        authority=authority, region=_region_or_none(data["region_code"]), place=data["place"],
        level=data["level"], start_date=data["start_date"], end_date=data["end_date"],
        note=data["note"],
    )  # fmt: skip


@login_required
def risk_areas(request: HttpRequest, code: str) -> HttpResponse:
    """The risk areas that hold in a region; officers declare new ones here."""
    region = region_get(user=request.user, code=code)
    may_declare = risk.may_declare(request.user, region)
    form = RiskAreaForm(request.POST or None, initial={"start_date": timezone.localdate()})
    if request.method == "POST":
        if not may_declare:
            raise Http404("risk areas")
        if form.is_valid():
            try:
                area = risk.risk_area_create(actor=request.user, data=_risk_data(region, form))
            except (ValidationError, ApiError) as error:
                _apply(form, error)
            else:
                messages.success(request, _("Risk area %(area)s recorded.") % {"area": area.label})
                return redirect("people:risk_areas", code=region.code)
    areas = risk.areas_for_region(user=request.user, region=region)
    return render(request, "people/risk_areas.html", {
        "region": region, "areas": areas, "form": form, "may_declare": may_declare,
        "today": timezone.localdate(),
    }, status=400 if form.errors else 200)  # fmt: skip


@login_required
def risk_area_edit(request: HttpRequest, pk: int) -> HttpResponse:
    area: RiskArea = risk.risk_area_get(user=request.user, pk=pk)
    initial = {
        "region_code": area.region.code if area.region else "", "place": area.place,
        "level": area.level, "start_date": area.start_date, "end_date": area.end_date,
        "note": area.note,
    }  # fmt: skip
    form = RiskAreaForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            risk.risk_area_update(actor=request.user, area=area,
                                  data=_risk_data(area.authority, form))  # fmt: skip
        except (ValidationError, ApiError) as error:
            _apply(form, error)
        else:
            messages.success(request, _("Risk area changed."))
            return redirect("people:risk_areas", code=area.authority.code)
    return render(request, "people/risk_area_edit.html", {
        "area": area, "form": form, "may_declare": risk.may_declare(request.user, area.authority),
    }, status=400 if form.errors else 200)  # fmt: skip
