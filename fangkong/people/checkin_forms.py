"""Forms of the visitor's self check-in, the gate staff's decision, the poster and risk areas."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.people.checkin_models import MAX_TEMPERATURE, MIN_TEMPERATURE, RiskLevel
from fangkong.people.identity import DocumentType

OFF = {"autocomplete": "off", "spellcheck": "false"}


class SelfCheckInForm(forms.Form):
    """What a visitor types on their own phone at the gate."""

    name = forms.CharField(label=_("Your name"), max_length=100)
    document_type = forms.ChoiceField(
        label=_("Document type"), choices=DocumentType.choices, initial=DocumentType.RIC
    )
    id_number = forms.CharField(
        label=_("Identity number"), max_length=40, widget=forms.TextInput(attrs=OFF)
    )
    phone = forms.CharField(
        label=_("Phone"), max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )  # fmt: skip
    visiting = forms.CharField(label=_("Whom you visit"), max_length=100)
    temperature = forms.DecimalField(
        label=_("Temperature (°C)"), min_value=Decimal(MIN_TEMPERATURE),
        max_value=Decimal(MAX_TEMPERATURE), max_digits=3, decimal_places=1,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.1"}),
    )  # fmt: skip
    came_from = forms.CharField(
        label=_("Where you came from"), max_length=200,
        help_text=_("The city, district or place you came from today."),
    )  # fmt: skip


class ConfirmForm(forms.Form):
    exception_reason = forms.CharField(
        label=_("Exception reason (officers only)"), max_length=500, required=False
    )
    visited_person_id = forms.IntegerField(
        label=_("Resident visited"), required=False, min_value=1, max_value=2**31 - 1
    )


class RefuseForm(forms.Form):
    reason = forms.CharField(label=_("Why is the visitor refused?"), max_length=300)


class PosterForm(forms.Form):
    days = forms.TypedChoiceField(
        label=_("The new poster's code works for"), coerce=int, initial=7,
        choices=[(1, _("1 day")), (7, _("7 days")), (30, _("30 days"))],
    )  # fmt: skip


class RiskAreaForm(forms.Form):
    region_code = forms.CharField(
        label=_("Region code (GB/T 2260)"), max_length=20, required=False,
        help_text=_("e.g. 620100 for 兰州市; leave empty for a place named below."),
    )  # fmt: skip
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    level = forms.ChoiceField(label=_("Risk level"), choices=RiskLevel.choices)
    start_date = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(
        label=_("Until (last day)"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )  # fmt: skip
    note = forms.CharField(label=_("Basis or note"), max_length=300, required=False)
