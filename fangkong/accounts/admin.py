from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from fangkong.accounts.models import ApiToken, RoleGrant, User


class RoleGrantInline(admin.TabularInline):  # type: ignore[type-arg]
    model = RoleGrant
    extra = 0
    autocomplete_fields = ["region", "institution"]


@admin.register(User)
class FangkongUserAdmin(UserAdmin):  # type: ignore[type-arg]
    inlines = [RoleGrantInline]
    list_display = ["username", "full_name", "is_active", "last_login"]
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("Fangkong", {"fields": ("full_name", "phone")}),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["hint", "user", "name", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["hint", "user", "created_at", "last_used_at"]
    fields = ["hint", "user", "name", "created_at", "last_used_at", "revoked_at"]

    def has_add_permission(self, request: object) -> bool:
        # Tokens are made by `fangkong token create`, which shows the secret once.
        return False
