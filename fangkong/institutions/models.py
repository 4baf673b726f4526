import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.scoping import Scoping


class Kind(models.TextChoices):
    PUBLIC = "public", _("Public")
    PRIVATE = "private", _("Private")
    RURAL = "rural", _("Rural (te kun gong yang)")
    OTHER = "other", _("Other")


def open_on(day: datetime.date, prefix: str = "") -> models.Q:
    """Institutions operating on `day`, from `opened_on` to `closed_on` (its last day), both
    included: expected that day to report, be closed, be tested. `prefix` reaches them through
    a relation (`institution__`)."""
    return (
        models.Q(**{f"{prefix}opened_on__isnull": True})
        | models.Q(**{f"{prefix}opened_on__lte": day})
    ) & (
        models.Q(**{f"{prefix}closed_on__isnull": True})
        | models.Q(**{f"{prefix}closed_on__gte": day})
    )


class Institution(models.Model):
    """An elderly care institution (养老机构), the unit that reports every day."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_pinyin = models.CharField(_("name in pinyin"), max_length=600, blank=True, editable=False)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="institutions",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PUBLIC)
    beds = models.PositiveIntegerField(_("beds"))
    address = models.CharField(_("address"), max_length=300, blank=True)
    contact_person = models.CharField(_("contact person"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    opened_on = models.DateField(_("opened on"), null=True, blank=True)
    closed_on = models.DateField(
        _("closed down on"),
        null=True,
        blank=True,
        help_text=_("Not expected to report after this day."),
    )

    scoping = Scoping(region="region", institution="pk")

    class Meta:
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        ordering = ["region__path", "name_pinyin", "code"]
        constraints = [
            models.CheckConstraint(condition=models.Q(beds__gte=0), name="institution_beds_gte_0"),
            models.CheckConstraint(
                condition=models.Q(kind__in=Kind.values), name="institution_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(closed_on__isnull=True)
                | models.Q(opened_on__isnull=True)
                | models.Q(closed_on__gte=models.F("opened_on")),
                name="institution_closed_after_opened",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def is_open_on(self, day: datetime.date) -> bool:
        """Whether the institution operates (and so is expected to report) on `day`."""
        if self.opened_on is not None and day < self.opened_on:
            return False
        return self.closed_on is None or day <= self.closed_on
