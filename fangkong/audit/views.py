import datetime

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from fangkong.accounts.scoping import scope_of
from fangkong.audit import selectors
from fangkong.audit.exports import events_to_xlsx
from fangkong.audit.services import Target, audit_record


def _date(value: str | None) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@login_required
def event_list(request: HttpRequest) -> HttpResponse:
    events = selectors.event_list(user=request.user)[:200]
    may_read = not scope_of(request.user, selectors.AUDIT_READERS).is_empty
    return render(request, "audit/list.html", {"events": events, "may_read": may_read})


@login_required
def export(request: HttpRequest) -> HttpResponse:
    """The scope's events as Excel; the export itself is recorded."""
    if scope_of(request.user, selectors.AUDIT_READERS).is_empty:
        raise Http404
    since, until = _date(request.GET.get("since")), _date(request.GET.get("until"))
    with transaction.atomic():
        events = list(selectors.event_list(user=request.user, since=since, until=until))
        audit_record(
            actor=request.user,
            action="audit.export",
            target=Target("audit.auditevent", "*", f"{len(events)} events"),
            after={"since": str(since or ""), "until": str(until or ""), "rows": len(events)},
        )
    response = HttpResponse(
        events_to_xlsx(events),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="fangkong-audit-{stamp}.xlsx"'
    return response
