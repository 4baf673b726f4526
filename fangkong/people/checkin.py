"""Visitors' self check-in by QR code: the gate poster's token, the visitor's submission, the
gate staff's decision, and the rate limits that keep a poster from being abused.

The poster's QR code carries a token signed with the site's secret key: the poster's id and
the institution's code. A token is refused when its signature is wrong (tampered), when it
names another institution than the address it is used at, and when its poster has expired or
been replaced by a newer one (staff rotate it by printing a new poster).

A submission looks up no person: the same answer follows whether the number is known or not,
so the form tells nobody who is registered. The person is found or created, and the visit
recorded (asking the closures' entry check), only when the gate staff confirm.
"""

import datetime
import hashlib
import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.audit.services import audit_record
from fangkong.core.errors import field_error
from fangkong.core.exceptions import ApiError, Forbidden
from fangkong.core.scoping import visible
from fangkong.core.text import has_visible
from fangkong.institutions.entry import entry_allowed
from fangkong.institutions.models import Institution
from fangkong.people import identity, selectors, services
from fangkong.people.checkin_models import (
    MAX_TEMPERATURE,
    MIN_TEMPERATURE,
    CheckInPoster,
    CheckInStatus,
    SelfCheckIn,
)
from fangkong.people.identity import DocumentType
from fangkong.people.models import Person
from fangkong.people.risk import risk_match

SALT = "fangkong.people.checkin.poster"
POSTER_DAYS = (1, 7, 30)  # how long a printed poster's code may be used
VISITOR = "visitor (self check-in)"  # the audit log's actor for an anonymous visitor
# Submissions allowed per window (seconds): per phone, per address (a shared mobile network
# puts many phones behind one), per institution (a poster photographed and passed around).
LIMITS = {"device": (5, 600), "address": (30, 600), "institution": (300, 3600)}


class TokenRefused(ApiError):
    status = 400
    code = "token_refused"


class TooManyCheckIns(ApiError):
    status = 429
    code = "rate_limited"


# The poster --------------------------------------------------------------------------------


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


@transaction.atomic
def poster_issue(*, actor: Any, institution: Institution, days: int = 7) -> CheckInPoster:
    """Print a new gate poster: its code works through the last of `days` local days, and
    every earlier poster of the institution stops working."""
    if not services.may_record(actor, institution):
        raise Forbidden(_("Your role may not print this institution's gate poster."))
    if days not in POSTER_DAYS:
        raise field_error("days", _("Choose 1, 7 or 30 days."), "invalid_choice")
    now = timezone.now()
    CheckInPoster.objects.filter(institution=institution, revoked_at__isnull=True).update(
        revoked_at=now
    )
    valid_until = timezone.localdate(now) + datetime.timedelta(days=days - 1)
    poster = CheckInPoster.objects.create(
        institution=institution, issued_at=now, valid_until=valid_until, issued_by=_user(actor)
    )
    audit_record(
        actor=actor, action="checkin.poster_issue", target=poster,
        after={"valid_until": valid_until.isoformat()},
        region_path=institution.region.path, institution_id=institution.pk,
    )  # fmt: skip
    return poster


def poster_current(institution: Institution) -> CheckInPoster | None:
    """The institution's poster whose code works today, if any."""
    return (
        CheckInPoster.objects.filter(
            institution=institution,
            revoked_at__isnull=True,
            valid_until__gte=timezone.localdate(),
        )
        .order_by("-issued_at")
        .first()
    )


def poster_token(poster: CheckInPoster) -> str:
    return signing.dumps({"p": poster.pk, "i": poster.institution.code}, salt=SALT)


def poster_for_token(*, code: str, token: str) -> CheckInPoster:
    """The poster a scanned token belongs to, or a refusal that says why."""
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        raise TokenRefused(
            _("This QR code is not valid. Scan the poster at the gate again."), field="token"
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("p"), int):
        raise TokenRefused(
            _("This QR code is not valid. Scan the poster at the gate again."), field="token"
        )
    if data.get("i") != code:
        raise TokenRefused(
            _("This QR code belongs to another institution. Scan the poster at this gate."),
            field="token",
        )
    poster = (
        CheckInPoster.objects.select_related("institution__region")
        .filter(pk=int(data["p"]), institution__code=code)
        .first()
    )
    if poster is None:
        raise TokenRefused(
            _("This QR code is not valid. Scan the poster at the gate again."), field="token"
        )
    if poster.revoked_at is not None or poster.valid_until < timezone.localdate():
        raise TokenRefused(
            _("This QR code has expired. Scan the current poster at the gate."), field="token"
        )
    return poster


# Rate limits -------------------------------------------------------------------------------


