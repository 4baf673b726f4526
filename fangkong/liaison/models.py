import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.scoping import Scoping


class LiaisonLevel(models.TextChoices):
    LEAGUE = "league", _("League")
    BANNER = "banner", _("Banner")


class LiaisonAssignment(models.Model):
    """An official answering for one institution at one level (包联), from a day to a last day.

    At most one assignment per institution and level covers any day: the database refuses an
    overlap (`fangkong.liaison.overlap`). An open `end_date` runs until the assignment is ended.
    """

    official = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("official"),
        on_delete=models.PROTECT,
        related_name="liaison_assignments",
    )
    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="liaison_assignments",
    )
    level = models.CharField(_("level"), max_length=10, choices=LiaisonLevel.choices)
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(
        _("last day"), null=True, blank=True, help_text=_("Included; empty while it runs.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("assigned at"), default=timezone.now)

    scoping = Scoping(region="institution__region", institution="institution")

    class Meta:
        verbose_name = _("liaison assignment")
        verbose_name_plural = _("liaison assignments")
        ordering = ["institution", "level", "start_date"]
        indexes = [
            models.Index(
                fields=["institution", "level", "start_date"], name="liaison_institution_level"
            ),
            models.Index(fields=["official", "start_date"], name="liaison_official"),
            models.Index(fields=["end_date"], name="liaison_end_date"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="liaison_end_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(level__in=LiaisonLevel.values), name="liaison_level_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.official} · {self.get_level_display()} · {self.institution}"

    def covers(self, day: datetime.date) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)


class DutyMethod(models.TextChoices):
    ON_SITE = "on_site", _("On site")
    VIDEO = "video", _("Video")
    PHONE = "phone", _("Phone")


class DutyLog(models.Model):
    """One contact a liaison made with their institution: when, how, what was checked and found."""

    assignment = models.ForeignKey(
        LiaisonAssignment,
        verbose_name=_("liaison assignment"),
        on_delete=models.PROTECT,
        related_name="duty_logs",
    )
    # The assignment's institution, kept on the row so that scoping and lists need no join.
    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="liaison_duty_logs",
    )
    day = models.DateField(_("date"))
    method = models.CharField(_("method"), max_length=10, choices=DutyMethod.choices)
    checked = models.TextField(_("what was checked"))
    found = models.TextField(_("what was found"), blank=True)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    written_at = models.DateTimeField(_("written at"), default=timezone.now)

    scoping = Scoping(region="institution__region", institution="institution")

    class Meta:
        verbose_name = _("duty log entry")
        verbose_name_plural = _("duty log entries")
        ordering = ["-day", "-written_at"]
        indexes = [models.Index(fields=["institution", "day"], name="liaison_dutylog_day")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(method__in=DutyMethod.values),
                name="liaison_dutylog_method_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.institution} · {self.day:%Y-%m-%d} · {self.get_method_display()}"


class Finding(models.Model):
    """A problem a liaison found, to be put right.

    The inspections app, when it lands, turns a finding into a rectification (整改) as it does its
    own inspections' failed items: its `Rectification` points here (a nullable foreign key to
    `liaison.Finding`), so nothing here changes and every finding raised before then can still be
    linked. The institution is kept on the row for that app's lists.
    """

    duty_log = models.ForeignKey(
        DutyLog, verbose_name=_("duty log entry"), on_delete=models.PROTECT,
        related_name="findings",
    )  # fmt: skip
    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="liaison_findings",
    )
    text = models.TextField(_("finding"))
    raised_at = models.DateTimeField(_("raised at"), default=timezone.now)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("raised by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )

    scoping = Scoping(region="institution__region", institution="institution")

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["raised_at", "pk"]

    def __str__(self) -> str:
        return self.text[:80]
