"""Who may enter an institution at a moment: the question asked by the apps that let people in
(a visit, an admission), answered by the measures that restrict entries (a closure).

The measures stand on a higher floor than those who ask, so neither imports the other: each
measure registers its policy here from its AppConfig.ready() (as the admin discovers
`admin.py`), and `entry_allowed` asks every registered policy. Outside every policy the gate is
open; the first policy that refuses decides.

`entry_allowed_over` answers the same question for many moments of a span (an import's
admissions): a policy that registered a form over a span reads what it needs once; the others
are asked one moment at a time.
"""

import datetime
import functools
from collections.abc import Callable, Iterable
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
# (institution, first, last, purpose) -> the policy's answer for any moment from first to last.
type EntryPolicyOver = Callable[
    [Institution, datetime.datetime, datetime.datetime, str],
    Callable[[datetime.datetime], EntryAnswer | None],
]
POLICIES: list[EntryPolicy] = []
OVER: dict[EntryPolicy, EntryPolicyOver] = {}


def register_entry_policy(policy: EntryPolicy, over: EntryPolicyOver | None = None) -> None:
    """Register a policy; `over`, its form over a span, must answer each moment as it does."""
    if policy not in POLICIES:
        POLICIES.append(policy)
    if over is not None:
        OVER[policy] = over


def entry_allowed(institution: Institution, at: datetime.datetime, purpose: str) -> EntryAnswer:
    """Ask every registered policy whether someone may enter for `purpose` at `at`."""
    return _first_refusal(policy(institution, at, purpose) for policy in POLICIES)


def _first_refusal(answers: Iterable[EntryAnswer | None]) -> EntryAnswer:
    """The first policy that refuses decides (the others are not asked); else the gate is open."""
    for answer in answers:
        if answer is not None and not answer.allowed:
            return answer
    return EntryAnswer(True, gettext("Nothing restricts entries at this moment."))


def entry_allowed_over(
    institution: Institution, first: datetime.datetime, last: datetime.datetime, purpose: str
) -> Callable[[datetime.datetime], EntryAnswer]:
    """`entry_allowed` for any moment from `first` to `last` (their local days included)."""
    askers = [
        OVER[policy](institution, first, last, purpose)
        if policy in OVER
        else functools.partial(_one, policy, institution, purpose)
        for policy in POLICIES
    ]

    def allowed(at: datetime.datetime) -> EntryAnswer:
        return _first_refusal(ask(at) for ask in askers)

    return allowed


def _one(
    policy: EntryPolicy, institution: Institution, purpose: str, at: datetime.datetime
) -> EntryAnswer | None:
    return policy(institution, at, purpose)
