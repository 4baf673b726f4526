import datetime
import threading
from decimal import Decimal

import pytest
from django import db
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from fangkong.audit.models import AuditEvent
from fangkong.closures.models import Closure, ClosureOrder, GateEvent
from fangkong.closures.services import (
    EntryRefused,
    closure_create,
    closure_lift,
    gate_event_record,
)
from fangkong.closures.tests.conftest import NOTICE, START
from fangkong.conftest import make_institution
from fangkong.core.exceptions import Forbidden, Overlap
from fangkong.core.scoping import SYSTEM
from fangkong.institutions.models import Institution

ALXA_OPEN = {"1529210001", "1529210002", "1529220001", "1529230001", "1529710001"}


def codes(order):
    return {c.institution.code for c in order.closures.select_related("institution")}


def field_of(exc: ValidationError) -> str:
    return next(iter(exc.error_dict))


def test_a_region_wide_closure_closes_each_open_institution_once_and_nothing_else(world):
    closed_down = make_institution("1529210009", "152921", "已撤销的敬老院")
    Institution.objects.filter(pk=closed_down.pk).update(closed_on=datetime.date(2021, 10, 1))
    order = closure_create(actor=world.users["league"], region_code="152900", start_date=START,
                           level="full", basis=NOTICE)  # fmt: skip
    assert codes(order) == ALXA_OPEN  # not the closed-down one, nothing outside the league
    assert Closure.objects.count() == len(ALXA_OPEN)
    event = AuditEvent.objects.get(action="closure.create")
    assert sorted(event.after["institutions"]) == sorted(ALXA_OPEN)  # one act with its list
    assert event.actor == world.users["league"]


def test_an_institution_closing_down_later_is_still_closed_from_the_start(world):
    later = make_institution("1529210009", "152921", "年底撤销的敬老院")
    Institution.objects.filter(pk=later.pk).update(closed_on=datetime.date(2021, 12, 31))
    order = closure_create(actor=SYSTEM, region_code="152921", start_date=START, level="full",
                           basis=NOTICE)  # fmt: skip
    assert "1529210009" in codes(order)


def test_a_closed_down_institution_is_refused_by_name(world):
    institution = world.institutions["1529210001"]
    Institution.objects.filter(pk=institution.pk).update(closed_on=datetime.date(2021, 10, 1))
    with pytest.raises(ValidationError) as caught:
        closure_create(actor=SYSTEM, institution_code="1529210001", start_date=START,
                       level="full", basis=NOTICE)  # fmt: skip
    assert field_of(caught.value) == "institution_code"
    assert caught.value.error_dict["institution_code"][0].code == "closed_down"
    assert not ClosureOrder.objects.exists()


def test_an_end_before_the_start_is_refused(world):
    with pytest.raises(ValidationError) as caught:
        closure_create(
            actor=SYSTEM,
            institution_code="1529210001",
            start_date=START,
            end_date=START - datetime.timedelta(days=1),
            level="full",
            basis=NOTICE,
        )
    assert field_of(caught.value) == "end_date"
    assert not Closure.objects.exists()


def test_an_overlapping_closure_refuses_the_whole_order(world, closed):
    with pytest.raises(Overlap) as caught:
        closure_create(actor=SYSTEM, region_code="152921", start_date=START + datetime.timedelta(
            days=3), level="exit_only", basis=NOTICE)  # fmt: skip
    assert caught.value.status == 409 and caught.value.field == "start_date"
    assert ClosureOrder.objects.count() == 1 and Closure.objects.count() == len(ALXA_OPEN)


def test_the_database_refuses_overlapping_closures_too(world, closed):
    first = Closure.objects.get(institution__code="1529210001")
    with pytest.raises(IntegrityError), transaction.atomic():
        Closure.objects.create(order=first.order, institution=first.institution,
                               start_date=datetime.date(2022, 1, 1), level="full")  # fmt: skip


def test_the_database_lets_a_closure_follow_another(world):
    closure_create(
        actor=SYSTEM,
        institution_code="1529210001",
        start_date=START,
        end_date=datetime.date(2021, 10, 31),
        level="full",
        basis=NOTICE,
    )
    closure_create(actor=SYSTEM, institution_code="1529210001", start_date=datetime.date(2021,
                   11, 1), level="exit_only", basis=NOTICE)  # fmt: skip
    assert Closure.objects.count() == 2


def test_an_officer_cannot_close_another_banner(world):
    with pytest.raises(ValidationError) as caught:
        closure_create(actor=world.users["zuoqi"], institution_code="1529230001",
                       start_date=START, level="full", basis=NOTICE)  # fmt: skip
    assert field_of(caught.value) == "institution_code"
    with pytest.raises(ValidationError):
        closure_create(actor=world.users["operator"], institution_code="1529210001",
                       start_date=START, level="full", basis=NOTICE)  # fmt: skip


def test_lifting_a_region_ends_every_closure_in_one_act(world, closed):
    end = datetime.date(2021, 11, 30)
    order = closure_lift(actor=world.users["league"], region_code="152900", end_date=end,
                         basis=NOTICE)  # fmt: skip
    assert set(Closure.objects.values_list("end_date", flat=True)) == {end}
    assert order.lifted.count() == len(ALXA_OPEN)
    assert Closure.objects.filter(lifted_by=world.users["league"]).count() == len(ALXA_OPEN)
    assert AuditEvent.objects.filter(action="closure.lift").count() == 1


def test_lifting_one_institution_leaves_the_others_closed(world, closed):
    closure_lift(actor=world.users["zuoqi"], institution_code="1529210001",
                 end_date=datetime.date(2021, 11, 30), basis=NOTICE)  # fmt: skip
    assert Closure.objects.filter(end_date__isnull=True).count() == len(ALXA_OPEN) - 1


