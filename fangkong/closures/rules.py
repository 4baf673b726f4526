"""The rule table's seed: what each closure level lets through the gate, one row per level,
direction and purpose (DESIGN.md, "Closures").

The data migrations write it, and every `migrate` or `flush` restores rows that are missing
(never changing rows that are there: an administrator may have changed them in the admin, which
audits every change).

A conditional rule's conditions are columns the gate checks (`CHECKS`), not only words: under a
full closure a returning staff member shows a negative test and a temperature below 37.3 °C
(the fever line of China's guidance), medical staff a temperature; supplies go in while their
deliverer stays outside.
"""

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_noop as _

# The rule table of DESIGN.md: `exit_only` (只出不进) refuses every entry but medical; `full`
# (全封闭) refuses visits and admissions, lets staff and supplies in only under its conditions,
# and refuses exits. Texts are English source texts, translated where shown.
NO_EXIT = _("Nobody leaves a fully closed institution; an officer may make an exception.")
EXIT_ALLOWED = _("Leaving is allowed: the institution is closed to entries only.")
EXIT_ONLY_NO_ENTRY = _("Exit only: nobody enters but medical staff.")
EXIT_ONLY_SUPPLIES = _("Exit only: supplies are left outside the gate.")
NO_VISITS = _("Visits are suspended while the institution is closed.")
NO_ADMISSIONS = _("No new residents are admitted while the institution is closed.")
STAFF = _("Staff return only under the closure's quarantine and test rules.")
STAFF_CONDITIONS = _(
    "Quarantine completed and a negative nucleic acid test; temperature checked at the gate."
)
SUPPLIES = _("Supplies are handed over outside the gate; the deliverer does not enter.")
SUPPLIES_CONDITIONS = _(
    "Goods disinfected at the gate; no courier, take-away or family meal delivery inside."
)
STAFF_STAY = _("Staff stay on site during a full closure.")
TRANSFER = _("A transfer to hospital needs an officer's exception.")
MEDICAL = _("Medical staff enter for care and emergencies.")
MEDICAL_CONDITIONS = _("Full protective equipment; registered by name with temperature.")

# (level, direction, purpose, outcome, reason, conditions)
RULES = [
    ("full", "in", "visit", "refused", NO_VISITS, ""),
    ("full", "in", "admission", "refused", NO_ADMISSIONS, ""),
    ("full", "in", "staff", "conditional", STAFF, STAFF_CONDITIONS),
    ("full", "in", "supplies", "conditional", SUPPLIES, SUPPLIES_CONDITIONS),
    ("full", "in", "medical", "conditional", MEDICAL, MEDICAL_CONDITIONS),
    ("full", "out", "visit", "refused", NO_EXIT, ""),
    ("full", "out", "admission", "refused", NO_EXIT, ""),
    ("full", "out", "staff", "refused", STAFF_STAY, ""),
    ("full", "out", "supplies", "refused", NO_EXIT, ""),
    ("full", "out", "medical", "refused", TRANSFER, ""),
    ("exit_only", "in", "visit", "refused", EXIT_ONLY_NO_ENTRY, ""),
    ("exit_only", "in", "admission", "refused", EXIT_ONLY_NO_ENTRY, ""),
    ("exit_only", "in", "staff", "refused", EXIT_ONLY_NO_ENTRY, ""),
    ("exit_only", "in", "supplies", "refused", EXIT_ONLY_SUPPLIES, ""),
    ("exit_only", "in", "medical", "conditional", MEDICAL, MEDICAL_CONDITIONS),
    ("exit_only", "out", "visit", "allowed", EXIT_ALLOWED, ""),
    ("exit_only", "out", "admission", "allowed", EXIT_ALLOWED, ""),
    ("exit_only", "out", "staff", "allowed", EXIT_ALLOWED, ""),
    ("exit_only", "out", "supplies", "allowed", EXIT_ALLOWED, ""),
    ("exit_only", "out", "medical", "allowed", EXIT_ALLOWED, ""),
]


FEVER = Decimal("37.3")
# (level, direction, purpose): the columns of the conditions checked at the gate.
CHECKS: dict[tuple[str, str, str], dict[str, Any]] = {
    ("full", "in", "staff"): {"needs_test_proof": True, "fever_from": FEVER},
    ("full", "in", "supplies"): {"handover_outside": True},
    ("full", "in", "medical"): {"fever_from": FEVER},
    ("exit_only", "in", "medical"): {"fever_from": FEVER},
}


def _checks(entry_rule: Any, key: tuple[str, str, str]) -> dict[str, Any]:
    """The key's checks that `entry_rule` (perhaps a historical model) has columns for."""
    columns = {field.name for field in entry_rule._meta.get_fields()}
    return {name: value for name, value in CHECKS.get(key, {}).items() if name in columns}


def seed_rules(entry_rule: Any) -> None:
    """Insert the seed's rows that `entry_rule` (the model, or its historical version) lacks."""
    present = set(entry_rule.objects.values_list("level", "direction", "purpose"))
    entry_rule.objects.bulk_create([
        entry_rule(level=level, direction=direction, purpose=purpose, outcome=outcome,
                   reason=reason, conditions=conditions,
                   **_checks(entry_rule, (level, direction, purpose)))
        for level, direction, purpose, outcome, reason, conditions in RULES
        if (level, direction, purpose) not in present
    ])  # fmt: skip


def seed_checks(entry_rule: Any) -> None:
    """Give the seed's conditional rows their checks (rows seeded before the columns existed)."""
    for level, direction, purpose in CHECKS:
        entry_rule.objects.filter(
            level=level, direction=direction, purpose=purpose, outcome="conditional"
        ).update(**_checks(entry_rule, (level, direction, purpose)))
