"""Inspections, rectifications and draws are shown read-only: they change only through the
services that audit them. A checklist's draft version is edited here by administrators, each
change through the checklist's services (which audit it); a published version is read-only."""

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from fangkong.core.admin import ReadOnlyAdmin
from fangkong.core.errors import error_items
from fangkong.core.scoping import scope_of
from fangkong.inspections import checklists
from fangkong.inspections.models import (
    ChecklistItem,
    ChecklistStatus,
    ChecklistVersion,
    Evidence,
    Inspection,
    Rectification,
    SpotCheckDraw,
)


def is_editor(user: Any) -> bool:
    return scope_of(user, checklists.EDITORS).everything


class ItemFormSet(BaseInlineFormSet):  # type: ignore[type-arg]
    """A draft's items, numbered 1, 2, 3 … without gaps (new ones after the last)."""

    def clean(self) -> None:
        super().clean()
        numbers = sorted(
            form.cleaned_data["number"]
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        )
        if numbers != list(range(1, len(numbers) + 1)):
            raise ValidationError(_("Number the items from 1 without gaps."), code="item_number")


class ChecklistItemInline(admin.TabularInline):  # type: ignore[type-arg]
    """A draft's items, edited through `checklist_item_set` (audited); a published
    version's, shown only."""

    model = ChecklistItem
    formset = ItemFormSet
    fields = ["number", "text_zh", "text_en", "default_days"]
    extra = 0
    can_delete = False
    ordering = ["number"]

    def _editable(self, request: HttpRequest, obj: ChecklistVersion | None) -> bool:
        return obj is not None and obj.status == ChecklistStatus.DRAFT and is_editor(request.user)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ChecklistVersion)
class ChecklistVersionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Administrators add a version (a draft copy of the published one), edit its items and
    publish it, each through the checklist's services, which audit; a published version is
    shown only."""

    audit_writes = False  # the services audit every write
    list_display = ["number", "status", "published_at", "item_count"]
    fields = ["number", "status", "published_at"]
    readonly_fields = ["number", "status", "published_at"]
    inlines = [ChecklistItemInline]
    actions = ["publish"]

    @admin.display(description=_("items"))
    def item_count(self, obj: ChecklistVersion) -> int:
        return obj.items.count()

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_editor(request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_editor(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_editor(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.status != ChecklistStatus.DRAFT:
            return False
        return is_editor(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_inlines(self, request: HttpRequest, obj: Any) -> list[Any]:
        return [] if obj is None else list(self.inlines)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:  # a new version is a draft copy of the published one
            draft = checklists.checklist_draft(actor=request.user)
            obj.pk, obj.number, obj.status = draft.pk, draft.number, draft.status
            obj._state.adding = False

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        version = form.instance
        changed = [f for f in formset.forms if f.has_changed() and f.cleaned_data]
        # What the admin's own history says of the change.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for item_form in sorted(changed, key=lambda f: f.cleaned_data["number"]):
            row = item_form.cleaned_data
            item = checklists.checklist_item_set(
                actor=request.user, version=version, number=row["number"],
                text_zh=row["text_zh"], text_en=row["text_en"], default_days=row["default_days"],
            )  # fmt: skip
            if item_form.instance.pk is None:
                formset.new_objects.append(item)
            else:
                formset.changed_objects.append((item, item_form.changed_data))

    @admin.action(description=_("Publish the selected draft"))
    def publish(self, request: HttpRequest, queryset: QuerySet[ChecklistVersion]) -> None:
        for version in queryset.filter(status=ChecklistStatus.DRAFT):
            try:
                checklists.checklist_publish(actor=request.user, version=version)
            except ValidationError as exc:
                for error in error_items(exc):
                    self.message_user(request, str(error["message"]), messages.ERROR)
            else:
                self.message_user(
                    request, _("Version %(number)s is published.") % {"number": version.number}
                )


@admin.register(ChecklistItem)
class ChecklistItemAdmin(ReadOnlyAdmin):
    list_display = ["version", "number", "text_zh", "default_days"]
    list_filter = ["version"]


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyAdmin):
    list_display = ["institution", "method", "unannounced", "done_at", "checklist"]
    list_filter = ["method", "unannounced"]
    search_fields = ["institution__name", "institution__code"]


@admin.register(Rectification)
class RectificationAdmin(ReadOnlyAdmin):
    list_display = ["institution", "what", "due_date", "status"]
    list_filter = ["status"]
    search_fields = ["institution__name", "what"]


@admin.register(SpotCheckDraw)
class SpotCheckDrawAdmin(ReadOnlyAdmin):
    list_display = ["region", "method", "count", "seed", "drawn_by", "drawn_at"]
    list_filter = ["method"]


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    list_display = ["name", "rectification", "content_type", "size", "uploaded_by", "uploaded_at"]
    list_filter = ["content_type"]
