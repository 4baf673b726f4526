from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fangkong.core.schema import MAX_COUNT
from fangkong.reporting.models import ReportRevision, text_limit
from fangkong.reporting.template import FIELDS


class ReportForm(forms.Form):
    """The day's figures as an operator types them on a phone."""

    notes = forms.CharField(
        label=_("Problems and needs"), required=False,
        max_length=text_limit(ReportRevision, "notes"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip
    reason = forms.CharField(
        label=_("Reason for the amendment"), required=False,
        max_length=text_limit(ReportRevision, "reason"),
    )  # fmt: skip
    etag = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        counts = {field.code: _count(field.label) for field in FIELDS}
        for field in FIELDS:
            if field.zero_in_zero_report:  # the page's script asks before a zero report drops it
                counts[field.code].widget.attrs["data-event"] = ""
        self.fields = {**counts, **self.fields}

    def figures(self) -> dict[str, Any]:
        return {field.code: self.cleaned_data.get(field.code) for field in FIELDS}


def _count(label: Any) -> forms.IntegerField:
    # The API's bound (`MAX_COUNT`): one limit for a count however it is sent.
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=MAX_COUNT,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0}),
    )
