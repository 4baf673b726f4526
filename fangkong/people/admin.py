"""Persons, stays and visits are shown read-only and masked: they change only through the
services that audit them, and a full number is revealed only through the audited action."""

from django.contrib import admin

from fangkong.core.admin import ReadOnlyAdmin
from fangkong.people.models import Person, Stay, Visit


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    list_display = ["name", "id_number_masked", "sex", "birth_date", "created_in", "created_at"]
    # The masked numbers only: the encrypted columns are never shown here.
    readonly_fields = fields = (
        "name", "sex", "birth_date", "document_type", "id_number_masked", "phone_masked",
        "created_by", "created_in", "created_at",
    )  # fmt: skip
    search_fields = ["name", "pinyin", "initials"]


@admin.register(Stay)
class StayAdmin(ReadOnlyAdmin):
    list_display = ["person", "institution", "role", "start", "end"]
    list_filter = ["role"]
    search_fields = ["person__name", "institution__name"]


@admin.register(Visit)
class VisitAdmin(ReadOnlyAdmin):
    list_display = ["visitor", "institution", "check_in", "check_out", "exception_reason"]
    search_fields = ["visitor__name", "institution__name"]
