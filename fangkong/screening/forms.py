from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.screening.models import ContactClass


class ClassificationForm(forms.Form):
    person = forms.IntegerField(widget=forms.HiddenInput)
    classification = forms.ChoiceField(label=_("Class"), choices=ContactClass.choices)
    reason = forms.CharField(label=_("Reason"), max_length=500)
