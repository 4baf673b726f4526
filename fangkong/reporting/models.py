import datetime
from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _

from fangkong.core.scoping import Scoping
from fangkong.reporting.template import COUNT_FIELDS, EVENT_FIELDS


def text_limit(model: type[models.Model], name: str) -> int:
    """The most characters `model.name` keeps: the one limit its form, API and service share."""
    field = model._meta.get_field(name)
    assert isinstance(field, models.TextField | models.CharField) and field.max_length
    return field.max_length


class Template(models.TextChoices):
    DEFAULT = "default", _("Default daily report")


class ReportingRegime(models.Model):
    """Who reports, from when, by when: every institution under `region`, each day."""

    name = models.CharField(_("name"), max_length=200)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="regimes",
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    deadline = models.TimeField(_("deadline"), default=datetime.time(16, 0))
    deadline_inclusive = models.BooleanField(
        _("deadline inclusive"),
        default=False,
        help_text=_("Whether a report at the deadline's exact second is still on time."),
    )
    confirmation_deadline = models.TimeField(
        _("banner confirmation deadline"),
        null=True,
        blank=True,
        help_text=_("When a banner must confirm its report; empty: the same as the deadline."),
    )
    timezone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    template = models.CharField(
        _("template"), max_length=20, choices=Template.choices, default=Template.DEFAULT
    )
    reminder_minutes = models.PositiveIntegerField(
        _("reminder, minutes before the deadline"), default=60
    )
    created_at = models.DateTimeField(_("created at"), default=now)

    scoping = Scoping(region="region")

    class Meta:
        verbose_name = _("reporting regime")
        verbose_name_plural = _("reporting regimes")
        ordering = ["region__path", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="regime_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def covers(self, day: datetime.date) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)


class ReportStatus(models.TextChoices):
    ON_TIME = "on_time", _("On time")
    LATE = "late", _("Late")


class UnitStatus(models.TextChoices):
    """Where a unit stands on a day: a received report's timeliness, or its absence."""

    ON_TIME = "on_time", _("On time")
    LATE = "late", _("Late")
    PENDING = "pending", _("Not yet reported")
    MISSING = "missing", _("Missing")


# Decided by the first submission, never changed (a trigger refuses it in the database too).
TIMELINESS_FIELDS = frozenset(
    ["id", "institution", "institution_id", "day", "regime", "regime_id", "status",
     "first_submitted_at"]
)  # fmt: skip


class TimelinessFixed(ValueError):
    """Raised on an attempt to change what the first submission of a report decided."""


class ReportQuerySet(models.QuerySet["DailyReport"]):
    def update(self, **kwargs: Any) -> int:
        if fixed := sorted(TIMELINESS_FIELDS.intersection(kwargs)):
            raise TimelinessFixed(f"a report's {', '.join(fixed)} never change")
        return super().update(**kwargs)


class DailyReport(models.Model):
    """One institution's report for one local day: the head of its revisions.

    Timeliness is fixed at the first submission and never changes; amendments add revisions,
    advancing only `revision` and `current`.
    """

    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="daily_reports",
    )
    day = models.DateField(_("day"))
    regime = models.ForeignKey(
        ReportingRegime, verbose_name=_("regime"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("status"), max_length=10, choices=ReportStatus.choices)
    first_submitted_at = models.DateTimeField(_("first submitted at"))
    revision = models.PositiveIntegerField(_("revision"), default=1)
    current = models.ForeignKey(
        "ReportRevision",
        verbose_name=_("current revision"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )

    scoping = Scoping(region="institution__region", institution="institution")

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("daily report")
        verbose_name_plural = _("daily reports")
        constraints = [
            models.UniqueConstraint(fields=["institution", "day"], name="report_one_per_day"),
            models.CheckConstraint(
                condition=models.Q(status__in=ReportStatus.values), name="report_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["day", "status"], name="report_day_status")]

    def __str__(self) -> str:
        return f"{self.institution} {self.day:%Y-%m-%d}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        fields = kwargs.get("update_fields")
        if not self._state.adding and (fields is None or TIMELINESS_FIELDS.intersection(fields)):
            raise TimelinessFixed("a saved report advances only its revision and current")
        super().save(*args, **kwargs)

    @property
    def etag(self) -> str:
        return f'"{self.pk}.{self.revision}"'


class RevisionQuerySet(models.QuerySet["ReportRevision"]):
    def current(self) -> "RevisionQuerySet":
        """The revisions in force: each report's latest."""
        return self.filter(report__current=models.F("pk"))


class ReportRevision(models.Model):
    """The figures of one submission or amendment. Rows are only ever inserted."""

    report = models.ForeignKey(
        DailyReport, verbose_name=_("report"), on_delete=models.PROTECT, related_name="revisions"
    )
    number = models.PositiveIntegerField(_("revision"))
    is_zero = models.BooleanField(_("zero report"), default=False)
    residents = models.PositiveIntegerField(_("residents"))
    staff_on_site = models.PositiveIntegerField(_("staff on site"))
    in_isolation = models.PositiveIntegerField(_("in isolation"))
    admissions = models.PositiveIntegerField(_("admissions"))
    visitors = models.PositiveIntegerField(_("visitors"))
    fever = models.PositiveIntegerField(_("fever"))
    respiratory = models.PositiveIntegerField(_("respiratory symptoms"))
    suspected = models.PositiveIntegerField(_("suspected"))
    confirmed = models.PositiveIntegerField(_("confirmed"))
    close_contacts = models.PositiveIntegerField(_("close contacts"))
    tested = models.PositiveIntegerField(_("tested"))
    positive = models.PositiveIntegerField(_("positive"))
    ppe_days = models.PositiveIntegerField(_("PPE days"))
    notes = models.TextField(_("problems and needs"), blank=True, max_length=2000)
    reason = models.TextField(_("reason for the amendment"), blank=True, max_length=1000)
    on_behalf = models.BooleanField(
        _("reported on the institution's behalf"),
        default=False,
        help_text=_("An officer sent these figures for the institution (代报), deliberately."),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT,
        related_name="+", null=True,
    )  # fmt: skip
    submitted_at = models.DateTimeField(_("submitted at"))

    objects = RevisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("report revision")
        verbose_name_plural = _("report revisions")
        ordering = ["report", "number"]
        constraints = [
            models.UniqueConstraint(fields=["report", "number"], name="revision_unique_number"),
            models.CheckConstraint(
                condition=models.Q(positive__lte=models.F("tested")),
                name="revision_positive_lte_tested",
            ),
            models.CheckConstraint(
                condition=models.Q(is_zero=False) | models.Q(**{f: 0 for f in EVENT_FIELDS}),
                name="revision_zero_has_no_events",
            ),
            models.CheckConstraint(
                condition=models.Q(number=1) | ~models.Q(reason=""),
                name="revision_amendment_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report} r{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("report revisions are never overwritten")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise ValueError("report revisions are never deleted")

    def figures(self) -> dict[str, int]:
        return {code: getattr(self, code) for code in COUNT_FIELDS}


class IdempotencyRecord(models.Model):
    """The first response to a request that carried an `Idempotency-Key`, to replay it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    request_digest = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    body = models.JSONField()
    etag = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_unique_key")
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created")]

    def __str__(self) -> str:
        return self.key


class BannerConfirmation(models.Model):
    """A banner officer's confirmation of the banner's report for a day (sum plus remarks).

    `totals` is the sum of the institutions' current figures at the moment of confirming, kept
    so the league sees exactly what the banner confirmed even if a report is amended later.
    """

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    day = models.DateField(_("day"))
    regime = models.ForeignKey(
        ReportingRegime, verbose_name=_("regime"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("status"), max_length=10, choices=ReportStatus.choices)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("confirmed by"), on_delete=models.PROTECT,
        related_name="+", null=True,
    )  # fmt: skip
    confirmed_at = models.DateTimeField(_("confirmed at"))
    remarks = models.TextField(_("remarks"), blank=True, max_length=2000)
    missing_reason = models.TextField(
        _("why confirmed with reports missing"),
        blank=True,
        max_length=1000,
        help_text=_("Required when institutions had not reported at the moment of confirming."),
    )
    totals = models.JSONField(_("totals"))
    reports = models.PositiveIntegerField(_("reports included"))
    expected = models.PositiveIntegerField(_("reports expected"))

    scoping = Scoping(region="region")

    class Meta:
        verbose_name = _("banner confirmation")
        verbose_name_plural = _("banner confirmations")
        constraints = [
            models.UniqueConstraint(fields=["region", "day"], name="confirmation_one_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.region} {self.day:%Y-%m-%d}"


class Dhis2Kind(models.TextChoices):
    DATA_ELEMENT = "data_element", _("Data element (a template field)")
    ORG_UNIT = "org_unit", _("Organisation unit (a region or institution)")
    DATA_SET = "data_set", _("Data set (a reporting regime's template)")


class Dhis2Mapping(models.Model):
    """The DHIS2 identifier that stands for one of Fangkong's codes in exports."""

    kind = models.CharField(_("kind"), max_length=20, choices=Dhis2Kind.choices)
    code = models.CharField(_("Fangkong code"), max_length=64)
    uid = models.CharField(_("DHIS2 identifier"), max_length=64)

    class Meta:
        verbose_name = _("DHIS2 mapping")
        verbose_name_plural = _("DHIS2 mappings")
        constraints = [
            models.UniqueConstraint(fields=["kind", "code"], name="dhis2_mapping_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.code} → {self.uid}"


class DispatchKind(models.TextChoices):
    REMINDER = "reminder", _("Reminder before the deadline")
    ESCALATION = "escalation", _("Missing reports after the deadline")
    SIGNAL = "signal", _("Early-warning signal")
    REMIND_NOW = "remind_now", _("Reminder sent by an officer (催报)")
