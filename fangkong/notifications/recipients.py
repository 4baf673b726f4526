"""Who hears of a region or an institution: its officers, its operators and its group robots.

Read in a few queries for a whole run, so that a reminder loop over a thousand institutions
does not ask once per message.
"""

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from itertools import batched

from fangkong.accounts.models import Role, RoleGrant, User
from fangkong.notifications.models import Webhook
from fangkong.regions.models import Region, lineage_paths

IN_BATCH = 500  # ids per `IN (...)`: far below SQLite's limit on query parameters


@dataclass(frozen=True)
class Directory:
    """The officers and group robots of some regions, read once for a whole run."""

    officers: dict[str, list[User]]  # by the path of the region they are granted on
    webhooks: dict[int, list[Webhook]]  # by region id

    @classmethod
    def of(cls, regions: Collection[Region], *, with_ancestors: bool = False) -> "Directory":
        """Load the officers of `regions` (and of the regions above them) and their robots."""
        paths = {
            path for region in regions
            for path in (region.lineage_paths() if with_ancestors else [region.path])
        }  # fmt: skip
        return cls(_officers_by_path(paths), _webhooks_by_region({r.pk for r in regions}))

    def officers_of(self, region: Region) -> list[User]:
        """The officers granted on `region` itself (not those of a parent or a child)."""
        return self.officers.get(region.path, [])

    def officers_above(self, region: Region) -> list[User]:
        """The officers of `region` and of every region above it (a banner and its league)."""
        return _merged(self.officers, region.lineage_paths())

    def webhooks_of(self, region: Region) -> list[Webhook]:
        return self.webhooks.get(region.pk, [])


def officers_above_path(path: str) -> list[User]:
    """The officers of the region at `path` and of every region above it."""
    lineage = lineage_paths(path)
    return _merged(_officers_by_path(lineage), lineage)


def _merged(officers: dict[str, list[User]], paths: Sequence[str]) -> list[User]:
    found = {user.pk: user for path in paths for user in officers.get(path, [])}
    return sorted(found.values(), key=lambda user: user.username)


def _officers_by_path(paths: Collection[str]) -> dict[str, list[User]]:
    grants = (
        RoleGrant.objects.filter(role=Role.OFFICER, region__path__in=paths, user__is_active=True)
        .select_related("user", "region")
        .order_by("user__username")
    )
    officers: dict[str, list[User]] = defaultdict(list)
    for grant in grants:
        if grant.region is not None:
            officers[grant.region.path].append(grant.user)
    return officers


def _webhooks_by_region(region_ids: Collection[int]) -> dict[int, list[Webhook]]:
    webhooks: dict[int, list[Webhook]] = defaultdict(list)
    for hook in Webhook.objects.filter(region__in=region_ids, active=True).order_by("pk"):
        webhooks[hook.region_id].append(hook)
    return webhooks


def operators_of(institution_ids: Sequence[int]) -> dict[int, list[User]]:
    """The active operators of these institutions (only these), by institution id."""
    operators: dict[int, list[User]] = defaultdict(list)
    for ids in batched(institution_ids, IN_BATCH, strict=False):
        grants = (
            RoleGrant.objects.filter(role=Role.OPERATOR, institution__in=ids, user__is_active=True)
            .select_related("user")
            .order_by("user__username")
        )
        for grant in grants:
            if grant.institution_id is not None:
                operators[grant.institution_id].append(grant.user)
    return operators
