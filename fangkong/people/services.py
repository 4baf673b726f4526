"""Registering persons, their stays and their visits, and revealing a person's numbers. Each
write is one transaction with its audit row; no audit row holds a clear number."""

import datetime
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fangkong.audit.services import audit_record
from fangkong.core.errors import field_error
from fangkong.core.exceptions import ApiError, Forbidden, Overlap
from fangkong.core.scoping import scope_of
from fangkong.core.text import has_visible
from fangkong.institutions.entry import entry_allowed
from fangkong.institutions.models import Institution
from fangkong.people import identity, selectors
from fangkong.people.identity import DocumentType, Sex
from fangkong.people.models import (
    MAX_TEMPERATURE,
    MIN_TEMPERATURE,
    Employment,
    Person,
    Registration,
    Stay,
    StayRole,
    Visit,
)
from fangkong.people.places import places_record

RECORDERS = {"admin", "officer", "operator"}  # register persons, stays and visits
REVEALERS = {"officer", "operator"}  # see a full number of a person in their scope
EXCEPTION_MAKERS = {"admin", "officer"}  # let an entry through that a closure refuses


class EntryRefused(ApiError):
    status = 422
    code = "entry_refused"


def _covers(actor: Any, roles: Collection[str] | None, institution: Institution) -> bool:
    scope = scope_of(actor, roles)
    return scope.covers_path(institution.region.path) or institution.pk in scope.institution_ids


def may_record(actor: Any, institution: Institution) -> bool:
    return _covers(actor, RECORDERS, institution)


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _home_institution(actor: Any) -> Institution | None:
    """The one institution an operator records for: where the persons they create lie."""
    ids = scope_of(actor, {"operator"}).institution_ids
    if len(ids) != 1:
        return None
    return Institution.objects.select_related("region").filter(pk=ids[0]).first()


def _place(actor: Any, institution: Institution | None) -> dict[str, Any]:
    if institution is not None:
        return {"region_path": institution.region.path, "institution_id": institution.pk}
    paths = scope_of(actor, RECORDERS).region_paths
    return {"region_path": paths[0] if paths else None, "institution_id": None}


@dataclass(frozen=True)
class Registered:
    person: Person
    created: bool
    in_scope: bool


@transaction.atomic
def person_register(
    *,
    actor: Any,
    name: str,
    id_number: str,
    document_type: str = DocumentType.RIC,
    phone: str = "",
    sex: str | None = None,
    birth_date: datetime.date | None = None,
) -> Registered:
    """Create the person with this document number, or find the one that has it.

    A known number returns its person; whether the caller may read that person is said by
    `in_scope`. The caller who typed the full number may record a stay or a visit of the person
    (`Registration`), but reads nothing of what others recorded until then.
    """
    if scope_of(actor, RECORDERS).is_empty:
        raise Forbidden(_("Your role may not register persons."))
    name = " ".join(name.split())
    if not has_visible(name):
        raise field_error("name", _("Enter the person's name."), "required")
    if document_type not in DocumentType.values:
        raise field_error("document_type", _("Choose a document type."), "invalid_choice")
    number = identity.normalise(document_type, id_number)
    phone = identity.normalise_phone(phone)
    if phone and not 7 <= len(phone) <= 15:
        raise field_error("phone", _("A phone number has 7 to 15 digits."), "invalid_phone")
    digest = identity.id_hash_of(document_type, number)
    found = selectors.person_find(id_hash=digest)
    if found is not None:
        return _known(actor, found)
    if document_type == DocumentType.RIC:
        birth_date, sex = identity.birth_date_of(number), identity.sex_of(number)
    pinyin, initials = identity.pinyin_keys(name)
    home = _home_institution(actor)
    person = Person(
        name=name, sex=sex or Sex.UNKNOWN, birth_date=birth_date, document_type=document_type,
        id_number=number, id_hash=digest, id_last4=number[-4:], phone=phone,
        phone_hash=identity.phone_hash_of(phone),
        pinyin=pinyin, initials=initials, created_by=_user(actor), created_in=home,
    )  # fmt: skip
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:
        # Another request registered the same number a moment ago: that is the person.
        raced = selectors.person_find(id_hash=digest)
        if raced is None:
            raise
        return _known(actor, raced)
    if home is not None:
        places_record(institution_id=home.pk, person_ids=[person.pk])
    audit_record(
        actor=actor, action="person.create", target=person,
        after={"name": name, "document_type": document_type, "id_number": person.id_number_masked,
               "phone": person.phone_masked},
        **_place(actor, home),
    )  # fmt: skip
    return Registered(person, created=True, in_scope=True)


