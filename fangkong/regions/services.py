import re
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from fangkong.audit.services import audit_record, snapshot
from fangkong.core.errors import field_error
from fangkong.core.scoping import scope_of
from fangkong.core.text import has_visible
from fangkong.regions.models import LEVEL_DEPTH, NATION_CODE, Level, Region, path_depth

STANDARD_CODE = re.compile(r"^\d{6}$|^\d{9}$", re.ASCII)  # not other scripts' digits
LOCAL_CODE = re.compile(r"^[0-9A-Z][0-9A-Z-]{1,19}$")
AUDITED_FIELDS = ["code", "name", "level", "parent", "standard"]
REGION_MANAGERS = {"admin"}


def expected_level(code: str) -> Level:
    """Return the level a GB/T 2260 code denotes (the township level has nine digits)."""
    if len(code) == 9:
        return Level.TOWNSHIP
    if code.endswith("0000"):
        return Level.PROVINCE
    if code.endswith("00"):
        return Level.PREFECTURE
    return Level.COUNTY


def _validate_code(code: str, level: str, standard: bool) -> None:
    if standard:
        if not STANDARD_CODE.match(code):
            raise field_error(
                "code",
                _("A standard region code has 6 digits (9 for a township), as in GB/T 2260."),
                "invalid_code",
            )
        if expected_level(code) != level:
            raise field_error(
                "level",
                _("Code %(code)s denotes the level “%(expected)s”, not “%(level)s”."),
                "level_mismatch",
                code=code,
                expected=expected_level(code).value,
                level=level,
            )
    elif not LOCAL_CODE.match(code):
        raise field_error(
            "code",
            _("A local code has 2 to 20 characters: digits, capital letters and hyphens."),
            "invalid_code",
        )


def _validate_parent(level: str, parent: Region | None, standard: bool, code: str) -> None:
    if parent is None:
        if level != Level.PROVINCE:
            raise field_error(
                "parent_code", _("Only a province has no parent region."), "parent_required"
            )
        return
    if LEVEL_DEPTH[Level(level)] <= LEVEL_DEPTH[Level(parent.level)]:
        raise field_error(
            "parent_code",
            _("A region must lie below its parent's level."),
            "parent_level",
        )
    if (
        standard
        and parent.standard
        and not code.startswith(parent.code[: PREFIX_LENGTH[Level(parent.level)]])
    ):
        raise field_error(
            "parent_code",
            _("Standard code %(code)s does not belong under %(parent)s."),
            "parent_mismatch",
            code=code,
            parent=parent.code,
        )


# How many leading digits of a standard code name its parent at each level.
PREFIX_LENGTH = {
    Level.NATION: 0,
    Level.PROVINCE: 2,
    Level.PREFECTURE: 4,
    Level.COUNTY: 6,
    Level.TOWNSHIP: 9,
}


def _parent_for(actor: Any, parent_code: str | None) -> Region | None:
    if not parent_code:
        return None
    parent = Region.objects.filter(code=parent_code).first()
    if parent is None or not _may_manage(actor, parent.path):
        raise field_error(
            "parent_code",
            _("No region with code %(code)s in your scope."),
            "unknown_region",
            code=parent_code,
        )
    return parent


def _may_manage(actor: Any, path: str) -> bool:
    return scope_of(actor, REGION_MANAGERS).covers_path(path)


@transaction.atomic
def region_create(
    *,
    actor: Any,
    code: str,
    name: str,
    level: str,
    parent_code: str | None,
    standard: bool = True,
) -> Region:
    code, name = code.strip(), name.strip()
    if level not in Level.values:
        raise field_error(
            "level",
            _("Choose one of: %(choices)s."),
            "invalid_choice",
            choices=", ".join(Level.values),
        )
    _validate_code(code, level, standard)
    if not name:
        raise field_error("name", _("This field is required."), "required")
    if not has_visible(name):
        raise field_error("name", _("Enter a name with at least one visible character."), "blank")
    if level == Level.NATION:
        raise field_error(
            "level",
            _("There is one nation region; it is made by loading the official list."),
            "nation_exists",
        )
    parent = _parent_for(actor, parent_code)
    if parent is None and not _may_manage(actor, ""):
        raise field_error(
            "parent_code", _("Only a system administrator may add a province."), "forbidden"
        )
    if parent is None and level == Level.PROVINCE:
        parent = Region.objects.filter(code=NATION_CODE).first()
    _validate_parent(level, parent, standard, code)
    if Region.objects.filter(code=code).exists():
        raise field_error(
            "code", _("A region with code %(code)s already exists."), "duplicate", code=code
        )
    region = Region(code=code, name=name, level=level, parent=parent, standard=standard)
    place(region)
    region.save()
    audit_record(
        actor=actor,
        action="region.create",
        target=region,
        after=snapshot(region, AUDITED_FIELDS),
        region_path=region.path,
    )
    return region


@transaction.atomic
def region_move(*, actor: Any, region: Region, parent_code: str) -> Region:
    """Put `region` under another parent, carrying its whole subtree along."""
    before = snapshot(region, AUDITED_FIELDS)
    if not _may_manage(actor, region.path):
        raise field_error("code", _("No such region in your scope."), "unknown_region")
    parent = _parent_for(actor, parent_code)
    if parent is not None and parent.path.startswith(region.path):
        raise field_error(
            "parent_code",
            _("Region %(parent)s lies inside %(code)s: the move would make a cycle."),
            "cycle",
            parent=parent.code,
            code=region.code,
        )
    _validate_parent(region.level, parent, region.standard, region.code)
    old_path = region.path
    region.parent = parent
    place(region)
    region.save(update_fields=["parent", "path", "depth"])
    depth_shift = path_depth(region.path) - path_depth(old_path)
    for child in Region.objects.filter(path__startswith=old_path).exclude(pk=region.pk):
        child.path = region.path + child.path[len(old_path) :]
        child.depth += depth_shift
        child.save(update_fields=["path", "depth"])
    audit_record(
        actor=actor,
        action="region.move",
        target=region,
        before=before,
        after=snapshot(region, AUDITED_FIELDS),
        region_path=region.path,
    )
    return region


def place(region: Region) -> None:
    """Set the region's path and depth from its parent's (the nation's path is "")."""
    if region.level == Level.NATION:
        region.path = ""
    else:
        parent_path = region.parent.path if region.parent is not None else ""
        region.path = f"{parent_path}{region.code}/"
    region.depth = path_depth(region.path)
