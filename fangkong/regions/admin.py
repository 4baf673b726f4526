from django.contrib import admin
from django.http import HttpRequest

from fangkong.regions.models import Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["code", "name", "level", "standard", "parent"]
    list_filter = ["level", "standard"]
    search_fields = ["code", "name"]
    readonly_fields = ["code", "name", "level", "parent", "standard", "path", "depth"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Regions are added through `fangkong regions load` or the API, which check the tree.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # Institutions, grants and audit rows are placed by region paths; a tree only grows.
        return False
