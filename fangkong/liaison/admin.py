"""Assignments, duty logs and findings are shown read-only: they change only through the
services that grant the liaison role with them and audit every change."""

from django.contrib import admin

from fangkong.core.admin import ReadOnlyAdmin
from fangkong.liaison.models import DutyLog, Finding, LiaisonAssignment


@admin.register(LiaisonAssignment)
class LiaisonAssignmentAdmin(ReadOnlyAdmin):
    list_display = ["institution", "level", "official", "start_date", "end_date", "created_by"]
    list_filter = ["level"]
    search_fields = ["institution__name", "institution__code", "official__username",
                     "official__full_name"]  # fmt: skip
    list_select_related = ["institution", "official", "created_by"]


@admin.register(DutyLog)
class DutyLogAdmin(ReadOnlyAdmin):
    list_display = ["institution", "day", "method", "assignment", "written_by", "written_at"]
    list_filter = ["method"]
    date_hierarchy = "day"
    search_fields = ["institution__name", "institution__code", "checked", "found"]
    list_select_related = ["institution", "assignment__official", "written_by"]


@admin.register(Finding)
class FindingAdmin(ReadOnlyAdmin):
    list_display = ["institution", "text", "raised_by", "raised_at"]
    search_fields = ["institution__name", "institution__code", "text"]
    list_select_related = ["institution", "raised_by"]
