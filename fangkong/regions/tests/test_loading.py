from fangkong.regions.loading import current_name, load_official, official_divisions
from fangkong.regions.models import Level, Region


def test_current_name_takes_the_latest_name_of_a_renamed_code():
    assert current_name("[1983-1999]郊区,[2000-]赛罕区") == "赛罕区"


def test_current_name_drops_a_code_no_longer_in_use():
    assert current_name("[-2010]崇文区") is None


def test_official_list_covers_the_country_without_placeholders():
    divisions = list(official_divisions())
    by_code = {d.code: d for d in divisions}
    assert len([d for d in divisions if d.level == Level.PROVINCE]) == 34
    assert len(divisions) > 3000
    assert "110103" not in by_code  # 崇文区, merged into 东城区 in 2010
    assert not {d.name for d in divisions} & {"市辖区", "县"}
    assert by_code["152921"].parent_code == "152900"
    # A county governed by its province directly hangs under the province.
    assert by_code["429004"].parent_code == "420000"


def test_load_official_builds_alxa_with_its_non_standard_units(db):
    load_official()
    alxa = Region.objects.get(code="152900")
    units = {r.code: r for r in alxa.children.all()}
    assert set(units) == {"152921", "152922", "152923", "152971", "152921401", "152900-01"}
    assert units["152921"].standard
    assert not units["152971"].standard
    assert not units["152900-01"].standard
    assert units["152921401"].level == Level.COUNTY
    assert alxa.subtree().count() == 7


def test_loading_twice_changes_nothing(db):
    first = load_official()
    count = Region.objects.count()
    assert load_official() == (0, 0)
    assert Region.objects.count() == count
    assert first[0] == count