def _known(actor: Any, person: Person) -> Registered:
    visible = selectors.persons_visible(actor).filter(pk=person.pk).exists()
    if not visible and _user(actor) is not None:
        _registration, created = Registration.objects.get_or_create(person=person, user=actor)
        if created:
            audit_record(
                actor=actor, action="person.register", target=person,
                after={"id_number": person.id_number_masked},
                **_place(actor, _home_institution(actor)),
            )  # fmt: skip
    return Registered(person, created=False, in_scope=visible)


def _moment(value: datetime.datetime, field: str) -> datetime.datetime:
    if timezone.is_naive(value):
        raise field_error(field, _("Give the moment with its UTC offset."), "naive_moment")
    return value


def _exception(
    actor: Any, institution: Institution, at: datetime.datetime, purpose: str, given: str | None
) -> str:
    """The exception's reason when the entry policies refuse the entry; "" when they allow it."""
    answer = entry_allowed(institution, at, purpose)
    if answer.allowed:
        return ""
    if given is None or not has_visible(given):
        raise EntryRefused(answer.reason, field="exception_reason")
    if not _covers(actor, EXCEPTION_MAKERS, institution):
        raise Forbidden(
            _("Only an officer may make an exception to the closure's rules."),
            field="exception_reason",
        )
    return given.strip()


def _refuse_overlap(
    actor: Any, person: Person, start: datetime.datetime, end: datetime.datetime | None
) -> None:
    clash = Stay.objects.filter(person=person).filter(Q(end__isnull=True) | Q(end__gt=start))
    if end is not None:
        clash = clash.filter(start__lt=end)
    found = clash.select_related("institution__region").first()
    if found is None:
        return
    message: str | Promise
    if _covers(actor, None, found.institution):
        message = _("%(name)s already stays in %(institution)s at that time.") % {
            "name": person.name, "institution": found.institution.name,
        }  # fmt: skip
    else:
        # The other stay lies outside the caller's scope: say that it exists, not where.
        message = _("This person already stays in another institution at that time.")
    raise Overlap(message, field="start")


