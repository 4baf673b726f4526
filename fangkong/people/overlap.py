"""The database refuses two overlapping stays of one person (see core.day_ranges), two
overlapping employments of one person in one institution, and two overlapping shifts of one
person anywhere."""

from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

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

EMPLOYMENT_GUARD = NoOverlap(
    table="people_employment",
    constraint="employment_no_overlap",
    keys=["person_id", "institution_id"],
    message="the employments of a person in an institution overlap",
    start="start_at",
    end="end_at",
    moments=True,
)
SHIFT_GUARD = NoOverlap(
    table="people_shift",
    constraint="shift_no_overlap",
    keys=["person_id"],
    message="the shifts of a person overlap",
    start="start_at",
    end="end_at",
    moments=True,
)
STAFF_GUARDS = (EMPLOYMENT_GUARD, SHIFT_GUARD)


def refuse_staff_overlaps(apps: Any, schema_editor: Any) -> None:
    for guard in STAFF_GUARDS:
        guard.add(apps, schema_editor)


def allow_staff_overlaps(apps: Any, schema_editor: Any) -> None:
    for guard in STAFF_GUARDS:
        guard.remove(apps, schema_editor)


def ensure_on_sqlite(connection: BaseDatabaseWrapper) -> None:
    for guard in (GUARD, *STAFF_GUARDS):
        guard.ensure_on_sqlite(connection)
