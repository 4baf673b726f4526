"""The signed-in user's inbox over the API: `GET /inbox`, `POST /inbox/{id}/read`."""

import datetime

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from fangkong.core.pagination import Pagination
from fangkong.core.schema import FORBIDDEN, NOT_FOUND, UNAUTHENTICATED, UNPROCESSABLE, answers
from fangkong.notifications import inbox
from fangkong.notifications.models import Notification

router = Router(tags=["inbox"])


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    day: datetime.date | None
    created_at: datetime.datetime
    read_at: datetime.datetime | None

    # In the caller's language (Accept-Language), as the inbox page shows them.
    @staticmethod
    def resolve_title(notification: Notification) -> str:
        return notification.shown_title

    @staticmethod
    def resolve_body(notification: Notification) -> str:
        return notification.shown_body


@router.get("", response=answers({200: list[NotificationOut]}, (UNAUTHENTICATED, UNPROCESSABLE)))
@paginate(Pagination)
def list_inbox(request: HttpRequest, unread: bool = False) -> QuerySet[Notification]:
    """The caller's own notifications, newest first; `unread=true` for the unread ones only."""
    return inbox.notification_list(user=request.user, unread=unread)


@router.post(
    "/{id}/read",
    response=answers(
        {200: NotificationOut}, (UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, UNPROCESSABLE)
    ),
)
def read_notification(request: HttpRequest, id: int) -> Notification:
    """Mark one of the caller's notifications read; anyone else's answers 404."""
    return inbox.notification_read(user=request.user, pk=id)