@transaction.atomic
def stay_create(
    *,
    actor: Any,
    institution: Institution,
    person: Person,
    role: str,
    start: datetime.datetime,
    end: datetime.datetime | None = None,
    admission_reason: str = "",
    discharge_reason: str = "",
    job: str = "",
    on_site: bool = False,
    exception_reason: str | None = None,
) -> Stay:
    """Record that the person lives (resident) or works (staff) in the institution over
    `[start, end)`. An admission asks the entry policies; overlapping stays are refused (409)."""
    if not may_record(actor, institution):
        raise Forbidden(_("Your role may not record this institution's people."))
    if role not in StayRole.values:
        raise field_error("role", _("Choose resident or staff."), "invalid_choice")
    start = _moment(start, "start")
    if end is not None and _moment(end, "end") <= start:
        raise field_error("end", _("The stay ends before it starts."), "end_first")
    reason = ""
    if role == StayRole.RESIDENT:
        reason = _exception(actor, institution, start, "admission", exception_reason)
    # Hold the person while the stay goes in: two stays of them at once wait for each other.
    list(Person.objects.select_for_update().filter(pk=person.pk).values_list("pk"))
    _refuse_overlap(actor, person, start, end)
    stay = Stay(
        person=person, institution=institution, role=role, start=start, end=end,
        admission_reason=admission_reason.strip(), discharge_reason=discharge_reason.strip(),
        job=job.strip(), on_site=on_site, exception_reason=reason, created_by=_user(actor),
    )  # fmt: skip
    try:
        with transaction.atomic():  # the database's own refusal, if another stay won a race
            stay.save()
    except IntegrityError as exc:
        raise Overlap(
            _("Another stay of this person was recorded at the same moment."), field="start"
        ) from exc
    if role == StayRole.STAFF:
        # Every staff member has an employment, working in the institution (whether they
        # also live there is the stay's `on_site`): the census and the rounds read those.
        Employment.objects.create(
            person=person, institution=institution, role=stay.job, on_site=True, start=start,
            end=end, stay=stay, created_by=_user(actor),
        )  # fmt: skip
    places_record(institution_id=institution.pk, person_ids=[person.pk])
    place = _place(actor, institution)
    audit_record(
        actor=actor, action="stay.create", target=stay,
        after={"person": person.id_number_masked, "role": role, "start": start.isoformat(),
               "end": end.isoformat() if end else None, "exception_reason": reason},
        **place,
    )  # fmt: skip
    return stay


VISITED_FIELD = "visited_person_id"


class NotResidentThen(ApiError):
    """The person named as visited is not a resident of the institution at check-in (422)."""

    status = 422

    def __init__(self, message: str | Promise, code: str) -> None:
        super().__init__(message, field=VISITED_FIELD)
        self.code = code


def _refuse_not_resident(
    institution: Institution, visited: Person, visitor: Person, check_in: datetime.datetime
) -> None:
    """Refuse (422, naming the field) a person visited who is not a resident of the
    institution at the visit's check-in."""
    if visited.pk == visitor.pk:
        raise NotResidentThen(_("A visitor does not visit themselves."), "self_visit")
    stays = Stay.objects.filter(person=visited, institution=institution, role=StayRole.RESIDENT)
    if selectors.stays_at(stays, check_in).exists():
        return
    names = {"name": visited.name, "institution": institution.name}
    if stays.exists():
        message = _("%(name)s does not live in %(institution)s at the visit's check-in.")
        raise NotResidentThen(message % names, "not_present")
    raise NotResidentThen(_("%(name)s is not a resident of %(institution)s.") % names,
                          "not_resident")  # fmt: skip


@transaction.atomic
def visit_create(
    *,
    actor: Any,
    institution: Institution,
    visitor: Person,
    check_in: datetime.datetime,
    check_out: datetime.datetime | None = None,
    temperature: Decimal | None = None,
    came_from: str = "",
    test_proof: str = "",
    visited: Person | None = None,
    exception_reason: str | None = None,
) -> Visit:
    """Register a visit; one the entry policies refuse (a closure) needs an officer's exception
    (422 `entry_refused` without), which is audited as such. The person `visited`, if named,
    is a resident of the institution at `check_in` (422 on `visited_person_id` otherwise)."""
    if not may_record(actor, institution):
        raise Forbidden(_("Your role may not record this institution's visits."))
    check_in = _moment(check_in, "check_in")
    if check_in > timezone.now():
        raise field_error("check_in", _("The moment is in the future."), "future")
    if check_out is not None and _moment(check_out, "check_out") <= check_in:
        raise field_error(
            "check_out", _("The visit is checked out before it is checked in."), "end_first"
        )
    if temperature is not None and not MIN_TEMPERATURE <= temperature <= MAX_TEMPERATURE:
        raise field_error(
            "temperature", _("A body temperature lies between %(low)s and %(high)s °C."),
            "out_of_range", low=MIN_TEMPERATURE, high=MAX_TEMPERATURE,
        )  # fmt: skip
    if visited is not None:
        _refuse_not_resident(institution, visited, visitor, check_in)
    reason = _exception(actor, institution, check_in, "visit", exception_reason)
    visit = Visit.objects.create(
        visitor=visitor, institution=institution, visited=visited, check_in=check_in,
        check_out=check_out, temperature=temperature, came_from=came_from.strip(),
        test_proof=test_proof.strip(), exception_reason=reason, created_by=_user(actor),
    )  # fmt: skip
    places_record(institution_id=institution.pk, person_ids=[visitor.pk])
    place = _place(actor, institution)
    audit_record(
        actor=actor, action="visit.exception" if reason else "visit.create", target=visit,
        after={"visitor": visitor.id_number_masked, "check_in": check_in.isoformat(),
               "came_from": visit.came_from, "exception_reason": reason,
               "visited": visited.pk if visited else None},
        **place,
    )  # fmt: skip
    return visit


