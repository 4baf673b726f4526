import datetime

from fangkong.core.scoping import SYSTEM
from fangkong.surveillance.models import Aberration
from fangkong.surveillance.selectors import signal_list, signals_in_force

DAY = datetime.date(2022, 10, 25)
WEEK_AGO = DAY - datetime.timedelta(days=7)


def signal(world, code, day=DAY, field="fever", **values):
    return Aberration.objects.create(institution=world.institutions[code], day=day, field=field,
                                     value=4, methods="C1", **values)  # fmt: skip


def test_an_officer_sees_the_signals_of_their_banner_only(world):
    zuoqi = signal(world, "1529210001")
    signal(world, "1529230001")
    league = world.regions["152900"]
    assert list(signal_list(user=world.users["zuoqi"], region=league, since=DAY)) == [zuoqi]
    assert len(signal_list(user=world.users["league"], region=league, since=DAY)) == 2
    assert list(signal_list(user=world.users["ejina"], region=world.regions["152921"],
                            since=DAY)) == []  # fmt: skip


def test_an_operator_sees_their_own_institution_only(world):
    own = signal(world, "1529210001")
    signal(world, "1529210002")
    found = signal_list(user=world.users["operator"], region=world.regions["152921"], since=DAY)
    assert list(found) == [own]


def test_signals_are_listed_newest_first_within_the_days_asked(world):
    old = signal(world, "1529210001", day=WEEK_AGO)
    new = signal(world, "1529210002", day=DAY)
    signal(world, "1529210001", day=DAY + datetime.timedelta(days=1))
    found = signal_list(user=world.users["zuoqi"], region=world.regions["152921"],
                        since=WEEK_AGO, until=DAY)  # fmt: skip
    assert list(found) == [new, old]


def test_withdrawn_signals_are_not_listed(world):
    signal(
        world, "1529210001", withdrawn_at=datetime.datetime(2022, 10, 25, 3, tzinfo=datetime.UTC)
    )
    assert not signal_list(user=world.users["zuoqi"], region=world.regions["152921"], since=DAY)
    assert not signals_in_force(since=DAY)


def test_the_system_reads_every_signal_in_force_since_a_day(world):
    recent = {signal(world, "1529210001"), signal(world, "6201000001")}
    signal(world, "1529230001", day=WEEK_AGO)
    assert set(signals_in_force(since=DAY)) == recent
    assert len(signal_list(user=SYSTEM, region=world.regions["000000"], since=WEEK_AGO)) == 3
