"""The Excel export of an institution's persons: its residents, its staff and the visitors of a
period, one sheet each. Open to the officers and operators in whose scope the institution lies;
each export is audited with who, what and why. Numbers are masked, unless the exporter asks for
them in full (the same roles that may reveal one number), and then every person whose numbers
went out is audited as a reveal too."""

import datetime
import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from fangkong.audit.services import audit_record
from fangkong.core.errors import field_error
from fangkong.core.exceptions import Forbidden
from fangkong.core.text import has_visible
from fangkong.core.xlsx import workbook
from fangkong.institutions.models import Institution
from fangkong.people.models import Employment, Person, Stay, StayRole, Visit
from fangkong.people.services import REVEALERS, _covers, _place

EXPORTERS = {"officer", "operator"}  # may export an institution's persons, masked
EXPORT_REVEALERS = REVEALERS  # may ask for the full numbers in an export (audited as reveals)
KINDS = ("residents", "staff", "visitors")
MAX_VISIT_DAYS = 366


@dataclass(frozen=True)
class Exported:
    content: bytes
    filename: str
    persons: int


def _person_cells(person: Person, reveal: bool) -> list[Any]:
    return [
        person.name, person.get_sex_display(), person.birth_date or "",
        person.get_document_type_display(),
        person.id_number if reveal else person.id_number_masked,
        person.phone if reveal else person.phone_masked,
    ]  # fmt: skip


