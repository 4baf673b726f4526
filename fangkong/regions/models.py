from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.scoping import Scoping


class Level(models.TextChoices):
    NATION = "nation", _("Nation")
    PROVINCE = "province", _("Province")
    PREFECTURE = "prefecture", _("Prefecture (league, city)")
    COUNTY = "county", _("County (banner, district)")
    TOWNSHIP = "township", _("Township")


LEVEL_DEPTH = {
    Level.NATION: 0,
    Level.PROVINCE: 1,
    Level.PREFECTURE: 2,
    Level.COUNTY: 3,
    Level.TOWNSHIP: 4,
}

# The nation has no GB/T 2260 code; 000000 is the conventional one for "the whole country".
NATION_CODE = "000000"


class Region(models.Model):
    """An administrative division (GB/T 2260) or a non-standard reporting unit.

    The tree is stored as a materialised path of codes ("150000/152900/152921/"). Every scoped
    read asks "what lies under these regions?"; with paths that is one prefix condition,
    `path LIKE '150000/152900/%'`, answered from a B-tree on PostgreSQL (the pattern-ops index
    below) and by a scan of this small table (about 3,300 rows) on SQLite, after which the large
    tables are reached through their region index. A recursive CTE over parent links was the
    alternative; `make bench` (subtree) measures both at the national scale: on PostgreSQL the
    path answers a league's or banner's subtree in well under a millisecond, several times
    faster than the CTE. Writes are rare (the official list changes yearly), so rewriting a
    moved subtree's paths costs nothing that matters.

    The nation (`NATION_CODE`, loaded with the official list) is the root, and its path is the
    empty string: the prefix of every path, so that its subtree is everything without a segment
    of its own in any path. Provinces keep "150000/" whether or not the nation sits above them,
    and no stored path (in audit events, for one) changes when it is added. `depth` is the
    number of segments: 0 for the nation, 1 for a province.
    """

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=12, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    standard = models.BooleanField(
        _("standard code"),
        default=True,
        help_text=_("False for development zones and other units outside GB/T 2260."),
    )
    path = models.CharField(_("path"), max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(_("depth"), editable=False, default=0)

    scoping = Scoping(region_path="path", institution_region="pk")

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["path"]
        indexes = [
            # PostgreSQL needs the pattern operator class for LIKE 'prefix%' under a non-C
            # collation; other databases ignore opclasses.
            models.Index(
                fields=["path"], name="region_path_prefix", opclasses=["varchar_pattern_ops"]
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__in=Level.values), name="region_level_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def subtree(self) -> "models.QuerySet[Region]":
        return Region.objects.filter(path__startswith=self.path)

    def lineage_paths(self) -> list[str]:
        """The paths of this region and of every region above it, the nation's ("") first."""
        return lineage_paths(self.path)


def lineage_paths(path: str) -> list[str]:
    """The paths of the region at `path` and of every region above it, the nation's first."""
    return ["", *(path[: i + 1] for i, c in enumerate(path) if c == "/")]


def path_depth(path: str) -> int:
    """A region's depth from its path: 0 for the nation (""), 1 for "150000/", and so on."""
    return path.count("/")
