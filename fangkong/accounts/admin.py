from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from fangkong.accounts.models import ApiToken, RoleGrant, User
from fangkong.accounts.services import token_revoke


class RoleGrantInline(admin.TabularInline):  # type: ignore[type-arg]
    """Grants are shown here; `fangkong user create` and `user revoke` change them, audited."""

    model = RoleGrant
    extra = 0
    readonly_fields = ("role", "region", "institution", "granted_at")
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(User)
class FangkongUserAdmin(UserAdmin):  # type: ignore[type-arg]
    inlines = [RoleGrantInline]
    list_display = ["username", "full_name", "is_active", "last_login"]
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("Fangkong", {"fields": ("full_name", "phone")}),
    )
    # Staff and superuser follow the system administrator grant (role_grant, role_revoke).
    readonly_fields = ["is_staff", "is_superuser", "groups", "user_permissions"]

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # Audit events keep their actor; a user who leaves is deactivated instead.
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["hint", "user", "name", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ("hint", "user", "name", "created_at", "last_used_at", "revoked_at")
    fields = readonly_fields
    actions = ["revoke_tokens"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Tokens are made by `fangkong token create`, which shows the secret once.
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("accounts.change_apitoken")

    @admin.action(description=_("Revoke selected tokens"), permissions=["revoke"])
    def revoke_tokens(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for token in queryset.filter(revoked_at=None):
            token_revoke(actor=request.user, token=token)
        self.message_user(request, _("The selected tokens are revoked."), messages.SUCCESS)
