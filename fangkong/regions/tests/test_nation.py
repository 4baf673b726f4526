"""The nation (000000) above the provinces: one region whose subtree is the whole country."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction

from fangkong.core.errors import error_items
from fangkong.core.scoping import SYSTEM
from fangkong.regions.loading import NATION, Division, load_divisions
from fangkong.regions.models import NATION_CODE, Level, Region
from fangkong.regions.services import region_create
from fangkong.reporting.services import regime_create


def test_the_nation_is_the_root_and_keeps_the_provinces_paths(world):
    nation = world.regions[NATION_CODE]
    assert (nation.path, nation.depth, nation.parent, nation.level) == ("", 0, None, "nation")
    inner_mongolia = world.regions["150000"]
    assert (inner_mongolia.parent, inner_mongolia.path, inner_mongolia.depth) == (
        nation, "150000/", 1,
    )  # fmt: skip
    assert world.regions["152921"].lineage_paths() == ["", "150000/", "150000/152900/",
                                                       "150000/152900/152921/"]  # fmt: skip
    assert set(nation.subtree()) == set(Region.objects.all())
    assert sorted(c.code for c in nation.children.all()) == ["150000", "620000"]


def test_provinces_loaded_before_the_nation_are_attached_to_it(db):
    load_divisions([Division("150000", "内蒙古自治区", Level.PROVINCE, None)])
    load_divisions([NATION, Division("150000", "内蒙古自治区", Level.PROVINCE, NATION_CODE)])
    province = Region.objects.get(code="150000")
    assert province.parent is not None and province.parent.code == NATION_CODE
    assert province.path == "150000/"


def test_the_migration_puts_the_nation_above_an_existing_tree(db):
    load_divisions([Division("150000", "内蒙古自治区", Level.PROVINCE, None),
                    Division("152900", "阿拉善盟", Level.PREFECTURE, "150000")])  # fmt: skip
    Region.objects.filter(code="150000").update(depth=0)  # as depths were counted before
    Region.objects.filter(code="152900").update(depth=1)
    migration = importlib.import_module("fangkong.regions.migrations.0002_nation")
    migration.add_nation(apps, None)
    depths = dict(Region.objects.values_list("code", "depth"))
    assert depths == {NATION_CODE: 0, "150000": 1, "152900": 2}
    assert Region.objects.get(code="150000").parent.code == NATION_CODE
    migration.remove_nation(apps, None)
    assert dict(Region.objects.values_list("code", "depth")) == {"150000": 0, "152900": 1}


def test_a_new_province_goes_under_the_nation(world):
    region = region_create(actor=world.users["admin"], code="640000", name="宁夏回族自治区",
                           level="province", parent_code=None)  # fmt: skip
    assert region.parent == world.regions[NATION_CODE]
    assert region.path == "640000/"


@pytest.mark.parametrize("persona", ["league", "zuoqi", "operator"])
def test_only_an_administrator_adds_a_province(world, persona):
    with pytest.raises(ValidationError) as exc_info:
        region_create(actor=world.users[persona], code="640000", name="宁夏回族自治区",
                      level="province", parent_code=None)  # fmt: skip
    assert error_items(exc_info.value)[0]["code"] == "forbidden"
    assert not Region.objects.filter(code="640000").exists()


def test_a_province_added_before_the_nation_is_attached_when_the_list_is_loaded(db):
    load_divisions([Division("150000", "内蒙古自治区", Level.PROVINCE, None)])
    region_create(actor=SYSTEM, code="640000", name="宁夏回族自治区", level="province",
                  parent_code=None)  # fmt: skip
    load_divisions([NATION])
    nation = Region.objects.get(code=NATION_CODE)
    assert set(nation.children.values_list("code", flat=True)) == {"150000", "640000"}


def test_a_second_nation_is_refused(world):
    with pytest.raises(ValidationError) as exc_info:
        region_create(actor=world.users["admin"], code="000001", name="又一个",
                      level="nation", parent_code=None, standard=False)  # fmt: skip
    assert error_items(exc_info.value)[0]["field"] == "level"


def test_going_back_refuses_while_a_regime_is_on_the_nation(world):
    regime_create(actor=SYSTEM, name="全国日报告", region_code=NATION_CODE,
                  start_date=datetime.date(2022, 10, 1))  # fmt: skip
    migration = importlib.import_module("fangkong.regions.migrations.0002_nation")
    with pytest.raises(RuntimeError, match="still referred to"), transaction.atomic():
        migration.remove_nation(apps, None)
    assert Region.objects.get(code="150000").parent.code == NATION_CODE
    assert Region.objects.get(code="150000").depth == 1
