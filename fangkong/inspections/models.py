"""Supervision (督查): versioned checklists, inspections and their answers, rectifications
(整改) followed until verified, and the spot-check draws (抽查) that choose whom to inspect."""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from fangkong.core.scoping import Scoping


class ChecklistStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class ChecklistVersion(models.Model):
    """One version of the checklist. A published version never changes: an inspection keeps
    the version it was answered against, and a new one starts as a draft."""

    number = models.PositiveIntegerField(_("version"), unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ChecklistStatus.choices, default=ChecklistStatus.DRAFT
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("checklist version")
        verbose_name_plural = _("checklist versions")
        ordering = ["-number"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=ChecklistStatus.values),
                name="inspections_checklist_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(number__gte=1), name="inspections_checklist_number_gte_1"
            ),
        ]

    def __str__(self) -> str:
        return f"v{self.number} ({self.get_status_display()})"


class ChecklistItem(models.Model):
    version = models.ForeignKey(
        ChecklistVersion, verbose_name=_("checklist version"), on_delete=models.PROTECT,
        related_name="items",
    )  # fmt: skip
    number = models.PositiveSmallIntegerField(_("number"))
    text_zh = models.TextField(_("text in Chinese"))
    text_en = models.TextField(_("text in English"))
    default_days = models.PositiveSmallIntegerField(
        _("days to rectify"), default=7, help_text=_("A failure's default deadline, in days.")
    )

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["version", "number"]
        constraints = [
            models.UniqueConstraint(fields=["version", "number"], name="inspections_item_once"),
            models.CheckConstraint(
                condition=models.Q(number__gte=1), name="inspections_item_number_gte_1"
            ),
            models.CheckConstraint(
                condition=models.Q(default_days__gte=1), name="inspections_item_days_gte_1"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.text}"

    @property
    def text(self) -> str:
        """The item in the reader's language (Chinese unless English is asked for)."""
        return self.text_en if (get_language() or "").startswith("en") else self.text_zh


class InspectionMethod(models.TextChoices):
    ON_SITE = "on_site", _("On site")
    VIDEO = "video", _("Video")
    PHONE = "phone", _("Phone")


class Inspection(models.Model):
    """One inspection of an institution against one checklist version."""

    institution = models.ForeignKey(
        "institutions.Institution", verbose_name=_("institution"), on_delete=models.PROTECT,
        related_name="inspections",
    )  # fmt: skip
    method = models.CharField(_("method"), max_length=10, choices=InspectionMethod.choices)
    unannounced = models.BooleanField(_("unannounced"), default=False)
    planned_at = models.DateTimeField(_("planned for"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"))
    # The site's local day of `done_at`, kept so that deadlines and weekly sums need no time zone.
    done_on = models.DateField(_("day"))
    checklist = models.ForeignKey(
        ChecklistVersion, verbose_name=_("checklist version"), on_delete=models.PROTECT,
        related_name="inspections",
    )  # fmt: skip
    inspectors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("inspectors"), related_name="inspections",
        blank=True,
    )  # fmt: skip
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    scoping = Scoping(region="institution__region", institution="institution")

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-done_at", "-pk"]
        indexes = [
            models.Index(fields=["institution", "done_on"], name="inspections_institution_day"),
            models.Index(fields=["done_on"], name="inspections_day"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(method__in=InspectionMethod.values),
                name="inspections_method_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.institution} · {self.done_on:%Y-%m-%d} · {self.get_method_display()}"


class AnswerResult(models.TextChoices):
    PASS = "pass", _("Pass")
    FAIL = "fail", _("Fail")
    NA = "na", _("Not applicable")


class Answer(models.Model):
    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.CASCADE, related_name="answers"
    )
    item = models.ForeignKey(
        ChecklistItem, verbose_name=_("checklist item"), on_delete=models.PROTECT,
        related_name="answers",
    )  # fmt: skip
    result = models.CharField(_("result"), max_length=4, choices=AnswerResult.choices)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["inspection", "item__number"]
        indexes = [
            # The week's findings read only the failed answers of the week's inspections.
            models.Index(
                fields=["inspection", "item"], name="inspections_answer_failed",
                condition=models.Q(result="fail"),
            ),
        ]  # fmt: skip
        constraints = [
            models.UniqueConstraint(fields=["inspection", "item"], name="inspections_answer_once"),
            models.CheckConstraint(
                condition=models.Q(result__in=AnswerResult.values),
                name="inspections_answer_result_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item.number}: {self.get_result_display()}"


class RectificationStatus(models.TextChoices):
    OPEN = "open", _("Open")
    FIXED = "fixed", _("Fixed")
    VERIFIED = "verified", _("Verified")


class Rectification(models.Model):
    """A finding to put right (整改), owned by its institution, followed until verified.

    `open` → `fixed` (the institution says what it did, with evidence) → `verified` by an
    inspector or officer other than who fixed it, or back to `open` with a reason. Every
    transition is a `RectificationEvent`; the row holds the current state.
    """

    institution = models.ForeignKey(
        "institutions.Institution", verbose_name=_("institution"), on_delete=models.PROTECT,
        related_name="rectifications",
    )  # fmt: skip
    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.PROTECT,
        related_name="rectifications", null=True, blank=True,
    )  # fmt: skip
    item = models.ForeignKey(
        ChecklistItem, verbose_name=_("checklist item"), on_delete=models.PROTECT,
        related_name="rectifications", null=True, blank=True,
    )  # fmt: skip
    # A liaison's finding put right here (the liaison app knows nothing of this one).
    finding = models.OneToOneField(
        "liaison.Finding", verbose_name=_("liaison finding"), on_delete=models.PROTECT,
        related_name="rectification", null=True, blank=True,
    )  # fmt: skip
    what = models.TextField(_("what to put right"))
    opened_on = models.DateField(_("found on"))
    due_date = models.DateField(_("deadline"))
    status = models.CharField(
        _("status"), max_length=10, choices=RectificationStatus.choices,
        default=RectificationStatus.OPEN,
    )  # fmt: skip
    fixed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("fixed by"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="+",
    )  # fmt: skip
    fixed_at = models.DateTimeField(_("fixed at"), null=True, blank=True)
    evidence = models.TextField(_("what was done"), blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("verified by"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="+",
    )  # fmt: skip
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verify_note = models.TextField(_("verifier's note"), blank=True)
    created_at = models.DateTimeField(_("opened at"), default=timezone.now)

    scoping = Scoping(region="institution__region", institution="institution")

    class Meta:
        verbose_name = _("rectification")
        verbose_name_plural = _("rectifications")
        ordering = ["due_date", "pk"]
        indexes = [
            models.Index(fields=["status", "due_date"], name="inspections_rect_due"),
            models.Index(fields=["institution", "status"], name="inspections_rect_institution"),
            # A week's summary counts the rectifications found that week.
            models.Index(fields=["opened_on", "institution"], name="inspections_rect_found"),
            # The draw counts each institution's unverified (and overdue) ones from the index.
            models.Index(
                fields=["institution", "due_date"], name="inspections_rect_unverified",
                condition=models.Q(status__in=["open", "fixed"]),
            ),
        ]  # fmt: skip
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=RectificationStatus.values),
                name="inspections_rect_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(due_date__gte=models.F("opened_on")),
                name="inspections_rect_due_not_before_found",
            ),
            # The row's state agrees with its status: a fix only once fixed, a verification
            # only once verified.
            models.CheckConstraint(
                condition=models.Q(status="open", fixed_at__isnull=True, verified_at__isnull=True)
                | models.Q(status="fixed", fixed_at__isnull=False, verified_at__isnull=True)
                | models.Q(status="verified", fixed_at__isnull=False, verified_at__isnull=False),
                name="inspections_rect_state_agrees",
            ),
            models.CheckConstraint(
                condition=models.Q(inspection__isnull=False) | models.Q(finding__isnull=False),
                name="inspections_rect_has_source",
            ),
            models.UniqueConstraint(
                fields=["inspection", "item"],
                name="inspections_rect_once_per_item",
                condition=models.Q(inspection__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.institution} · {self.what[:60]}"

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        """Past its deadline and not verified (the deadline day itself is still in time)."""
        today = today or timezone.localdate()
        return self.status != RectificationStatus.VERIFIED and self.due_date < today


class RectificationEvent(models.Model):
    """One transition of a rectification, kept for good: who, when, from what to what, why."""

    rectification = models.ForeignKey(
        Rectification, verbose_name=_("rectification"), on_delete=models.CASCADE,
        related_name="events",
    )  # fmt: skip
    from_status = models.CharField(_("from"), max_length=10, blank=True)
    to_status = models.CharField(_("to"), max_length=10, choices=RectificationStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.SET_NULL, null=True,
        blank=True, related_name="+",
    )  # fmt: skip
    at = models.DateTimeField(_("at"), default=timezone.now)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("rectification event")
        verbose_name_plural = _("rectification events")
        ordering = ["rectification", "at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(to_status__in=RectificationStatus.values),
                name="inspections_event_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} → {self.to_status}"


class SpotCheckDraw(models.Model):
    """One random draw of institutions to inspect: kept for good with its seed, the weights it
    used and what it drew, so that it can be re-run and nobody redraws unseen."""

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("region"), on_delete=models.PROTECT,
        related_name="spot_check_draws",
    )  # fmt: skip
    method = models.CharField(_("method"), max_length=10, choices=InspectionMethod.choices)
    count = models.PositiveIntegerField(_("how many"))
    seed = models.PositiveBigIntegerField(_("seed"))
    as_of = models.DateField(_("data as of"))
    weights = models.JSONField(_("weights"), default=dict)
    result = models.JSONField(_("institutions drawn"), default=list)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("drawn by"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="+",
    )  # fmt: skip
    drawn_at = models.DateTimeField(_("drawn at"), default=timezone.now)

    scoping = Scoping(region="region")

    class Meta:
        verbose_name = _("spot-check draw")
        verbose_name_plural = _("spot-check draws")
        ordering = ["-drawn_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(method__in=InspectionMethod.values),
                name="inspections_draw_method_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(count__gte=1), name="inspections_draw_count_gte_1"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region} · {self.drawn_at:%Y-%m-%d %H:%M} · {self.count}"


class EvidenceKind(models.TextChoices):
    JPEG = "image/jpeg", "JPEG"
    PNG = "image/png", "PNG"
    WEBP = "image/webp", "WebP"
    PDF = "application/pdf", "PDF"


class Evidence(models.Model):
    """A photo or a PDF showing a rectification's state, or taken with an answer during the
    inspection; stored outside the web root under a random name and served only to those who
    may see its institution's supervision."""

    rectification = models.ForeignKey(
        Rectification, verbose_name=_("rectification"), on_delete=models.PROTECT,
        related_name="files", null=True, blank=True,
    )  # fmt: skip
    # Or a photo taken with an answer during the inspection.
    answer = models.ForeignKey(
        Answer, verbose_name=_("answer"), on_delete=models.PROTECT, related_name="files",
        null=True, blank=True,
    )  # fmt: skip
    # The institution of the rectification or the answer, kept on the row for scoping.
    institution = models.ForeignKey(
        "institutions.Institution", verbose_name=_("institution"), on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("kind"), max_length=40, choices=EvidenceKind.choices)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    stored_as = models.CharField(_("stored as"), max_length=64, unique=True, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="+",
    )  # fmt: skip
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    scoping = Scoping(region="institution__region", institution="institution")

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["rectification", "uploaded_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(content_type__in=EvidenceKind.values),
                name="inspections_evidence_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(rectification__isnull=True, answer__isnull=False)
                | models.Q(rectification__isnull=False, answer__isnull=True),
                name="inspections_evidence_of_one",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class InspectionDraft(models.Model):
    """An inspection being filled in on a phone, kept on the server after each answer so that
    nothing is lost when the connection drops; gone once the inspection is recorded."""

    institution = models.ForeignKey(
        "institutions.Institution", verbose_name=_("institution"), on_delete=models.CASCADE,
        related_name="+",
    )  # fmt: skip
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.CASCADE,
        related_name="+",
    )  # fmt: skip
    data = models.JSONField(_("answers so far"), default=dict)
    updated_at = models.DateTimeField(_("saved at"), default=timezone.now)

    scoping = Scoping(region="institution__region", institution="institution")

    class Meta:
        verbose_name = _("inspection draft")
        verbose_name_plural = _("inspection drafts")
        constraints = [
            models.UniqueConstraint(fields=["institution", "author"], name="inspections_draft_once")
        ]

    def __str__(self) -> str:
        return f"{self.institution} · {self.author}"


class PlanStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DONE = "done", _("Carried out")
    CANCELLED = "cancelled", _("Cancelled")


class InspectionPlan(models.Model):
    """An inspection an officer plans ahead: whom, how, when and by whom. It is carried out
    when the inspection is recorded against it, or cancelled with a reason; still planned
    past its time, it is late. An unannounced plan is hidden from the institution until it
    is carried out."""

    institution = models.ForeignKey(
        "institutions.Institution", verbose_name=_("institution"), on_delete=models.PROTECT,
        related_name="inspection_plans",
    )  # fmt: skip
    method = models.CharField(_("method"), max_length=10, choices=InspectionMethod.choices)
    unannounced = models.BooleanField(_("unannounced"), default=False)
    planned_at = models.DateTimeField(_("planned for"))
    inspectors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("inspectors"), related_name="inspection_plans",
        blank=True,
    )  # fmt: skip
    status = models.CharField(
        _("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.PLANNED
    )
    inspection = models.OneToOneField(
        Inspection, verbose_name=_("inspection"), on_delete=models.PROTECT, related_name="plan",
        null=True, blank=True,
    )  # fmt: skip
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("cancelled by"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="+",
    )  # fmt: skip
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("planned by"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("planned at"), default=timezone.now)

    scoping = Scoping(region="institution__region", institution="institution")

    class Meta:
        verbose_name = _("planned inspection")
        verbose_name_plural = _("planned inspections")
        ordering = ["planned_at", "pk"]
        indexes = [
            models.Index(fields=["status", "planned_at"], name="inspections_plan_due"),
            models.Index(fields=["institution", "status"], name="inspections_plan_institution"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(method__in=InspectionMethod.values),
                name="inspections_plan_method_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    status="planned", inspection__isnull=True, cancelled_at__isnull=True
                )
                | models.Q(status="done", inspection__isnull=False, cancelled_at__isnull=True)
                | models.Q(status="cancelled", inspection__isnull=True, cancelled_at__isnull=False),
                name="inspections_plan_state_agrees",
            ),
        ]

    def __str__(self) -> str:
        when = f"{self.planned_at:%Y-%m-%d %H:%M}"
        return f"{self.institution} · {when} · {self.get_method_display()}"

    def is_late(self, now: datetime.datetime | None = None) -> bool:
        """Still planned after its time."""
        return self.status == PlanStatus.PLANNED and self.planned_at < (now or timezone.now())
