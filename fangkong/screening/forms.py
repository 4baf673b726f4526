from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.people.forms import LocalMomentField
from fangkong.screening.models import ContactClass


class ClassificationForm(forms.Form):
    person = forms.IntegerField(widget=forms.HiddenInput)
    classification = forms.ChoiceField(label=_("Class"), choices=ContactClass.choices)
    reason = forms.CharField(label=_("Reason"), max_length=500)


class ScreeningForm(forms.Form):
    """A window `[start, end)` in moments of the site's time zone, with its reason."""

    start = LocalMomentField(label=_("Window from"))
    end = LocalMomentField(label=_("Until (excluded)"))
    reason = forms.CharField(label=_("Reason"), max_length=500)
