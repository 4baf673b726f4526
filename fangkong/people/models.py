"""Persons (residents, staff, visitors), their stays in institutions and their visits.

Identity and phone numbers are encrypted at rest (`fangkong.core.crypto`); a person is found by
the keyed hash of their document number, never by the clear number. A moment interval is
`[start, end)`: it includes its start and excludes its end; an empty end is open-ended.
"""

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _

from fangkong.core.crypto import EncryptedTextField
from fangkong.core.fields import actor_field
from fangkong.core.scoping import Scoping
from fangkong.people.identity import (
    DocumentType,
    Sex,
    id_hash_of,
    mask_id,
    mask_phone,
    phone_hash_of,
)

MIN_TEMPERATURE = 30
MAX_TEMPERATURE = 45


class SearchKeyField(models.CharField):  # type: ignore[type-arg]
    """Lowercase ASCII search keys (pinyin, initials), compared byte by byte: the "C" collation
    on PostgreSQL, so that a prefix `LIKE 'zs%'` and an `ORDER BY` walk a plain b-tree index
    whatever the database's locale (SQLite compares bytes already)."""

    def db_parameters(self, connection: Any) -> dict[str, Any]:
        parameters: dict[str, Any] = super().db_parameters(connection)
        if connection.vendor == "postgresql" and not parameters.get("collation"):
            parameters["collation"] = "C"
        return parameters


class Person(models.Model):
    """One human being, whatever institutions they live in, work in or visit."""

    name = models.CharField(_("name"), max_length=100)
    sex = models.CharField(_("sex"), max_length=8, choices=Sex.choices, default=Sex.UNKNOWN)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    document_type = models.CharField(
        _("document type"), max_length=10, choices=DocumentType.choices, default=DocumentType.RIC
    )
    id_number = EncryptedTextField(_("document number"))
    id_hash = models.CharField(_("document number's lookup hash"), max_length=64, unique=True)
    id_last4 = models.CharField(_("last four characters of the number"), max_length=4)
    phone = EncryptedTextField(_("phone"), blank=True, default="")
    phone_hash = models.CharField(_("phone's lookup hash"), max_length=64, blank=True)
    # The name's readings, space-separated when its surname is read otherwise than its
    # character (`shantianfang dantianfang`); `selectors.person_search` finds a prefix of either.
    pinyin = SearchKeyField(_("pinyin"), max_length=200, blank=True)
    initials = SearchKeyField(_("pinyin initials"), max_length=100, blank=True)
    created_by = actor_field(_("created by"))
    created_in = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("created in"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=now)

    # The institution the person was registered in; stays, employments and visits add the
    # others (`selectors.in_scope`, and the places a search walks: `PersonPlace`).
    scoping = Scoping(region="created_in__region", institution="created_in")

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        ordering = ["pinyin", "id"]
        indexes = [
            models.Index(fields=["id_last4"], name="person_id_last4"),
            models.Index(fields=["phone_hash"], name="person_phone_hash"),
            # The persons registered in a few institutions, read from the index alone.
            models.Index(fields=["created_in", "id"], name="person_created_in_id"),
            # A search walks these in order and stops at its page (`person_search`).
            models.Index(fields=["initials", "pinyin", "id"], name="person_initials_order"),
            models.Index(fields=["pinyin", "id"], name="person_pinyin_order"),
            # The few persons whose surname has a second reading (covering: read index-only).
            models.Index(
                fields=["initials", "pinyin", "id"],
                condition=models.Q(initials__contains=" "),
                name="person_initials_second",
            ),
            models.Index(
                fields=["pinyin", "id"],
                condition=models.Q(pinyin__contains=" "),
                name="person_pinyin_second",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(document_type__in=DocumentType.values),
                name="person_document_type_valid",
            ),
            models.CheckConstraint(condition=models.Q(sex__in=Sex.values), name="person_sex_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.id_number_masked}"

    def lookup_hashes(self) -> dict[str, str]:
        """The keyed hashes of the numbers (recomputed by `keys rotate` after a cipher change)."""
        return {
            "id_hash": id_hash_of(self.document_type, self.id_number),
            "phone_hash": phone_hash_of(self.phone),
        }

    @property
    def id_number_masked(self) -> str:
        return mask_id(self.id_number)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone) if self.phone else ""


class StayRole(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    STAFF = "staff", _("Staff")


class Stay(models.Model):
    """A person living (resident) or working (staff) in an institution over `[start, end)`.

    A person's stays never overlap: the services refuse it (409), and the database too (an
    exclusion constraint on PostgreSQL, triggers on SQLite: `overlap.py`).
    """

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="stays"
    )
    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="stays",
    )
    role = models.CharField(_("role"), max_length=10, choices=StayRole.choices)
    # `end` is a reserved word of SQL: the columns are named so that raw SQL needs no quotes.
    start = models.DateTimeField(_("from"), db_column="start_at")
    end = models.DateTimeField(_("until"), null=True, blank=True, db_column="end_at")
    admission_reason = models.CharField(_("admission reason"), max_length=300, blank=True)
    discharge_reason = models.CharField(_("discharge reason"), max_length=300, blank=True)
    job = models.CharField(_("job"), max_length=100, blank=True)
    on_site = models.BooleanField(_("lives on site"), default=False)
    exception_reason = models.CharField(_("exception reason"), max_length=500, blank=True)
    created_by = actor_field(_("recorded by"))
    created_at = models.DateTimeField(_("recorded at"), default=now)

    scoping = Scoping(region="institution__region", institution="institution")

    class Meta:
        verbose_name = _("stay")
        verbose_name_plural = _("stays")
        ordering = ["-start", "id"]
        indexes = [
            # An institution's persons read from the index alone (a search's scope).
            models.Index(
                fields=["institution", "start", "person"], name="stay_institution_start_person"
            ),
            models.Index(fields=["person", "start"], name="stay_person_start"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__isnull=True) | models.Q(end__gt=models.F("start")),
                name="stay_end_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=StayRole.values), name="stay_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person.name} {self.get_role_display()} {self.start:%Y-%m-%d}"


