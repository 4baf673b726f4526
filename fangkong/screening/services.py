"""Opening a screening (its subjects computed from stays and visits), classifying a subject,
following up a close contact until closed, and opening the second ring. Each write is one
transaction with its audit row."""

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.audit.services import audit_record
from fangkong.core.errors import field_error
from fangkong.core.exceptions import Forbidden, Overlap
from fangkong.core.scoping import scope_of
from fangkong.core.text import has_visible
from fangkong.institutions.models import Institution
from fangkong.people.models import Person
from fangkong.screening.alerts import referral_announce
from fangkong.screening.candidates import Candidate, candidates, institutions_of, shares_time
from fangkong.screening.models import (
    MAX_WINDOW,
    ContactClass,
    FollowUp,
    FollowUpOutcome,
    FollowUpPlanRevision,
    FollowUpStatus,
    FollowUpSymptoms,
    FollowUpTestDay,
    RingReferral,
    Screening,
    ScreeningSubject,
    Symptom,
)

SCREENERS = {"admin", "officer"}  # open screenings, classify, follow up, open a second ring
OBSERVERS = {"admin", "officer", "operator"}  # record a close contact's symptoms of a day
MAX_FOLLOW_UP = datetime.timedelta(days=60)  # quarantine ends at most this long after the window
MAX_TEST_DAYS = 30

type Proposal = Callable[[Candidate], tuple[str, str]]


def _covers(actor: Any, institution: Institution) -> bool:
    scope = scope_of(actor, SCREENERS)
    return scope.covers_path(institution.region.path) or institution.pk in scope.institution_ids


def may_screen(actor: Any, institution: Institution) -> bool:
    return _covers(actor, institution)


def may_observe(actor: Any, institution: Institution) -> bool:
    scope = scope_of(actor, OBSERVERS)
    return scope.covers_path(institution.region.path) or institution.pk in scope.institution_ids


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _validate_window(start: datetime.datetime, end: datetime.datetime) -> None:
    if end <= start:
        raise field_error("end", _("The window ends before it starts."), "end_first")
    if end - start > MAX_WINDOW:
        raise field_error(
            "end", _("A window spans at most %(days)d days."), "too_long", days=MAX_WINDOW.days
        )


def _proposal(row: Candidate, index: Candidate | None, index_id: int | None) -> tuple[str, str]:
    """The class proposed for a subject, and why; nothing without an index person."""
    if index_id is None or row.person_id == index_id:
        return "", ""
    if index is not None and shares_time(row.intervals, index.intervals):
        return ContactClass.CLOSE, str(_("Present at the same time as the index person."))
    return ContactClass.GENERAL, str(_("Present in the window, not with the index person."))


@transaction.atomic
def screening_create(
    *,
    actor: Any,
    institution: Institution,
    start: datetime.datetime,
    end: datetime.datetime,
    reason: str,
    index_person: Person | None = None,
) -> Screening:
    """Open a screening of everyone present in the institution in `[start, end)` (28 days at
    most), each with the class proposed from their overlap with the index person."""
    if not may_screen(actor, institution):
        raise Forbidden(_("Your role may not open screenings."))
    reason = " ".join((reason or "").split())
    if not has_visible(reason):
        raise field_error("reason", _("Say why the screening is opened."), "required")
    _validate_window(start, end)
    screening = Screening.objects.create(
        institution=institution, start=start, end=end, reason=reason, index_person=index_person,
        created_by=_user(actor),
    )  # fmt: skip
    found = candidates(institution, start, end)
    index_id = index_person.pk if index_person else None
    index = found.get(index_id) if index_id is not None else None
    count = _add_subjects(screening, found, lambda row: _proposal(row, index, index_id))
    audit_record(
        actor=actor, action="screening.create", target=screening,
        after={"start": start.isoformat(), "end": end.isoformat(), "reason": reason,
               "index_person": index_id, "subjects": count},
        region_path=institution.region.path, institution_id=institution.pk,
    )  # fmt: skip
    return screening


def _add_subjects(screening: Screening, found: dict[int, Candidate], propose: Proposal) -> int:
    subjects = []
    for row in found.values():
        proposed, basis = propose(row)
        subjects.append(ScreeningSubject(
            screening=screening, person_id=row.person_id, as_resident="resident" in row.roles,
            as_staff="staff" in row.roles, as_visitor="visitor" in row.roles,
            elsewhere=row.elsewhere, proposed=proposed, proposed_basis=basis,
        ))  # fmt: skip
    ScreeningSubject.objects.bulk_create(subjects)
    return len(subjects)


