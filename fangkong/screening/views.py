"""Pages: a screening's line list (numbers masked) with a classification form per subject, a
follow-up form per close contact and the second ring; its Excel line list; a close contact's
follow-up (tests, symptoms by day, closing); a region's open screenings and overdue follow-ups;
and the institution page's list of its screenings."""

import datetime
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from fangkong.audit.services import Target, audit_record
from fangkong.core.errors import error_items
from fangkong.core.exceptions import ApiError, Forbidden
from fangkong.core.scoping import scope_of
from fangkong.core.xlsx import attachment
from fangkong.institutions.models import Institution
from fangkong.institutions.selectors import institution_get
from fangkong.lab.selectors import positive_results
from fangkong.people.selectors import person_get
from fangkong.people.services import REVEALERS
from fangkong.regions.selectors import region_get
from fangkong.screening import exports, selectors, services
from fangkong.screening.forms import (
    PLANNED_TESTS,
    ClassificationForm,
    CloseForm,
    FollowUpForm,
    PlanForm,
    ScreeningForm,
    SecondRingForm,
    SymptomsForm,
)
from fangkong.screening.models import (
    ContactClass,
    FollowUp,
    FollowUpOutcome,
    Screening,
    Symptom,
)

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


def _refusal(request: HttpRequest, exc: ValidationError | ApiError) -> None:
    if isinstance(exc, ApiError):
        messages.error(request, str(exc.message))
    else:
        messages.error(request, " ".join(str(i["message"]) for i in error_items(exc)))


def _classify(request: HttpRequest, screening: Screening) -> HttpResponse | None:
    form = ClassificationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a class and say why."))
        return None
    services.subject_classify(
        actor=request.user, screening=screening, person_id=form.cleaned_data["person"],
        classification=form.cleaned_data["classification"], reason=form.cleaned_data["reason"],
    )  # fmt: skip
    messages.success(request, _("Subject classified."))
    return redirect("screening:screening", pk=screening.pk)


def _follow_up(request: HttpRequest, screening: Screening) -> HttpResponse | None:
    form = FollowUpForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the quarantine's last day and the test days."))
        return None
    follow_up = services.follow_up_start(
        actor=request.user, screening=screening, person_id=form.cleaned_data["person"],
        quarantine_until=form.cleaned_data["quarantine_until"], test_days=form.test_days(),
    )  # fmt: skip
    messages.success(request, _("Follow-up started."))
    return redirect("screening:follow_up", pk=follow_up.pk)


def _second_ring(request: HttpRequest, screening: Screening) -> HttpResponse | None:
    form = SecondRingForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the second ring is opened."))
        return None
    opened = services.second_ring_open(
        actor=request.user, screening=screening, reason=form.cleaned_data["reason"]
    )
    messages.success(request, _("Second ring opened."))
    if opened.referrals:
        messages.info(request, _(
            "%(count)d institution(s) outside your scope: their officers were told to open "
            "the second ring there."
        ) % {"count": len(opened.referrals)})  # fmt: skip
    return redirect("screening:screening", pk=opened.home.pk)


type Action = Callable[[HttpRequest, Screening], HttpResponse | None]
ACTIONS: dict[str, Action] = {
    "classify": _classify, "follow_up": _follow_up, "second_ring": _second_ring,
}  # fmt: skip


def _suggested_plan(screening: Screening) -> dict[str, Any]:
    """A proposal for the form (7 days' quarantine after the window, tests on days 1, 2, 3, 5
    and 7), submitted only by the officer."""
    last = services.local_day(screening.end)
    days = [last + datetime.timedelta(days=n) for n in (1, 2, 3, 5, 7)][:PLANNED_TESTS]
    return {"quarantine_until": last + datetime.timedelta(days=7), "test_days": days}


@login_required
def screening_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The line list: each subject, their roles, where else they were, the proposal, the class;
    a close contact's follow-up; the rings."""
    screening = selectors.screening_get(user=request.user, pk=pk)
    may_classify = services.may_screen(request.user, screening.institution)
    if request.method == "POST" and may_classify:
        action = ACTIONS.get(request.POST.get("action", "classify"), _classify)
        try:
            response = action(request, screening)
            if response is not None:
                return response
        except (ValidationError, ApiError) as exc:
            _refusal(request, exc)
    subjects = list(selectors.subjects_of(screening))
    follow_ups = selectors.screening_follow_ups(screening)
    rings = selectors.screening_rings(user=request.user, screening=screening)
    has_ring = bool(rings.rings) or rings.outside > 0
    return render(request, "screening/screening.html", {
        "screening": screening, "may_classify": may_classify, "classes": ContactClass.choices,
        "rows": [(subject, follow_ups.get(subject.person_id)) for subject in subjects],
        "rings": rings, "plan": _suggested_plan(screening),
        "index_persons": list(screening.index_persons.order_by("pinyin", "pk")),
        "may_open_ring": may_classify and screening.parent_id is None and not has_ring,
        "close_contacts": sum(s.classification == ContactClass.CLOSE for s in subjects),
    })  # fmt: skip


