"""The database refuses two overlapping closures of one institution (see core.day_ranges)."""

from fangkong.core.day_ranges import NoOverlap

GUARD = NoOverlap(
    table="closures_closure",
    constraint="closure_no_overlap",
    keys=["institution_id"],
    message="the closures of an institution overlap",
)
CONSTRAINT = GUARD.constraint
refuse_overlaps = GUARD.add
allow_overlaps = GUARD.remove
ensure_on_sqlite = GUARD.ensure_on_sqlite
