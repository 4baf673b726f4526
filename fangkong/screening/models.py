"""Close-contact screening (密接排查): an exposure window in an institution, and everyone present
in it at any moment of `[start, end)`, each classified by an officer with a reason.

The subjects are computed from the people app's stays and visits when the screening is opened;
a class is proposed from their overlap with the index person, never applied by itself.
"""

import datetime

from django.conf import settings
from django.db import models
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.core.scoping import Scoping

MAX_WINDOW = datetime.timedelta(days=28)


class ContactClass(models.TextChoices):
    CLOSE = "close_contact", _("Close contact")
    SECONDARY = "contact_of_contact", _("Contact of a contact")
    GENERAL = "general_contact", _("General contact")
    EXCLUDED = "excluded", _("Excluded")


class SubjectRole(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    STAFF = "staff", _("Staff")
    VISITOR = "visitor", _("Visitor")


class Screening(models.Model):
    """An exposure window in one institution: an index person (a positive) or an event."""

    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="screenings",
    )
    start = models.DateTimeField(_("from"), db_column="start_at")
    end = models.DateTimeField(_("until"), db_column="end_at")
    reason = models.CharField(_("reason"), max_length=500)
    index_person = models.ForeignKey(
        "people.Person",
        verbose_name=_("index person"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(pgettext_lazy("screening", "opened at"), default=now)

    scoping = Scoping(region="institution__region", institution="institution")

    class Meta:
        verbose_name = _("screening")
        verbose_name_plural = _("screenings")
        ordering = ["-start", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="screening_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.institution_id} {self.start:%Y-%m-%d}"


class ScreeningSubject(models.Model):
    """A person present in the window, in which roles, where else, and how classified."""

    screening = models.ForeignKey(
        Screening, verbose_name=_("screening"), on_delete=models.CASCADE, related_name="subjects"
    )
    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    as_resident = models.BooleanField(_("as resident"), default=False)
    as_staff = models.BooleanField(_("as staff"), default=False)
    as_visitor = models.BooleanField(_("as visitor"), default=False)
    # Their presence in other institutions in the window: [{code, name, role, start, end}].
    elsewhere = models.JSONField(_("present elsewhere"), default=list, blank=True)
    proposed = models.CharField(
        _("proposed class"), max_length=20, choices=ContactClass.choices, blank=True
    )
    proposed_basis = models.CharField(_("proposed because"), max_length=300, blank=True)
    classification = models.CharField(
        _("class"), max_length=20, choices=ContactClass.choices, blank=True
    )
    classification_reason = models.CharField(_("classified because"), max_length=500, blank=True)
    classified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("classified by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    classified_at = models.DateTimeField(_("classified at"), null=True, blank=True)

    class Meta:
        verbose_name = _("screening subject")
        verbose_name_plural = _("screening subjects")
        constraints = [
            models.UniqueConstraint(
                fields=["screening", "person"], name="screening_subject_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(classification__in=["", *ContactClass.values]),
                name="screening_subject_class_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(as_resident=True)
                | models.Q(as_staff=True)
                | models.Q(as_visitor=True),
                name="screening_subject_has_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.screening_id}: {self.person_id}"

    @property
    def roles(self) -> list[str]:
        flags = [
            (self.as_resident, SubjectRole.RESIDENT),
            (self.as_staff, SubjectRole.STAFF),
            (self.as_visitor, SubjectRole.VISITOR),
        ]
        return [str(role) for present, role in flags if present]
