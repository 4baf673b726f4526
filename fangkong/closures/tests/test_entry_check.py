"""The entry check reads like the rule table (DESIGN.md, "Closures"): each row is a level, a
direction and a purpose, and what the gate does with it — with and without an officer's
exception."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from fangkong.audit.models import AuditEvent
from fangkong.closures.models import GateEvent, RuleOutcome
from fangkong.closures.services import (
    EntryRefused,
    Evidence,
    ExitRefused,
    closure_create,
    entry_check,
    gate_event_record,
    local_day,
)
from fangkong.closures.tests.conftest import NOTICE
from fangkong.core.exceptions import Forbidden
from fangkong.core.scoping import SYSTEM

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime.date(2021, 10, 18)
END = datetime.date(2021, 11, 20)
NOON = datetime.datetime(2021, 10, 25, 12, 0, tzinfo=SHANGHAI)

ALLOWED, CONDITIONAL, REFUSED = RuleOutcome.ALLOWED, RuleOutcome.CONDITIONAL, RuleOutcome.REFUSED
# What a passage shows that meets every condition of a conditional rule.
MET = {"temperature": Decimal("36.5"), "test_proof": "核酸阴性 10-24"}

# level       direction  purpose      outcome
RULE_TABLE = [
    ("full",      "in",  "visit",     REFUSED),
    ("full",      "in",  "admission", REFUSED),
    ("full",      "in",  "staff",     CONDITIONAL),
    ("full",      "in",  "supplies",  CONDITIONAL),
    ("full",      "in",  "medical",   CONDITIONAL),
    ("full",      "out", "visit",     REFUSED),
    ("full",      "out", "admission", REFUSED),
    ("full",      "out", "staff",     REFUSED),
    ("full",      "out", "supplies",  REFUSED),
    ("full",      "out", "medical",   REFUSED),
    ("exit_only", "in",  "visit",     REFUSED),
    ("exit_only", "in",  "admission", REFUSED),
    ("exit_only", "in",  "staff",     REFUSED),
    ("exit_only", "in",  "supplies",  REFUSED),
    ("exit_only", "in",  "medical",   CONDITIONAL),
    ("exit_only", "out", "visit",     ALLOWED),
    ("exit_only", "out", "admission", ALLOWED),
    ("exit_only", "out", "staff",     ALLOWED),
    ("exit_only", "out", "supplies",  ALLOWED),
    ("exit_only", "out", "medical",   ALLOWED),
]  # fmt: skip


def close(world, level, start=START, end=END, code="1529210001"):
    return closure_create(actor=SYSTEM, institution_code=code, start_date=start, end_date=end,
                          level=level, basis=NOTICE)  # fmt: skip


@pytest.mark.parametrize(("level", "direction", "purpose", "outcome"), RULE_TABLE)
def test_the_check_answers_as_the_rule_table(world, level, direction, purpose, outcome):
    close(world, level)
    decision = entry_check(world.institutions["1529210001"], NOON, purpose, direction)
    assert decision.outcome == outcome
    assert decision.allowed == (outcome != REFUSED)
    assert decision.reason  # every answer says why
    assert bool(decision.conditions) == (outcome == CONDITIONAL)


@pytest.mark.parametrize(("level", "direction", "purpose", "outcome"), RULE_TABLE)
def test_the_gate_refuses_without_an_exception_what_the_table_refuses(
    world, level, direction, purpose, outcome
):
    close(world, level)
    record = dict(actor=world.users["operator"], institution=world.institutions["1529210001"],
                  at=NOON, direction=direction, purpose=purpose, person_name="张三",
                  **MET)  # fmt: skip
    if outcome == REFUSED:
        refusal = EntryRefused if direction == "in" else ExitRefused
        with pytest.raises(refusal):
            gate_event_record(**record)
    else:
        event = gate_event_record(**record)
        assert event.outcome == outcome and not event.is_exception


@pytest.mark.parametrize(("level", "direction", "purpose", "outcome"), RULE_TABLE)
def test_an_officers_exception_lets_through_what_the_table_refuses(
    world, level, direction, purpose, outcome
):
    close(world, level)
    record = dict(actor=world.users["zuoqi"], institution=world.institutions["1529210001"],
                  at=NOON, direction=direction, purpose=purpose, person_name="张三",
                  **MET)  # fmt: skip
    if outcome == REFUSED:
        event = gate_event_record(**record, exception_reason="送医 120")
        assert event.is_exception and event.exception_by == world.users["zuoqi"]
    else:  # nothing to except: the passage is recorded as any other, not as an exception
        event = gate_event_record(**record, exception_reason="送医 120")
        assert event.outcome == outcome and not event.is_exception
        assert event.exception_by is None and event.exception_reason == ""


@pytest.mark.parametrize(("level", "direction", "purpose", "outcome"), RULE_TABLE)
def test_a_blank_exception_reason_is_no_reason(world, level, direction, purpose, outcome):
    close(world, level)
    record = dict(actor=world.users["zuoqi"], institution=world.institutions["1529210001"],
                  at=NOON, direction=direction, purpose=purpose, person_name="张三", **MET,
                  exception_reason="")  # fmt: skip
    if outcome == REFUSED:
        refusal = EntryRefused if direction == "in" else ExitRefused
        with pytest.raises(refusal) as caught:
            gate_event_record(**record)
        assert caught.value.code == ("entry_refused" if direction == "in" else "exit_refused")
    else:
        assert not gate_event_record(**record).is_exception


def test_a_moment_without_its_offset_is_refused_by_name(world):
    close(world, "full")
    with pytest.raises(ValidationError) as caught:
        entry_check(world.institutions["1529210001"], NOON.replace(tzinfo=None), "visit")
    assert caught.value.error_dict["at"][0].code == "naive_moment"


def test_the_day_is_the_sites_whatever_time_zone_is_active(world):
    close(world, "full")
    first_instant = datetime.datetime(2021, 10, 17, 16, 0, tzinfo=datetime.UTC)
    assert local_day(first_instant) == START
    with timezone.override(datetime.UTC):
        assert local_day(first_instant) == START
        assert not entry_check(world.institutions["1529210001"], first_instant, "visit").allowed


def test_outside_any_closure_the_gate_is_open(world):
    decision = entry_check(world.institutions["1529210001"], NOON, "visit")
    assert decision.allowed and decision.closure is None


@pytest.mark.parametrize(
    ("moment", "closed"),
    [
        # The first day starts at local midnight; the instant before it is still open.
        (datetime.datetime(2021, 10, 17, 23, 59, 59, 999999, tzinfo=SHANGHAI), False),
        (datetime.datetime(2021, 10, 18, 0, 0, tzinfo=SHANGHAI), True),
        # The same instants written in UTC: the day is Shanghai's, whatever the offset.
        (datetime.datetime(2021, 10, 17, 15, 59, 59, tzinfo=datetime.UTC), False),
        (datetime.datetime(2021, 10, 17, 16, 0, tzinfo=datetime.UTC), True),
        # The last day (end_date) is included to its last instant.
        (datetime.datetime(2021, 11, 20, 23, 59, 59, 999999, tzinfo=SHANGHAI), True),
        (datetime.datetime(2021, 11, 21, 0, 0, tzinfo=SHANGHAI), False),
        (datetime.datetime(2021, 11, 20, 16, 0, tzinfo=datetime.UTC), False),
    ],
)
def test_a_closure_runs_from_its_first_to_its_last_local_day_included(world, moment, closed):
    close(world, "full")
    decision = entry_check(world.institutions["1529210001"], moment, "visit")
    assert decision.allowed is not closed


def test_the_reason_is_in_the_readers_language(world):
    close(world, "exit_only")
    institution = world.institutions["1529210001"]
    with translation.override("en"):
        assert "nobody enters but medical staff" in entry_check(institution, NOON, "staff").reason


# The conditions a conditional rule checks, column by column (rules.CHECKS): what the passage
# shows, and whether it passes (else the field the refusal names).
PROOF = "核酸阴性 10-24"
CONDITION_TABLE = [
    # level       purpose     temperature  proof  passes / refused field
    ("full",      "staff",    "36.5",      PROOF, None),
    ("full",      "staff",    "36.5",      "",    "test_proof"),
    ("full",      "staff",    None,        PROOF, "temperature"),
    ("full",      "staff",    "37.2",      PROOF, None),
    ("full",      "staff",    "37.3",      PROOF, "temperature"),  # 37.3 °C is a fever
    ("full",      "medical",  "36.8",      "",    None),  # no test asked of medical staff
    ("full",      "medical",  "38.0",      "",    "temperature"),
    ("full",      "medical",  None,        "",    "temperature"),
    ("full",      "supplies", None,        "",    None),  # the deliverer stays outside
    ("exit_only", "medical",  "37.5",      PROOF, "temperature"),
    ("exit_only", "medical",  "36.6",      "",    None),
]  # fmt: skip


@pytest.mark.parametrize(("level", "purpose", "temperature", "proof", "refused"),
                         CONDITION_TABLE)  # fmt: skip
def test_the_gate_checks_each_condition_of_a_conditional_rule(
    world, level, purpose, temperature, proof, refused
):
    close(world, level)
    passage = dict(actor=world.users["operator"], institution=world.institutions["1529210001"],
                   at=NOON, direction="in", purpose=purpose, person_name="张三",
                   temperature=Decimal(temperature) if temperature else None,
                   test_proof=proof)  # fmt: skip
    if refused is None:
        assert gate_event_record(**passage).outcome == CONDITIONAL
        return
    with pytest.raises(EntryRefused) as caught:
        gate_event_record(**passage)
    assert caught.value.field == refused
    assert not GateEvent.objects.exists()


def test_without_what_the_passage_shows_the_check_names_what_it_requires(world):
    close(world, "full")
    institution = world.institutions["1529210001"]
    staff = entry_check(institution, NOON, "staff")
    assert staff.allowed and staff.requires == ("test_proof", "temperature")
    assert entry_check(institution, NOON, "supplies").requires == ()
    assert entry_check(institution, NOON, "medical").requires == ("temperature",)


def test_the_fever_is_said_with_its_figures(world):
    close(world, "full")
    evidence = Evidence(temperature=Decimal("38.1"), test_proof=PROOF)
    with translation.override("en"):
        decision = entry_check(world.institutions["1529210001"], NOON, "staff", "in", evidence)
    assert not decision.allowed and decision.field == "temperature"
    assert "38.1 °C is a fever (37.3 °C or above)" in decision.reason


def test_an_officers_exception_lets_a_feverish_passage_through_on_record(world):
    close(world, "full")
    event = gate_event_record(
        actor=world.users["zuoqi"], institution=world.institutions["1529210001"], at=NOON,
        direction="in", purpose="medical", person_name="急救医生", temperature=Decimal("37.6"),
        exception_reason="抢救病人, 全程防护",
    )  # fmt: skip
    assert event.is_exception and event.outcome == REFUSED
    assert AuditEvent.objects.filter(action="gate.exception").count() == 1


def test_an_operator_makes_an_exception_for_a_medical_passage_only(world):
    close(world, "full")
    record = dict(actor=world.users["operator"], institution=world.institutions["1529210001"],
                  at=NOON, person_name="张三", exception_reason="120 送医")  # fmt: skip
    transfer = gate_event_record(**record, direction="out", purpose="medical")
    assert transfer.is_exception and transfer.exception_by == world.users["operator"]
    with pytest.raises(Forbidden) as caught:
        gate_event_record(**record, direction="in", purpose="visit")
    assert caught.value.field == "exception_reason"
    assert GateEvent.objects.count() == 1