def _over(kind: str, key: str) -> bool:
    """Count one submission against `kind`'s limit; True when it goes past the limit."""
    limits = getattr(settings, "FANGKONG_CHECKIN_LIMITS", LIMITS)
    limit, window = limits[kind]
    name = f"fangkong:checkin:{kind}:{hashlib.sha256(key.encode()).hexdigest()}"
    cache.add(name, 0, window)
    try:
        count = cache.incr(name)
    except ValueError:  # expired between the two calls
        cache.set(name, 1, window)
        count = 1
    return bool(count > limit)


def rate_limit(*, device: str | None, address: str | None, institution_code: str) -> None:
    """Refuse (429) a submission past the limits of its phone, its address or its institution."""
    hits = [
        _over("device", device or f"address:{address}"),
        _over("address", address or "unknown"),
        _over("institution", institution_code),
    ]
    if any(hits):
        raise TooManyCheckIns(
            _("Too many check-ins from here. Wait a few minutes, or ask the gate staff.")
        )


# The visitor's submission ------------------------------------------------------------------


@dataclass(frozen=True)
class VisitorEntry:
    """What the visitor typed on their phone."""

    name: str
    id_number: str
    phone: str
    visiting: str
    temperature: Decimal | None
    came_from: str
    document_type: str = DocumentType.RIC


@dataclass(frozen=True)
class Submitted:
    check_in: SelfCheckIn
    secret: str  # the visitor's status page address; shown to them once, stored as a hash


def secret_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _required(value: str, field: str, message: Any, limit: int) -> str:
    value = " ".join(value.split())
    if not has_visible(value):
        raise field_error(field, message, "required")
    return value[:limit]


def _clean(entry: VisitorEntry) -> tuple[VisitorEntry, Decimal]:
    name = _required(entry.name, "name", _("Enter your name."), 100)
    if entry.document_type not in DocumentType.values:
        raise field_error("document_type", _("Choose a document type."), "invalid_choice")
    number = identity.normalise(entry.document_type, entry.id_number)
    phone = identity.normalise_phone(entry.phone)
    if not 7 <= len(phone) <= 15:
        raise field_error("phone", _("A phone number has 7 to 15 digits."), "invalid_phone")
    visiting = _required(entry.visiting, "visiting", _("Say whom you visit."), 100)
    if entry.temperature is None:
        raise field_error("temperature", _("Enter your temperature."), "required")
    if not MIN_TEMPERATURE <= entry.temperature <= MAX_TEMPERATURE:
        raise field_error(
            "temperature", _("A body temperature lies between %(low)s and %(high)s °C."),
            "out_of_range", low=MIN_TEMPERATURE, high=MAX_TEMPERATURE,
        )  # fmt: skip
    came_from = _required(entry.came_from, "came_from", _("Say where you came from."), 200)
    temperature = entry.temperature.quantize(Decimal("0.1"))
    cleaned = VisitorEntry(
        name=name, id_number=number, phone=phone, visiting=visiting, temperature=temperature,
        came_from=came_from, document_type=entry.document_type,
    )  # fmt: skip
    return cleaned, temperature


@transaction.atomic
def checkin_submit(*, poster: CheckInPoster, entry: VisitorEntry) -> Submitted:
    """Record a visitor's own check-in as pending, with the entry check's answer and the risk
    areas they match, for the gate staff to decide."""
    entry, temperature = _clean(entry)
    institution = poster.institution
    now = timezone.now()
    answer = entry_allowed(institution, now, "visit")
    risk = risk_match(
        institution=institution, document_type=entry.document_type, id_number=entry.id_number,
        came_from=entry.came_from, at=now,
    )  # fmt: skip
    secret = secrets.token_urlsafe(24)
    check_in = SelfCheckIn.objects.create(
        institution=institution, poster=poster, secret_digest=secret_digest(secret),
        name=entry.name, document_type=entry.document_type, id_number=entry.id_number,
        id_hash=identity.id_hash_of(entry.document_type, entry.id_number), phone=entry.phone,
        visiting=entry.visiting, temperature=temperature, came_from=entry.came_from,
        submitted_at=now, entry_allowed=answer.allowed,
        entry_reason="" if answer.allowed else answer.reason[:500],
        risk_level=risk.level, risk_note=risk.note,
    )  # fmt: skip
    audit_record(
        actor=None, actor_name=VISITOR, action="checkin.submit", target=check_in,
        after={"id_number": check_in.id_number_masked, "came_from": entry.came_from,
               "risk_level": risk.level, "entry_allowed": answer.allowed},
        region_path=institution.region.path, institution_id=institution.pk,
    )  # fmt: skip
    return Submitted(check_in=check_in, secret=secret)


def checkin_for_secret(secret: str) -> SelfCheckIn:
    """The visitor's own check-in, found by the secret of their status page only."""
    found = (
        SelfCheckIn.objects.select_related("institution")
        .filter(secret_digest=secret_digest(secret))
        .first()
    )
    if found is None:
        raise Http404("check-in")
    return found


# The gate staff's decision -----------------------------------------------------------------


