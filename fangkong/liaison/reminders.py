"""The morning notice of institutions without both liaisons, and the liaison roles kept in step.

This module decides *what* officers hear and keeps the roles in step with the assignments; the
reporting app's reminder run decides *when*: each morning of a day its regimes cover, it calls
`send_gaps` with the regions whose officers hear of them (as for its own escalations), and it
calls `roles_sync` on every run. Once per region and day: `notify` claims each message.
"""

import datetime
from collections.abc import Sequence
from typing import Any

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext

from fangkong.liaison import selectors
from fangkong.liaison.models import LiaisonLevel
from fangkong.notifications.messages import Message, in_each_language
from fangkong.notifications.models import Dispatch
from fangkong.notifications.recipients import Directory
from fangkong.notifications.services import notify
from fangkong.regions.models import Region

KIND = "liaison_gap"
LISTED = 30  # a notice names this many institutions, then counts the rest


def region_key(region: Region) -> str:
    return f"liaison:{region.code}"


def send_gaps(*, regions: Sequence[Region], day: datetime.date) -> int:
    """Tell the officers of each region which of its institutions lack a liaison on `day`;
    return how many regions were told (a region already told that day is not told again)."""
    done = set(Dispatch.objects.filter(day=day, kind=KIND).values_list("unit", flat=True))
    regions = [region for region in regions if region_key(region) not in done]
    if not regions:
        return 0
    directory = Directory.of(regions)
    return sum(_send(region, day, directory) for region in regions)


def _send(region: Region, day: datetime.date, directory: Directory) -> int:
    officers, webhooks = directory.officers_of(region), directory.webhooks_of(region)
    if not (officers or webhooks):
        return 0
    scan = selectors.coverage_scan(region, day)
    counts = scan.total
    if not counts.uncovered:
        return 0
    listed = selectors.uncovered_units(scan, 0, LISTED)
    message = gap_message(region, day, counts.uncovered, listed)
    dispatch = notify(
        recipients=officers, kind=KIND, key=region_key(region), day=day,
        subject=message.title, body=message.body, texts=message.texts,
        webhooks=webhooks, region_path=region.path,
        link=reverse("liaison:coverage", args=[region.code]) + f"?date={day.isoformat()}",
        detail={"region": region.code, "uncovered": counts.uncovered,
                "listed": [unit["code"] for unit in listed]},
    )  # fmt: skip
    return 0 if dispatch is None else 1


def gap_message(
    region: Region, day: datetime.date, count: int, listed: list[dict[str, Any]]
) -> Message:
    def write() -> tuple[str, str]:
        values = {"region": region.name, "day": date_format(day, "MONTH_DAY_FORMAT"),
                  "count": count}  # fmt: skip
        title = gettext("Institutions without both liaisons: %(region)s, %(day)s") % values
        head = ngettext(
            "%(count)d institution in %(region)s lacks a league or banner liaison on %(day)s:",
            "%(count)d institutions in %(region)s lack a league or banner liaison on %(day)s:",
            count,
        )
        lines = [head % values]
        for number, unit in enumerate(listed, start=1):
            missing = "、".join(str(LiaisonLevel(level).label) for level in unit["missing"])
            values = {"number": number, "institution": unit["name"], "levels": missing}
            lines.append(gettext("%(number)d. %(institution)s (missing: %(levels)s)") % values)
        if count > len(listed):
            rest = count - len(listed)
            lines.append(ngettext("… and %(count)d more.", "… and %(count)d more.", rest)
                         % {"count": rest})  # fmt: skip
        return title, "\n".join(lines)

    return in_each_language(write)
