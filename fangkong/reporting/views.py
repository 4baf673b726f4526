import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from fangkong.core.exceptions import Forbidden, PreconditionFailed, PreconditionRequired
from fangkong.core.scoping import visible
from fangkong.institutions.models import Institution
from fangkong.institutions.selectors import institution_get
from fangkong.regions.models import Region
from fangkong.regions.selectors import region_get
from fangkong.reporting import bulletin, confirmation, selectors, services
from fangkong.reporting.forms import ReportForm
from fangkong.reporting.models import DailyReport, ReportRevision, UnitStatus
from fangkong.reporting.rules import local_today
from fangkong.reporting.template import BY_CODE, CENSUS_FIELDS, EVENT_FIELDS, FIELDS
from fangkong.surveillance.models import Aberration
from fangkong.surveillance.selectors import signal_list

HISTORY_DAYS = 30
BOARD_UNITS = 500  # the board lists this many; the filters and exports reach the rest
# What a zero report asks for: the census of the day and the tests done (DESIGN.md).
ZERO_REPORT_INPUTS = [f.code for f in FIELDS if f.code not in EVENT_FIELDS]


def _day(value: str | None, default: datetime.date) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value) if value else default
    except ValueError as exc:
        raise Http404 from exc


def _today(institution: Institution) -> datetime.date:
    return _region_today(institution.region, timezone.now())


@login_required
def report_today(request: HttpRequest, code: str) -> HttpResponse:
    institution = institution_get(user=request.user, code=code)
    return redirect("reporting:report", code=code, day=_today(institution).isoformat())


def _latest_before(institution: Institution, day: datetime.date) -> ReportRevision | None:
    report = (
        DailyReport.objects.filter(institution=institution, day__lt=day)
        .select_related("current")
        .order_by("-day")
        .first()
    )
    return report.current if report else None


def _initial(report: DailyReport | None, previous: ReportRevision | None) -> dict[str, Any]:
    if report is not None and report.current is not None:
        return {**report.current.figures(), "notes": report.current.notes, "etag": report.etag}
    if previous is None:
        return {"tested": 0}
    # The census carries over from the last report; events start empty each day.
    return {"tested": 0, **{code: getattr(previous, code) for code in CENSUS_FIELDS}}


@login_required
def report(request: HttpRequest, code: str, day: str) -> HttpResponse:
    """Today's form, the zero-report button, yesterday's figures and the day's history."""
    institution = institution_get(user=request.user, code=code)
    the_day = _day(day, _today(institution))
    existing = (
        DailyReport.objects.filter(institution=institution, day=the_day)
        .select_related("current")
        .first()
    )
    previous = _latest_before(institution, the_day)
    initial = _initial(existing, previous)
    # The zero report is a form of its own, so that Enter in the full form can never send one.
    is_zero = request.method == "POST" and "zero" in request.POST
    data = request.POST if request.method == "POST" else None
    zero_form = ReportForm(data if is_zero else None, initial=initial, prefix="zero")
    form = ReportForm(None if is_zero else data, initial=initial)
    posted = zero_form if is_zero else form
    if posted.is_bound and posted.is_valid() and _submit(request, institution, the_day, posted,
                                                         is_zero=is_zero):  # fmt: skip
        return redirect(request.path)
    revisions = existing.revisions.select_related("author") if existing else []
    return render(request, "reporting/report.html", {
        "institution": institution, "day": the_day, "report": existing, "form": form,
        "zero_form": zero_form, "previous": previous, "revisions": revisions,
        "census_bound": [zero_form[code] for code in ZERO_REPORT_INPUTS],
        "previous_rows": [(f.label, getattr(previous, f.code)) for f in FIELDS] if previous else [],
    }, status=422 if request.method == "POST" else 200)  # fmt: skip


def _submit(
    request: HttpRequest,
    institution: Institution,
    day: datetime.date,
    form: ReportForm,
    *,
    is_zero: bool,
) -> bool:
    """Submit the form through the service; on refusal, put the reason on the form."""
    figures = form.figures()
    if is_zero:
        figures.update({code: figures[code] or 0 for code in EVENT_FIELDS})
    try:
        result = services.report_submit(
            actor=request.user, institution=institution, day=day, figures=figures,
            is_zero=is_zero, notes=form.cleaned_data["notes"],
            reason=form.cleaned_data["reason"], if_match=form.cleaned_data["etag"] or None,
        )  # fmt: skip
    except ValidationError as exc:
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return False
    except (PreconditionFailed, PreconditionRequired) as exc:
        form.add_error(None, str(exc.message))
        return False
    except Forbidden as exc:
        raise PermissionDenied(str(exc.message)) from exc
    done = _("Zero report submitted.") if is_zero else _("Report submitted.")
    messages.success(request, done if result.created else _("Amendment saved."))
    for warning in result.warnings:
        messages.warning(request, warning.message)
    return True