def _locked(check_in: SelfCheckIn, actor: Any) -> SelfCheckIn:
    locked = (
        SelfCheckIn.objects.select_for_update()
        .select_related("institution__region")
        .get(pk=check_in.pk)
    )
    if not services.may_record(actor, locked.institution):
        raise Forbidden(_("Your role may not record this institution's visits."))
    if locked.status != CheckInStatus.PENDING:
        raise field_error("status", _("This check-in has been decided already."), "decided")
    return locked


@transaction.atomic
def checkin_confirm(
    *,
    actor: Any,
    check_in: SelfCheckIn,
    exception_reason: str | None = None,
    visited_person_id: int | None = None,
) -> SelfCheckIn:
    """Let the visitor in: the person is found by their number (or registered), and the visit
    recorded at the moment they checked in, asking the entry check as any visit does (422
    `entry_refused` during a closure, unless an officer gives an exception). The resident
    visited, if chosen, is one of the check-in's candidates, resolved only once the actor may
    decide and the check-in still waits (403 and `decided` come first)."""
    locked = _locked(check_in, actor)
    visited = visited_choice(user=actor, check_in=locked, pk=visited_person_id)
    found = services.person_register(
        actor=actor, name=locked.name, id_number=locked.id_number,
        document_type=locked.document_type, phone=locked.phone,
    )  # fmt: skip
    visit = services.visit_create(
        actor=actor, institution=locked.institution, visitor=found.person, visited=visited,
        check_in=locked.submitted_at, temperature=locked.temperature,
        came_from=locked.came_from, exception_reason=exception_reason,
    )  # fmt: skip
    locked.status, locked.visit = CheckInStatus.CONFIRMED, visit
    locked.decided_by, locked.decided_at = _user(actor), timezone.now()
    locked.save(update_fields=["status", "visit", "decided_by", "decided_at"])
    audit_record(
        actor=actor, action="checkin.confirm", target=locked,
        after={"visit": visit.pk, "exception_reason": visit.exception_reason},
        region_path=locked.institution.region.path, institution_id=locked.institution_id,
    )  # fmt: skip
    return locked


@transaction.atomic
def checkin_refuse(*, actor: Any, check_in: SelfCheckIn, reason: str) -> SelfCheckIn:
    """Turn the visitor away, saying why (the visitor's status page shows the reason)."""
    locked = _locked(check_in, actor)
    reason = _required(reason, "reason", _("Say why the visitor is refused."), 300)
    locked.status, locked.refusal_reason = CheckInStatus.REFUSED, reason
    locked.decided_by, locked.decided_at = _user(actor), timezone.now()
    locked.save(update_fields=["status", "refusal_reason", "decided_by", "decided_at"])
    audit_record(
        actor=actor, action="checkin.refuse", target=locked, after={"reason": reason},
        region_path=locked.institution.region.path, institution_id=locked.institution_id,
    )  # fmt: skip
    return locked


# Reads for the gate staff ------------------------------------------------------------------


def checkins_visible(user: Any) -> QuerySet[SelfCheckIn]:
    return visible(SelfCheckIn.objects.all(), user, services.RECORDERS)


def checkin_get(*, user: Any, pk: int) -> SelfCheckIn:
    found = checkins_visible(user).select_related("institution__region").filter(pk=pk).first()
    if found is None:
        raise Http404("check-in")
    return found


def checkin_queue(
    *, user: Any, institution: Institution, status: str | None = None
) -> QuerySet[SelfCheckIn]:
    """The institution's check-ins still waiting, whenever sent, and those of the last 24
    hours, newest first."""
    since = timezone.now() - datetime.timedelta(hours=24)
    recent = Q(status=CheckInStatus.PENDING) | Q(submitted_at__gte=since)
    rows = checkins_visible(user).filter(recent, institution=institution)
    if status is not None:
        rows = rows.filter(status=status)
    return rows.select_related("institution", "visit__visited").order_by("-submitted_at", "-id")


def visited_candidates(*, user: Any, check_in: SelfCheckIn) -> list[Person]:
    """For the gate staff only: the residents present when the visitor checked in whose name
    matches whom they said they visit (exact, then pinyin). The visitor never sees them."""
    if check_in.status != CheckInStatus.PENDING:
        return []
    return selectors.residents_named(
        user=user, institution=check_in.institution, at=check_in.submitted_at,
        typed=check_in.visiting,
    )  # fmt: skip


def visited_choice(*, user: Any, check_in: SelfCheckIn, pk: int | None) -> Person | None:
    """The resident the gate staff linked, one of those shown to them (or none)."""
    if pk is None:
        return None
    for person in visited_candidates(user=user, check_in=check_in):
        if person.pk == pk:
            return person
    raise field_error(
        services.VISITED_FIELD,
        _("Choose one of the residents shown, or leave the visit unlinked."),
        "invalid_choice",
    )
