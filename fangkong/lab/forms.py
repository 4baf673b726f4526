from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.lab.models import LabMethod, LabOutcome
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


class GridRowForm(forms.Form):
    """One person's row of the bulk entry grid; a row left empty is not entered."""

    person = forms.IntegerField(widget=forms.HiddenInput)
    sampled_at = LocalMomentField(label=_("Sampled at"), required=False)
    method = forms.ChoiceField(label=_("Method"), choices=LabMethod.choices)
    result = forms.ChoiceField(
        label=_("Result"), choices=[("", "—"), *LabOutcome.choices], required=False
    )
    laboratory = forms.CharField(label=_("Laboratory"), max_length=200, required=False)


class GridCommonForm(forms.Form):
    """What a row with a result but no sample time or laboratory of its own takes."""

    sampled_at = LocalMomentField(label=_("Sampled at (rows left empty)"), required=False)
    laboratory = forms.CharField(
        label=_("Laboratory (rows left empty)"), max_length=200, required=False
    )


GridFormSet = forms.formset_factory(GridRowForm, extra=0, max_num=5000, absolute_max=5000)