REVEALABLE = ("id_number", "phone")


@transaction.atomic
def person_reveal(*, actor: Any, person: Person, field: str, reason: str | None) -> str:
    """Return the person's full `field` ("id_number" or "phone") for an officer or operator
    in whose scope they lie, recording who saw whose number and why."""
    if field not in REVEALABLE:
        raise field_error("reveal", _("Choose id_number or phone."), "invalid_choice")
    if reason is None or not has_visible(reason):
        raise field_error("reason", _("Say why you need the full number."), "required")
    if not selectors.persons_visible(actor, REVEALERS).filter(pk=person.pk).exists():
        raise Forbidden(_("Your role may not see full numbers."), field="reveal")
    place = selectors.place_of(user=actor, person=person)
    audit_record(
        actor=actor, action="person.reveal", target=person,
        after={"field": field, "reason": reason.strip()[:500]},
        **_place(actor, place),
    )  # fmt: skip
    value: str = getattr(person, field)
    return value


@transaction.atomic
def stay_end(*, actor: Any, stay: Stay, end: datetime.datetime, discharge_reason: str = "") -> Stay:
    """End an open stay at `end` (a discharge, or the end of a job); it ends only once."""
    locked = Stay.objects.select_for_update().select_related("institution__region").get(pk=stay.pk)
    if not may_record(actor, locked.institution):
        raise Forbidden(_("Your role may not record this institution's people."))
    if locked.end is not None:
        raise field_error("end", _("This stay has ended already."), "already_ended")
    if _moment(end, "end") <= locked.start:
        raise field_error("end", _("The stay ends before it starts."), "end_first")
    locked.end, locked.discharge_reason = end, discharge_reason.strip()
    locked.save(update_fields=["end", "discharge_reason"])
    Employment.objects.filter(stay=locked, end__isnull=True).update(end=end)
    audit_record(
        actor=actor, action="stay.end", target=locked, before={"end": None},
        after={"end": end.isoformat(), "discharge_reason": locked.discharge_reason},
        **_place(actor, locked.institution),
    )  # fmt: skip
    return locked


@transaction.atomic
def visit_check_out(*, actor: Any, visit: Visit, check_out: datetime.datetime) -> Visit:
    """Record when the visitor left; a visit is checked out once."""
    locked = (
        Visit.objects.select_for_update().select_related("institution__region").get(pk=visit.pk)
    )
    if not may_record(actor, locked.institution):
        raise Forbidden(_("Your role may not record this institution's visits."))
    if locked.check_out is not None:
        raise field_error("check_out", _("This visit is checked out already."), "already_ended")
    if _moment(check_out, "check_out") <= locked.check_in:
        raise field_error(
            "check_out", _("The visit is checked out before it is checked in."), "end_first"
        )
    if check_out > timezone.now():
        raise field_error("check_out", _("The moment is in the future."), "future")
    locked.check_out = check_out
    locked.save(update_fields=["check_out"])
    audit_record(
        actor=actor, action="visit.check_out", target=locked,
        after={"check_out": check_out.isoformat()}, **_place(actor, locked.institution),
    )  # fmt: skip
    return locked