def _ring_proposal(row: Candidate, contacts: set[int], intervals: list[Any]) -> tuple[str, str]:
    """In a second ring: nothing for its index persons (the close contacts present there)."""
    if row.person_id in contacts:
        return "", ""
    if shares_time(row.intervals, intervals):
        return ContactClass.SECONDARY, str(_("Present at the same time as a close contact."))
    return ContactClass.GENERAL, str(_("Present in the window, not with a close contact."))


@dataclass(frozen=True)
class SecondRing:
    """A second ring: the screenings opened (the first one's institution first) and the
    institutions outside the actor's scope referred to their own officers."""

    rings: list[Screening]
    referrals: list[RingReferral]

    @property
    def home(self) -> Screening:
        return self.rings[0]


def _close_contacts(screening: Screening) -> set[int]:
    return set(
        ScreeningSubject.objects.filter(screening=screening, classification=ContactClass.CLOSE)
        .values_list("person_id", flat=True)
    )  # fmt: skip


def _check_ring(screening: Screening, reason: str) -> str:
    reason = " ".join((reason or "").split())
    if not has_visible(reason):
        raise field_error("reason", _("Say why the second ring is opened."), "required")
    if screening.parent_id is not None:
        raise field_error(
            "screening", _("This screening is a second ring already."), "is_second_ring"
        )
    opened = Screening.objects.filter(parent=screening).exists()
    if opened or RingReferral.objects.filter(parent=screening).exists():
        raise Overlap(_("This screening has its second ring already."), field="screening")
    return reason


@transaction.atomic
def second_ring_open(
    *, actor: Any, screening: Screening, reason: str, end: datetime.datetime | None = None
) -> SecondRing:
    """Open the second ring of a screening, from the first window's start to `end` (by default
    now, or the first window's end if later; 28 days at most): in every institution where a
    close contact was present in that window, a new screening linked to the first whose index
    persons are the close contacts present there (all of them in the first institution).
    An institution outside the actor's scope is referred to its own officers, who are told."""
    institution = screening.institution
    if not may_screen(actor, institution):
        raise Forbidden(_("Your role may not open screenings."))
    Screening.objects.select_for_update().filter(pk=screening.pk).first()  # one ring at a time
    reason = _check_ring(screening, reason)
    contacts = _close_contacts(screening)
    if not contacts:
        raise field_error(
            "screening", _("No close contacts yet: classify the subjects first."),
            "no_close_contacts",
        )  # fmt: skip
    start = screening.start
    if end is None:
        end = max(screening.end, min(timezone.now(), start + MAX_WINDOW))
    _validate_window(start, end)
    places = institutions_of(contacts, start, end)
    places[institution.pk] = contacts
    others = Institution.objects.select_related("region").filter(pk__in=places)
    rings = [_ring_open(actor=actor, parent=screening, institution=institution, start=start,
                        end=end, reason=reason, index_ids=contacts)]  # fmt: skip
    referrals = []
    for other in others.exclude(pk=institution.pk).order_by("code"):
        ring = {"actor": actor, "parent": screening, "institution": other, "start": start,
                "end": end, "reason": reason, "index_ids": places[other.pk]}  # fmt: skip
        if may_screen(actor, other):
            rings.append(_ring_open(**ring))
        else:
            referrals.append(_refer(**ring))
    return SecondRing(rings, referrals)


def _ring_open(
    *, actor: Any, parent: Screening, institution: Institution, start: datetime.datetime,
    end: datetime.datetime, reason: str, index_ids: set[int],
) -> Screening:  # fmt: skip
    """A ring in one institution: everyone present there in the window, proposed as contacts
    of a contact when present at the same time as one of its index persons."""
    ring = Screening.objects.create(
        institution=institution, start=start, end=end, reason=reason, parent=parent,
        created_by=_user(actor),
    )  # fmt: skip
    ring.index_persons.set(sorted(index_ids))
    found = candidates(institution, start, end)
    intervals = [span for pk in index_ids if pk in found for span in found[pk].intervals]
    count = _add_subjects(ring, found, lambda row: _ring_proposal(row, index_ids, intervals))
    audit_record(
        actor=actor, action="screening.second_ring", target=ring,
        after={"parent": parent.pk, "start": start.isoformat(), "end": end.isoformat(),
               "reason": reason, "index_persons": sorted(index_ids), "subjects": count},
        region_path=institution.region.path, institution_id=institution.pk,
    )  # fmt: skip
    return ring


