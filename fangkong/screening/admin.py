"""Screenings are shown read-only: they change only through the services that audit them."""

from django.contrib import admin

from fangkong.core.admin import ReadOnlyAdmin
from fangkong.screening.models import Screening


@admin.register(Screening)
class ScreeningAdmin(ReadOnlyAdmin):
    list_display = ["institution", "start", "end", "reason", "created_at"]
    search_fields = ["institution__name", "reason"]
