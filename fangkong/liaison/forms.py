from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.liaison.models import DutyMethod, LiaisonLevel

# What a liaison most often checks, one tap each (DESIGN.md's checklist, in short).
USUAL_CHECKS = [
    ("closure", _("Closed management")),
    ("gate", _("Gate registration")),
    ("temperature", _("Temperature and symptom checks")),
    ("ppe", _("PPE stock")),
    ("disinfection", _("Disinfection and ventilation")),
    ("isolation", _("Isolation room")),
    ("report", _("Daily report")),
]


class DutyLogForm(forms.Form):
    """A contact with the institution, as a liaison records it on a phone: a few taps."""

    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    method = forms.ChoiceField(
        label=_("How"), choices=DutyMethod.choices, initial=DutyMethod.ON_SITE,
        widget=forms.RadioSelect,
    )  # fmt: skip
    usual = forms.MultipleChoiceField(
        label=_("What was checked"), choices=USUAL_CHECKS, required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    checked = forms.CharField(label=_("Also checked"), required=False, max_length=4000,
                              widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip
    found = forms.CharField(label=_("What was found"), required=False, max_length=4000,
                            widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip
    findings = forms.CharField(
        label=_("Problems to put right, one per line"), required=False, max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip

    def checked_text(self) -> str:
        labels = dict(USUAL_CHECKS)
        parts = [str(labels[key]) for key in self.cleaned_data.get("usual", [])]
        extra = str(self.cleaned_data.get("checked", "")).strip()
        return "、".join(parts) + ("\n" + extra if parts and extra else extra)

    def finding_lines(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data.get("findings", "").splitlines()
                if line.strip()]  # fmt: skip


class AssignForm(forms.Form):
    username = forms.CharField(label=_("Username of the official"), max_length=150)
    level = forms.ChoiceField(label=_("Level"), choices=LiaisonLevel.choices)
    start_date = forms.DateField(label=_("First day"),
                                 widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
    end_date = forms.DateField(label=_("Last day (optional)"), required=False,
                               widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip


class EndForm(forms.Form):
    end_date = forms.DateField(label=_("Last day"), widget=forms.DateInput(attrs={"type": "date"}))
