import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.people.forms import LocalMomentField
from fangkong.screening.models import ContactClass, FollowUpOutcome, Symptom


class ClassificationForm(forms.Form):
    person = forms.IntegerField(widget=forms.HiddenInput)
    classification = forms.ChoiceField(label=_("Class"), choices=ContactClass.choices)
    reason = forms.CharField(label=_("Reason"), max_length=500)


class ScreeningForm(forms.Form):
    """A window `[start, end)` in moments of the site's time zone, with its reason."""

    start = LocalMomentField(label=_("Window from"))
    end = LocalMomentField(label=_("Until (excluded)"))
    reason = forms.CharField(label=_("Reason"), max_length=500)


DAY_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
PLANNED_TESTS = 5  # date inputs offered for test days


class FollowUpForm(forms.Form):
    """Quarantine until a day, and up to five planned test days."""

    person = forms.IntegerField(widget=forms.HiddenInput)
    quarantine_until = forms.DateField(label=_("Quarantine until (last day)"), widget=DAY_WIDGET)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for n in range(PLANNED_TESTS):
            self.fields[f"test_{n}"] = forms.DateField(
                label=_("Test day"), required=False, widget=DAY_WIDGET
            )

    def test_days(self) -> list[datetime.date]:
        return [day for n in range(PLANNED_TESTS) if (day := self.cleaned_data.get(f"test_{n}"))]


class PlanForm(FollowUpForm):
    """A changed plan: the quarantine's last day, the test days, and why."""

    person = None  # type: ignore[assignment]
    reason = forms.CharField(label=_("Why the plan changes"), max_length=500)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order_fields(["quarantine_until", *(f"test_{n}" for n in range(PLANNED_TESTS))])


class SymptomsForm(forms.Form):
    day = forms.DateField(label=_("Day"), widget=DAY_WIDGET)
    symptoms = forms.MultipleChoiceField(
        label=_("Symptoms (none: leave all unticked)"), choices=Symptom.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    temperature = forms.DecimalField(
        label=_("Temperature (°C)"), max_digits=3, decimal_places=1, min_value=Decimal(30),
        max_value=Decimal(45), required=False,
    )  # fmt: skip
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=FollowUpOutcome.choices)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class SecondRingForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)
