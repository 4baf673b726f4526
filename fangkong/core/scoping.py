"""The one mechanism that decides what a user may see.

Every selector, page, API endpoint and export narrows its queryset through `visible()`. A model
declares once, in its `scoping` attribute, how its rows relate to regions and institutions. What
a user may see is asked of the user (`user.scope(roles)`, as `request.user` is asked for
permissions), so this module, on the ground floor, knows no domain: the accounts app builds a
`Scope` from its role grants, and the region table behind a `region` lookup is found through the
model's own foreign keys.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, Protocol

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, Q, QuerySet
from django.http import Http404


@dataclass(frozen=True)
class Scoping:
    """How a model's rows are placed in the tree, as ORM lookups from the model.

    - `region`: the row's region (a foreign key, possibly through others); in scope when inside
      a granted subtree. The subtree is resolved on the small region table first (`region_id IN
      (SELECT id … WHERE path LIKE 'prefix%')`), so the large table is reached through its
      region index.
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
    """What one user may see: everything, region subtrees (by path) and single institutions."""

    everything: bool = False
    region_paths: tuple[str, ...] = ()
    institution_ids: tuple[int, ...] = ()
    institution_region_ids: tuple[int, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.everything or self.region_paths or self.institution_ids)

    def q(self, scoping: Scoping, model: type[Model]) -> Q:
        """The condition on `model`'s rows that keeps those inside this scope."""
        if self.everything:
            return Q()
        condition = Q(pk__in=[])
        if scoping.region and self.region_paths:
            regions = related_model(model, scoping.region)
            inside = Q()
            for path in self.region_paths:
                inside |= Q(path__startswith=path)
            subtree = regions._default_manager.filter(inside).values("pk")
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


def related_model(model: type[Model], lookup: str) -> type[Model]:
    """The model a chain of foreign keys (`institution__region`) leads to from `model`."""
    for name in lookup.split("__"):
        target = model._meta.get_field(name).related_model
        if not isinstance(target, type):
            raise TypeError(f"{model.__name__}.{name} is not a foreign key")
        model = target
    return model


class SystemActor:
    """The command line and the worker: trusted with everything, recorded as "system"."""

    is_authenticated = False
    is_active = True

    def __str__(self) -> str:
        return "system"


SYSTEM = SystemActor()


def scope_of(user: Any, roles: Collection[str] | None = None) -> Scope:
    """Return what the user's grants (of the given roles, or all) let them see."""
    if isinstance(user, SystemActor):
        return Scope(everything=True)
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Scope()
    scope: Scope = user.scope(roles)
    return scope


def visible[M: Model](
    queryset: QuerySet[M], user: Any, roles: Collection[str] | None = None
) -> QuerySet[M]:
    """Narrow `queryset` to the rows the user may see."""
    scoping: Scoping = queryset.model.scoping  # type: ignore[attr-defined]
    scope = scope_of(user, roles)
    if scope.is_empty:
        return queryset.none()
    return queryset.filter(scope.q(scoping, queryset.model))


def get_visible_or_404[M: Model](
    queryset: QuerySet[M], user: Any, roles: Collection[str] | None = None, **lookup: Any
) -> M:
    """Return the one visible row matching `lookup`; absent and out of scope look the same."""
    try:
        return visible(queryset, user, roles).get(**lookup)
    except ObjectDoesNotExist as exc:
        raise Http404(queryset.model._meta.verbose_name) from exc
