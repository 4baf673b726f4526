from typing import Any, NoReturn

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.audit.labels import action_label, actor_label
from fangkong.core.fields import actor_field
from fangkong.core.scoping import Scoping


class AppendOnlyError(Exception):
    pass


class AuditEvent(models.Model):
    """One change or sensitive read. Rows are only ever inserted.

    `region_path` and `institution_id` place the event in the tree so that an officer's export
    holds exactly their scope's events; they are copied, not joined, because the event must stay
    as it was when the target moves or disappears. An event of the system as a whole (a user, a
    token, a load of the region list) has no place: NULL, seen only with the "everything"
    scope. The empty path is the nation's, whose officers see it.
    """

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = actor_field(_("actor"))
    actor_name = models.CharField(_("actor name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=60, db_index=True)
    target_type = models.CharField(_("target type"), max_length=60)
    target_id = models.CharField(_("target id"), max_length=64)
    target_repr = models.CharField(_("target"), max_length=200)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    region_path = models.CharField(  # noqa: DJ001 -- NULL (nowhere) differs from "" (the nation)
        _("region path"), max_length=255, null=True, blank=True, db_index=True
    )
    institution_id = models.BigIntegerField(_("institution id"), null=True, blank=True)

    scoping = Scoping(region_path="region_path", institution="institution_id")

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.action} {self.target_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit events are append-only")

    @property
    def actor_label(self) -> str:
        """Who acted: the user's name, or the system's or an anonymous visitor's in words."""
        return self.actor_name if self.actor_id is not None else actor_label(self.actor_name)

    @property
    def action_label(self) -> str:
        """The action as the reader's language calls it (`report.zero`: 提交零报告)."""
        return action_label(self.action)
