"""Overdue rectifications: told once to the institution, escalated once to the officers.

The day after a rectification's deadline, when it is still not verified, its institution's
operators and its liaisons are told (`rect_overdue`); a further day on, the officers of its
region and the regions above are told (`rect_escalate`). The reporting app's reminder run calls
`send_overdue` on every run (`fangkong reminders run`); `notify` claims each message with a
`Dispatch(unit, day, kind)` keyed by the rectification and its deadline, so each is sent once
however often the loop runs, and once more only if the deadline is moved.
"""

import datetime

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from fangkong.accounts.models import Role, RoleGrant, User
from fangkong.inspections.models import Rectification, RectificationStatus
from fangkong.notifications.messages import Message, in_each_language
from fangkong.notifications.models import Dispatch
from fangkong.notifications.recipients import officers_above_path, operators_of
from fangkong.notifications.services import notify

OVERDUE_KIND = "rect_overdue"
ESCALATE_KIND = "rect_escalate"
ONE_DAY = datetime.timedelta(days=1)
LOOKBACK = datetime.timedelta(days=60)  # a rectification overdue longer was told long ago


def rectification_key(rectification: Rectification) -> str:
    return f"rectification:{rectification.pk}"


def overdue_on(day: datetime.date) -> QuerySet[Rectification]:
    """The rectifications not verified whose deadline was before `day` (within the lookback)."""
    return (
        Rectification.objects.exclude(status=RectificationStatus.VERIFIED)
        .filter(due_date__lt=day, due_date__gte=day - LOOKBACK)
        .select_related("institution__region", "item")
        .order_by("due_date", "pk")
    )


def send_overdue(*, now: datetime.datetime) -> int:
    """Tell whom each overdue rectification concerns, once per stage; return how many told."""
    today = timezone.localdate(now)
    rows = list(overdue_on(today))
    if not rows:
        return 0
    done = set(
        Dispatch.objects.filter(kind__in=[OVERDUE_KIND, ESCALATE_KIND],
                                day__gte=today - LOOKBACK).values_list("unit", "kind", "day")
    )  # fmt: skip
    operators = operators_of([row.institution_id for row in rows])
    sent = 0
    for row in rows:
        key = rectification_key(row)
        if (key, OVERDUE_KIND, row.due_date) not in done:
            people = operators.get(row.institution_id, []) + liaisons_of(row.institution_id)
            sent += _tell(row, OVERDUE_KIND, people)
        if today > row.due_date + ONE_DAY and (key, ESCALATE_KIND, row.due_date) not in done:
            sent += _tell(row, ESCALATE_KIND, officers_above_path(row.institution.region.path))
    return sent


def liaisons_of(institution_id: int) -> list[User]:
    grants = RoleGrant.objects.filter(
        role=Role.LIAISON, institution_id=institution_id, user__is_active=True
    ).select_related("user")
    return [grant.user for grant in grants.order_by("user__username")]


def _tell(row: Rectification, kind: str, people: list[User]) -> int:
    unique = list({user.pk: user for user in people}.values())
    if not unique:
        return 0
    message = overdue_message(row, escalated=kind == ESCALATE_KIND)
    link = reverse("inspections:detail", args=[row.inspection_id]) if row.inspection_id else (
        reverse("inspections:institution", args=[row.institution.code]))  # fmt: skip
    dispatch = notify(
        recipients=unique, kind=kind, key=rectification_key(row), day=row.due_date,
        subject=message.title, body=message.body, texts=message.texts, link=link,
        region_path=row.institution.region.path, institution_id=row.institution_id,
        detail={"rectification": row.pk, "institution": row.institution.code,
                "due_date": row.due_date.isoformat()},
    )  # fmt: skip
    return 0 if dispatch is None else 1


def overdue_message(row: Rectification, *, escalated: bool) -> Message:
    def write() -> tuple[str, str]:
        values = {"institution": row.institution.name, "day": row.due_date.isoformat(),
                  "what": row.what.splitlines()[0][:200] if row.what else ""}  # fmt: skip
        if escalated:
            title = gettext("Rectification still overdue: %(institution)s") % values
        else:
            title = gettext("Rectification overdue: %(institution)s") % values
        body = (
            gettext(
                "The rectification of %(institution)s due on %(day)s is not yet verified: %(what)s"
            )
            % values
        )
        return title, body

    return in_each_language(write)
