"""Closures, orders, the rule table and the gate register are shown read-only: they change only
through the services that audit them (the rule table through its migration)."""

from django.contrib import admin

from fangkong.closures.models import Closure, ClosureOrder, EntryRule, GateEvent
from fangkong.core.admin import ReadOnlyAdmin


@admin.register(ClosureOrder)
class ClosureOrderAdmin(ReadOnlyAdmin):
    list_display = ["basis_title", "kind", "region", "institution", "ordered_by", "created_at"]
    list_filter = ["kind"]
    search_fields = ["basis_title", "basis_number", "region__name", "institution__name"]


@admin.register(Closure)
class ClosureAdmin(ReadOnlyAdmin):
    list_display = ["institution", "level", "start_date", "end_date", "lifted_at"]
    list_filter = ["level"]
    search_fields = ["institution__name", "institution__code"]


@admin.register(EntryRule)
class EntryRuleAdmin(ReadOnlyAdmin):
    list_display = ["level", "direction", "purpose", "outcome", "reason"]
    list_filter = ["level", "direction", "outcome"]


@admin.register(GateEvent)
class GateEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "institution", "direction", "purpose", "person_name", "outcome",
                    "exception_reason"]  # fmt: skip
    list_filter = ["direction", "purpose", "outcome"]
    search_fields = ["person_name", "vehicle", "institution__name"]