def _refer(
    *, actor: Any, parent: Screening, institution: Institution, start: datetime.datetime,
    end: datetime.datetime, reason: str, index_ids: set[int],
) -> RingReferral:  # fmt: skip
    referral = RingReferral.objects.create(
        parent=parent, institution=institution, start=start, end=end, reason=reason,
        created_by=_user(actor),
    )  # fmt: skip
    referral.index_persons.set(sorted(index_ids))
    audit_record(
        actor=actor, action="screening.ring_referral", target=referral,
        after={"parent": parent.pk, "institution": institution.code,
               "start": start.isoformat(), "end": end.isoformat(),
               "index_persons": sorted(index_ids)},
        region_path=institution.region.path, institution_id=institution.pk,
    )  # fmt: skip
    referral_announce(referral=referral, contacts=len(index_ids))
    return referral


@transaction.atomic
def referral_open(*, actor: Any, referral: RingReferral, reason: str) -> Screening:
    """Open, in one's own institution, the second ring another officer referred to it."""
    institution = referral.institution
    if not may_screen(actor, institution):
        raise Forbidden(_("Your role may not open screenings."))
    locked = RingReferral.objects.select_for_update().get(pk=referral.pk)
    if locked.screening_id is not None:
        raise Overlap(_("This second ring is opened already."), field="referral")
    reason = " ".join((reason or "").split())
    if not has_visible(reason):
        raise field_error("reason", _("Say why the second ring is opened."), "required")
    index_ids = set(locked.index_persons.values_list("pk", flat=True))
    ring = _ring_open(
        actor=actor, parent=locked.parent, institution=institution, start=locked.start,
        end=locked.end, reason=reason, index_ids=index_ids,
    )  # fmt: skip
    locked.screening = ring
    locked.save(update_fields=["screening"])
    return ring


@transaction.atomic
def subject_classify(
    *, actor: Any, screening: Screening, person_id: int, classification: str, reason: str
) -> ScreeningSubject:
    """Classify a subject of the screening, with the officer's reason."""
    if not may_screen(actor, screening.institution):
        raise Forbidden(_("Your role may not classify subjects."))
    if classification not in ContactClass.values:
        raise field_error(
            "classification", _("Choose one of: %(choices)s."), "invalid_choice",
            choices=", ".join(ContactClass.values),
        )  # fmt: skip
    reason = " ".join((reason or "").split())
    if not has_visible(reason):
        raise field_error("reason", _("Say why the subject is so classified."), "required")
    subject = (
        ScreeningSubject.objects.select_for_update()
        .filter(screening=screening, person_id=person_id)
        .first()
    )
    if subject is None:
        raise field_error(
            "person_id", _("This person is not a subject of the screening."), "not_a_subject"
        )
    before = {"classification": subject.classification, "reason": subject.classification_reason}
    subject.classification, subject.classification_reason = classification, reason
    subject.classified_by, subject.classified_at = _user(actor), timezone.now()
    subject.save()
    institution = screening.institution
    audit_record(
        actor=actor, action="screening.classify", target=subject, before=before,
        after={"person": person_id, "classification": classification, "reason": reason,
               "proposed": subject.proposed},
        region_path=institution.region.path, institution_id=institution.pk,
    )  # fmt: skip
    return subject


# Follow-up of close contacts ------------------------------------------------------------------


def local_day(moment: datetime.datetime) -> datetime.date:
    """The day of the site's time zone a moment falls on."""
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


def _validate_plan(
    screening: Screening, quarantine_until: datetime.date, test_days: Sequence[datetime.date]
) -> list[datetime.date]:
    first = local_day(screening.start)
    if quarantine_until < first:
        raise field_error(
            "quarantine_until", _("The quarantine ends before the exposure window starts."),
            "before_window",
        )  # fmt: skip
    if quarantine_until > local_day(screening.end + MAX_FOLLOW_UP):
        raise field_error(
            "quarantine_until", _("A quarantine ends at most %(days)d days after the window."),
            "too_long", days=MAX_FOLLOW_UP.days,
        )  # fmt: skip
    days = sorted(set(test_days))
    if len(days) > MAX_TEST_DAYS:
        raise field_error(
            "test_days", _("At most %(count)d test days."), "too_many", count=MAX_TEST_DAYS
        )
    for day in days:
        if not first <= day <= quarantine_until:
            raise field_error(
                "test_days",
                _("Test day %(day)s is outside the follow-up (from %(first)s to %(last)s)."),
                "outside_follow_up", day=day.isoformat(), first=first.isoformat(),
                last=quarantine_until.isoformat(),
            )  # fmt: skip
    return days


