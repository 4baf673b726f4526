import datetime
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.people.identity import DocumentType
from fangkong.people.models import MAX_TEMPERATURE, MIN_TEMPERATURE, Person, StayRole

MOMENT_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class LocalMomentField(forms.DateTimeField):
    """A `datetime-local` input: a moment of the site's time zone (Asia/Shanghai)."""

    widget = MOMENT_WIDGET
    input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]

    def to_python(
        self, value: str | datetime.datetime | datetime.date | None
    ) -> datetime.datetime | None:
        moment = super().to_python(value)
        if moment is not None and timezone.is_naive(moment):
            moment = timezone.make_aware(moment, timezone.get_default_timezone())
        return moment


class PersonFields(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    document_type = forms.ChoiceField(
        label=_("Document type"), choices=DocumentType.choices, initial=DocumentType.RIC
    )
    id_number = forms.CharField(
        label=_("Document number"), max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )  # fmt: skip
    phone = forms.CharField(
        label=_("Phone"), max_length=30, required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )  # fmt: skip


class StayForm(PersonFields):
    """A person and their stay, as the institution's office adds a resident or staff member."""

    role = forms.ChoiceField(label=_("Role"), choices=StayRole.choices)
    start = LocalMomentField(label=_("Starts at"))
    end = LocalMomentField(label=_("Ends at"), required=False)
    admission_reason = forms.CharField(label=_("Admission reason"), max_length=300, required=False)
    job = forms.CharField(label=_("Job (staff)"), max_length=100, required=False)
    on_site = forms.BooleanField(label=_("Lives on site (staff)"), required=False)
    exception_reason = forms.CharField(
        label=_("Exception reason (officers only)"), max_length=500, required=False
    )


class ResidentSelect(forms.Select):
    """A list of residents with a box that narrows it as the people search does (a prefix of
    the pinyin or its initials, part of the name, the last four of the number)."""

    template_name = "people/widgets/resident_select.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.keys: dict[str, str] = {}

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option: dict[str, Any] = super().create_option(name, value, *args, **kwargs)
        keys = self.keys.get(str(value))
        if keys:
            option["attrs"]["data-search"] = keys
        return option


def _search_keys(person: Person) -> str:
    return " ".join([person.name, person.pinyin, person.initials, person.id_last4]).lower()


class VisitForm(PersonFields):
    """A visitor at the gate: who, whom they visit, when, temperature, where from, test proof."""

    # Any id: the residents offered are those present at the check-in typed, known only once
    # it is cleaned; one who was not is refused by the service, naming this field.
    visited_person_id = forms.IntegerField(
        label=_("Resident visited"), required=False, min_value=1,
        widget=ResidentSelect, help_text=_("A resident present; leave empty if none."),
    )  # fmt: skip
    check_in = LocalMomentField(label=_("Checked in"))
    check_out = LocalMomentField(label=_("Checked out"), required=False)
    temperature = forms.DecimalField(
        label=_("Temperature (°C)"), required=False, min_value=Decimal(MIN_TEMPERATURE),
        max_value=Decimal(MAX_TEMPERATURE), max_digits=3, decimal_places=1,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.1"}),
    )  # fmt: skip
    came_from = forms.CharField(label=_("Came from"), max_length=200, required=False)
    test_proof = forms.CharField(label=_("Test proof"), max_length=200, required=False)
    exception_reason = forms.CharField(
        label=_("Exception reason (officers only)"), max_length=500, required=False
    )

    def __init__(
        self, *args: Any, residents: Iterable[Person] = (),
        residents_at: Callable[[datetime.datetime], Iterable[Person]] | None = None,
        **kwargs: Any,
    ) -> None:  # fmt: skip
        super().__init__(*args, **kwargs)
        self.residents_at = residents_at
        self.offer(residents)

    def offer(self, residents: Iterable[Person]) -> None:
        """List `residents` to choose from."""
        self.residents = {p.pk: p for p in residents}
        widget = self.fields["visited_person_id"].widget
        widget.choices = [("", _("— nobody named —"))] + [
            (p.pk, f"{p.name} · {p.id_number_masked}") for p in self.residents.values()
        ]
        widget.keys = {str(p.pk): _search_keys(p) for p in self.residents.values()}

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        if self.residents_at is not None:  # those present then, shown again too
            self.offer(self.residents_at(cleaned.get("check_in") or timezone.now()))
        return cleaned


class RevealForm(forms.Form):
    field = forms.ChoiceField(
        label=_("Number"),
        choices=[("id_number", _("Document number")), ("phone", _("Phone"))],
    )
    reason = forms.CharField(label=_("Why do you need the full number?"), max_length=500)


# Staff: employments and shifts ------------------------------------------------------------------


class EmploymentForm(PersonFields):
    """A staff member and their employment, as the institution's office adds them."""

    role = forms.CharField(label=_("Role (护理员, 厨师…)"), max_length=100, required=False)
    on_site = forms.BooleanField(label=_("Works on site"), required=False, initial=True)
    start = LocalMomentField(label=_("Employed from"))
    end = LocalMomentField(label=_("Employed until"), required=False)


class ShiftForm(forms.Form):
    start = LocalMomentField(label=_("Shift starts"))
    end = LocalMomentField(label=_("Shift ends"))
    on_site = forms.BooleanField(label=_("On site"), required=False, initial=True)


class ExportForm(forms.Form):
    """What to export, why, and whether with full numbers (audited as a reveal)."""

    kinds = forms.MultipleChoiceField(
        label=_("Persons"), widget=forms.CheckboxSelectMultiple,
        choices=[("residents", _("Residents")), ("staff", _("Staff")),
                 ("visitors", _("Visitors"))],
        initial=["residents", "staff", "visitors"],
    )  # fmt: skip
    since = forms.DateField(
        label=_("Visitors checked in from"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )  # fmt: skip
    until = forms.DateField(
        label=_("Visitors checked in until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    reveal = forms.BooleanField(label=_("Full document and phone numbers"), required=False)
    reason = forms.CharField(label=_("Why do you export these persons?"), max_length=500)