NOON = datetime.datetime(2021, 10, 25, 12, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))


def gate(world, persona="operator", **changes):
    record = dict(actor=world.users[persona], institution=world.institutions["1529210001"],
                  at=NOON, direction="in", purpose="staff", person_name="李四",
                  temperature=Decimal("36.4"), test_proof="核酸阴性 10-24")  # fmt: skip
    return gate_event_record(**{**record, **changes})


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"at": datetime.datetime(2021, 10, 1, 9, tzinfo=datetime.UTC)}, "at", "no_closure"),
        ({"at": datetime.datetime(2099, 1, 1, tzinfo=datetime.UTC)}, "at", "future"),
        ({"at": datetime.datetime(2021, 10, 25, 12)}, "at", "naive_moment"),
        ({"person_name": " "}, "person_name", "required"),
    ],
)
def test_a_bad_gate_event_is_refused_by_name_and_nothing_is_written(
    world, closed, changes, field, code
):
    with pytest.raises(ValidationError) as caught:
        gate(world, **changes)
    assert field_of(caught.value) == field
    assert caught.value.error_dict[field][0].code == code
    assert not GateEvent.objects.exists()


def test_an_operator_cannot_make_an_exception(world, closed):
    with pytest.raises(Forbidden) as caught:
        gate(world, purpose="visit", exception_reason="家属送药")
    assert caught.value.field == "exception_reason"
    assert not GateEvent.objects.exists()


def test_an_exception_is_audited(world, closed):
    event = gate(world, "zuoqi", purpose="visit", exception_reason="临终探视")
    audit = AuditEvent.objects.get(action="gate.exception")
    assert audit.after["reason"] == "临终探视" and audit.target_id == str(event.pk)
    assert audit.institution_id == world.institutions["1529210001"].pk


def test_a_blank_exception_reason_is_no_reason(world, closed):
    with pytest.raises(EntryRefused):
        gate(world, "zuoqi", purpose="visit", exception_reason="  ")
    assert not GateEvent.objects.exists()


@pytest.mark.parametrize("ahead", [61, 1])
def test_a_passage_in_the_future_is_refused_however_near(world, closed, ahead):
    with pytest.raises(ValidationError) as caught:
        gate(world, at=timezone.now() + datetime.timedelta(seconds=ahead))
    assert caught.value.error_dict["at"][0].code == "future"
    assert not GateEvent.objects.exists()


# 00:30 in Shanghai on the 25th is still the 24th in UTC: the day is the site's.
AFTER_MIDNIGHT = datetime.datetime(2021, 10, 24, 16, 30, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("end", "refused"),
    [(datetime.date(2021, 10, 24), True), (datetime.date(2021, 10, 25), False)],
)
def test_a_lift_cannot_end_a_closure_before_its_passages(world, closed, end, refused):
    gate(world, at=NOON - datetime.timedelta(days=3))
    gate(world, at=AFTER_MIDNIGHT)
    lift = dict(actor=world.users["league"], region_code="152900", end_date=end, basis=NOTICE)
    if refused:
        with pytest.raises(ValidationError) as caught:
            closure_lift(**lift)
        assert caught.value.error_dict["end_date"][0].code == "passages_after"
        assert not Closure.objects.exclude(end_date=None).exists()
        assert not ClosureOrder.objects.filter(kind="lift").exists()
    else:
        closure_lift(**lift)
        assert set(Closure.objects.values_list("end_date", flat=True)) == {end}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers")
@pytest.mark.django_db(transaction=True)
def test_a_passage_waiting_for_a_lift_is_checked_against_the_lifted_closure(world, closed):
    """The register locks the closure row, then checks again: a lift committed meanwhile (its
    end before the passage) leaves the passage outside any closure."""

    lifting, errors = threading.Event(), []

    def lift() -> None:
        try:
            with transaction.atomic():
                closure_lift(actor=world.users["league"], institution_code="1529210001",
                             end_date=datetime.date(2021, 10, 20), basis=NOTICE)  # fmt: skip
                lifting.set()
                with db.connection.cursor() as cursor:  # until the passage waits for the lock
                    for _ in range(200):
                        cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
                        if cursor.fetchone()[0]:
                            break
                        threading.Event().wait(0.05)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            db.connection.close()

    lifter = threading.Thread(target=lift)
    lifter.start()
    try:
        assert lifting.wait(timeout=10)
        with pytest.raises(ValidationError) as caught:
            gate(world)
    finally:
        lifter.join(timeout=15)
    assert not errors
    assert caught.value.error_dict["at"][0].code == "no_closure"
    assert not GateEvent.objects.exists()


def test_a_region_wide_order_skips_an_institution_already_closed_and_lists_it(world):
    first = closure_create(actor=SYSTEM, institution_code="1529210001", start_date=START,
                           level="exit_only", basis=NOTICE)  # fmt: skip
    order = closure_create(actor=world.users["league"], region_code="152900",
                           start_date=START + datetime.timedelta(days=2), level="full",
                           basis=NOTICE)  # fmt: skip
    assert codes(order) == ALXA_OPEN - {"1529210001"}
    assert [unit["code"] for unit in order.skipped] == ["1529210001"]
    assert order.skipped[0]["closure_id"] == first.closures.get().pk
    assert Closure.objects.get(order=first).level == "exit_only"  # its own closure stands
    event = AuditEvent.objects.get(action="closure.create", after__skipped__isnull=False,
                                   target_id=str(order.pk))  # fmt: skip
    assert event.after["skipped"] == ["1529210001"]
