import hashlib
import secrets
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.scoping import Scope

if TYPE_CHECKING:
    from fangkong.institutions.models import Institution


class Role(models.TextChoices):
    ADMIN = "admin", _("System administrator")
    OFFICER = "officer", _("Bureau officer")
    LIAISON = "liaison", _("Liaison leader")
    INSPECTOR = "inspector", _("Inspector")
    OPERATOR = "operator", _("Institution operator")


class User(AbstractUser):
    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username

    def roles(self) -> set[str]:
        return set(self.grants.values_list("role", flat=True))

    def scope(self, roles: Collection[str] | None = None) -> Scope:
        """What this user's grants (of the given roles, or all) let them see.

        `fangkong.core.scoping` asks the user this; the answer is kept on the object for the
        request, and the grants are read once, whatever roles are asked about later.
        """
        cache: dict[frozenset[str] | None, Scope] = self.__dict__.setdefault("_scope_cache", {})
        key = frozenset(roles) if roles is not None else None
        if key not in cache:
            cache[key] = self._build_scope(roles)
        return cache[key]

    def _build_scope(self, roles: Collection[str] | None) -> Scope:
        grants = self.__dict__.get("_grants")
        if grants is None:
            grants = list(self.grants.select_related("region", "institution__region"))
            self.__dict__["_grants"] = grants
        paths: set[str] = set()
        institutions: set[int] = set()
        institution_regions: set[int] = set()
        for grant in grants:
            if roles is not None and grant.role not in roles:
                continue
            if grant.region is not None:
                paths.add(grant.region.path)
            elif grant.institution is not None:
                institutions.add(grant.institution.pk)
                institution_regions.add(grant.institution.region_id)
            else:
                return Scope(everything=True)
        return Scope(
            region_paths=tuple(sorted(_outermost(paths))),
            institution_ids=tuple(sorted(institutions)),
            institution_region_ids=tuple(sorted(institution_regions)),
        )


def granted_institution(user: Any, code: str) -> "Institution | None":
    """The institution with this code if one of the user's grants names it (of any role: it is
    then visible to them), with its region, as read once for the user's scope; else None."""
    if not isinstance(user, User):
        return None
    user.scope()
    for grant in user.__dict__["_grants"]:
        if grant.institution is not None and grant.institution.code == code:
            return grant.institution  # type: ignore[no-any-return]
    return None


def _outermost(paths: set[str]) -> set[str]:
    return {p for p in paths if not any(p != q and p.startswith(q) for q in paths)}


class RoleGrant(models.Model):
    """A role held over a region's subtree, one institution, or (admins only) everything."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="grants"
    )
    role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("region"), on_delete=models.PROTECT, null=True, blank=True
    )
    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(region__isnull=False, institution__isnull=False),
                name="grant_one_scope",
            ),
            models.CheckConstraint(
                condition=models.Q(role="admin")
                | models.Q(region__isnull=False)
                | models.Q(institution__isnull=False),
                name="grant_unscoped_admin_only",
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="grant_role_valid"
            ),
            models.UniqueConstraint(
                fields=["user", "role", "region"],
                condition=models.Q(region__isnull=False),
                name="grant_unique_region",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "institution"],
                condition=models.Q(institution__isnull=False),
                name="grant_unique_institution",
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=models.Q(region__isnull=True, institution__isnull=True),
                name="grant_unique_everything",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.scope_label}"

    @property
    def scope_label(self) -> str:
        if self.region is not None:
            return str(self.region)
        if self.institution is not None:
            return str(self.institution)
        return str(_("everything"))


TOKEN_PREFIX = "fk_"  # noqa: S105 - a label, not a secret


def token_digest(token: str) -> str:
    # Tokens are 256 random bits, so a plain SHA-256 is enough to store them safely.
    return hashlib.sha256(token.encode()).hexdigest()


def new_token_secret() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


class ApiToken(models.Model):
    """A bearer token for machine clients: shown once, stored as a hash, revocable."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(_("hint"), max_length=12, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.hint}… ({self.user})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
