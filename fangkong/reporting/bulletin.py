"""The daily bulletin officials write by hand every afternoon, generated from the data.

"截至10月25日16时，全盟应报告养老机构6家，已报告6家，其中零报告6家，迟报0家，未报告0家。"

Everything is counted in the database; only the names the text lists (late and missing units,
institutions with cases, problems raised) are fetched, each list capped.
"""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, override

from fangkong.regions.models import Region
from fangkong.reporting.models import ReportRevision, UnitStatus
from fangkong.reporting.rules import local_time
from fangkong.reporting.selectors import completeness, regime_of, unit_list
from fangkong.reporting.template import BY_CODE, EVENT_FIELDS

LANGUAGES = ("zh-hans", "en")
LISTED = 20  # names listed per list; the rest are counted


@dataclass(frozen=True)
class Facts:
    """What the bulletin says, gathered once and written in each language."""

    region: Region
    as_of: datetime.datetime  # in the regime's zone
    expected: int
    received: int
    zero: int
    pending: int
    late: tuple[list[str], int]
    missing: tuple[list[str], int]
    events: dict[str, tuple[int, list[tuple[str, int]]]] = field(default_factory=dict)
    notes: list[tuple[str, str]] = field(default_factory=list)


def gather(*, user: Any, region: Region, day: datetime.date, now: datetime.datetime) -> Facts:
    regime = regime_of(region, day)
    result = completeness(user=user, region=region, day=day, now=now)
    counts = result.total
    units = unit_list(user=user, region=region, day=day, now=now, plan=result.plan)
    revisions = ReportRevision.objects.current().filter(
        report__day=day, report__institution__in=units.values("pk")
    )
    zero = revisions.aggregate(zero=Count("pk", filter=Q(is_zero=True)))["zero"]
    return Facts(
        region=region,
        as_of=local_time(regime, now) if regime else now,
        expected=counts.expected,
        received=counts.received,
        zero=zero,
        pending=counts.pending,
        late=_names(units, UnitStatus.LATE),
        missing=_names(units, UnitStatus.MISSING),
        events=_events(revisions),
        notes=[
            (r.report.institution.name, r.notes)
            for r in revisions.exclude(notes="").select_related("report__institution")[:LISTED]
        ],
    )


def _names(units: Any, status: str) -> tuple[list[str], int]:
    chosen = units.filter(unit_status=status)
    return list(chosen.values_list("name", flat=True)[:LISTED]), chosen.count()


def _events(revisions: Any) -> dict[str, tuple[int, list[tuple[str, int]]]]:
    """Each event field with a non-zero total: the total and who reported it."""
    totals = revisions.aggregate(**{code: Sum(code) for code in EVENT_FIELDS})
    events = {}
    for code in EVENT_FIELDS:
        if totals[code]:
            who = revisions.filter(**{f"{code}__gt": 0}).select_related("report__institution")
            events[code] = (
                totals[code],
                [(r.report.institution.name, getattr(r, code)) for r in who[:LISTED]],
            )
    return events


def write(facts: Facts, language: str) -> str:
    """Write the bulletin in `language` ("zh-hans" or "en")."""
    with override(language):
        chinese = language.startswith("zh")
        values = {
            "time": _when(facts.as_of, chinese),
            "area": "全" + facts.region.name[-1] if chinese else facts.region.name,
            "expected": facts.expected, "received": facts.received, "zero": facts.zero,
            "late": facts.late[1], "missing": facts.missing[1], "pending": facts.pending,
        }  # fmt: skip
        parts = [
            ngettext(
                "As of %(time)s, %(area)s: %(expected)d institution was expected to report, "
                "%(received)d reported, of which %(zero)d zero reports; %(late)d late, "
                "%(missing)d not reported.",
                "As of %(time)s, %(area)s: %(expected)d institutions were expected to report, "
                "%(received)d reported, of which %(zero)d zero reports; %(late)d late, "
                "%(missing)d not reported.",
                facts.expected,
            )
            % values
        ]
        if facts.pending:
            parts.append(_("%(pending)d still before the deadline.") % values)
        if facts.late[1]:
            parts.append(_("Late: %(names)s.") % {"names": _listing(facts.late, chinese)})
        if facts.missing[1]:
            parts.append(
                _("Not reported: %(names)s.") % {"names": _listing(facts.missing, chinese)}
            )
        parts.extend(_event_lines(facts, chinese))
        for name, note in facts.notes:
            parts.append(_("Problems raised by %(name)s: %(note)s") % {"name": name, "note": note})
        return ("" if chinese else " ").join(parts)


def _event_lines(facts: Facts, chinese: bool) -> list[str]:
    if not facts.events:
        if facts.received:
            return [_("No new cases, symptoms, contacts or positive results were reported.")]
        return []
    return [
        _("%(field)s: %(total)d (%(detail)s).")
        % {
            "field": BY_CODE[code].label,
            "total": total,
            "detail": _join([f"{name} {n}" for name, n in who], chinese),
        }
        for code, (total, who) in facts.events.items()
    ]


def _when(moment: datetime.datetime, chinese: bool) -> str:
    if chinese:
        minutes = f"{moment.minute}分" if moment.minute else ""
        return f"{moment.month}月{moment.day}日{moment.hour}时{minutes}"
    return formats.date_format(moment, "G:i \\o\\n j F Y")


def _listing(names: tuple[list[str], int], chinese: bool) -> str:
    listed, count = names
    text = _join(listed, chinese)
    if count > len(listed):
        text += _(" and %(more)d more") % {"more": count - len(listed)}
    return text


def _join(names: list[str], chinese: bool) -> str:
    return ("、" if chinese else ", ").join(names)


def bulletin(
    *, user: Any, region: Region, day: datetime.date, now: datetime.datetime
) -> dict[str, str]:
    facts = gather(user=user, region=region, day=day, now=now)
    return {language: write(facts, language) for language in LANGUAGES}
