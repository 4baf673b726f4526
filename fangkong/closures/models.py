"""Closed management (封闭管理): closures ordered for institutions, the rules they impose on
who may pass the gate, and the register of everyone who did.

A day of a closure is a local day of the site's time zone (`settings.TIME_ZONE`, Asia/Shanghai):
a closure from D1 to D2 (its last day) is in force from D1 00:00 to D2+1 00:00 there, whatever
offset a moment is written with.
"""

import datetime

from django.db import models
from django.utils.timezone import now
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from fangkong.core.fields import actor_field
from fangkong.core.scoping import Scoping


class ClosureLevel(models.TextChoices):
    FULL = "full", _("Full closure")
    EXIT_ONLY = "exit_only", _("Exit only (nobody enters)")


class GatePurpose(models.TextChoices):
    VISIT = "visit", _("Visit")
    ADMISSION = "admission", _("Admission")
    STAFF = "staff", _("Staff return")
    SUPPLIES = "supplies", _("Supplies")
    MEDICAL = "medical", _("Medical")


class GateDirection(models.TextChoices):
    IN = "in", _("In")
    OUT = "out", _("Out")


class RuleOutcome(models.TextChoices):
    ALLOWED = "allowed", _("Allowed")
    CONDITIONAL = "conditional", _("Allowed with conditions")
    REFUSED = "refused", _("Refused")


class OrderKind(models.TextChoices):
    CLOSE = "close", _("Closure ordered")
    LIFT = "lift", _("Closure lifted")


class ClosureOrder(models.Model):
    """One act of closing or lifting (a notice): for one institution or a whole region."""

    kind = models.CharField(_("kind"), max_length=8, choices=OrderKind.choices)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: every institution open that day in the region's subtree."),
    )
    basis_title = models.CharField(_("notice title"), max_length=200)
    basis_number = models.CharField(_("notice number"), max_length=100, blank=True)
    basis_date = models.DateField(_("notice date"), null=True, blank=True)
    ordered_by = actor_field(_("ordered by"))
    created_at = models.DateTimeField(_("created at"), default=now)
    skipped = models.JSONField(
        _("skipped"), default=list, blank=True,
        help_text=_("Institutions a region's order left out, already closed on some of its "
                    "days: code, name and their closure's id and dates."),
    )  # fmt: skip

    scoping = Scoping(region="region", institution="institution")

    class Meta:
        verbose_name = _("closure order")
        verbose_name_plural = _("closure orders")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=OrderKind.values), name="closure_order_kind"
            ),
        ]

    def __str__(self) -> str:
        return self.basis_title

    @property
    def basis(self) -> dict[str, str | None]:
        return {
            "title": self.basis_title,
            "number": self.basis_number,
            "date": self.basis_date.isoformat() if self.basis_date else None,
        }


