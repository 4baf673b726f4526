"""Recording staff: an employment in an institution, its end, and its shifts. Each write is one
transaction with its audit row, like the other writes of `services`."""

import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fangkong.audit.services import audit_record
from fangkong.core.errors import field_error
from fangkong.core.exceptions import Forbidden, Overlap
from fangkong.institutions.models import Institution
from fangkong.people.models import MAX_SHIFT_DAYS, Employment, Person, Shift, Stay
from fangkong.people.places import places_record
from fangkong.people.services import _moment, _place, _user, may_record


def _may_record(actor: Any, institution: Institution) -> None:
    if not may_record(actor, institution):
        raise Forbidden(_("Your role may not record this institution's people."))


def _interval(
    start: datetime.datetime, end: datetime.datetime | None, what: str
) -> tuple[datetime.datetime, datetime.datetime | None]:
    start = _moment(start, "start")
    if end is not None and _moment(end, "end") <= start:
        message = {
            "employment": _("The employment ends before it starts."),
            "shift": _("The shift ends before it starts."),
        }[what]
        raise field_error("end", message, "end_first")
    return start, end


@transaction.atomic
def employment_create(
    *,
    actor: Any,
    institution: Institution,
    person: Person,
    start: datetime.datetime,
    end: datetime.datetime | None = None,
    role: str = "",
    on_site: bool = True,
) -> Employment:
    """Record that the person works for the institution over `[start, end)`, in `role`, on site
    or not; an employment overlapping another of theirs in the same institution is refused (409)."""
    _may_record(actor, institution)
    start, end = _interval(start, end, "employment")
    list(Person.objects.select_for_update().filter(pk=person.pk).values_list("pk"))
    clash = Employment.objects.filter(person=person, institution=institution).filter(
        Q(end__isnull=True) | Q(end__gt=start)
    )
    if end is not None:
        clash = clash.filter(start__lt=end)
    if clash.exists():
        raise Overlap(
            _("%(name)s is already employed here at that time.") % {"name": person.name},
            field="start",
        )
    employment = Employment(
        person=person, institution=institution, role=role.strip(), on_site=on_site, start=start,
        end=end, created_by=_user(actor),
    )  # fmt: skip
    try:
        with transaction.atomic():
            employment.save()
    except IntegrityError as exc:
        raise Overlap(
            _("Another employment of this person was recorded at the same moment."), field="start"
        ) from exc
    places_record(institution_id=institution.pk, person_ids=[person.pk])
    audit_record(
        actor=actor, action="employment.create", target=employment,
        after={"person": person.id_number_masked, "role": employment.role, "on_site": on_site,
               "start": start.isoformat(), "end": end.isoformat() if end else None},
        **_place(actor, institution),
    )  # fmt: skip
    return employment


@transaction.atomic
def employment_end(*, actor: Any, employment: Employment, end: datetime.datetime) -> Employment:
    """End an open employment at `end` (the staff member left); it ends only once, and not
    before a shift of it has ended."""
    locked = (
        Employment.objects.select_for_update()
        .select_related("institution__region")
        .get(pk=employment.pk)
    )
    _may_record(actor, locked.institution)
    if locked.end is not None:
        raise field_error("end", _("This employment has ended already."), "already_ended")
    if _moment(end, "end") <= locked.start:
        raise field_error("end", _("The employment ends before it starts."), "end_first")
    if locked.shifts.filter(end__gt=end).exists():
        raise field_error("end", _("A shift of this employment ends later."), "shift_after_end")
    locked.end = end
    locked.save(update_fields=["end"])
    if locked.stay_id is not None:  # the staff stay it was recorded with ends with it
        Stay.objects.filter(pk=locked.stay_id, end__isnull=True).update(end=end)
    audit_record(
        actor=actor, action="employment.end", target=locked, before={"end": None},
        after={"end": end.isoformat()}, **_place(actor, locked.institution),
    )  # fmt: skip
    return locked


@transaction.atomic
def shift_create(
    *,
    actor: Any,
    employment: Employment,
    start: datetime.datetime,
    end: datetime.datetime,
    on_site: bool | None = None,
) -> Shift:
    """Record a shift `[start, end)` inside the employment's time, on site unless said (by
    default, as the employment works); a person's overlapping shifts are refused (409)."""
    locked = Employment.objects.select_related("institution__region", "person").get(
        pk=employment.pk
    )
    _may_record(actor, locked.institution)
    start, _end = _interval(start, end, "shift")
    if end - start > datetime.timedelta(days=MAX_SHIFT_DAYS):
        raise field_error(
            "end", _("A shift lasts at most %(days)s days."), "too_long", days=MAX_SHIFT_DAYS
        )
    if start < locked.start or (locked.end is not None and end > locked.end):
        raise field_error(
            "start", _("The shift lies outside the employment's time."), "outside_employment"
        )
    person = locked.person
    list(Person.objects.select_for_update().filter(pk=person.pk).values_list("pk"))
    if Shift.objects.filter(person=person, start__lt=end, end__gt=start).exists():
        raise Overlap(
            _("%(name)s already has a shift at that time.") % {"name": person.name}, field="start"
        )
    shift = Shift(
        employment=locked, person=person, institution=locked.institution, start=start, end=end,
        on_site=locked.on_site if on_site is None else on_site, created_by=_user(actor),
    )  # fmt: skip
    try:
        with transaction.atomic():
            shift.save()
    except IntegrityError as exc:
        raise Overlap(
            _("Another shift of this person was recorded at the same moment."), field="start"
        ) from exc
    audit_record(
        actor=actor, action="shift.create", target=shift,
        after={"person": person.id_number_masked, "start": start.isoformat(),
               "end": end.isoformat(), "on_site": shift.on_site},
        **_place(actor, locked.institution),
    )  # fmt: skip
    return shift
