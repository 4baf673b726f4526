"""The one place where what a user may see is decided.

Every selector, page, API endpoint and export narrows its queryset through `visible()`. A model
declares once, in its `scoping` attribute, how its rows relate to regions and institutions; a
user's role grants are turned into a `Scope` once per request and cached on the user object.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, Q, QuerySet
from django.http import Http404

if TYPE_CHECKING:
    from fangkong.accounts.models import User


@dataclass(frozen=True)
class Scoping:
    """How a model's rows are placed in the tree, as ORM lookups from the model.

    - `region`: the row's region (a foreign key); in scope when inside a granted subtree. The
      subtree is resolved on the small region table first (`region_id IN (SELECT id … WHERE
      path LIKE 'prefix%')`), so the large table is reached through its region index.
    - `region_path`: a path string kept on the row itself (regions, audit events).
    - `institution`: the row's institution id, matched against granted institutions.
    - `institution_region`: a region id matched against the regions of granted institutions
      (so that an operator sees the region their institution lies in).
    """

    region: str | None = None
    region_path: str | None = None
    institution: str | None = None
    institution_region: str | None = None


class ScopedModel(Protocol):
    scoping: Scoping


@dataclass(frozen=True)
class Scope:
    everything: bool = False
    region_paths: tuple[str, ...] = ()
    institution_ids: tuple[int, ...] = ()
    institution_region_ids: tuple[int, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.everything or self.region_paths or self.institution_ids)

    def q(self, scoping: Scoping) -> Q:
        if self.everything:
            return Q()
        condition = Q(pk__in=[])
        if scoping.region and self.region_paths:
            from fangkong.regions.models import Region

            inside = Q()
            for path in self.region_paths:
                inside |= Q(path__startswith=path)
            subtree = Region.objects.filter(inside).values("pk")
            condition |= Q(**{f"{scoping.region}__in": subtree})
        if scoping.region_path:
            for path in self.region_paths:
                condition |= Q(**{f"{scoping.region_path}__startswith": path})
        if scoping.institution and self.institution_ids:
            condition |= Q(**{f"{scoping.institution}__in": self.institution_ids})
        if scoping.institution_region and self.institution_region_ids:
            condition |= Q(**{f"{scoping.institution_region}__in": self.institution_region_ids})
        return condition

    def covers_path(self, path: str) -> bool:
        return self.everything or any(path.startswith(p) for p in self.region_paths)


class SystemActor:
    """The command line and the worker: trusted with everything, recorded as "system"."""

    is_authenticated = False
    is_active = True

    def __str__(self) -> str:
        return "system"


SYSTEM = SystemActor()


def scope_of(user: User | Any, roles: Collection[str] | None = None) -> Scope:
    """Return what the user's grants (of the given roles, or all) let them see."""
    if isinstance(user, SystemActor):
        return Scope(everything=True)
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Scope()
    cache: dict[frozenset[str] | None, Scope] = user.__dict__.setdefault("_scope_cache", {})
    key = frozenset(roles) if roles is not None else None
    if key not in cache:
        cache[key] = _build_scope(user, roles)
    return cache[key]


def _build_scope(user: User, roles: Collection[str] | None) -> Scope:
    grants = user.__dict__.get("_grants")
    if grants is None:
        # One query per request, whatever roles are asked about later.
        grants = list(user.grants.select_related("region", "institution"))
        user.__dict__["_grants"] = grants
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


def _outermost(paths: set[str]) -> set[str]:
    return {p for p in paths if not any(p != q and p.startswith(q) for q in paths)}


def visible[M: Model](
    queryset: QuerySet[M], user: Any, roles: Collection[str] | None = None
) -> QuerySet[M]:
    """Narrow `queryset` to the rows the user may see."""
    scoping: Scoping = queryset.model.scoping  # type: ignore[attr-defined]
    scope = scope_of(user, roles)
    if scope.is_empty:
        return queryset.none()
    return queryset.filter(scope.q(scoping))


def get_visible_or_404[M: Model](
    queryset: QuerySet[M], user: Any, roles: Collection[str] | None = None, **lookup: Any
) -> M:
    """Return the one visible row matching `lookup`; absent and out of scope look the same."""
    try:
        return visible(queryset, user, roles).get(**lookup)
    except ObjectDoesNotExist as exc:
        raise Http404(queryset.model._meta.verbose_name) from exc
