"""Opening a screening (its subjects computed from stays and visits) and classifying a subject.
Each write is one transaction with its audit row."""

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.audit.services import audit_record
from fangkong.core.errors import field_error
from fangkong.core.exceptions import Forbidden
from fangkong.core.scoping import scope_of
from fangkong.core.text import has_visible
from fangkong.institutions.models import Institution
from fangkong.people.models import Person
from fangkong.screening.candidates import Candidate, candidates, shares_time
from fangkong.screening.models import MAX_WINDOW, ContactClass, Screening, ScreeningSubject

SCREENERS = {"admin", "officer"}  # open screenings and classify their subjects


def _covers(actor: Any, institution: Institution) -> bool:
    scope = scope_of(actor, SCREENERS)
    return scope.covers_path(institution.region.path) or institution.pk in scope.institution_ids


def may_screen(actor: Any, institution: Institution) -> bool:
    return _covers(actor, institution)


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
    subjects = []
    for row in found.values():
        proposed, basis = _proposal(row, index, index_id)
        subjects.append(ScreeningSubject(
            screening=screening, person_id=row.person_id, as_resident="resident" in row.roles,
            as_staff="staff" in row.roles, as_visitor="visitor" in row.roles,
            elsewhere=row.elsewhere, proposed=proposed, proposed_basis=basis,
        ))  # fmt: skip
    ScreeningSubject.objects.bulk_create(subjects)
    audit_record(
        actor=actor, action="screening.create", target=screening,
        after={"start": start.isoformat(), "end": end.isoformat(), "reason": reason,
               "index_person": index_id, "subjects": len(subjects)},
        region_path=institution.region.path, institution_id=institution.pk,
    )  # fmt: skip
    return screening


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