def _local(moment: datetime.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _person_header() -> list[str | Promise]:
    return [_("Name"), _("Sex"), _("Birth date"), _("Document type"), _("Document number"),
            _("Phone")]  # fmt: skip


def _residents(institution: Institution, reveal: bool) -> tuple[list[Any], list[list[Any]]]:
    stays = Stay.objects.filter(institution=institution, role=StayRole.RESIDENT)
    rows = [
        [*_person_cells(s.person, reveal), _local(s.start), _local(s.end), s.admission_reason,
         s.discharge_reason]
        for s in stays.select_related("person").order_by("person__pinyin", "start", "id")
    ]  # fmt: skip
    header = [*_person_header(), _("Admitted"), _("Discharged"), _("Admission reason"),
              _("Discharge reason")]  # fmt: skip
    return header, rows


def _staff(institution: Institution, reveal: bool) -> tuple[list[Any], list[list[Any]]]:
    employments = Employment.objects.filter(institution=institution).select_related("person")
    rows = [
        [*_person_cells(e.person, reveal), e.role, gettext("yes") if e.on_site else gettext("no"),
         _local(e.start), _local(e.end)]
        for e in employments.order_by("person__pinyin", "start", "id")
    ]  # fmt: skip
    header = [*_person_header(), _("Role"), _("Works on site"), _("Employed from"),
              _("Employed until")]  # fmt: skip
    return header, rows


def _visitors(
    institution: Institution, reveal: bool, since: datetime.date, until: datetime.date
) -> tuple[list[Any], list[list[Any]]]:
    zone = timezone.get_default_timezone()
    start = datetime.datetime.combine(since, datetime.time(), tzinfo=zone)
    end = datetime.datetime.combine(
        until + datetime.timedelta(days=1), datetime.time(), tzinfo=zone
    )
    visits = Visit.objects.filter(institution=institution, check_in__gte=start, check_in__lt=end)
    rows = [
        [*_person_cells(v.visitor, reveal), _local(v.check_in), _local(v.check_out),
         str(v.temperature) if v.temperature is not None else "", v.came_from, v.test_proof,
         v.visited.name if v.visited else ""]
        for v in visits.select_related("visitor", "visited").order_by("check_in", "id")
    ]  # fmt: skip
    header = [*_person_header(), _("Checked in"), _("Checked out"), _("Temperature (°C)"),
              _("Came from"), _("Test proof"), _("Person visited")]  # fmt: skip
    return header, rows


def _sheet(
    kind: str, institution: Institution, reveal: bool, since: datetime.date, until: datetime.date
) -> tuple[Promise, tuple[list[Any], list[list[Any]]]]:
    if kind == "residents":
        return _("Residents"), _residents(institution, reveal)
    if kind == "staff":
        return _("Staff"), _staff(institution, reveal)
    return _("Visitors"), _visitors(institution, reveal, since, until)


def _person_ids(
    institution: Institution, kinds: Iterable[str], since: datetime.date, until: datetime.date
) -> set[int]:
    ids: set[int] = set()
    if "residents" in kinds:
        ids.update(Stay.objects.filter(institution=institution, role=StayRole.RESIDENT)
                   .values_list("person_id", flat=True))  # fmt: skip
    if "staff" in kinds:
        ids.update(Employment.objects.filter(institution=institution)
                   .values_list("person_id", flat=True))  # fmt: skip
    if "visitors" in kinds:
        zone = timezone.get_default_timezone()
        start = datetime.datetime.combine(since, datetime.time(), tzinfo=zone)
        end = datetime.datetime.combine(until + datetime.timedelta(days=1), datetime.time(),
                                        tzinfo=zone)  # fmt: skip
        ids.update(Visit.objects.filter(Q(check_in__gte=start, check_in__lt=end),
                                        institution=institution)
                   .values_list("visitor_id", flat=True))  # fmt: skip
    return ids


def _validate(
    kinds: list[str], reason: str | None, since: datetime.date, until: datetime.date
) -> str:
    if not kinds or any(kind not in KINDS for kind in kinds):
        raise field_error("kinds", _("Choose residents, staff or visitors."), "invalid_choice")
    if reason is None or not has_visible(reason):
        raise field_error("reason", _("Say why you export these persons."), "required")
    if until < since:
        raise field_error("until", _("The period ends before it starts."), "end_first")
    if (until - since).days >= MAX_VISIT_DAYS:
        raise field_error(
            "since", _("Export the visits of at most %(days)s days."), "too_long",
            days=MAX_VISIT_DAYS,
        )  # fmt: skip
    return reason.strip()[:500]


@transaction.atomic
def persons_export(
    *,
    actor: Any,
    institution: Institution,
    kinds: list[str],
    reason: str | None,
    reveal: bool = False,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
) -> Exported:
    """The workbook of the institution's residents, staff and visitors (checked in from
    `since` to `until`, both included: by default the last 30 days), with the export and any
    reveal in the audit log in the same transaction."""
    today = timezone.localdate()
    until = until or today
    since = since or until - datetime.timedelta(days=29)
    text = _validate(kinds, reason, since, until)
    if not _covers(actor, EXPORTERS, institution):
        raise Forbidden(_("Your role may not export persons."), field="kinds")
    if reveal and not _covers(actor, EXPORT_REVEALERS, institution):
        raise Forbidden(_("Your role may not see full numbers."), field="reveal")
    buffer = io.BytesIO()
    book = workbook(buffer)
    bold = book.add_format({"bold": True})
    for kind in KINDS:
        if kind not in kinds:
            continue
        title, (header, rows) = _sheet(kind, institution, reveal, since, until)
        sheet = book.add_worksheet(str(title))
        sheet.write_row(0, 0, [str(h) for h in header], bold)
        for number, row in enumerate(rows, start=1):
            sheet.write_row(number, 0, [str(cell) for cell in row])
        sheet.freeze_panes(1, 0)
    book.close()
    ids = sorted(_person_ids(institution, kinds, since, until))
    place = _place(actor, institution)
    audit_record(
        actor=actor, action="person.export", target=institution,
        after={"kinds": [k for k in KINDS if k in kinds], "reason": text, "revealed": reveal,
               "since": since.isoformat(), "until": until.isoformat(), "persons": len(ids)},
        **place,
    )  # fmt: skip
    if reveal:
        for person in Person.objects.filter(pk__in=ids):
            audit_record(
                actor=actor, action="person.reveal", target=person,
                after={"field": "id_number,phone", "reason": text, "via": "export"}, **place,
            )  # fmt: skip
    filename = f"{institution.code}-{gettext('persons')}-{today.isoformat()}.xlsx"
    return Exported(content=buffer.getvalue(), filename=filename, persons=len(ids))
