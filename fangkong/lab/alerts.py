"""A positive result told once to the region's officers and the institution's liaisons."""

import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from fangkong.lab.models import LabRound
from fangkong.liaison.selectors import current_liaisons
from fangkong.notifications.messages import Message, in_each_language
from fangkong.notifications.recipients import officers_above_path
from fangkong.notifications.services import notify
from fangkong.people.identity import mask_name
from fangkong.people.models import Person

KIND = "lab_positive"


def local_day(moment: datetime.datetime) -> datetime.date:
    """The day of the site's time zone a moment falls on."""
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


def positive_key(lab_round: LabRound, person: Person) -> str:
    return f"lab:{lab_round.pk}:{person.pk}"


def positive_announce(
    *, lab_round: LabRound, person: Person, sampled_at: datetime.datetime
) -> bool:
    """Tell the officers of the institution's region (and above) and its liaisons of a
    positive; once per round and person, however often the result is recorded again."""
    institution = lab_round.institution
    day = local_day(sampled_at)  # the liaisons on duty when the sample was taken
    recipients = {user.pk: user for user in officers_above_path(institution.region.path)}
    for assignment in current_liaisons(institution, day).values():
        recipients.setdefault(assignment.official.pk, assignment.official)
    message = positive_message(lab_round, person)
    dispatch = notify(
        recipients=sorted(recipients.values(), key=lambda user: user.username), kind=KIND,
        key=positive_key(lab_round, person), day=local_day(lab_round.started_at),
        subject=message.title, body=message.body, texts=message.texts,
        region_path=institution.region.path, institution_id=institution.pk,
        link=reverse("lab:round", args=[lab_round.pk]),
        detail={"round": lab_round.pk, "person": person.pk, "institution": institution.code},
    )  # fmt: skip
    return dispatch is not None


def positive_message(lab_round: LabRound, person: Person) -> Message:
    def write() -> tuple[str, str]:
        values = {"institution": lab_round.institution.name, "round": lab_round.name,
                  "person": mask_name(person.name)}  # fmt: skip
        title = gettext("Positive test result: %(institution)s") % values
        body = gettext("%(person)s tested positive in round %(round)s at %(institution)s.")
        return title, body % values

    return in_each_language(write)
