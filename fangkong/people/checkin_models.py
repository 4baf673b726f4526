"""Risk areas, gate posters and visitors' own check-ins (imported by `models.py`).

A risk area is declared by a bureau (its `authority`, a region in the officer's scope) and is in
force for every institution in that region's subtree over `[start_date, end_date]` (days, both
included; no end: until ended). The area itself is a region anywhere in the country (matched by
its code's prefix against a visitor's identity number and by its name against where they came
from) or a free-text place (matched against where they came from).

A self check-in is what a visitor typed on their own phone after scanning the gate poster: it
waits (pending) until the gate staff confirm it, which records the visit, or refuse it.
"""

from django.db import models
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _

from fangkong.core.crypto import EncryptedTextField
from fangkong.core.fields import actor_field
from fangkong.core.scoping import Scoping
from fangkong.people.identity import DocumentType, id_hash_of, mask_id, mask_phone

MIN_TEMPERATURE = 30
MAX_TEMPERATURE = 45


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low risk")
    MEDIUM = "medium", _("Medium risk")
    HIGH = "high", _("High risk")


RISK_ORDER = {"": 0, RiskLevel.LOW: 1, RiskLevel.MEDIUM: 2, RiskLevel.HIGH: 3}


class RiskArea(models.Model):
    """A region or place with a risk level, declared by a bureau for its institutions."""

    authority = models.ForeignKey(
        "regions.Region",
        verbose_name=_("declared for"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("region at risk"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    place = models.CharField(_("place"), max_length=200, blank=True)
    level = models.CharField(_("risk level"), max_length=8, choices=RiskLevel.choices)
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"), null=True, blank=True)
    note = models.CharField(_("basis or note"), max_length=300, blank=True)
    created_by = actor_field(_("recorded by"))
    created_at = models.DateTimeField(_("recorded at"), default=now)

    # Officers see what they declared; an operator, what holds for their institution's region.
    scoping = Scoping(region="authority", institution_region="authority")

    class Meta:
        verbose_name = _("risk area")
        verbose_name_plural = _("risk areas")
        ordering = ["-start_date", "id"]
        indexes = [models.Index(fields=["authority", "start_date"], name="risk_area_authority")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(region__isnull=False) | ~models.Q(place=""),
                name="risk_area_region_or_place",
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="risk_area_end_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(level__in=RiskLevel.values), name="risk_area_level_valid"
            ),
        ]

    def __str__(self) -> str:
        where = self.place or (self.region.name if self.region else "")
        return f"{where} {self.get_level_display()}"

    @property
    def label(self) -> str:
        """What the gate staff read: the region's name and the place, whichever are given."""
        parts = [self.region.name if self.region else "", self.place]
        return " ".join(p for p in parts if p)


class CheckInPoster(models.Model):
    """One printing of an institution's gate poster; its QR code's token is valid from
    `issued_at` to the end of `valid_until` (local day) unless a newer poster replaced it."""

    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    issued_at = models.DateTimeField(_("issued at"), default=now)
    valid_until = models.DateField(_("valid until"))
    revoked_at = models.DateTimeField(_("replaced at"), null=True, blank=True)
    issued_by = actor_field(_("issued by"))

    scoping = Scoping(region="institution__region", institution="institution")

    class Meta:
        verbose_name = _("gate poster")
        verbose_name_plural = _("gate posters")
        ordering = ["-issued_at", "id"]

    def __str__(self) -> str:
        return f"{self.institution_id} {self.issued_at:%Y-%m-%d}"


class CheckInStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the gate")
    CONFIRMED = "confirmed", _("Let in")
    REFUSED = "refused", _("Refused")


class SelfCheckIn(models.Model):
    """A visitor's own check-in from their phone, waiting for the gate staff's decision.

    The visitor reaches it again only by the secret in their status page's address (stored here
    as its SHA-256, as API tokens are). The numbers are encrypted as a person's are; no person
    is looked up or created before the gate staff confirm.
    """

    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    poster = models.ForeignKey(
        CheckInPoster, verbose_name=_("gate poster"), on_delete=models.PROTECT, related_name="+"
    )
    secret_digest = models.CharField(max_length=64, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=100)
    document_type = models.CharField(
        _("document type"), max_length=10, choices=DocumentType.choices, default=DocumentType.RIC
    )
    id_number = EncryptedTextField(_("document number"))
    id_hash = models.CharField(_("document number's lookup hash"), max_length=64)
    phone = EncryptedTextField(_("phone"), blank=True, default="")
    visiting = models.CharField(_("visiting"), max_length=100)
    temperature = models.DecimalField(_("temperature (°C)"), max_digits=3, decimal_places=1)
    came_from = models.CharField(_("came from"), max_length=200)
    submitted_at = models.DateTimeField(_("submitted at"), default=now)
    entry_allowed = models.BooleanField(_("entry allowed at submission"), default=True)
    entry_reason = models.CharField(_("entry check"), max_length=500, blank=True)
    risk_level = models.CharField(
        _("risk level"), max_length=8, choices=RiskLevel.choices, blank=True
    )
    risk_note = models.CharField(_("risk areas matched"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=CheckInStatus.choices, default=CheckInStatus.PENDING
    )
    decided_by = actor_field(_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    refusal_reason = models.CharField(_("refusal reason"), max_length=300, blank=True)
    visit = models.OneToOneField(
        "people.Visit",
        verbose_name=_("visit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="self_check_in",
    )

    scoping = Scoping(region="institution__region", institution="institution")

    class Meta:
        verbose_name = _("self check-in")
        verbose_name_plural = _("self check-ins")
        ordering = ["-submitted_at", "id"]
        indexes = [
            models.Index(fields=["institution", "status", "submitted_at"], name="checkin_queue")
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=CheckInStatus.values), name="checkin_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    temperature__gte=MIN_TEMPERATURE, temperature__lte=MAX_TEMPERATURE
                ),
                name="checkin_temperature_bounds",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="confirmed") | models.Q(visit__isnull=False),
                name="checkin_confirmed_has_visit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.submitted_at:%Y-%m-%d %H:%M}"

    def lookup_hashes(self) -> dict[str, str]:
        """The keyed hash of the number (recomputed by `keys rotate` after a cipher change)."""
        return {"id_hash": id_hash_of(self.document_type, self.id_number)}

    @property
    def id_number_masked(self) -> str:
        return mask_id(self.id_number)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone) if self.phone else ""
