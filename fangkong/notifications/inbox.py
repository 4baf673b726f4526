"""The in-app inbox: each user's reminders, escalations and early warnings.

A notification belongs to its recipient alone. No role, not even an administrator's, reads
another user's inbox, so these reads are narrowed by recipient rather than by region scope,
and someone else's notification answers 404 like anything out of scope.

Reading is the only change a user makes here. It is not written to the audit log: the
notification keeps the time it was first read, which is what a supervisor would ask for.
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Max, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from fangkong.notifications.models import Notification

INBOX_PAGE_SIZE = 50


# Selectors --------------------------------------------------------------------------------


def _own(user: Any) -> QuerySet[Notification]:
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    return Notification.objects.filter(recipient_id=user.pk)


def notification_list(*, user: Any, unread: bool = False) -> QuerySet[Notification]:
    """The user's own notifications, newest first; with `unread`, only those not yet read."""
    notifications = _own(user).filter(read_at__isnull=True) if unread else _own(user)
    return notifications.order_by("-created_at", "-pk")


def notification_get(*, user: Any, pk: int) -> Notification:
    return get_object_or_404(_own(user), pk=pk)


def unread_count(user: Any) -> int:
    """How many of the user's notifications are unread (the header's badge)."""
    return _own(user).filter(read_at__isnull=True).count()


@dataclass(frozen=True)
class Unread:
    count: int
    newest: int | None  # the id of the newest unread notification


def unread_summary(user: Any) -> Unread:
    totals = _own(user).filter(read_at__isnull=True).aggregate(count=Count("pk"), newest=Max("pk"))
    return Unread(totals["count"], totals["newest"])


# Services ---------------------------------------------------------------------------------


def notification_read(*, user: Any, pk: int, now: datetime.datetime | None = None) -> Notification:
    """Mark one of the user's notifications read; a second reading keeps the first's time."""
    _own(user).filter(pk=pk, read_at__isnull=True).update(read_at=now or timezone.now())
    return notification_get(user=user, pk=pk)


def notification_read_all(
    *, user: Any, up_to: int | None = None, now: datetime.datetime | None = None
) -> int:
    """Mark the user's unread notifications read and return how many there were.

    `up_to` is the newest notification the user was shown: one that arrived after the page
    was drawn stays unread, since nobody has seen it yet.
    """
    unread = _own(user).filter(read_at__isnull=True)
    if up_to is not None:
        unread = unread.filter(pk__lte=up_to)
    return unread.update(read_at=now or timezone.now())


# Pages ------------------------------------------------------------------------------------


@require_GET
@login_required
def inbox_page(request: HttpRequest) -> HttpResponse:
    """The user's notifications, newest first, 50 a page."""
    paginator = Paginator(notification_list(user=request.user), INBOX_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/inbox.html",
        {"page": page, "unread": unread_summary(request.user)},
    )


@require_GET
@login_required
def notification_page(request: HttpRequest, pk: int) -> HttpResponse:
    """One notification in full. Viewing it changes nothing: opening it from the list does."""
    notification = notification_get(user=request.user, pk=pk)
    return render(request, "notifications/inbox.html", {"notification": notification})


@require_POST
@login_required
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark the notification read, then show it."""
    notification = notification_read(user=request.user, pk=pk)
    return redirect("notifications:notification", pk=notification.pk)


@require_POST
@login_required
def inbox_read_all(request: HttpRequest) -> HttpResponse:
    marked = notification_read_all(user=request.user, up_to=_id(request.POST.get("up_to")))
    messages.success(
        request,
        ngettext(
            "%(count)d notification marked as read.",
            "%(count)d notifications marked as read.",
            marked,
        )
        % {"count": marked},
    )
    return redirect("notifications:inbox")


def _id(value: str | None) -> int | None:
    return int(value) if value and value.isdecimal() else None
