from collections.abc import Iterable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.audit import selectors
from fangkong.audit.exports import ExportRange, ExportTooLarge, events_to_xlsx
from fangkong.audit.services import Target, audit_record
from fangkong.core.scoping import scope_of

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
def event_list(request: HttpRequest) -> HttpResponse:
    return _list_page(request)


def _list_page(request: HttpRequest, status: int = 200) -> HttpResponse:
    events = selectors.event_list(user=request.user)[:200]
    may_read = not scope_of(request.user, selectors.AUDIT_READERS).is_empty
    context = {"events": events, "may_read": may_read}
    return render(request, "audit/list.html", context, status=status)


def _refused(request: HttpRequest, reasons: Iterable[str]) -> HttpResponse:
    """Show the log again, saying why nothing was exported."""
    for reason in reasons:
        messages.error(request, reason)
    return _list_page(request, status=400)


@login_required
def export(request: HttpRequest) -> HttpResponseBase:
    """The scope's events over the chosen days as Excel; the export itself is recorded."""
    if scope_of(request.user, selectors.AUDIT_READERS).is_empty:
        raise Http404
    form = ExportRange(request.GET)
    if not form.is_valid():
        return _refused(request, (str(e) for errors in form.errors.values() for e in errors))
    since, until = form.cleaned_data["since"], form.cleaned_data["until"]
    events = selectors.event_list(user=request.user, since=since, until=until)
    try:
        file, rows = events_to_xlsx(events.iterator(chunk_size=2000))
    except ExportTooLarge:
        return _refused(request, [_("More events than one sheet holds; choose a shorter range.")])
    with transaction.atomic():
        audit_record(
            actor=request.user,
            action="audit.export",
            target=Target("audit.auditevent", "*", f"{rows} events"),
            after={"since": str(since), "until": str(until), "rows": rows},
        )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    name = f"fangkong-audit-{stamp}.xlsx"
    return FileResponse(file, as_attachment=True, filename=name, content_type=XLSX)
