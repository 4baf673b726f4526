"""The database refuses two overlapping stays of one person (see core.day_ranges)."""

from fangkong.core.day_ranges import NoOverlap

GUARD = NoOverlap(
    table="people_stay",
    constraint="stay_no_overlap",
    keys=["person_id"],
    message="the stays of a person overlap",
    start="start_at",
    end="end_at",
    moments=True,
)
CONSTRAINT = GUARD.constraint
refuse_overlaps = GUARD.add
allow_overlaps = GUARD.remove
ensure_on_sqlite = GUARD.ensure_on_sqlite
