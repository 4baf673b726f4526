import datetime
import math
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, Value, When
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fangkong.closures.selectors import closed_institution_ids, closure_on
from fangkong.core.errors import error_items
from fangkong.core.exceptions import Forbidden, PreconditionFailed, PreconditionRequired
from fangkong.core.pages import page_day, refuses_bad_days
from fangkong.core.scoping import visible
from fangkong.inspections.selectors import rectification_list
from fangkong.institutions.models import Institution
from fangkong.institutions.selectors import institution_get
from fangkong.people.staff_selectors import census_of
from fangkong.regions.models import Level, Region
from fangkong.regions.selectors import region_get
from fangkong.reporting import bulletin, confirmation, reminders, selectors, services
from fangkong.reporting.forms import ReportForm
from fangkong.reporting.models import BannerConfirmation, DailyReport, ReportRevision, UnitStatus
from fangkong.reporting.rules import deadline_at, is_before_deadline, local_today
from fangkong.reporting.template import BY_CODE, CENSUS_FIELDS, EVENT_FIELDS, FIELDS
from fangkong.surveillance.models import Aberration
from fangkong.surveillance.selectors import signal_list

HISTORY_DAYS = 30
BOARD_UNITS = 500  # the board lists this many; the filters and exports reach the rest
OVERDUE_LISTED = 10  # the board names this many overdue rectifications; their page has all
# What a zero report asks for: the census of the day and the tests done (DESIGN.md).
ZERO_REPORT_INPUTS = [f.code for f in FIELDS if f.code not in EVENT_FIELDS]


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
@refuses_bad_days
def report(request: HttpRequest, code: str, day: str) -> HttpResponse:
    """The operator's form: the deadline, the zero-report button, the full report, the history.

    Anyone else who may see the institution (an officer following the board's list) gets the
    institution's page: reporting in its name is a deliberate act of its own, `report_on_behalf`.
    """
    institution = institution_get(user=request.user, code=code)
    the_day = page_day(day, _today(institution))
    if services.is_on_behalf(request.user, institution):
        if request.method == "POST":  # a form kept open across a change of role, or forged
            message = _("Nothing was sent: you are not this institution's operator. To report "
                        "in its name, choose 代报.")  # fmt: skip
            messages.warning(request, message)
        return redirect(_institution_url(institution, the_day))
    return _report_page(request, institution, the_day, on_behalf=False)


@login_required
@refuses_bad_days
def report_on_behalf(request: HttpRequest, code: str, day: str) -> HttpResponse:
    """The same form for an officer reporting in the institution's name (代报), so marked."""
    institution = institution_get(user=request.user, code=code)
    the_day = page_day(day, _today(institution))
    if not services.is_on_behalf(request.user, institution):
        return redirect("reporting:report", code=code, day=the_day.isoformat())
    if not services.may_report(request.user, institution):
        raise PermissionDenied(_("Your role may not submit this institution's report."))
    return _report_page(request, institution, the_day, on_behalf=True)


def _institution_url(institution: Institution, day: datetime.date) -> str:
    return f"{reverse('institutions:detail', args=[institution.code])}?date={day.isoformat()}"


