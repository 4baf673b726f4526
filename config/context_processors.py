from functools import partial
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from fangkong.accounts.models import Role
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
        "header_name": partial(header_name, user),
    }


def header_name(user: Any) -> str:
    """Who is signed in, as the header names them: never the login, unless nothing else is known.

    An operator's account stands for the institution (a phone passed between its staff), so it
    is the institution's name; anyone else is their full name, else the bureau or role they
    hold.
    """
    if user is None or not user.is_authenticated:
        return ""
    grants = list(user.grants.select_related("region", "institution").order_by("pk"))
    institutions = {grant.institution for grant in grants if grant.role == Role.OPERATOR}
    if grants and len(institutions) == 1 and all(g.role == Role.OPERATOR for g in grants):
        return str(institutions.pop())
    if user.full_name:
        return str(user.full_name)
    for grant in grants:
        if grant.region is not None:
            return _("%(region)s bureau") % {"region": grant.region.name}
    for grant in grants:
        if grant.institution is None:
            return str(grant.get_role_display())
    return str(user.get_username())
