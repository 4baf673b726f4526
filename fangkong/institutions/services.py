import datetime
import re
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from pypinyin import lazy_pinyin

from fangkong.audit.services import audit_record, snapshot
from fangkong.core.errors import field_error
from fangkong.core.schema import MAX_COUNT
from fangkong.core.scoping import scope_of
from fangkong.core.text import has_visible
from fangkong.institutions.models import Institution, Kind
from fangkong.regions.models import Region

CODE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z-]{2,31}$")
INSTITUTION_MANAGERS = {"admin", "officer"}
AUDITED_FIELDS = [
    "code", "name", "region", "kind", "beds", "address",
    "contact_person", "contact_phone", "opened_on", "closed_on",
]  # fmt: skip


def name_pinyin(name: str) -> str:
    """Return the name in toneless pinyin and its initials, for sorting and searching.

    阿拉善左旗社会福利中心 gives "alashanzuoqishehuifulizhongxin alszqshflzx".
    """
    syllables = lazy_pinyin(name)
    return "".join(syllables) + " " + "".join(s[:1] for s in syllables)


def _managed_region(actor: Any, region_code: str) -> Region:
    region = Region.objects.filter(code=region_code).first()
    if region is None or not scope_of(actor, INSTITUTION_MANAGERS).covers_path(region.path):
        raise field_error(
            "region_code",
            _("No region with code %(code)s in your scope."),
            "unknown_region",
            code=region_code,
        )
    return region


def _validate(
    *,
    code: str,
    name: str,
    kind: str,
    beds: int,
    opened_on: datetime.date | None,
    closed_on: datetime.date | None,
) -> None:
    if not CODE.match(code):
        raise field_error(
            "code",
            _("An institution code has 3 to 32 letters, digits or hyphens."),
            "invalid_code",
        )
    if not name:
        raise field_error("name", _("This field is required."), "required")
    if not has_visible(name):
        raise field_error("name", _("Enter a name with at least one visible character."), "blank")
    if kind not in Kind.values:
        raise field_error(
            "kind", _("Choose one of: %(choices)s."), "invalid_choice",
            choices=", ".join(Kind.values),
        )  # fmt: skip
    if beds < 0:
        raise field_error("beds", _("The number of beds cannot be negative."), "negative")
    if beds > MAX_COUNT:
        raise field_error(
            "beds", _("Enter a number of at most %(limit)d."), "too_large", limit=MAX_COUNT
        )
    if opened_on and closed_on and closed_on < opened_on:
        raise field_error(
            "closed_on", _("An institution cannot close down before it opened."), "closed_before"
        )


@transaction.atomic
def institution_create(
    *,
    actor: Any,
    code: str,
    name: str,
    region_code: str,
    beds: int,
    kind: str = Kind.PUBLIC,
    address: str = "",
    contact_person: str = "",
    contact_phone: str = "",
    opened_on: datetime.date | None = None,
    closed_on: datetime.date | None = None,
) -> Institution:
    code, name = code.strip(), name.strip()
    _validate(code=code, name=name, kind=kind, beds=beds, opened_on=opened_on, closed_on=closed_on)
    region = _managed_region(actor, region_code)
    if Institution.objects.filter(code=code).exists():
        # The same answer whether the institution with this code lies in the actor's scope or
        # not: an officer learns nothing of institutions elsewhere, not even that one exists.
        raise field_error(
            "code", _("This code cannot be used; choose another."), "code_unavailable"
        )
    institution = Institution.objects.create(
        code=code,
        name=name,
        name_pinyin=name_pinyin(name),
        region=region,
        kind=kind,
        beds=beds,
        address=address,
        contact_person=contact_person,
        contact_phone=contact_phone,
        opened_on=opened_on,
        closed_on=closed_on,
    )
    audit_record(
        actor=actor,
        action="institution.create",
        target=institution,
        after=snapshot(institution, AUDITED_FIELDS),
        region_path=region.path,
        institution_id=institution.pk,
    )
    return institution
