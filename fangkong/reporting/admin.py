"""The admin edits configuration only (DHIS2 identifiers); regimes, reports and revisions are
shown read-only, since they change only through the services that audit them."""

from django.contrib import admin

from fangkong.core.admin import ReadOnlyAdmin
from fangkong.reporting.models import (
    BannerConfirmation,
    DailyReport,
    Dhis2Mapping,
    ReportingRegime,
    ReportRevision,
)


@admin.register(Dhis2Mapping)
class Dhis2MappingAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["kind", "code", "uid"]
    list_filter = ["kind"]
    search_fields = ["code", "uid"]


@admin.register(ReportingRegime)
class ReportingRegimeAdmin(ReadOnlyAdmin):
    list_display = ["name", "region", "start_date", "end_date", "deadline", "timezone"]
    search_fields = ["name", "region__name", "region__code"]


@admin.register(DailyReport)
class DailyReportAdmin(ReadOnlyAdmin):
    list_display = ["institution", "day", "status", "revision", "first_submitted_at"]
    list_filter = ["status"]
    date_hierarchy = "day"
    search_fields = ["institution__code", "institution__name"]
    list_select_related = ["institution"]


@admin.register(ReportRevision)
class ReportRevisionAdmin(ReadOnlyAdmin):
    list_display = ["report", "number", "is_zero", "author", "submitted_at"]
    list_select_related = ["report__institution", "author"]


@admin.register(BannerConfirmation)
class BannerConfirmationAdmin(ReadOnlyAdmin):
    list_display = ["region", "day", "status", "confirmed_by", "confirmed_at"]
    list_select_related = ["region", "confirmed_by"]
