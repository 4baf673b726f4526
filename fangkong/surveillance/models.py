from django.db import models
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _

from fangkong.core.scoping import Scoping
from fangkong.surveillance.labels import methods_label


class Aberration(models.Model):
    """An EARS early-warning signal on one institution's daily count of one field."""

    institution = models.ForeignKey(
        "institutions.Institution", verbose_name=_("institution"), on_delete=models.CASCADE,
        related_name="aberrations",
    )  # fmt: skip
    day = models.DateField(_("day"))
    field = models.CharField(_("field"), max_length=30)
    value = models.PositiveIntegerField(_("value"))
    c1 = models.FloatField(null=True)
    c2 = models.FloatField(null=True)
    c3 = models.FloatField(null=True)
    methods = models.CharField(_("methods that signalled"), max_length=20)
    detected_at = models.DateTimeField(_("detected at"), default=now)
    withdrawn_at = models.DateTimeField(
        _("withdrawn at"),
        null=True,
        blank=True,
        help_text=_("Set when an amendment took away the figure that raised the signal."),
    )

    scoping = Scoping(region="institution__region", institution="institution")

    class Meta:
        verbose_name = _("early-warning signal")
        verbose_name_plural = _("early-warning signals")
        constraints = [
            models.UniqueConstraint(fields=["institution", "day", "field"], name="aberration_once")
        ]

    def __str__(self) -> str:
        return f"{self.institution} {self.day:%Y-%m-%d} {self.field}"

    @property
    def methods_label(self) -> str:
        """What raised the signal, in plain words (not “C1,C3”)."""
        return methods_label(self.methods)
