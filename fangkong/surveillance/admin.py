"""Signals are raised and withdrawn only by `services.signals_update`: shown read-only."""

from django.contrib import admin

from fangkong.core.admin import ReadOnlyAdmin
from fangkong.surveillance.models import Aberration


@admin.register(Aberration)
class AberrationAdmin(ReadOnlyAdmin):
    list_display = ["institution", "day", "field", "value", "methods", "withdrawn_at"]
    list_select_related = ["institution"]
