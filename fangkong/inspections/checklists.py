"""Writes of the checklist: administrators copy the published version into a draft, edit the
draft's items and publish it. A published version never changes, so an inspection answered
against it reads the same for good; new inspections use the latest published version."""

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.audit.services import audit_record
from fangkong.core.errors import field_error
from fangkong.core.exceptions import Forbidden
from fangkong.core.scoping import scope_of
from fangkong.core.text import has_visible
from fangkong.inspections.models import ChecklistItem, ChecklistStatus, ChecklistVersion
from fangkong.inspections.services import published_version

EDITORS = {"admin"}
MAX_ITEMS = 100
MAX_DAYS = 365


def _editor(actor: Any) -> None:
    if not scope_of(actor, EDITORS).everything:
        raise Forbidden(_("Only a system administrator edits the checklist."))


def _draft(version: ChecklistVersion) -> None:
    if version.status != ChecklistStatus.DRAFT:
        raise field_error("version", _("A published version never changes; draft a new one."),
                          "published")  # fmt: skip


def _audit(actor: Any, action: str, version: ChecklistVersion, **facts: Any) -> None:
    audit_record(actor=actor, action=action, target=version,
                 after={"version": version.number, **facts})  # fmt: skip


@transaction.atomic
def checklist_draft(*, actor: Any) -> ChecklistVersion:
    """Start the next version as a draft, a copy of the latest published one."""
    _editor(actor)
    if ChecklistVersion.objects.filter(status=ChecklistStatus.DRAFT).exists():
        raise field_error("version", _("A draft exists already; edit or publish it."), "draft")
    source = published_version()
    number = (ChecklistVersion.objects.aggregate(n=Max("number"))["n"] or 0) + 1
    draft = ChecklistVersion.objects.create(number=number, status=ChecklistStatus.DRAFT)
    ChecklistItem.objects.bulk_create([
        ChecklistItem(version=draft, number=item.number, text_zh=item.text_zh,
                      text_en=item.text_en, default_days=item.default_days)
        for item in source.items.all()
    ])  # fmt: skip
    _audit(actor, "checklist.draft", draft, source=source.number)
    return draft


@transaction.atomic
def checklist_item_set(
    *,
    actor: Any,
    version: ChecklistVersion,
    number: int,
    text_zh: str,
    text_en: str,
    default_days: int,
) -> ChecklistItem:
    """Change item `number` of a draft, or add it as the next number."""
    _editor(actor)
    version = ChecklistVersion.objects.select_for_update().get(pk=version.pk)
    _draft(version)
    count = version.items.count()
    if not 1 <= number <= min(count + 1, MAX_ITEMS):
        raise field_error("number", _("Number the items from 1 to %(most)s without gaps."),
                          "item_number", most=min(count + 1, MAX_ITEMS))  # fmt: skip
    for name, text in (("text_zh", text_zh), ("text_en", text_en)):
        if not has_visible(text):
            raise field_error(name, _("Enter the item's text."), "required")
    if not 1 <= default_days <= MAX_DAYS:
        raise field_error("default_days", _("Give 1 to 365 days."), "days_out_of_range")
    item, _created = ChecklistItem.objects.update_or_create(
        version=version, number=number,
        defaults={"text_zh": text_zh.strip(), "text_en": text_en.strip(),
                  "default_days": default_days},
    )  # fmt: skip
    _audit(actor, "checklist.edit", version, item=number, default_days=default_days)
    return item


@transaction.atomic
def checklist_publish(*, actor: Any, version: ChecklistVersion) -> ChecklistVersion:
    """Publish a draft: from now on new inspections are answered against it."""
    _editor(actor)
    version = ChecklistVersion.objects.select_for_update().get(pk=version.pk)
    _draft(version)
    if not version.items.exists():
        raise field_error("version", _("A checklist needs at least one item."), "empty")
    version.status = ChecklistStatus.PUBLISHED
    version.published_at = timezone.now()
    version.save(update_fields=["status", "published_at"])
    _audit(actor, "checklist.publish", version, items=version.items.count())
    return version
