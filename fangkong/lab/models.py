"""Testing rounds (全员核酸检测): who is expected, frozen when a round starts, and their results.

A campaign is one call over a region: one round per institution open that day, all under one
name. A round's expected persons are those with a stay (resident or staff) covering its start;
a person arriving later is tested as an added person, with a reason.
"""

from django.db import models
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.core.fields import actor_field
from fangkong.core.scoping import Scoping


class LabMethod(models.TextChoices):
    NUCLEIC_ACID = "nucleic_acid", _("Nucleic acid")
    ANTIGEN = "antigen", _("Antigen")


class LabOutcome(models.TextChoices):
    NEGATIVE = "negative", _("Negative")
    POSITIVE = "positive", _("Positive")
    INVALID = "invalid", _("Invalid")
    PENDING = "pending", pgettext_lazy("test result", "Pending")


class LabCampaign(models.Model):
    """One order to test: a region's institutions (or one institution), under one name."""

    name = models.CharField(_("name"), max_length=100)
    method = models.CharField(_("method"), max_length=20, choices=LabMethod.choices)
    started_at = models.DateTimeField(_("started at"))
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = actor_field(_("created by"))
    created_at = models.DateTimeField(_("created at"), default=now)

    class Meta:
        verbose_name = _("testing campaign")
        verbose_name_plural = _("testing campaigns")
        ordering = ["-started_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(method__in=LabMethod.values), name="lab_campaign_method_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class LabRound(models.Model):
    """One institution's round of a campaign."""

    campaign = models.ForeignKey(
        LabCampaign, verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="rounds"
    )
    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="lab_rounds",
    )
    name = models.CharField(_("name"), max_length=100)
    method = models.CharField(_("method"), max_length=20, choices=LabMethod.choices)
    started_at = models.DateTimeField(_("started at"))
    created_by = actor_field(_("created by"))
    created_at = models.DateTimeField(_("created at"), default=now)
    # The round's counts, recounted from its rows in the transaction of every change to them
    # (`services.round_recount`), so that a nation's coverage reads 41,000 rounds rather than
    # 2.5 million persons: expected persons, those with a result other than pending, those
    # tested or excused, and every positive (added persons too).
    n_expected = models.PositiveIntegerField(_("expected"), default=0, editable=False)
    n_tested = models.PositiveIntegerField(_("tested"), default=0, editable=False)
    n_done = models.PositiveIntegerField(_("tested or excused"), default=0, editable=False)
    n_positive = models.PositiveIntegerField(_("positive"), default=0, editable=False)

    scoping = Scoping(region="institution__region", institution="institution")

    class Meta:
        verbose_name = _("testing round")
        verbose_name_plural = _("testing rounds")
        ordering = ["-started_at", "id"]
        indexes = [models.Index(fields=["name", "institution"], name="lab_round_name")]
        constraints = [
            # A region's coverage of a round is read by its name: one round per name and home.
            models.UniqueConstraint(fields=["institution", "name"], name="lab_round_unique_name"),
            models.CheckConstraint(
                condition=models.Q(method__in=LabMethod.values), name="lab_round_method_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(n_tested__lte=models.F("n_done"))
                & models.Q(n_done__lte=models.F("n_expected")),
                name="lab_round_counts_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.institution_id}"


class LabExpected(models.Model):
    """A person present (a stay of either role) when the round started; frozen then."""

    round = models.ForeignKey(
        LabRound, verbose_name=_("round"), on_delete=models.CASCADE, related_name="expected"
    )
    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(_("role"), max_length=10)
    excused_reason = models.CharField(_("excused because"), max_length=300, blank=True)
    excused_by = actor_field(_("excused by"))

    class Meta:
        verbose_name = _("expected person")
        verbose_name_plural = _("expected persons")
        constraints = [
            models.UniqueConstraint(fields=["round", "person"], name="lab_expected_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.round_id}: {self.person_id}"


class LabResult(models.Model):
    """A person's result in a round: an expected person's, or an added one's with a reason."""

    round = models.ForeignKey(
        LabRound, verbose_name=_("round"), on_delete=models.CASCADE, related_name="results"
    )
    person = models.ForeignKey(
        "people.Person", verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    sampled_at = models.DateTimeField(_("sampled at"))
    # The round's method unless the sample was taken otherwise (an antigen test in a nucleic
    # acid round, for a bedridden resident).
    method = models.CharField(_("method"), max_length=20, choices=LabMethod.choices)
    result = models.CharField(_("result"), max_length=10, choices=LabOutcome.choices)
    laboratory = models.CharField(_("laboratory"), max_length=200, blank=True)
    added_reason = models.CharField(_("added because"), max_length=300, blank=True)
    recorded_by = actor_field(_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"), default=now)

    class Meta:
        verbose_name = _("test result")
        verbose_name_plural = _("test results")
        constraints = [
            models.UniqueConstraint(fields=["round", "person"], name="lab_result_unique"),
            models.CheckConstraint(
                condition=models.Q(result__in=LabOutcome.values), name="lab_result_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(method__in=LabMethod.values), name="lab_result_method_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round_id}: {self.person_id} {self.result}"


class LabRoundHour(models.Model):
    """How many of a round's expected persons have a final result sampled in one hour of the
    site's time zone; recounted with the round's counts (`services.round_recount`), so that a
    region's progress sums a few rows per round instead of reading every result."""

    round = models.ForeignKey(
        LabRound, verbose_name=_("round"), on_delete=models.CASCADE, related_name="hours"
    )
    hour = models.DateTimeField(_("hour"))  # its start, in the site's time zone
    tested = models.PositiveIntegerField(_("tested"))

    class Meta:
        verbose_name = _("tested in an hour of a round")
        verbose_name_plural = _("tested in an hour of a round")
        constraints = [
            models.UniqueConstraint(fields=["round", "hour"], name="lab_round_hour_unique"),
            models.CheckConstraint(condition=models.Q(tested__gt=0), name="lab_round_hour_some"),
        ]

    def __str__(self) -> str:
        return f"{self.round_id} {self.hour:%Y-%m-%d %H}: {self.tested}"


PROGRESS_SHARDS = 16  # rounds share a campaign's hour in 16 rows, so that their writes seldom wait


class LabCampaignHour(models.Model):
    """The same, summed over every round of one name (in slices by round id): the nation's
    progress, without reading each of its 41,000 rounds. Changed by the difference of a
    round's hours whenever they are recounted."""

    name = models.CharField(_("name"), max_length=100)
    shard = models.PositiveSmallIntegerField(_("slice"))  # the round's id modulo PROGRESS_SHARDS
    hour = models.DateTimeField(_("hour"))
    tested = models.IntegerField(_("tested"))

    class Meta:
        verbose_name = _("tested in an hour of a campaign")
        verbose_name_plural = _("tested in an hour of a campaign")
        constraints = [
            models.UniqueConstraint(
                fields=["name", "hour", "shard"], name="lab_campaign_hour_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(tested__gte=0), name="lab_campaign_hour_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.hour:%Y-%m-%d %H}: {self.tested}"
