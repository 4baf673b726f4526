"""Overdue follow-ups of close contacts, told once.

A follow-up is overdue when a planned test day has passed with no result of a sample taken
that day, or its quarantine's last day has passed while it is still active. The reporting app's
reminder run calls `send_overdue` on every run (`fangkong reminders run`); `notify` claims each
message with a `Dispatch(unit, day, kind)` keyed by the follow-up and the day of its first
lapse, so a lapse is told once however often the loop runs (a later lapse, after the first was
mended by a late result, is told once more).
"""

import datetime

from django.urls import reverse
from django.utils.translation import gettext

from fangkong.accounts.models import User
from fangkong.notifications.messages import Message, in_each_language
from fangkong.notifications.models import Dispatch
from fangkong.notifications.recipients import officers_above_path, operators_of
from fangkong.notifications.services import notify
from fangkong.people.identity import mask_name
from fangkong.screening.selectors import FollowUpState, active_follow_ups, follow_up_states
from fangkong.screening.services import local_day

KIND = "followup_overdue"


def follow_up_key(state: FollowUpState) -> str:
    return f"followup:{state.follow_up.pk}"


def send_overdue(*, now: datetime.datetime) -> int:
    """Tell the officers of the institution's region (and above) and its operators of each
    overdue follow-up, once per lapse; return how many were told."""
    today = local_day(now)
    states = [s for s in follow_up_states(list(active_follow_ups()), today) if s.overdue]
    if not states:
        return 0
    # Told before: skipped here already, so that a run every minute does not try each claim.
    told = set(
        Dispatch.objects.filter(kind=KIND, unit__in=[follow_up_key(s) for s in states])
        .values_list("unit", "day")
    )  # fmt: skip
    states = [s for s in states if (follow_up_key(s), s.overdue_since) not in told]
    institutions = {s.follow_up.subject.screening.institution_id for s in states}
    operators = operators_of(sorted(institutions))
    return sum(_tell(state, operators) for state in states)


def _tell(state: FollowUpState, operators: dict[int, list[User]]) -> int:
    institution = state.follow_up.subject.screening.institution
    people = officers_above_path(institution.region.path) + operators.get(institution.pk, [])
    recipients = sorted({user.pk: user for user in people}.values(), key=lambda u: u.username)
    if not recipients:
        return 0
    assert state.overdue_since is not None
    message = overdue_message(state)
    dispatch = notify(
        recipients=recipients, kind=KIND, key=follow_up_key(state), day=state.overdue_since,
        subject=message.title, body=message.body, texts=message.texts,
        link=reverse("screening:follow_up", args=[state.follow_up.pk]),
        region_path=institution.region.path, institution_id=institution.pk,
        detail={"follow_up": state.follow_up.pk, "institution": institution.code,
                "since": state.overdue_since.isoformat()},
    )  # fmt: skip
    return 0 if dispatch is None else 1


def overdue_message(state: FollowUpState) -> Message:
    subject = state.follow_up.subject

    def write() -> tuple[str, str]:
        since = state.overdue_since.isoformat() if state.overdue_since else ""
        values = {"institution": subject.screening.institution.name,
                  "person": mask_name(subject.person.name), "day": since}  # fmt: skip
        title = gettext("Close contact's follow-up overdue: %(institution)s") % values
        body = gettext(
            "The follow-up of %(person)s, close contact at %(institution)s, is overdue since "
            "%(day)s: a planned test has no result, or the quarantine ended without closing."
        )
        return title, body % values

    return in_each_language(write)
