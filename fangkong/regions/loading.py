"""Load China's official division list (GB/T 2260, county level) and known non-standard units.

The list ships with python-stdnum (`stdnum/cn/loc.dat`), which keeps each code's history:
`[1983-1999]郊区,[2000-]赛罕区` is a rename, `[-2010]崇文区` a code no longer in use. Only codes
in use today are loaded, under their current names.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from stdnum import numdb

from fangkong.audit.services import Target, audit_record
from fangkong.core.scoping import SYSTEM
from fangkong.regions.models import NATION_CODE, Level, Region
from fangkong.regions.services import expected_level, place

# Placeholder rows of the list that are not units of their own; their children hang one level up.
PLACEHOLDERS = {"市辖区", "县", "省直辖县级行政单位", "自治区直辖县级行政单位"}
HISTORY = re.compile(r"^\[(\d*)-(\d*)\](.*)$")


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    level: Level
    parent_code: str | None
    standard: bool = True


# Reporting units outside GB/T 2260 (DESIGN.md, "Regions"): a development zone with a statistics
# code, a township-level zone that reports like a banner, and a zone with no official code.
NON_STANDARD_UNITS = [
    Division("152971", "阿拉善高新技术产业开发区", Level.COUNTY, "152900", standard=False),
    Division("152921401", "腾格里经济技术开发区", Level.COUNTY, "152900", standard=False),
    Division("152900-01", "孪井滩生态移民示范区", Level.COUNTY, "152900", standard=False),
]


def current_name(raw: str) -> str | None:
    """Return the name a code carries today, or None if it is no longer in use."""
    latest = raw.split(",")[-1]
    match = HISTORY.match(latest)
    if match is None:
        return latest
    _since, until, name = match.groups()
    return None if until else name


# The root above the provinces; "全国" is how a bulletin names the whole country.
NATION = Division(NATION_CODE, "全国", Level.NATION, None, standard=False)


def official_divisions() -> Iterator[Division]:
    """Yield the nation and the divisions in use today, parents before children."""
    yield NATION
    for _length, low, _high, props, children in numdb.get("cn/loc").prefixes:
        province_code = f"{low}0000"
        yield Division(province_code, props["province"], Level.PROVINCE, NATION_CODE)
        known = {province_code}
        for _c_length, c_low, _c_high, c_props, _ in children:
            code = f"{low}{c_low}"
            name = current_name(c_props["county"])
            if code == province_code or name is None or name in PLACEHOLDERS:
                continue
            level = expected_level(code)
            prefecture = code[:4] + "00"
            parent = prefecture if level == Level.COUNTY and prefecture in known else province_code
            known.add(code)
            yield Division(code, name, level, parent)


@transaction.atomic
def load_divisions(divisions: list[Division], *, actor: Any = SYSTEM) -> tuple[int, int]:
    """Create the missing divisions and rename the changed ones; return (created, renamed).

    `divisions` lists parents before children; new rows are inserted a level at a time so that
    each level's parents already have their ids.
    """
    existing = {r.code: r for r in Region.objects.all()}
    renamed = 0
    depths = {code: region.depth for code, region in existing.items()}
    pending: dict[int, list[Division]] = {}
    for division in divisions:
        depths[division.code] = depths.get(division.parent_code or "", -1) + 1
        region = existing.get(division.code)
        if region is None:
            pending.setdefault(depths[division.code], []).append(division)
            continue
        if region.name != division.name:
            Region.objects.filter(pk=region.pk).update(name=division.name)
            renamed += 1
    created = 0
    for depth in sorted(pending):
        rows = [_new_region(division, existing) for division in pending[depth]]
        for region in Region.objects.bulk_create(rows, batch_size=500):
            existing[region.code] = region
        created += len(rows)
    attached = _attach_provinces()
    if created or renamed or attached:
        audit_record(
            actor=actor,
            action="region.load",
            target=Target("regions.region", "*", "GB/T 2260"),
            after={"created": created, "renamed": renamed, "attached": attached},
        )
    return created, renamed


def _attach_provinces() -> int:
    """Put the provinces made before the nation existed under it; return how many.

    Their paths stay the same: the nation's is empty.
    """
    nation = Region.objects.filter(code=NATION_CODE).first()
    if nation is None:
        return 0
    return Region.objects.filter(parent=None, level=Level.PROVINCE).update(parent=nation)


def _new_region(division: Division, existing: dict[str, Region]) -> Region:
    parent = existing.get(division.parent_code) if division.parent_code else None
    region = Region(
        code=division.code,
        name=division.name,
        level=division.level,
        parent=parent,
        standard=division.standard,
    )
    place(region)
    return region


def load_official(*, actor: Any = SYSTEM) -> tuple[int, int]:
    return load_divisions([*official_divisions(), *NON_STANDARD_UNITS], actor=actor)