@login_required
def history(request: HttpRequest, code: str) -> HttpResponse:
    institution = institution_get(user=request.user, code=code)
    today = _today(institution)
    days = [today - datetime.timedelta(days=i) for i in range(HISTORY_DAYS)]
    labels = dict(UnitStatus.choices)
    rows = [
        (day, report, status, labels.get(status, ""))
        for day, report, status in selectors.unit_days(institution, days, timezone.now())
    ]
    return render(request, "reporting/history.html", {"institution": institution, "rows": rows})


@login_required
def board(request: HttpRequest, code: str) -> HttpResponse:
    """The officer's status board: who reported, who is late, who is silent."""
    region = region_get(user=request.user, code=code)
    now = timezone.now()
    day = _day(request.GET.get("date"), _region_today(region, now))
    status = request.GET.get("status") or None
    if status not in (None, *UnitStatus.values):
        raise Http404
    plan = selectors.day_plan(region, day, now)
    units = selectors.unit_list(
        user=request.user, region=region, day=day, now=now, status=status, plan=plan
    )
    context = {
        "region": region, "day": day, "status": status, "statuses": UnitStatus,
        "units": units[:BOARD_UNITS], "units_total": units.count(),
    }  # fmt: skip
    if request.headers.get("HX-Request"):
        return render(request, "reporting/_units.html", context)
    result = selectors.completeness(user=request.user, region=region, day=day, now=now, plan=plan)
    context |= {
        "result": result, "parent": _visible_parent(request, region),
        "previous_day": day - datetime.timedelta(days=1),
        "next_day": day + datetime.timedelta(days=1),
        "children": _children_rows(request, region, day, result),
        "bulletin": _bulletin_text(request, region, day, now),
        "signals": _signal_rows(request, region, day),
    }  # fmt: skip
    return render(request, "reporting/board.html", context)


def _signal_rows(
    request: HttpRequest, region: Region, day: datetime.date
) -> list[tuple[Aberration, Any]]:
    """The week's signals in force up to `day`, each with its report field's label."""
    found = signal_list(
        user=request.user, region=region, since=day - datetime.timedelta(days=6), until=day
    )
    return [(signal, BY_CODE[signal.field].label) for signal in found[:50]]


def _region_today(region: Region, now: datetime.datetime) -> datetime.date:
    """Today where the region reports: in its regime's zone, else the site's."""
    regime = selectors.regime_of(region, timezone.localdate(now))
    return local_today(regime, now) if regime else timezone.localdate(now)


def _visible_parent(request: HttpRequest, region: Any) -> Any:
    if region.parent_id is None:
        return None
    return visible(Region.objects.filter(pk=region.parent_id), request.user).first()


def _children_rows(
    request: HttpRequest, region: Any, day: datetime.date, result: selectors.Completeness
) -> list[tuple[Any, selectors.Counts, Any]]:
    confirmed = dict(
        (child.pk, item)
        for child, item in confirmation.confirmations_of_children(
            user=request.user, region=region, day=day
        )
    )
    return [(child, counts, confirmed.get(child.pk)) for child, counts in result.children]


def _bulletin_text(
    request: HttpRequest, region: Any, day: datetime.date, now: datetime.datetime
) -> str:
    texts = bulletin.bulletin(user=request.user, region=region, day=day, now=now)
    return texts["en"] if get_language() == "en" else texts["zh-hans"]


@login_required
def trend(request: HttpRequest, code: str) -> JsonResponse:
    """Completeness and key figures over the last days, for the board's charts."""
    region = region_get(user=request.user, code=code)
    end = _day(request.GET.get("end"), _region_today(region, timezone.now()))
    days = [end - datetime.timedelta(days=i) for i in range(13, -1, -1)]
    rows = selectors.completeness_range(
        user=request.user, region=region, start=days[0], end=end, now=timezone.now()
    )
    rates = [counts.rates() for _day, counts in rows]
    sums = selectors.figure_sums_by_day(
        user=request.user, region=region, start=days[0], end=end,
        fields=("fever", "respiratory", "confirmed"),
    )  # fmt: skip
    return JsonResponse({
        "days": [d.isoformat() for d in days],
        "reporting_rate": [r["reporting_rate"] for r in rates],
        "on_time_rate": [r["on_time_rate"] for r in rates],
        **{key: [sums[d][key] if d in sums else 0 for d in days]
           for key in ("fever", "respiratory", "confirmed")},
        "labels": {"reporting_rate": _("Reporting rate"), "on_time_rate": _("On-time rate"),
                   "fever": _("Fever"), "respiratory": _("Respiratory symptoms"),
                   "confirmed": _("Confirmed cases")},
    })  # fmt: skip


@login_required
def confirm(request: HttpRequest, code: str) -> HttpResponse:
    region = region_get(user=request.user, code=code)
    day = _day(request.POST.get("date"), _region_today(region, timezone.now()))
    if request.method == "POST":
        try:
            confirmation.banner_confirm(
                actor=request.user, region=region, day=day, remarks=request.POST.get("remarks", "")
            )
            messages.success(request, _("The banner's report is confirmed."))
        except ValidationError as exc:
            for errors in exc.error_dict.values():
                for error in errors:
                    messages.error(request, str(error.message % (error.params or {})))
    return redirect(reverse("reporting:board", args=[code]) + f"?date={day.isoformat()}")
