"""Close-contact screening (密接排查): an exposure window in an institution, and everyone present
in it at any moment of `[start, end)`, each classified by an officer with a reason.

The subjects are computed from the people app's stays and visits when the screening is opened;
a class is proposed from their overlap with the index person, never applied by itself.
"""

import datetime

from django.db import models
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.core.fields import actor_field
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
    created_by = actor_field(_("opened by"))
    created_at = models.DateTimeField(pgettext_lazy("screening", "opened at"), default=now)
    # A second ring: the close contacts of `parent` present in this institution in the window
    # are this screening's index persons; one ring per institution where they were.
    parent = models.ForeignKey(
        "self",
        verbose_name=_("first ring"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rings",
    )
    index_persons = models.ManyToManyField(
        "people.Person", verbose_name=_("index persons"), blank=True, related_name="+"
    )

    scoping = Scoping(region="institution__region", institution="institution")

    class Meta:
        verbose_name = _("screening")
        verbose_name_plural = _("screenings")
        ordering = ["-start", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="screening_end_after_start"
            ),
            models.UniqueConstraint(
                fields=["parent", "institution"], name="screening_one_ring_per_institution"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.institution_id} {self.start:%Y-%m-%d}"


class RingReferral(models.Model):
    """A second ring's institution outside the scope of the officer who opened it: its own
    officers are told, and open the ring there themselves (协查)."""

    parent = models.ForeignKey(
        Screening, verbose_name=_("first ring"), on_delete=models.PROTECT, related_name="referrals"
    )
    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="ring_referrals",
    )
    start = models.DateTimeField(_("from"))
    end = models.DateTimeField(_("until"))
    reason = models.CharField(_("reason"), max_length=500)
    index_persons = models.ManyToManyField(
        "people.Person", verbose_name=_("index persons"), related_name="+"
    )
    created_by = actor_field(_("referred by"))
    created_at = models.DateTimeField(_("referred at"), default=now)
    screening = models.OneToOneField(
        Screening,
        verbose_name=_("ring opened"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referral",
    )

    scoping = Scoping(region="institution__region", institution="institution")

    class Meta:
        verbose_name = _("second-ring referral")
        verbose_name_plural = _("second-ring referrals")
        ordering = ["-created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "institution"], name="ring_referral_one_per_institution"
            ),
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="ring_referral_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.parent_id} → {self.institution_id}"


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
    classified_by = actor_field(_("classified by"))
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


class FollowUpStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    CLOSED = "closed", pgettext_lazy("follow-up", "Closed")


class FollowUpOutcome(models.TextChoices):
    RELEASED = "released", _("Released: quarantine ended, no infection")
    CASE = "case", _("Became a case")
    TRANSFERRED = "transferred", _("Transferred to hospital or another authority")
    LOST = "lost", _("Lost to follow-up")


class Symptom(models.TextChoices):
    FEVER = "fever", _("Fever")
    COUGH = "cough", _("Cough")
    SORE_THROAT = "sore_throat", _("Sore throat")
    BREATHLESSNESS = "breathlessness", _("Shortness of breath")
    DIARRHOEA = "diarrhoea", _("Diarrhoea")
    FATIGUE = "fatigue", _("Fatigue")
    LOSS_OF_SMELL = "loss_of_smell", _("Loss of smell or taste")


class FollowUp(models.Model):
    """A close contact's follow-up: quarantine until a day, tests on planned days, symptoms
    day by day, until it is closed with an outcome."""

    subject = models.OneToOneField(
        ScreeningSubject,
        verbose_name=_("subject"),
        on_delete=models.CASCADE,
        related_name="follow_up",
    )
    quarantine_until = models.DateField(_("quarantine until (last day)"))
    status = models.CharField(
        _("status"), max_length=10, choices=FollowUpStatus.choices, default=FollowUpStatus.ACTIVE
    )
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=FollowUpOutcome.choices, blank=True
    )
    outcome_note = models.CharField(_("outcome note"), max_length=500, blank=True)
    closed_by = actor_field(_("closed by"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_by = actor_field(_("started by"))
    created_at = models.DateTimeField(_("started at"), default=now)

    scoping = Scoping(
        region="subject__screening__institution__region",
        institution="subject__screening__institution",
    )

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["quarantine_until", "id"]
        indexes = [models.Index(fields=["status", "quarantine_until"], name="followup_status")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=FollowUpStatus.values), name="followup_status_valid"
            ),
            # Closed exactly when it has an outcome.
            models.CheckConstraint(
                condition=(
                    models.Q(status="active", outcome="")
                    | models.Q(status="closed", outcome__in=FollowUpOutcome.values)
                ),
                name="followup_outcome_when_closed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject_id} {self.status}"


class FollowUpTestDay(models.Model):
    """A day a test is planned; met when the lab app has a result of a sample taken that day."""

    follow_up = models.ForeignKey(
        FollowUp, verbose_name=_("follow-up"), on_delete=models.CASCADE, related_name="test_days"
    )
    day = models.DateField(_("day"))

    class Meta:
        verbose_name = _("planned test day")
        verbose_name_plural = _("planned test days")
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(fields=["follow_up", "day"], name="followup_test_day_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.follow_up_id} {self.day:%Y-%m-%d}"


class FollowUpSymptoms(models.Model):
    """What a close contact reported on one day: symptoms (none is an answer too), temperature."""

    follow_up = models.ForeignKey(
        FollowUp, verbose_name=_("follow-up"), on_delete=models.CASCADE, related_name="symptoms"
    )
    day = models.DateField(_("day"))
    symptoms = models.JSONField(_("symptoms"), default=list, blank=True)
    temperature = models.DecimalField(
        _("temperature (°C)"), max_digits=3, decimal_places=1, null=True, blank=True
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = actor_field(_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"), default=now)

    class Meta:
        verbose_name = _("symptoms of a day")
        verbose_name_plural = _("symptoms by day")
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(fields=["follow_up", "day"], name="followup_symptoms_unique"),
            models.CheckConstraint(
                condition=models.Q(temperature__isnull=True)
                | models.Q(temperature__gte=30, temperature__lte=45),
                name="followup_temperature_bounds",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.follow_up_id} {self.day:%Y-%m-%d}"


class FollowUpPlanRevision(models.Model):
    """A follow-up's plan as it was set, never overwritten: the first at the start, each change
    a new revision with its author, time and reason."""

    follow_up = models.ForeignKey(
        FollowUp, verbose_name=_("follow-up"), on_delete=models.CASCADE, related_name="plans"
    )
    number = models.PositiveIntegerField(_("revision"))
    quarantine_until = models.DateField(_("quarantine until (last day)"))
    test_days = models.JSONField(_("planned test days"), default=list, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    author = actor_field(_("set by"))
    created_at = models.DateTimeField(_("set at"), default=now)

    class Meta:
        verbose_name = _("follow-up plan revision")
        verbose_name_plural = _("follow-up plan revisions")
        ordering = ["follow_up", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["follow_up", "number"], name="followup_plan_revision_unique"
            ),
            models.CheckConstraint(condition=models.Q(number__gte=1), name="followup_plan_number"),
            # A change (every revision after the first) says why.
            models.CheckConstraint(
                condition=models.Q(number=1) | ~models.Q(reason=""),
                name="followup_plan_change_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.follow_up_id} r{self.number}"
