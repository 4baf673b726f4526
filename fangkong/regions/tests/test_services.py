import pytest
from django.core.exceptions import ValidationError

from fangkong.core.errors import error_items
from fangkong.regions.models import Region
from fangkong.regions.services import region_create, region_move


def error_of(exc_info):
    return error_items(exc_info.value)[0]


def create(world, persona="admin", **fields):
    values = {"code": "152924", "name": "新旗", "level": "county", "parent_code": "152900"}
    values.update(fields)
    return region_create(actor=world.users[persona], **values)


def test_admin_adds_a_banner_under_the_league(world):
    region = create(world)
    assert region.path == "150000/152900/152924/"
    assert region in world.regions["152900"].subtree()


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"code": "15292"}, "code", "invalid_code"),
        ({"code": "15292x"}, "code", "invalid_code"),
        ({"code": "152900", "level": "county"}, "level", "level_mismatch"),
        ({"code": "152921"}, "code", "duplicate"),
        ({"parent_code": "999999"}, "parent_code", "unknown_region"),
        ({"code": "622924"}, "parent_code", "parent_mismatch"),
        ({"parent_code": "152921"}, "parent_code", "parent_level"),
        ({"name": "  "}, "name", "required"),
        ({"name": "\u200b\u200c\u200d\u2060\ufeff\u00a0"}, "name", "blank"),
        ({"code": "\u0661\u0665\u0662\u0669\u0662\u0664"}, "code", "invalid_code"),
        ({"level": "village"}, "level", "invalid_choice"),
        ({"code": "dev zone", "standard": False}, "code", "invalid_code"),
    ],
)
def test_bad_region_is_refused_naming_the_field(world, fields, field, code):
    count = Region.objects.count()
    with pytest.raises(ValidationError) as exc_info:
        create(world, **fields)
    assert (error_of(exc_info)["field"], error_of(exc_info)["code"]) == (field, code)
    assert Region.objects.count() == count


def test_non_standard_unit_takes_a_local_code(world):
    region = create(world, code="152900-02", name="某示范区", standard=False)
    assert not region.standard


def test_officer_cannot_add_regions(world):
    with pytest.raises(ValidationError) as exc_info:
        create(world, persona="league")
    assert error_of(exc_info)["field"] == "parent_code"


def test_moving_a_region_carries_its_subtree(world):
    zone = create(world, code="152900-09", name="示范区", standard=False)
    township = create(world, code="152900-10", name="示范镇", level="township",
                      parent_code="152900-09", standard=False)  # fmt: skip
    region_move(actor=world.users["admin"], region=zone, parent_code="620100")
    township.refresh_from_db()
    assert township.path == "620000/620100/152900-09/152900-10/"


def test_a_move_that_would_make_a_cycle_is_refused(world):
    zone = create(world, code="152900-09", name="示范区", standard=False)
    create(world, code="152900-10", name="示范镇", level="township",
           parent_code="152900-09", standard=False)  # fmt: skip
    with pytest.raises(ValidationError) as exc_info:
        region_move(actor=world.users["admin"], region=zone, parent_code="152900-10")
    assert error_of(exc_info)["code"] == "cycle"
    zone.refresh_from_db()
    assert zone.parent.code == "152900"
