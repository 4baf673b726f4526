from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.lab.models import LabOutcome
from fangkong.people.forms import LocalMomentField


class ResultForm(forms.Form):
    """One person's result, entered on a phone."""

    person = forms.TypedChoiceField(label=_("Person"), coerce=int)
    result = forms.ChoiceField(label=_("Result"), choices=LabOutcome.choices)
    sampled_at = LocalMomentField(label=_("Sampled at"))
    laboratory = forms.CharField(label=_("Laboratory"), max_length=200, required=False)
    reason = forms.CharField(
        label=_("Why added (a person not expected)"), max_length=300, required=False
    )

    def __init__(self, *args: object, persons: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["person"].choices = persons  # type: ignore[attr-defined]


class ExcuseForm(forms.Form):
    person = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Excused because"), max_length=300)