def _report_page(
    request: HttpRequest, institution: Institution, the_day: datetime.date, *, on_behalf: bool
) -> HttpResponse:
    existing = (
        DailyReport.objects.filter(institution=institution, day=the_day)
        .select_related("current")
        .first()
    )
    previous = _latest_before(institution, the_day)
    initial = _initial(existing, previous)
    # Where the institution keeps its people here, their census is offered as the form's
    # starting figures (the operator may change them); a submitted report keeps its own.
    unsent = existing is None or existing.current is None
    offer = census_of(institution, the_day) if unsent else None
    if offer is not None:
        initial |= {"residents": offer.residents, "staff_on_site": offer.staff_on_site}
    # The zero report is a form of its own, so that Enter in the full form can never send one.
    is_zero = request.method == "POST" and "zero" in request.POST
    data = request.POST if request.method == "POST" else None
    zero_form = ReportForm(data if is_zero else None, initial=initial, prefix="zero")
    form = ReportForm(None if is_zero else data, initial=initial)
    posted = zero_form if is_zero else form
    if (
        posted.is_bound
        and _check(posted, is_zero=is_zero)
        and _submit(request, institution, the_day, posted, is_zero=is_zero)
    ):
        return redirect(request.path)
    revisions = existing.revisions.select_related("author") if existing else []
    now = timezone.now()
    return render(request, "reporting/report.html", {
        "institution": institution, "day": the_day, "report": existing, "form": form,
        "zero_form": zero_form, "previous": previous, "revisions": revisions, "offer": offer,
        "on_behalf": on_behalf, "now": now, "closure": closure_on(institution, the_day),
        "deadline": None if existing else _deadline(institution, the_day, now),
        "census_bound": [zero_form[code] for code in ZERO_REPORT_INPUTS],
        "previous_rows": [(f.label, getattr(previous, f.code)) for f in FIELDS] if previous else [],
    }, status=422 if request.method == "POST" else 200)  # fmt: skip


