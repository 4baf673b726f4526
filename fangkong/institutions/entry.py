"""Who may enter an institution at a moment: the question asked by the apps that let people in
(a visit, an admission), answered by the measures that restrict entries (a closure).

The measures stand on a higher floor than those who ask, so neither imports the other: each
measure registers its policy here from its AppConfig.ready() (as the admin discovers
`admin.py`), and `entry_allowed` asks every registered policy. Outside every policy the gate is
open; the first policy that refuses decides.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext

from fangkong.institutions.models import Institution


@dataclass(frozen=True)
class EntryAnswer:
    """A policy's answer: allowed or not, and why (in the request's language)."""

    allowed: bool
    reason: str


# (institution, moment, purpose) -> an answer, or None when the policy has nothing to say.
type EntryPolicy = Callable[[Institution, datetime.datetime, str], EntryAnswer | None]
POLICIES: list[EntryPolicy] = []


def register_entry_policy(policy: EntryPolicy) -> None:
    if policy not in POLICIES:
        POLICIES.append(policy)


def entry_allowed(institution: Institution, at: datetime.datetime, purpose: str) -> EntryAnswer:
    """Ask every registered policy whether someone may enter for `purpose` at `at`."""
    for policy in POLICIES:
        answer = policy(institution, at, purpose)
        if answer is not None and not answer.allowed:
            return answer
    return EntryAnswer(True, gettext("Nothing restricts entries at this moment."))
