"""An import of a file: its kind, the institution it is for, where it stands, and its errors.

The file itself is kept outside the database, encrypted, under a random name (`storage.py`)
from its upload until it is written or refused, or until it expires unconfirmed after
`FANGKONG_IMPORT_KEEP_HOURS`; the record keeps its name, size and SHA-256.
"""

from django.db import models
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _

from fangkong.core.fields import actor_field
from fangkong.core.scoping import Scoping


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to be checked")
    CHECKING = "checking", _("Checking")
    CHECKED = "checked", _("Checked: ready to import")
    REFUSED = "refused", _("Refused")
    WRITING = "writing", _("Importing")
    DONE = "done", _("Imported")
    EXPIRED = "expired", _("Expired: not imported in time")


# Statuses the page keeps following; the others are where an import stops or waits for a person.
MOVING = {ImportStatus.QUEUED, ImportStatus.CHECKING, ImportStatus.WRITING}
# Statuses whose import keeps its file; the others have let it go (`stored_as` is empty).
KEEPS_FILE = MOVING | {ImportStatus.CHECKED}


class FileImport(models.Model):
    """One file uploaded to import residents, staff, visits or test results."""

    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=20)
    file_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    stored_as = models.CharField(_("stored as"), max_length=64, blank=True, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    rows_total = models.PositiveIntegerField(_("rows in the file"), default=0)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    new_rows = models.PositiveIntegerField(_("rows to add"), default=0)
    known_rows = models.PositiveIntegerField(_("rows already recorded"), default=0)
    added = models.PositiveIntegerField(_("rows added"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    error_count = models.PositiveIntegerField(_("errors found"), default=0)
    preview = models.JSONField(_("preview"), default=list, blank=True)
    created_by = actor_field(_("uploaded by"))
    created_at = models.DateTimeField(_("uploaded at"), default=now)
    confirmed_by = actor_field(_("imported by"))
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    scoping = Scoping(region="institution__region", institution="institution")

    class Meta:
        verbose_name = _("file import")
        verbose_name_plural = _("file imports")
        ordering = ["-created_at", "-id"]
        indexes = [
            # Checked files waiting for a confirmation, found by their age to expire them.
            models.Index(fields=["status", "checked_at"], name="file_import_waiting"),
            models.Index(fields=["institution", "-created_at"], name="file_import_institution"),
            models.Index(fields=["sha256"], name="file_import_sha256"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=ImportStatus.values), name="file_import_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.file_name}"

    @property
    def is_moving(self) -> bool:
        return self.status in MOVING

    @property
    def percent(self) -> int:
        if self.status in (ImportStatus.DONE, ImportStatus.CHECKED):
            return 100
        return 100 * self.rows_done // self.rows_total if self.rows_total else 0
