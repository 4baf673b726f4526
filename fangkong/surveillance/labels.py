"""The early-warning methods in plain words: C1, C2 and C3 are for the statistician.

A signal stores the codes of the methods that raised it (`"C1,C3"`, see `ears.py`); people
read what each one means about the counts.
"""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

METHOD_LABELS: dict[str, Promise] = {
    "C1": _("well above the past 7 days"),
    "C2": _("well above the week before last"),
    "C3": _("high three days running"),
}


def methods_label(methods: str) -> str:
    """`"C1,C3"` in the active language: “well above the past 7 days, high three days running”."""
    codes = [code.strip() for code in methods.split(",") if code.strip()]
    words = [str(METHOD_LABELS.get(code, code)) for code in codes]
    return pgettext("between the items of a list", ", ").join(words)
