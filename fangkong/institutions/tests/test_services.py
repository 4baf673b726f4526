import pytest
from django.core.exceptions import ValidationError

from fangkong.audit.models import AuditEvent
from fangkong.core.errors import error_items
from fangkong.institutions.models import Institution
from fangkong.institutions.services import institution_create, name_pinyin


def create(world, persona="zuoqi", **fields):
    values = {"code": "1529210009", "name": "阿拉善左旗温馨养老院", "region_code": "152921",
              "beds": 40, "kind": "private"}  # fmt: skip
    values.update(fields)
    return institution_create(actor=world.users[persona], **values)


def test_officer_adds_an_institution_in_their_banner(world):
    institution = create(world)
    assert institution.region.code == "152921"
    assert institution.name_pinyin == "alashanzuoqiwenxinyanglaoyuan alszqwxyly"


@pytest.mark.parametrize(
    ("persona", "fields", "field", "code"),
    [
        ("zuoqi", {"beds": -1}, "beds", "negative"),
        ("zuoqi", {"code": "1529210001"}, "code", "code_unavailable"),
        ("zuoqi", {"code": "a b"}, "code", "invalid_code"),
        ("zuoqi", {"region_code": "152923"}, "region_code", "unknown_region"),
        ("zuoqi", {"region_code": "nowhere"}, "region_code", "unknown_region"),
        ("operator", {}, "region_code", "unknown_region"),
        ("zuoqi", {"kind": "state"}, "kind", "invalid_choice"),
        ("zuoqi", {"name": ""}, "name", "required"),
        ("zuoqi", {"name": "\u200b\u3000\ufeff\u2060"}, "name", "blank"),
        ("zuoqi", {"beds": 100_001}, "beds", "too_large"),
        ("zuoqi", {"code": "1529230001"}, "code", "code_unavailable"),  # out of zuoqi's scope
    ],
)
def test_bad_institution_is_refused_and_nothing_is_written(world, persona, fields, field, code):
    institutions, events = Institution.objects.count(), AuditEvent.objects.count()
    with pytest.raises(ValidationError) as exc_info:
        create(world, persona=persona, **fields)
    error = error_items(exc_info.value)[0]
    assert (error["field"], error["code"]) == (field, code)
    assert Institution.objects.count() == institutions
    assert AuditEvent.objects.count() == events


def test_closing_before_opening_is_refused(world):
    import datetime

    with pytest.raises(ValidationError) as exc_info:
        create(world, opened_on=datetime.date(2020, 5, 1), closed_on=datetime.date(2020, 4, 30))
    assert error_items(exc_info.value)[0]["field"] == "closed_on"


def test_an_institution_is_expected_up_to_the_day_it_closes_down(world):
    import datetime

    home = create(world, closed_on=datetime.date(2022, 10, 31))
    assert home.is_open_on(datetime.date(2022, 10, 31))
    assert not home.is_open_on(datetime.date(2022, 11, 1))


def test_name_pinyin_gives_full_spelling_and_initials():
    assert name_pinyin("额济纳旗") == "ejinaqi ejnq"


def test_creation_is_audited_with_the_new_values(world):
    institution = create(world)
    event = AuditEvent.objects.get(action="institution.create", target_id=str(institution.pk))
    assert event.actor == world.users["zuoqi"]
    assert event.after["beds"] == 40
    assert event.region_path == "150000/152900/152921/"