@login_required
def referral_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A second ring referred to an institution of the user's scope: what it is, and a form to
    open it there (its officers)."""
    referral = selectors.referral_get(user=request.user, pk=pk)
    may_open = services.may_screen(request.user, referral.institution)
    form = SecondRingForm(request.POST or None)
    if request.method == "POST":
        if not may_open:
            raise PermissionDenied
        if form.is_valid():
            try:
                ring = services.referral_open(
                    actor=request.user, referral=referral, reason=form.cleaned_data["reason"]
                )
                messages.success(request, _("Second ring opened."))
                return redirect("screening:screening", pk=ring.pk)
            except (ValidationError, ApiError) as exc:
                _refusal(request, exc)
    return render(request, "screening/referral.html", {
        "referral": referral, "may_open": may_open and referral.screening_id is None,
        "index_persons": sorted(referral.index_persons.all(), key=lambda p: (p.pinyin, p.pk)),
        "form": form,
    })  # fmt: skip


def may_reveal(user: Any, screening: Screening) -> bool:
    """Whether the user's role may see full identity numbers of the screening's subjects."""
    scope = scope_of(user, REVEALERS)
    institution = screening.institution
    return scope.covers_path(institution.region.path) or institution.pk in scope.institution_ids


@login_required
def line_list_xlsx(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The line list in Excel; identity numbers in full only for the roles that may see them.
    Who took which persons' data away is on record."""
    screening = selectors.screening_get(user=request.user, pk=pk)
    subjects = list(selectors.subjects_of(screening))
    full = may_reveal(request.user, screening)
    institution = screening.institution
    audit_record(
        actor=request.user, action="screening.export",
        target=Target("screening.screening", str(screening.pk), institution.name),
        after={"rows": len(subjects), "full_numbers": full},
        region_path=institution.region.path, institution_id=institution.pk,
    )  # fmt: skip
    content = exports.line_list_xlsx(
        screening, subjects, selectors.screening_follow_ups(screening), full_numbers=full
    )
    response = attachment(content, f"screening-{screening.pk}-{institution.code}.xlsx")
    response["Cache-Control"] = "no-store"  # full numbers stay out of every cache
    return response


def _current_plan(follow_up: FollowUp) -> dict[str, Any]:
    days = [t.day for t in follow_up.test_days.all()]
    return {"quarantine_until": follow_up.quarantine_until,
            **{f"test_{n}": day for n, day in enumerate(days[:PLANNED_TESTS])}}  # fmt: skip


@login_required
def follow_up_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A close contact's follow-up, on a phone: planned tests met or missed, symptoms by day
    (recorded by the institution or an officer), and closing with an outcome (an officer)."""
    follow_up = selectors.follow_up_get(user=request.user, pk=pk)
    institution = follow_up.subject.screening.institution
    may_observe = services.may_observe(request.user, institution)
    may_close = services.may_screen(request.user, institution)
    symptoms_form = SymptomsForm(initial={"day": services.local_day(timezone.now())})
    close_form = CloseForm()
    plan_form = PlanForm(initial=_current_plan(follow_up))
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "symptoms" and may_observe:
                symptoms_form = SymptomsForm(request.POST)
                if symptoms_form.is_valid():
                    data = symptoms_form.cleaned_data
                    services.symptoms_record(
                        actor=request.user, follow_up=follow_up, day=data["day"],
                        symptoms=data["symptoms"], temperature=data["temperature"],
                        note=data["note"],
                    )  # fmt: skip
                    messages.success(request, _("Symptoms recorded."))
                    return redirect("screening:follow_up", pk=pk)
            elif action == "plan" and may_close:
                plan_form = PlanForm(request.POST)
                if plan_form.is_valid():
                    services.follow_up_plan_change(
                        actor=request.user, follow_up=follow_up,
                        quarantine_until=plan_form.cleaned_data["quarantine_until"],
                        test_days=plan_form.test_days(), reason=plan_form.cleaned_data["reason"],
                    )  # fmt: skip
                    messages.success(request, _("Plan changed."))
                    return redirect("screening:follow_up", pk=pk)
            elif action == "close" and may_close:
                close_form = CloseForm(request.POST)
                if close_form.is_valid():
                    services.follow_up_close(
                        actor=request.user, follow_up=follow_up,
                        outcome=close_form.cleaned_data["outcome"],
                        note=close_form.cleaned_data["note"],
                    )  # fmt: skip
                    messages.success(request, _("Follow-up closed."))
                    return redirect("screening:follow_up", pk=pk)
            else:
                raise PermissionDenied
        except (ValidationError, ApiError) as exc:
            _refusal(request, exc)
    follow_up = selectors.follow_up_get(user=request.user, pk=pk)
    return render(request, "screening/follow_up.html", {
        "follow_up": follow_up, "state": selectors.follow_up_state(follow_up),
        "screening": follow_up.subject.screening, "may_observe": may_observe,
        "may_close": may_close, "symptoms_form": symptoms_form, "close_form": close_form,
        "plan_form": plan_form,
        "symptom_labels": dict(Symptom.choices), "outcomes": FollowUpOutcome,
    })  # fmt: skip


@login_required
def region_page(request: HttpRequest, code: str) -> HttpResponse:
    """The region's open screenings and overdue follow-ups, within the user's scope."""
    region = region_get(user=request.user, code=code)
    screenings = selectors.region_open_screenings(user=request.user, region=region)
    return render(request, "screening/region.html", {
        "region": region, "screenings": screenings[:500],
        "overdue": selectors.region_overdue_follow_ups(user=request.user, region=region),
        "referrals": selectors.pending_referrals(user=request.user, region=region)[:500],
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
