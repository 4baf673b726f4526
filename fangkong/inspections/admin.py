"""Inspections, rectifications and draws are shown read-only: they change only through the
services that audit them. Checklist versions too: a draft is edited through its service."""

from django.contrib import admin

from fangkong.core.admin import ReadOnlyAdmin
from fangkong.inspections.models import (
    ChecklistItem,
    ChecklistVersion,
    Evidence,
    Inspection,
    Rectification,
    SpotCheckDraw,
)


@admin.register(ChecklistVersion)
class ChecklistVersionAdmin(ReadOnlyAdmin):
    list_display = ["number", "status", "published_at"]


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
