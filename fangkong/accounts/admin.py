from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from fangkong.accounts.models import ApiToken, RoleGrant, User
from fangkong.accounts.services import (
    token_revoke,
    user_password_set_in_admin,
    user_save_from_admin,
)


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
    audit_writes = False  # user_save_from_admin and user_password_set_in_admin audit
    list_display = ["username", "full_name", "is_active", "last_login"]
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("Fangkong", {"fields": ("full_name", "phone")}),
    )
    # Staff and superuser follow the system administrator grant (role_grant, role_revoke).
    readonly_fields = [
        "is_staff",
        "is_superuser",
        "groups",
        "user_permissions",
        "last_login",
        "date_joined",
    ]

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # Audit events keep their actor; a user who leaves is deactivated instead.
        return False

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        user_save_from_admin(actor=request.user, user=obj, changed=form.changed_data)

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:  # saved, then redirected
                user = self.get_object(request, unquote(id))
                if user is not None:
                    user_password_set_in_admin(actor=request.user, user=user)
        return response


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
        user = request.user  # typed loosely: auth's config is renamed in config/apps.py
        return isinstance(user, User) and user.has_perm("accounts.change_apitoken")

    @admin.action(description=_("Revoke selected tokens"), permissions=["revoke"])
    def revoke_tokens(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for token in queryset.filter(revoked_at=None):
            token_revoke(actor=request.user, token=token)
        self.message_user(request, _("The selected tokens are revoked."), messages.SUCCESS)
