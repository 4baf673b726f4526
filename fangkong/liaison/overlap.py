"""At most one liaison per institution and level on any day, kept by the database: two
officers assigning at once must not both win, so the rule cannot live in the service alone
(see core.day_ranges). The services look for `CONSTRAINT` in the error."""

from fangkong.core.day_ranges import NoOverlap

GUARD = NoOverlap(
    table="liaison_liaisonassignment",
    constraint="liaison_one_per_level",
    keys=["institution_id", "level"],
    message="overlapping liaison assignment",
)
CONSTRAINT = GUARD.constraint
add_guard = GUARD.add
remove_guard = GUARD.remove
ensure_on_sqlite = GUARD.ensure_on_sqlite