class Visit(models.Model):
    """A visitor's time in an institution, from check-in to check-out (`[check_in,
    check_out)`), with what the gate asks of them."""

    visitor = models.ForeignKey(
        Person, verbose_name=_("visitor"), on_delete=models.PROTECT, related_name="visits"
    )
    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="visits",
    )
    # The resident visited: one with a resident stay in the institution at check-in
    # (`services.visit_create` refuses any other). Indexed with the window below.
    visited = models.ForeignKey(
        Person,
        verbose_name=_("resident visited"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="visited_by",
        db_index=False,
    )
    check_in = models.DateTimeField(_("checked in"))
    check_out = models.DateTimeField(_("checked out"), null=True, blank=True)
    temperature = models.DecimalField(
        _("temperature (°C)"), max_digits=3, decimal_places=1, null=True, blank=True
    )
    came_from = models.CharField(_("came from"), max_length=200, blank=True)
    test_proof = models.CharField(_("test proof"), max_length=200, blank=True)
    exception_reason = models.CharField(_("exception reason"), max_length=500, blank=True)
    created_by = actor_field(_("recorded by"))
    created_at = models.DateTimeField(_("recorded at"), default=now)

    scoping = Scoping(region="institution__region", institution="institution")

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-check_in", "id"]
        indexes = [
            # Who was present in a window, and where else: read from the index alone (its
            # check-out and the other side's id in the key, no INCLUDE, which SQLite lacks).
            models.Index(
                fields=["institution", "check_in", "check_out", "visitor"],
                name="visit_institution_window",
            ),
            models.Index(
                fields=["visitor", "check_in", "check_out", "institution"],
                name="visit_visitor_window",
            ),
            # The visits a resident received in a window (`selectors.visits_to_person`); a
            # partial index: most visits name nobody.
            models.Index(
                fields=["visited", "check_in", "check_out", "institution"],
                condition=models.Q(visited__isnull=False),
                name="visit_visited_window",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(check_out__isnull=True)
                | models.Q(check_out__gt=models.F("check_in")),
                name="visit_check_out_after_check_in",
            ),
            models.CheckConstraint(
                condition=models.Q(temperature__isnull=True)
                | models.Q(temperature__gte=MIN_TEMPERATURE, temperature__lte=MAX_TEMPERATURE),
                name="visit_temperature_bounds",
            ),
            models.CheckConstraint(
                condition=models.Q(visited__isnull=True) | ~models.Q(visited=models.F("visitor")),
                name="visit_visitor_not_visited",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.visitor.name} {self.check_in:%Y-%m-%d %H:%M}"


class Registration(models.Model):
    """A user typed a person's full document number: proof enough to record a stay or a visit
    of that person in the user's own institutions, not to read what others recorded."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), default=now)

    class Meta:
        verbose_name = _("registration by number")
        verbose_name_plural = _("registrations by number")
        constraints = [
            models.UniqueConstraint(fields=["person", "user"], name="registration_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.person_id}"


class PersonPlace(models.Model):
    """An institution where a person lies (registered there, a stay, an employment, a visit),
    with the person's search keys, so that a narrow scope's search walks one range of an index
    per institution (`selectors.person_search`) instead of listing the scope's persons first.

    Written by the writes that place a person (`places.places_record`); a place is never
    removed, as the rows that make it are never removed either. The keys follow the person's
    (`places.places_rekey`).
    """

    # Neither key has an index of its own: the unique constraint leads with the person, the
    # indexes below with the institution.
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="+", db_index=False
    )
    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("institution"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )
    # The person's keys, in the same byte order (`SearchKeyField`).
    pinyin = SearchKeyField(_("pinyin"), max_length=200, blank=True)
    initials = SearchKeyField(_("pinyin initials"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("place of a person")
        verbose_name_plural = _("places of persons")
        indexes = [
            # A prefix's range in each institution, read from the index alone, in the order
            # the search pages by (`person_search`).
            models.Index(
                fields=["institution", "initials", "pinyin", "person"],
                name="place_institution_initials",
            ),
            models.Index(
                fields=["institution", "pinyin", "person"], name="place_institution_pinyin"
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["person", "institution"], name="place_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} @ {self.institution_id}"


# Staff: employments and their shifts ------------------------------------------------------------


class Employment(models.Model):
    """A person employed by an institution over `[start, end)`, in a role (护理员, 厨师), working
    on site (inside the institution: what the census and the testing rounds count) or not.

    A staff stay (`Stay.role == "staff"`, the contract's older form) records its employment
    too (`stay`), so that every staff member has one. One person's employments in one
    institution never overlap; in different institutions they may (a doctor serving two).
    """

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="employments"
    )
    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="employments",
    )
    role = models.CharField(_("role"), max_length=100, blank=True)
    on_site = models.BooleanField(_("works on site"), default=True)
    start = models.DateTimeField(_("from"), db_column="start_at")
    end = models.DateTimeField(_("until"), null=True, blank=True, db_column="end_at")
    stay = models.OneToOneField(
        Stay,
        verbose_name=_("staff stay"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="employment",
    )
    created_by = actor_field(_("recorded by"))
    created_at = models.DateTimeField(_("recorded at"), default=now)

    scoping = Scoping(region="institution__region", institution="institution")

    class Meta:
        verbose_name = _("employment")
        verbose_name_plural = _("employments")
        ordering = ["-start", "id"]
        indexes = [
            models.Index(
                fields=["institution", "start", "person"], name="employment_inst_start_person"
            ),
            models.Index(fields=["person", "start"], name="employment_person_start"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__isnull=True) | models.Q(end__gt=models.F("start")),
                name="employment_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person.name} {self.role} {self.start:%Y-%m-%d}"


MAX_SHIFT_DAYS = 31  # a closed-management rotation (14 days inside) fits; a typo of a year not


class Shift(models.Model):
    """One shift of an employment over `[start, end)`, on site or not (an off-site duty, a
    rotation in separate housing). A person's shifts never overlap, wherever they work.

    `person` and `institution` repeat the employment's, so that the screening's candidates and
    the census read shifts by their own indexes, and the database can refuse overlaps.
    """

    employment = models.ForeignKey(
        Employment, verbose_name=_("employment"), on_delete=models.CASCADE, related_name="shifts"
    )
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="shifts"
    )
    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="shifts",
    )
    start = models.DateTimeField(_("from"), db_column="start_at")
    end = models.DateTimeField(_("until"), db_column="end_at")
    on_site = models.BooleanField(_("on site"), default=True)
    created_by = actor_field(_("recorded by"))
    created_at = models.DateTimeField(_("recorded at"), default=now)

    scoping = Scoping(region="institution__region", institution="institution")

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["start", "id"]
        indexes = [
            models.Index(fields=["institution", "start"], name="shift_institution_start"),
            models.Index(fields=["person", "start"], name="shift_person_start"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="shift_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person.name} {self.start:%Y-%m-%d %H:%M}"


# Risk areas, gate posters and self check-ins live in their own module (issue 11's QR check-in).
from fangkong.people.checkin_models import (  # noqa: E402
    CheckInPoster,
    CheckInStatus,
    RiskArea,
    RiskLevel,
    SelfCheckIn,
)

# The imports' record lives with its package (`fangkong.people.imports`).
from fangkong.people.imports.models import FileImport, ImportStatus  # noqa: E402

__all__ = [
    "CheckInPoster", "CheckInStatus", "Employment", "FileImport", "ImportStatus", "Person",
    "PersonPlace", "Registration", "RiskArea", "RiskLevel", "SelfCheckIn", "Shift", "Stay",
    "StayRole", "Visit",
]  # fmt: skip