@transaction.atomic
def follow_up_start(
    *,
    actor: Any,
    screening: Screening,
    person_id: int,
    quarantine_until: datetime.date,
    test_days: Sequence[datetime.date],
) -> FollowUp:
    """Follow up a close contact of the screening: quarantine until a day (its last), tests on
    the planned days (each met when a result of a sample taken that day is recorded)."""
    if not may_screen(actor, screening.institution):
        raise Forbidden(_("Your role may not follow up close contacts."))
    subject = (
        ScreeningSubject.objects.select_for_update()
        .filter(screening=screening, person_id=person_id)
        .first()
    )
    if subject is None:
        raise field_error(
            "person_id", _("This person is not a subject of the screening."), "not_a_subject"
        )
    if subject.classification != ContactClass.CLOSE:
        raise field_error(
            "person_id", _("Only a subject classified as close contact is followed up."),
            "not_a_close_contact",
        )  # fmt: skip
    if FollowUp.objects.filter(subject=subject).exists():
        raise Overlap(_("This close contact is followed up already."), field="person_id")
    days = _validate_plan(screening, quarantine_until, test_days)
    follow_up = FollowUp.objects.create(
        subject=subject, quarantine_until=quarantine_until, created_by=_user(actor)
    )
    FollowUpTestDay.objects.bulk_create(FollowUpTestDay(follow_up=follow_up, day=d) for d in days)
    _plan_revision(follow_up, 1, days, actor=actor)
    institution = screening.institution
    audit_record(
        actor=actor, action="followup.start", target=follow_up,
        after={"screening": screening.pk, "person": person_id,
               "quarantine_until": quarantine_until.isoformat(),
               "test_days": [d.isoformat() for d in days]},
        region_path=institution.region.path, institution_id=institution.pk,
    )  # fmt: skip
    return follow_up


def _locked_active(follow_up: FollowUp) -> FollowUp:
    locked = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
    if locked.status != FollowUpStatus.ACTIVE:
        raise field_error("status", _("This follow-up is closed."), "closed")
    return locked


def _plan_revision(
    follow_up: FollowUp, number: int, days: Sequence[datetime.date], *, actor: Any = None,
    reason: str = "", at: datetime.datetime | None = None,
) -> FollowUpPlanRevision:  # fmt: skip
    return FollowUpPlanRevision.objects.create(
        follow_up=follow_up, number=number, quarantine_until=follow_up.quarantine_until,
        test_days=[d.isoformat() for d in days], reason=reason, author=_user(actor),
        created_at=at or timezone.now(),
    )  # fmt: skip


def _plan_dict(quarantine_until: datetime.date, days: Sequence[datetime.date]) -> dict[str, Any]:
    return {"quarantine_until": quarantine_until.isoformat(),
            "test_days": [d.isoformat() for d in days]}  # fmt: skip


