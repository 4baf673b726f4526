"""Closures, orders and the gate register are shown read-only: they change only through the
services that audit them. The rule table's outcomes, texts and checks are the administrators' to
change (the admin site audits every change); its rows, one per level, direction and purpose, are
the migrations'."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

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
class EntryRuleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["level", "direction", "purpose", "outcome", "needs_test_proof", "fever_from",
                    "handover_outside", "reason"]  # fmt: skip
    list_filter = ["level", "direction", "outcome"]
    readonly_fields = ["level", "direction", "purpose"]
    fields = ["level", "direction", "purpose", "outcome", "reason", "conditions",
              "needs_test_proof", "fever_from", "handover_outside"]  # fmt: skip

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(GateEvent)
class GateEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "institution", "direction", "purpose", "person_name", "outcome",
                    "exception_reason"]  # fmt: skip
    list_filter = ["direction", "purpose", "outcome"]
    search_fields = ["person_name", "vehicle", "institution__name"]
