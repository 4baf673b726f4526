"""Pages: a region's closures, an institution's closure history with the rule table, the gate
register of a day, and the phone form at the gate."""

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.audit.services import Target, audit_record
from fangkong.closures import exports, selectors, services
from fangkong.closures.forms import QUICK, GateForm
from fangkong.closures.models import GatePurpose
from fangkong.core.errors import error_items
from fangkong.core.exceptions import ApiError, Forbidden
from fangkong.core.pages import page_day, refuses_bad_days
from fangkong.core.xlsx import attachment
from fangkong.institutions.models import Institution
from fangkong.institutions.selectors import institution_get
from fangkong.regions.selectors import region_get

RECENT_NAMES_DAYS = 14
RECENT_NAMES = 50


def _day(request: HttpRequest) -> datetime.date:
    """The day in the query (`?date=`), today by default; a wrong one answers 400."""
    return page_day(request.GET.get("date"), timezone.localdate())


def institution_section(request: HttpRequest, institution: Institution) -> str:
    """The institution page's part on closed management (registered from `apps.py`)."""
    day = timezone.localdate()
    closure = selectors.closure_on(institution, day)
    return render_to_string(
        "closures/_institution_closure.html",
        {"institution": institution, "closure": closure, "day": day},
        request=request,
    )


@login_required
@refuses_bad_days
def region_closures(request: HttpRequest, code: str) -> HttpResponse:
    """The region's institutions under closure on a day: which, since when, level, basis."""
    region = region_get(user=request.user, code=code)
    day = _day(request)
    closures = selectors.closure_list(user=request.user, region=region, day=day)
    exceptions = selectors.gate_exceptions(user=request.user, region=region, day=day)
    return render(request, "closures/region.html", {
        "region": region, "day": day, "closures": closures[:1000],
        "closures_total": closures.count(), "exceptions": exceptions[:200],
        "previous_day": day - datetime.timedelta(days=1),
        "next_day": day + datetime.timedelta(days=1),
    })  # fmt: skip


@login_required
@refuses_bad_days
def region_closures_xlsx(request: HttpRequest, code: str) -> HttpResponse:
    region = region_get(user=request.user, code=code)
    day = _day(request)
    closures = selectors.closure_list(user=request.user, region=region, day=day)
    content = exports.closures_xlsx(list(closures), region=region, day=day)
    return attachment(content, f"closures-{region.code}-{day.isoformat()}.xlsx")


@login_required
def institution_closures(request: HttpRequest, code: str) -> HttpResponse:
    """The institution's closure history and the rule table its closures apply."""
    institution = institution_get(user=request.user, code=code)
    closures = selectors.institution_closures(user=request.user, institution=institution)
    today = timezone.localdate()
    return render(request, "closures/institution.html", {
        "institution": institution, "rows": [(c, c.covers(today)) for c in closures],
        "rules": selectors.rule_table(),
    })  # fmt: skip


@login_required
@refuses_bad_days
def gate_register(request: HttpRequest, code: str) -> HttpResponse:
    """Every passage of a day at the institution's gate, the exceptions marked."""
    institution = institution_get(user=request.user, code=code)
    day = _day(request)
    events = list(selectors.gate_register(user=request.user, institution=institution, day=day))
    return render(request, "closures/register.html", {
        "institution": institution, "day": day, "events": events,
        "exceptions": [e for e in events if e.is_exception],
        "previous_day": day - datetime.timedelta(days=1),
        "next_day": day + datetime.timedelta(days=1),
        "may_record": services.may_record(request.user, institution),
    })  # fmt: skip


@login_required
@refuses_bad_days
def gate_register_xlsx(request: HttpRequest, code: str) -> HttpResponse:
    institution = institution_get(user=request.user, code=code)
    day = _day(request)
    events = list(selectors.gate_register(user=request.user, institution=institution, day=day))
    # Names of people who came and went: who took them away is on record.
    audit_record(
        actor=request.user, action="gate.export",
        target=Target("closures.gateregister", f"{institution.code}/{day}", institution.name),
        after={"date": day.isoformat(), "rows": len(events)},
        region_path=institution.region.path, institution_id=institution.pk,
    )  # fmt: skip
    content = exports.register_xlsx(events, institution=institution, day=day)
    return attachment(content, f"gate-{institution.code}-{day.isoformat()}.xlsx")


@login_required
def gate(request: HttpRequest, code: str) -> HttpResponse:
    """The phone form at the gate: type or pick a name, tap the passage's button."""
    institution = institution_get(user=request.user, code=code)
    now = timezone.now()
    closure = services.closure_at(institution, now)
    form = GateForm(request.POST or None)
    refusal = ""
    rules = _rules_now(closure)
    if request.method == "POST":
        if not services.may_record(request.user, institution):
            raise PermissionDenied(_("Your role may not keep this institution's gate register."))
        if form.is_valid():
            refusal = _record(request, institution, form, now)
            if not refusal and not form.errors:
                return redirect("closures:gate", code=institution.code)
    return render(request, "closures/gate.html", {
        "institution": institution, "closure": closure, "form": form, "refusal": refusal,
        "quick": [(key, label) for key, (_d, _p, label) in QUICK.items()],
        "recent_names": _recent_names(request, institution, now),
        "may_except": services.may_except(request.user, institution),
        "rules": rules, "staff_requires": any(rule.requires for rule in rules),
        "today_count": selectors.gate_register(
            user=request.user, institution=institution, day=timezone.localdate(now)).count(),
    }, status=422 if request.method == "POST" else 200)  # fmt: skip


def _record(
    request: HttpRequest, institution: Institution, form: GateForm, now: datetime.datetime
) -> str:
    """Record the passage; return the rules' refusal, or put a problem on the form."""
    passage = form.passage(request.POST.get("quick"))
    if passage["purpose"] == GatePurpose.SUPPLIES and not passage["person_name"]:
        passage["person_name"] = _("Supplies handover")
    try:
        event = services.gate_event_record(actor=request.user, institution=institution, at=now,
                                           **passage)  # fmt: skip
    except (services.EntryRefused, services.ExitRefused) as exc:
        return str(exc.message)
    except Forbidden as exc:
        form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        return ""
    except ApiError as exc:
        form.add_error(None, str(exc.message))
        return ""
    except ValidationError as exc:
        for item in error_items(exc):
            field = item["field"] if item["field"] in form.fields else None
            form.add_error(field, str(item["message"]))
        return ""
    done = _("Recorded: %(who)s, %(time)s.") % {
        "who": event.person_name or event.vehicle,
        "time": timezone.localtime(event.at).strftime("%H:%M"),
    }
    messages.success(request, done)
    return ""


def _recent_names(
    request: HttpRequest, institution: Institution, now: datetime.datetime
) -> list[str]:
    """Names seen at the gate lately, so that a returning name is picked, not typed."""
    since = now - datetime.timedelta(days=RECENT_NAMES_DAYS)
    events = selectors.gate_register_since(user=request.user, institution=institution,
                                           since=since)  # fmt: skip
    names: list[str] = []
    for name in events.exclude(person_name="").values_list("person_name", flat=True):
        if name not in names:
            names.append(name)
        if len(names) >= RECENT_NAMES:
            break
    return names


def _rules_now(closure: Any) -> list[Any]:
    if closure is None:
        return []
    return list(selectors.rule_table().filter(level=closure.level))