class Closure(models.Model):
    """One institution closed from `start_date` to `end_date` (its last day; empty: open-ended).

    Two closures of one institution never overlap: the services refuse it (409), and the
    database too (an exclusion constraint on PostgreSQL, a trigger on SQLite: `overlap.py`).
    """

    order = models.ForeignKey(
        ClosureOrder,
        verbose_name=_("order"),
        on_delete=models.PROTECT,
        related_name="closures",
    )
    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="closures",
    )
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"), null=True, blank=True)
    level = models.CharField(_("level"), max_length=10, choices=ClosureLevel.choices)
    created_at = models.DateTimeField(_("created at"), default=now)
    lift_order = models.ForeignKey(
        ClosureOrder,
        verbose_name=_("lifted by order"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lifted",
    )
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lifted_by = actor_field(_("lifted by"))

    scoping = Scoping(region="institution__region", institution="institution")

    class Meta:
        verbose_name = _("closure")
        verbose_name_plural = _("closures")
        ordering = ["-start_date", "institution__code"]
        indexes = [
            models.Index(fields=["institution", "start_date"], name="closure_institution_start"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="closure_end_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(level__in=ClosureLevel.values), name="closure_level_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.institution} {self.start_date}–{self.end_date or ''}"

    def covers(self, day: datetime.date) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)


class EntryRule(models.Model):
    """One row of the rule table: what a closure of `level` lets through its gate for `purpose`.

    The texts are English source texts, shown translated (the seed's are in the catalogue).
    """

    level = models.CharField(_("level"), max_length=10, choices=ClosureLevel.choices)
    direction = models.CharField(_("direction"), max_length=3, choices=GateDirection.choices)
    purpose = models.CharField(_("purpose"), max_length=10, choices=GatePurpose.choices)
    outcome = models.CharField(_("outcome"), max_length=12, choices=RuleOutcome.choices)
    reason = models.CharField(_("reason"), max_length=300)
    conditions = models.CharField(_("conditions"), max_length=300, blank=True)
    # The conditions the gate checks of a passage under a conditional rule, column by column.
    needs_test_proof = models.BooleanField(
        _("needs test proof"), default=False,
        help_text=_("A passage must show a negative test (its proof is recorded)."),
    )  # fmt: skip
    fever_from = models.DecimalField(
        _("fever from (°C)"), max_digits=3, decimal_places=1, null=True, blank=True,
        help_text=_("A temperature must be taken; one at or above this is refused. Empty: not "
                    "checked."),
    )  # fmt: skip
    handover_outside = models.BooleanField(
        _("handed over outside"), default=False,
        help_text=_("The deliverer stays outside the gate; only the goods go in."),
    )  # fmt: skip

    class Meta:
        verbose_name = _("entry rule")
        verbose_name_plural = _("entry rules")
        ordering = ["level", "-direction", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["level", "direction", "purpose"], name="entry_rule_unique"
            ),
            # A condition belongs to a conditional rule: one that refuses or allows outright
            # checks nothing.
            models.CheckConstraint(
                condition=models.Q(outcome="conditional")
                | models.Q(needs_test_proof=False, fever_from__isnull=True),
                name="entry_rule_conditions_conditional",
            ),
            models.CheckConstraint(
                condition=models.Q(fever_from__isnull=True)
                | models.Q(fever_from__gte=36, fever_from__lte=40),
                name="entry_rule_fever_from_plausible",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.level} {self.direction} {self.purpose}: {self.outcome}"

    @property
    def allows(self) -> bool:
        return self.outcome != RuleOutcome.REFUSED

    @property
    def reason_text(self) -> str:
        return gettext(self.reason)

    @property
    def conditions_text(self) -> str:
        return gettext(self.conditions) if self.conditions else ""

    @property
    def requires(self) -> list[str]:
        """What a passage must show under this rule: `test_proof`, `temperature`."""
        if self.outcome != RuleOutcome.CONDITIONAL:
            return []
        needs = ["test_proof"] if self.needs_test_proof else []
        return [*needs, "temperature"] if self.fever_from is not None else needs


class GateEvent(models.Model):
    """One passage through an institution's gate during a closure (进出登记)."""

    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="gate_events",
    )
    closure = models.ForeignKey(
        Closure, verbose_name=_("closure"), on_delete=models.PROTECT, related_name="gate_events"
    )
    at = models.DateTimeField(_("time"))
    direction = models.CharField(_("direction"), max_length=3, choices=GateDirection.choices)
    purpose = models.CharField(_("purpose"), max_length=10, choices=GatePurpose.choices)
    person_name = models.CharField(_("person"), max_length=100, blank=True)
    vehicle = models.CharField(_("vehicle"), max_length=20, blank=True)
    temperature = models.DecimalField(
        _("temperature (°C)"), max_digits=3, decimal_places=1, null=True, blank=True
    )
    test_proof = models.CharField(_("test proof"), max_length=200, blank=True)
    outcome = models.CharField(
        _("rule's outcome"),
        max_length=12,
        choices=RuleOutcome.choices,
        help_text=_("What the rule table said of this passage when it was recorded."),
    )
    exception_reason = models.CharField(_("exception reason"), max_length=500, blank=True)
    exception_by = actor_field(_("exception by"))
    recorded_by = actor_field(_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"), default=now)

    scoping = Scoping(region="institution__region", institution="institution")

    class Meta:
        verbose_name = _("gate event")
        verbose_name_plural = _("gate events")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["institution", "at"], name="gate_event_institution_at")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(person_name="", vehicle=""), name="gate_event_who"
            ),
            # An exception has its reason and its officer; a passage the rules let through has
            # neither.
            models.CheckConstraint(
                condition=(
                    models.Q(exception_reason="", exception_by__isnull=True)
                    | (~models.Q(exception_reason="") & models.Q(outcome="refused"))
                ),
                name="gate_event_exception_explained",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.direction} {self.person_name or self.vehicle}"

    @property
    def is_exception(self) -> bool:
        return bool(self.exception_reason)
