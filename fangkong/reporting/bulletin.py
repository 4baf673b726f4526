"""The daily bulletin officials write by hand every afternoon, generated from the data.

"截至10月25日16时，全盟应报告养老机构6家，已报告6家，其中零报告6家，迟报0家，未报告0家。"
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import F
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from fangkong.regions.models import Region
from fangkong.reporting.models import ReportRevision, UnitStatus
from fangkong.reporting.rules import deadline_at
from fangkong.reporting.selectors import completeness, regime_groups, unit_list
from fangkong.reporting.template import BY_CODE, EVENT_FIELDS

LANGUAGES = ("zh-hans", "en")


@dataclass(frozen=True)
class Facts:
    """What the bulletin says, gathered once and written in each language."""

    region: Region
    day: datetime.date
    as_of: datetime.datetime
    expected: int
    received: int
    zero: int
    late: list[str]
    missing: list[str]
    events: dict[str, list[tuple[str, int]]]
    notes: list[tuple[str, str]]


def gather(*, user: Any, region: Region, day: datetime.date, now: datetime.datetime) -> Facts:
    groups = regime_groups(region, day, now)
    due = deadline_at(groups[0].regime, day) if groups else None
    as_of = min(now, due) if due else now
    counts = completeness(user=user, region=region, day=day, now=now).total
    units = list(
        unit_list(user=user, region=region, day=day, now=now).values("name", "unit_status")
    )
    revisions = list(
        ReportRevision.objects.filter(
            report__institution__in=unit_list(user=user, region=region, day=day, now=now).values(
                "pk"
            ),
            report__day=day,
            report__current=F("pk"),
        )
        .select_related("report__institution")
        .order_by("report__institution__region__path", "report__institution__code")
    )
    events = {
        code: [(r.report.institution.name, getattr(r, code)) for r in revisions if getattr(r, code)]
        for code in EVENT_FIELDS
    }
    return Facts(
        region=region, day=day, as_of=as_of, expected=counts.expected, received=counts.received,
        zero=sum(1 for r in revisions if r.is_zero),
        late=[u["name"] for u in units if u["unit_status"] == UnitStatus.LATE],
        missing=[u["name"] for u in units if u["unit_status"] == UnitStatus.MISSING],
        events={code: items for code, items in events.items() if items},
        notes=[(r.report.institution.name, r.notes) for r in revisions if r.notes.strip()],
    )  # fmt: skip


def write(facts: Facts, language: str) -> str:
    """Write the bulletin in `language` ("zh-hans" or "en")."""
    with override(language):
        local = timezone.localtime(facts.as_of)
        chinese = language.startswith("zh")
        area = "全" + facts.region.name[-1] if chinese else facts.region.name
        parts = [
            _(
                "As of %(time)s, %(area)s: %(expected)d institutions were expected to report, "
                "%(received)d reported, of which %(zero)d zero reports; %(late)d late, "
                "%(missing)d not reported."
            )
            % {
                "time": _when(local, chinese),
                "area": area,
                "expected": facts.expected,
                "received": facts.received,
                "zero": facts.zero,
                "late": len(facts.late),
                "missing": len(facts.missing),
            }
        ]
        if facts.late:
            parts.append(_("Late: %(names)s.") % {"names": _join(facts.late, chinese)})
        if facts.missing:
            parts.append(_("Not reported: %(names)s.") % {"names": _join(facts.missing, chinese)})
        for code, items in facts.events.items():
            total = sum(n for _name, n in items)
            detail = _join([f"{name} {n}" for name, n in items], chinese)
            parts.append(
                _("%(field)s: %(total)d (%(detail)s).")
                % {"field": BY_CODE[code].label, "total": total, "detail": detail}
            )
        if not facts.events and facts.received:
            parts.append(_("No new cases, symptoms, contacts or positive results were reported."))
        for name, note in facts.notes:
            parts.append(_("Problems raised by %(name)s: %(note)s") % {"name": name, "note": note})
        return ("" if chinese else " ").join(parts)


def _when(moment: datetime.datetime, chinese: bool) -> str:
    if chinese:
        return f"{moment.month}月{moment.day}日{moment.hour}时" + (
            f"{moment.minute}分" if moment.minute else ""
        )
    return formats.date_format(moment, "G:i \\o\\n j F Y")


def _join(names: list[str], chinese: bool) -> str:
    return ("、" if chinese else ", ").join(names)


def bulletin(
    *, user: Any, region: Region, day: datetime.date, now: datetime.datetime
) -> dict[str, str]:
    facts = gather(user=user, region=region, day=day, now=now)
    return {language: write(facts, language) for language in LANGUAGES}
