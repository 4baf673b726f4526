from collections.abc import Collection
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.accounts.models import ApiToken, Role, RoleGrant, User, new_token_secret, token_digest
from fangkong.audit.services import audit_record, snapshot
from fangkong.core.errors import field_error
from fangkong.institutions.models import Institution
from fangkong.regions.models import Region


def resolve_scope(code: str | None) -> Region | Institution | None:
    """Find the region or institution a scope code names (None: the whole system)."""
    if not code:
        return None
    region = Region.objects.filter(code=code).first()
    institution = Institution.objects.filter(code=code).first()
    if region is not None and institution is not None:
        raise field_error(
            "scope", _("Code %(code)s names both a region and an institution."), "ambiguous",
            code=code,
        )  # fmt: skip
    if region is None and institution is None:
        raise field_error(
            "scope", _("No region or institution has code %(code)s."), "unknown_scope", code=code
        )
    return region or institution


@transaction.atomic
def user_ensure(
    *, actor: Any, username: str, password: str | None = None, full_name: str = ""
) -> tuple[User, bool]:
    """Return the user named `username`, creating it first if needed."""
    username = username.strip()
    if not username:
        raise field_error("username", _("This field is required."), "required")
    user = User.objects.filter(username=username).first()
    created = user is None
    if user is None:
        user = User(username=username, full_name=full_name)
    if password is not None:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationError({"password": exc.error_list}) from exc
        user.set_password(password)
    elif created:
        user.set_unusable_password()
    user.save()
    if created or password is not None:
        audit_record(
            actor=actor,
            action="user.create" if created else "user.set_password",
            target=user,
            after={"username": user.username, "full_name": user.full_name},
        )
    return user, created


# What the admin may change of a user, as its audit rows show it (a password only as set).
PROFILE_FIELDS = ["username", "full_name", "phone", "email", "first_name", "last_name", "is_active"]


@transaction.atomic
def user_save_from_admin(*, actor: Any, user: User, changed: Collection[str]) -> None:
    """Save a user as the admin form left it, recording the changed fields before and after."""
    created = user.pk is None
    before = None
    if not created:
        stored = snapshot(User.objects.get(pk=user.pk), PROFILE_FIELDS)
        before = {name: value for name, value in stored.items() if name in changed}
    user.save()
    after = {
        name: value
        for name, value in snapshot(user, PROFILE_FIELDS).items()
        if created or name in changed
    }
    if any(name.startswith(("password", "usable_password")) for name in changed):
        after["password_set"] = True
    if created or after:
        action = "user.create" if created else "user.change"
        audit_record(actor=actor, action=action, target=user, before=before, after=after)


def user_password_set_in_admin(*, actor: Any, user: User) -> None:
    """Record that the admin's password form gave `user` a new password (it saved it)."""
    audit_record(
        actor=actor, action="user.set_password", target=user, after={"username": user.username}
    )


@transaction.atomic
def role_grant(
    *, actor: Any, user: User, role: str, scope: Region | Institution | None
) -> RoleGrant:
    """Grant `role` over `scope`; granting what the user already holds changes nothing."""
    if role not in Role.values:
        raise field_error(
            "role", _("Choose one of: %(choices)s."), "invalid_choice",
            choices=", ".join(Role.values),
        )  # fmt: skip
    if scope is None and role != Role.ADMIN:
        raise field_error(
            "scope", _("Only administrators may hold a role over the whole system."), "required"
        )
    region = scope if isinstance(scope, Region) else None
    institution = scope if isinstance(scope, Institution) else None
    grant, created = RoleGrant.objects.get_or_create(
        user=user, role=role, region=region, institution=institution
    )
    if role == Role.ADMIN and scope is None and not (user.is_staff and user.is_superuser):
        user.is_staff = user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
    if created:
        audit_record(
            actor=actor,
            action="user.grant",
            target=user,
            after={"role": role, "scope": getattr(scope, "code", None)},
            **_grant_place(grant),
        )
    return grant


@transaction.atomic
def role_revoke(*, actor: Any, grant: RoleGrant) -> None:
    """Take back one grant; without a system-wide admin grant the user leaves the admin site."""
    user, place = grant.user, _grant_place(grant)
    before = {"role": grant.role, "scope": _grant_scope_code(grant)}
    grant.delete()
    after = _leave_admin_site(user)
    audit_record(
        actor=actor, action="user.revoke", target=user, before=before, after=after, **place
    )


def _leave_admin_site(user: User) -> dict[str, Any] | None:
    """Clear staff and superuser once no system-wide admin grant is left; return the change."""
    unscoped_admin = user.grants.filter(role=Role.ADMIN, region=None, institution=None)
    if not (user.is_staff or user.is_superuser) or unscoped_admin.exists():
        return None
    user.is_staff = user.is_superuser = False
    user.save(update_fields=["is_staff", "is_superuser"])
    return {"is_staff": False, "is_superuser": False}


def _grant_scope_code(grant: RoleGrant) -> str | None:
    scope = grant.region or grant.institution
    return scope.code if scope is not None else None


def _grant_place(grant: RoleGrant) -> dict[str, Any]:
    """Where an event about `grant` belongs, so the scope's officers see it in their log."""
    if grant.institution is not None:
        return {
            "region_path": grant.institution.region.path,
            "institution_id": grant.institution.pk,
        }
    return {"region_path": grant.region.path if grant.region else None, "institution_id": None}


@transaction.atomic
def token_create(*, actor: Any, user: User, name: str = "") -> tuple[ApiToken, str]:
    """Create a token and return it with its secret, which is shown this once only."""
    secret = new_token_secret()
    token = ApiToken.objects.create(
        user=user, name=name, digest=token_digest(secret), hint=secret[:10]
    )
    audit_record(actor=actor, action="token.create", target=token, after={"user": user.username})
    return token, secret


@transaction.atomic
def token_revoke(*, actor: Any, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="token.revoke", target=token)
    return token
