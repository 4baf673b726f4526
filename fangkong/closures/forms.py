from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.closures.models import GateDirection, GatePurpose

# The passages a gate sees all day, one button each (the name typed or picked first).
QUICK = {
    "staff-in": (GateDirection.IN, GatePurpose.STAFF, _("Staff return · in")),
    "staff-out": (GateDirection.OUT, GatePurpose.STAFF, _("Staff · out")),
    "supplies-in": (GateDirection.IN, GatePurpose.SUPPLIES, _("Supplies · handover")),
    "medical-in": (GateDirection.IN, GatePurpose.MEDICAL, _("Medical · in")),
}


class GateForm(forms.Form):
    """One passage, as the guard at the gate records it on a phone."""

    person_name = forms.CharField(label=_("Name"), max_length=100, required=False)
    vehicle = forms.CharField(label=_("Vehicle plate"), max_length=20, required=False)
    temperature = forms.DecimalField(
        label=_("Temperature (°C)"), required=False, min_value=Decimal(30),
        max_value=Decimal(45), max_digits=3, decimal_places=1,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.1"}),
    )  # fmt: skip
    test_proof = forms.CharField(
        label=_("Test proof"), max_length=200, required=False,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. nucleic acid negative, 10-24")}),
    )  # fmt: skip
    direction = forms.ChoiceField(
        label=_("Direction"), choices=GateDirection.choices, required=False
    )
    purpose = forms.ChoiceField(label=_("Purpose"), choices=GatePurpose.choices, required=False)
    exception_reason = forms.CharField(
        label=_("Exception reason (officers; operators for medical passages)"), max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip

    def passage(self, quick: str | None) -> dict[str, Any]:
        """The service's arguments: a quick button's direction and purpose, or the fields'."""
        data = dict(self.cleaned_data)
        if quick in QUICK:
            data["direction"], data["purpose"], _label = QUICK[quick]
        data["direction"] = data.get("direction") or GateDirection.IN
        data["purpose"] = data.get("purpose") or GatePurpose.STAFF
        data["exception_reason"] = data.get("exception_reason") or None
        return data
