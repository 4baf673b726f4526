from django.contrib import admin
from django.http import HttpRequest

from fangkong.institutions.models import Institution


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["code", "name", "region", "kind", "beds", "closed_on"]
    list_filter = ["kind"]
    search_fields = ["code", "name", "name_pinyin"]
    readonly_fields = [f.name for f in Institution._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # Reports, grants and audit rows refer to it; an institution that stops is closed.
        return False