@transaction.atomic
def follow_up_plan_change(
    *,
    actor: Any,
    follow_up: FollowUp,
    quarantine_until: datetime.date,
    test_days: Sequence[datetime.date],
    reason: str,
) -> FollowUp:
    """Change an active follow-up's plan (quarantine's last day, planned test days), with the
    officer's reason. The earlier plan stays as a revision; the overdue reminders read the
    new one."""
    screening = follow_up.subject.screening
    if not may_screen(actor, screening.institution):
        raise Forbidden(_("Your role may not change follow-up plans."))
    locked = _locked_active(follow_up)
    reason = " ".join((reason or "").split())
    if not has_visible(reason):
        raise field_error("reason", _("Say why the plan is changed."), "required")
    days = _validate_plan(screening, quarantine_until, test_days)
    before_days = list(locked.test_days.values_list("day", flat=True))
    if (quarantine_until, days) == (locked.quarantine_until, before_days):
        raise field_error(
            "quarantine_until", _("The plan is the same as the current one."), "unchanged"
        )
    last = locked.plans.order_by("-number").first()
    if last is None:  # started before plans had revisions: keep it as the first
        last = _plan_revision(locked, 1, before_days, actor=locked.created_by,
                              at=locked.created_at)  # fmt: skip
    locked.quarantine_until = quarantine_until
    locked.save(update_fields=["quarantine_until"])
    locked.test_days.all().delete()
    FollowUpTestDay.objects.bulk_create(FollowUpTestDay(follow_up=locked, day=d) for d in days)
    revision = _plan_revision(locked, last.number + 1, days, actor=actor, reason=reason)
    institution = screening.institution
    audit_record(
        actor=actor, action="followup.plan", target=locked,
        before=_plan_dict(last.quarantine_until, before_days),
        after={**_plan_dict(quarantine_until, days), "reason": reason,
               "revision": revision.number},
        region_path=institution.region.path, institution_id=institution.pk,
    )  # fmt: skip
    return locked


@transaction.atomic
def symptoms_record(
    *,
    actor: Any,
    follow_up: FollowUp,
    day: datetime.date,
    symptoms: Sequence[str],
    temperature: Decimal | None = None,
    note: str = "",
) -> FollowUpSymptoms:
    """Record a day's symptoms of a close contact (none is an answer too); a second record of
    the same day replaces the first, the audit log keeps both."""
    screening = follow_up.subject.screening
    institution = screening.institution
    if not may_observe(actor, institution):
        raise Forbidden(_("Your role may not record symptoms."))
    locked = _locked_active(follow_up)
    if day > local_day(timezone.now()):
        raise field_error("day", _("The day is in the future."), "future")
    if day < local_day(screening.start):
        raise field_error("day", _("The day is before the exposure window."), "before_window")
    unknown = [code for code in symptoms if code not in Symptom.values]
    if unknown:
        raise field_error(
            "symptoms", _("Choose among: %(choices)s."), "invalid_choice",
            choices=", ".join(Symptom.values),
        )  # fmt: skip
    if temperature is not None and not Decimal(30) <= temperature <= Decimal(45):
        raise field_error("temperature", _("A temperature lies between 30 and 45 °C."), "range")
    found = FollowUpSymptoms.objects.filter(follow_up=locked, day=day).first()
    before = _symptoms_dict(found) if found else None
    row = found or FollowUpSymptoms(follow_up=locked, day=day)
    row.symptoms = [code for code in Symptom.values if code in symptoms]
    row.temperature, row.note = temperature, " ".join((note or "").split())[:500]
    row.recorded_by, row.recorded_at = _user(actor), timezone.now()
    row.save()
    audit_record(
        actor=actor, action="followup.symptoms", target=locked, before=before,
        after=_symptoms_dict(row),
        region_path=institution.region.path, institution_id=institution.pk,
    )  # fmt: skip
    return row


def _symptoms_dict(row: FollowUpSymptoms) -> dict[str, Any]:
    temperature = None if row.temperature is None else str(row.temperature)
    return {"day": row.day.isoformat(), "symptoms": row.symptoms, "temperature": temperature,
            "note": row.note}  # fmt: skip


@transaction.atomic
def follow_up_close(*, actor: Any, follow_up: FollowUp, outcome: str, note: str = "") -> FollowUp:
    """Close a follow-up with its outcome (released, became a case, transferred, lost)."""
    institution = follow_up.subject.screening.institution
    if not may_screen(actor, institution):
        raise Forbidden(_("Your role may not close follow-ups."))
    if outcome not in FollowUpOutcome.values:
        raise field_error(
            "outcome", _("Choose one of: %(choices)s."), "invalid_choice",
            choices=", ".join(FollowUpOutcome.values),
        )  # fmt: skip
    locked = _locked_active(follow_up)
    locked.status, locked.outcome = FollowUpStatus.CLOSED, outcome
    locked.outcome_note = " ".join((note or "").split())[:500]
    locked.closed_by, locked.closed_at = _user(actor), timezone.now()
    locked.save()
    audit_record(
        actor=actor, action="followup.close", target=locked, before={"status": "active"},
        after={"status": "closed", "outcome": outcome, "note": locked.outcome_note},
        region_path=institution.region.path, institution_id=institution.pk,
    )  # fmt: skip
    return locked
