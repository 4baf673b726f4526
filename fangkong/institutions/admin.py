from django.contrib import admin

from fangkong.institutions.models import Institution


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["code", "name", "region", "kind", "beds", "closed_on"]
    list_filter = ["kind"]
    search_fields = ["code", "name", "name_pinyin"]
    readonly_fields = [f.name for f in Institution._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False