@dataclass(frozen=True)
class Deadline:
    """The day's deadline as the form shows it, worked out when the page is drawn."""

    due: datetime.datetime  # in the regime's zone
    passed: bool
    minutes_left: int  # rounded up: "1 min left" until the last second

    @property
    def time_label(self) -> str:
        return self.due.strftime("%H:%M")

    @property
    def left_text(self) -> str:
        return _left_text(str(self.minutes_left // 60), str(self.minutes_left % 60))

    @property
    def left_templates(self) -> dict[str, str]:
        """The same words with {h} and {m} for the page's script, which counts down."""
        return {"hours": _left_text("{h}", "{m}"), "minutes": _left_text("0", "{m}")}


def _left_text(hours: str, minutes: str) -> str:
    if hours == "0":
        return _("%(minutes)s min left") % {"minutes": minutes}
    return _("%(hours)s h %(minutes)s min left") % {"hours": hours, "minutes": minutes}


def _deadline(
    institution: Institution, day: datetime.date, now: datetime.datetime
) -> Deadline | None:
    regime = selectors.regime_of(institution.region, day)
    if regime is None:
        return None
    due = deadline_at(regime, day)
    if regime.deadline_inclusive:
        due += datetime.timedelta(seconds=1)
    if not is_before_deadline(regime, day, now):
        return Deadline(due=due, passed=True, minutes_left=0)
    return Deadline(due=due, passed=False, minutes_left=math.ceil((due - now) / ONE_MINUTE))


ONE_MINUTE = datetime.timedelta(minutes=1)


def _check(form: ReportForm, *, is_zero: bool) -> bool:
    """Validate the typed figures and the report's rules together: every problem at once.

    A blank figure in the full report is refused, never taken as 0: silence is not zero
    (DESIGN.md), and a blank is indistinguishable from a figure skipped by mistake. A day with
    nothing to tell has its own one-tap zero report, which fills in the 0s.
    """
    form.is_valid()
    figures = {code: form.cleaned_data.get(code) for code in BY_CODE}
    if is_zero:
        figures.update({code: figures[code] or 0 for code in EVENT_FIELDS})
    for field, errors in services.figure_errors(figures, is_zero).items():
        if field not in form.errors:
            form.add_error(field, errors)
    return not form.errors


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
    if result.report.current is not None and result.report.current.on_behalf:
        messages.info(
            request, _("Recorded as reported on behalf of %(institution)s.")
            % {"institution": institution.name},
        )  # fmt: skip
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


def institution_section(request: HttpRequest, institution: Institution) -> str:
    """The institution page's part on the day's report: its status, 催报 and 代报.

    Registered with the institutions app (see `apps.py`), which knows nothing of reporting.
    """
    now = timezone.now()
    day = page_day(request.GET.get("date"), _today(institution))
    ((_, report, status),) = selectors.unit_days(institution, [day], now)
    operator = not services.is_on_behalf(request.user, institution)
    return render_to_string("reporting/_institution_day.html", {
        "institution": institution, "day": day, "report": report, "status": status,
        "status_label": dict(UnitStatus.choices).get(status, ""),
        "deadline": None if report else _deadline(institution, day, now),
        "operator": operator,
        "may_report": not operator and services.may_report(request.user, institution),
        "may_remind": reminders.may_remind(request.user, institution),
        "reminded": reminders.reminded(institution, day),
        "rows": [(f.label, getattr(report.current, f.code)) for f in FIELDS]
        if report and report.current else [],
        "next": request.get_full_path(),
    }, request=request)  # fmt: skip


@login_required
@require_POST
@refuses_bad_days
def remind(request: HttpRequest, code: str) -> HttpResponse:
    """催报: remind the institution's operators now, once per institution and day."""
    institution = institution_get(user=request.user, code=code)
    day = page_day(request.POST.get("date"), _today(institution))
    values = {"institution": institution.name}
    try:
        sent = reminders.remind_now(actor=request.user, institution=institution, day=day)
    except Forbidden as exc:
        raise PermissionDenied(str(exc.message)) from exc
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        if sent is None:
            messages.info(request, _("A reminder was already sent to %(institution)s for this "
                                     "day.") % values)  # fmt: skip
        else:
            messages.success(request, _("A reminder was sent to %(institution)s.") % values)
    return redirect(_next_or(request, _institution_url(institution, day)))


def _next_or(request: HttpRequest, default: str) -> str:
    """`next` when it stays on this site, else `default`."""
    wanted = request.POST.get("next", "")
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return default


@login_required
@refuses_bad_days
def board(request: HttpRequest, code: str) -> HttpResponse:
    """The officer's status board: who reported, who is late, who is silent."""
    region = region_get(user=request.user, code=code)
    now = timezone.now()
    today = _region_today(region, now)
    day = page_day(request.GET.get("date"), today)
    if day > today:  # the board offers no day after today: a later one shows today's
        return redirect(_board_url(code, today, request.GET.get("status")))
    status = request.GET.get("status") or None
    if status not in (None, *UnitStatus.values):
        raise Http404
    plan = selectors.day_plan(region, day, now)
    context = _units_context(request, region, day, now, plan, status)
    if request.headers.get("HX-Request"):
        return render(request, "reporting/_units.html", context)
    context |= _board_context(request, region, day, today, now, plan)
    return render(request, "reporting/board.html", context)


def _units_context(
    request: HttpRequest,
    region: Region,
    day: datetime.date,
    now: datetime.datetime,
    plan: selectors.DayPlan,
    status: str | None = None,
) -> dict[str, Any]:
    units = selectors.unit_list(
        user=request.user, region=region, day=day, now=now, status=status, plan=plan
    )
    shown = list(units[:BOARD_UNITS])
    # Under closure that day: derived from the closures, never typed into a report.
    closed = closed_institution_ids([unit.pk for unit in shown], day)
    for unit in shown:
        unit.closure_level = closed.get(unit.pk)
    return {
        "region": region, "day": day, "status": status, "statuses": UnitStatus,
        "units": shown, "units_total": units.count(),
        # Links name the board: a refused confirmation draws it at the confirm address.
        "board_path": reverse("reporting:board", args=[region.code]),
        "board_url": _board_url(region.code, day, status),
    }  # fmt: skip


def _board_url(code: str, day: datetime.date, status: str | None = None) -> str:
    query = {"date": day.isoformat(), **({"status": status} if status else {})}
    return reverse("reporting:board", args=[code]) + "?" + urlencode(query)


def _board_context(
    request: HttpRequest,
    region: Region,
    day: datetime.date,
    today: datetime.date,
    now: datetime.datetime,
    plan: selectors.DayPlan,
) -> dict[str, Any]:
    """Everything on the full board besides the list of institutions."""
    result = selectors.completeness(user=request.user, region=region, day=day, now=now, plan=plan)
    grid = selectors.unit_grid(user=request.user, plan=plan, end=day, now=now)
    return {
        "result": result, "rates": _percent(result.total),
        "parent": _visible_parent(request, region),
        "previous_day": day - datetime.timedelta(days=1),
        "next_day": day + datetime.timedelta(days=1) if day < today else None,
        "children": _children_rows(request, region, day, result),
        "bulletin": _bulletin_text(request, region, day, now),
        "signals": _signal_rows(request, region, day),
        "grid": [(row, _cells(row)) for row in grid],
        "grid_days": [cell_day for cell_day, _status in grid[0].cells] if grid else [],
        "grid_legend": [(key, label, GRID_SYMBOLS[key]) for key, label in _status_labels().items()],
        "unreported": _unreported(request, region, day, now, plan),
        "may_remind": reminders.may_remind_in(request.user, region),
        **_overdue_rectifications(request, region, today),
        **_confirmation_context(request, region, day, result.total),
    }  # fmt: skip


def _overdue_rectifications(
    request: HttpRequest, region: Region, today: datetime.date
) -> dict[str, Any]:
    """The region's rectifications past their deadline and not verified (supervision)."""
    rows = rectification_list(user=request.user, region=region, status="overdue", day=today)
    return {"overdue_rectifications": list(rows[:OVERDUE_LISTED]),
            "overdue_rectifications_total": rows.count()}  # fmt: skip


def _percent(counts: selectors.Counts) -> dict[str, float | None]:
    """The reporting and on-time rates as percentages (None where nothing was expected)."""
    return {
        name: None if rate is None else round(rate * 100, 1)
        for name, rate in counts.rates().items()
    }


# What a grid cell shows besides its colour (a screen reader reads its label instead).
GRID_SYMBOLS = {"on_time": "✓", "late": "!", "pending": "…", "missing": "✗", "not_expected": "·"}


def _status_labels() -> dict[str, str]:
    labels = {code: str(label) for code, label in UnitStatus.choices}
    return {**labels, selectors.NOT_EXPECTED: _("Not expected")}


def _cells(row: selectors.GridRow) -> list[tuple[datetime.date, str, str, str]]:
    labels = _status_labels()
    return [(d, status, labels[status], GRID_SYMBOLS[status]) for d, status in row.cells]


def _unreported(
    request: HttpRequest,
    region: Region,
    day: datetime.date,
    now: datetime.datetime,
    plan: selectors.DayPlan,
) -> list[Any]:
    """The institutions that have not reported on `day`: the missing first, then the pending."""
    units = selectors.unit_list(user=request.user, region=region, day=day, now=now, plan=plan)
    absent = (UnitStatus.MISSING, UnitStatus.PENDING)
    missing_first = Case(When(unit_status=UnitStatus.MISSING, then=Value(0)), default=Value(1))
    return list(
        units.filter(unit_status__in=absent).order_by(missing_first, "region__path", "code")[
            :BOARD_UNITS
        ]
    )


def _confirmation_context(
    request: HttpRequest, region: Region, day: datetime.date, total: selectors.Counts
) -> dict[str, Any]:
    """A banner's confirmation of the day, or the form for those who may confirm it."""
    if region.level != Level.COUNTY:
        return {"is_banner": False}
    confirmed = (
        BannerConfirmation.objects.filter(region=region, day=day)
        .select_related("confirmed_by")
        .first()
    )
    return {
        "is_banner": True,
        "confirmed": confirmed,
        "may_confirm": confirmed is None and confirmation.may_confirm(request.user, region),
        "unreported_count": total.missing + total.pending,
        "limits": confirmation.text_limits(),
    }  # fmt: skip


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
) -> list[tuple[Any, selectors.Counts, dict[str, float | None], Any]]:
    """Each child region with its counts, its rates in percent and its confirmation."""
    confirmed = dict(
        (child.pk, item)
        for child, item in confirmation.confirmations_of_children(
            user=request.user, region=region, day=day
        )
    )
    return [
        (child, counts, _percent(counts), confirmed.get(child.pk))
        for child, counts in result.children
    ]


def _bulletin_text(
    request: HttpRequest, region: Any, day: datetime.date, now: datetime.datetime
) -> str:
    texts = bulletin.bulletin(user=request.user, region=region, day=day, now=now)
    return texts["en"] if get_language() == "en" else texts["zh-hans"]


@login_required
@refuses_bad_days
def trend(request: HttpRequest, code: str) -> HttpResponse:
    """Completeness and key figures over the last days, for the board's charts.

    `pending` is the share of the expected institutions still before their deadline: on
    today's point they may yet report, and are not counted as missing.
    """
    region = region_get(user=request.user, code=code)
    now = timezone.now()
    end = page_day(request.GET.get("end"), _region_today(region, now), field="end")
    days = [end - datetime.timedelta(days=i) for i in range(13, -1, -1)]
    rows = selectors.completeness_range(
        user=request.user, region=region, start=days[0], end=end, now=now
    )
    rates = [counts.rates() for _day, counts in rows]
    pending = [round(c.pending / c.expected, 4) if c.expected else None for _day, c in rows]
    sums = selectors.figure_sums_by_day(
        user=request.user, region=region, start=days[0], end=end,
        fields=("fever", "respiratory", "confirmed"),
    )  # fmt: skip
    return JsonResponse({
        "days": [d.isoformat() for d in days],
        "reporting_rate": [r["reporting_rate"] for r in rates],
        "on_time_rate": [r["on_time_rate"] for r in rates],
        "pending": pending,
        **{key: [sums[d][key] if d in sums else 0 for d in days]
           for key in ("fever", "respiratory", "confirmed")},
        "labels": {"reporting_rate": _("Reporting rate"), "on_time_rate": _("On-time rate"),
                   "pending": _("Before the deadline"),
                   "fever": _("Fever"), "respiratory": _("Respiratory symptoms"),
                   "confirmed": _("Confirmed cases")},
    })  # fmt: skip


@login_required
@refuses_bad_days
def confirm(request: HttpRequest, code: str) -> HttpResponse:
    """A banner's officer confirms the day's report from the board; nobody else may."""
    region = region_get(user=request.user, code=code)
    today = _region_today(region, timezone.now())
    day = page_day(request.POST.get("date"), today)
    if request.method != "POST":
        return redirect(_board_url(code, day))
    if not confirmation.may_confirm(request.user, region):
        raise PermissionDenied(_("Only the banner's own officers confirm its report."))
    texts = {name: request.POST.get(name, "") for name in ("remarks", "missing_reason")}
    try:
        confirmation.banner_confirm(
            actor=request.user, region=region, day=day, remarks=texts["remarks"],
            missing_reason=texts["missing_reason"],
        )  # fmt: skip
    except ValidationError as exc:
        return _board_refused(request, region, day, today, texts, error_items(exc))
    except Forbidden as exc:
        raise PermissionDenied(str(exc.message)) from exc
    messages.success(request, _("The banner's report is confirmed."))
    return redirect(_board_url(code, day))


def _board_refused(
    request: HttpRequest,
    region: Region,
    day: datetime.date,
    today: datetime.date,
    typed: dict[str, str],
    errors: list[dict[str, str | None]],
) -> HttpResponse:
    """The board again with why the confirmation was refused and what was typed (422)."""
    now = timezone.now()
    plan = selectors.day_plan(region, day, now)
    context = {
        **_units_context(request, region, day, now, plan),
        **_board_context(request, region, day, today, now, plan),
        "typed": typed,
        "confirm_errors": errors,
    }
    return render(request, "reporting/board.html", context, status=422)
