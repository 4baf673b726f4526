"""Signals are raised and withdrawn only by `services.signals_update`: shown read-only."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from fangkong.core.admin import ReadOnlyAdmin
from fangkong.surveillance.models import Aberration


@admin.register(Aberration)
class AberrationAdmin(ReadOnlyAdmin):
    list_display = ["institution", "day", "field", "value", "methods_shown", "withdrawn_at"]
    list_select_related = ["institution"]

    @admin.display(description=_("methods that signalled"), ordering="methods")
    def methods_shown(self, signal: Aberration) -> str:
        return signal.methods_label
