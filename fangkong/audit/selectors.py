import datetime
from typing import Any

from django.db.models import QuerySet

from fangkong.audit.models import AuditEvent
from fangkong.core.scoping import visible

# Who may read the log of a scope: its administrators and bureau officers.
AUDIT_READERS = {"admin", "officer"}


def event_list(
    *, user: Any, since: datetime.date | None = None, until: datetime.date | None = None
) -> QuerySet[AuditEvent]:
    events = visible(AuditEvent.objects.all(), user, roles=AUDIT_READERS)
    if since is not None:
        events = events.filter(at__date__gte=since)
    if until is not None:
        events = events.filter(at__date__lte=until)
    return events
