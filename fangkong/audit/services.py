from dataclasses import dataclass
from typing import Any

from django.db import models

from fangkong.audit.context import client_ip
from fangkong.audit.models import AuditEvent


@dataclass(frozen=True)
class Target:
    """What an event is about when it is not one model instance (a bulk load, an export)."""

    type: str
    id: str
    label: str

    @classmethod
    def of(cls, instance: models.Model) -> "Target":
        return cls(instance._meta.label_lower, str(instance.pk), str(instance)[:200])


def audit_record(
    *,
    actor: Any,
    action: str,
    target: models.Model | Target,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    region_path: str | None = None,
    institution_id: int | None = None,
    actor_name: str | None = None,
) -> AuditEvent:
    """Append one event; call inside the transaction of the change it records.

    `region_path` places it in the tree (None: the system as a whole, for administrators).
    `actor_name` names an actor who is no user (an anonymous visitor); the default is the
    actor's username, or "system".
    """
    actor = actor if getattr(actor, "is_authenticated", False) else None
    ref = target if isinstance(target, Target) else Target.of(target)
    if actor_name is None:
        actor_name = actor.get_username() if actor is not None else "system"
    return AuditEvent.objects.create(
        actor=actor,
        actor_name=actor_name,
        action=action,
        target_type=ref.type,
        target_id=ref.id,
        target_repr=ref.label,
        before=before,
        after=after,
        ip=client_ip.get(),
        region_path=region_path,
        institution_id=institution_id,
    )


def snapshot(instance: models.Model, fields: list[str]) -> dict[str, Any]:
    """Return the named fields as JSON-safe values, for an event's before/after."""
    values: dict[str, Any] = {}
    for name in fields:
        value = getattr(instance, name)
        if value is not None and not isinstance(value, (str, int, float, bool)):
            value = str(value)
        values[name] = value
    return values
