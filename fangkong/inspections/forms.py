from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.inspections.models import AnswerResult, ChecklistItem, InspectionMethod


class InspectionForm(forms.Form):
    """An inspection as an inspector fills it on a phone: how, when, then item by item."""

    method = forms.ChoiceField(
        label=_("How"), choices=InspectionMethod.choices, initial=InspectionMethod.ON_SITE,
        widget=forms.RadioSelect,
    )  # fmt: skip
    unannounced = forms.BooleanField(label=_("Unannounced visit"), required=False)
    done_at = forms.DateTimeField(
        label=_("Done at"),
        # The format a datetime-local input shows; any other leaves it empty in the browser.
        widget=forms.DateTimeInput(format="%Y-%m-%dT%H:%M", attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
    )

    def __init__(self, *args: object, items: list[ChecklistItem], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.items = items
        for item in items:
            self.fields[f"result_{item.number}"] = forms.ChoiceField(
                label=f"{item.number}. {item.text}", choices=AnswerResult.choices,
                initial=AnswerResult.PASS, widget=forms.RadioSelect,
            )  # fmt: skip
            self.fields[f"note_{item.number}"] = forms.CharField(
                label=_("Note"), required=False, max_length=4000,
                widget=forms.Textarea(attrs={"rows": 1}),
            )  # fmt: skip

    def item_rows(self) -> list[tuple[ChecklistItem, forms.BoundField, forms.BoundField]]:
        return [(item, self[f"result_{item.number}"], self[f"note_{item.number}"])
                for item in self.items]  # fmt: skip


class FixForm(forms.Form):
    evidence = forms.CharField(label=_("What was done"), max_length=4000,
                               widget=forms.Textarea(attrs={"rows": 3}))  # fmt: skip


class VerifyForm(forms.Form):
    accepted = forms.TypedChoiceField(
        label=_("Verdict"), choices=[("1", _("Accept the fix")), ("0", _("Not put right"))],
        coerce=lambda value: value == "1", widget=forms.RadioSelect, initial="1",
    )  # fmt: skip
    note = forms.CharField(label=_("Note (the reason when not accepted)"), required=False,
                           max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip


class DrawForm(forms.Form):
    count = forms.IntegerField(label=_("How many institutions"), min_value=1, initial=3)
    method = forms.ChoiceField(label=_("For a check by"), choices=InspectionMethod.choices,
                               initial=InspectionMethod.VIDEO)  # fmt: skip
    seed = forms.IntegerField(label=_("Seed (optional, to re-run a draw)"), required=False,
                              min_value=0, max_value=2**53 - 1)  # fmt: skip


class PlanForm(forms.Form):
    institution = forms.CharField(
        label=_("Institution code"), max_length=20,
        widget=forms.TextInput(attrs={"list": "institution-codes"}),
    )  # fmt: skip
    method = forms.ChoiceField(label=_("How"), choices=InspectionMethod.choices,
                               initial=InspectionMethod.ON_SITE)  # fmt: skip
    planned_at = forms.DateTimeField(
        label=_("Planned for"),
        widget=forms.DateTimeInput(format="%Y-%m-%dT%H:%M", attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
    )
    unannounced = forms.BooleanField(
        label=_("Unannounced visit"), required=False,
        help_text=_("The institution does not see it before it is carried out."),
    )  # fmt: skip
    inspectors = forms.CharField(
        label=_("Inspectors (user names, separated by commas)"), required=False,
        max_length=2000, help_text=_("Empty: you."),
    )  # fmt: skip

    def clean_inspectors(self) -> list[str]:
        value = self.cleaned_data["inspectors"].replace("，", ",")
        return [name.strip() for name in value.split(",") if name.strip()]


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason for cancelling"), max_length=4000,
                             widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip


class FindingRectificationForm(forms.Form):
    due_date = forms.DateField(label=_("Deadline"),
                               widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
