"""A second ring's institution outside the scope of the officer who opened it, told once to
the officers whose scope covers it (its region and above), so that they open the ring there."""

import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from fangkong.notifications.messages import Message, in_each_language
from fangkong.notifications.recipients import officers_above_path
from fangkong.notifications.services import notify
from fangkong.screening.models import RingReferral

KIND = "ring_referral"


def referral_key(referral: RingReferral) -> str:
    return f"ring:{referral.pk}"


def referral_announce(*, referral: RingReferral, contacts: int) -> bool:
    """Tell the officers of the referred institution's region (and above) once."""
    institution = referral.institution
    recipients = officers_above_path(institution.region.path)
    if not recipients:
        return False
    message = referral_message(referral, contacts)
    day = timezone.localtime(referral.created_at, timezone.get_default_timezone()).date()
    dispatch = notify(
        recipients=recipients, kind=KIND, key=referral_key(referral), day=day,
        subject=message.title, body=message.body, texts=message.texts,
        region_path=institution.region.path, institution_id=institution.pk,
        link=reverse("screening:referral", args=[referral.pk]),
        detail={"referral": referral.pk, "institution": institution.code},
    )  # fmt: skip
    return dispatch is not None


def _moment(value: datetime.datetime) -> str:
    return timezone.localtime(value, timezone.get_default_timezone()).strftime("%Y-%m-%d %H:%M")


def referral_message(referral: RingReferral, contacts: int) -> Message:
    def write() -> tuple[str, str]:
        values = {"institution": referral.institution.name, "count": contacts,
                  "start": _moment(referral.start), "end": _moment(referral.end)}  # fmt: skip
        title = gettext("Second ring to open: %(institution)s") % values
        body = gettext(
            "%(count)d close contact(s) of a screening elsewhere were present at %(institution)s "
            "between %(start)s and %(end)s. Open the second ring there."
        )
        return title, body % values

    return in_each_language(write)
