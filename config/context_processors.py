from functools import partial
from typing import Any

from django.http import HttpRequest

from fangkong.audit.selectors import AUDIT_READERS
from fangkong.core.scoping import scope_of
from fangkong.notifications.inbox import unread_count


def navigation(request: HttpRequest) -> dict[str, Any]:
    """What the header offers this user."""
    user = getattr(request, "user", None)
    return {
        "may_read_audit": not scope_of(user, AUDIT_READERS).is_empty,
        # Called by the template, so only a page that shows the badge counts.
        "inbox_unread": partial(unread_count, user),
    }
