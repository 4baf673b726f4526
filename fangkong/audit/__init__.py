"""The append-only record of every change and sensitive read: who, when, what, before, after.

Every service writes its event here in its own transaction (`services.audit_record`). It stores
a region's path, not the region, so it may import `core` only.
"""
