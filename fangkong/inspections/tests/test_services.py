import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from fangkong.audit.models import AuditEvent
from fangkong.core.exceptions import Forbidden
from fangkong.inspections.checklist import ITEMS
from fangkong.inspections.models import (
    Answer,
    ChecklistVersion,
    Inspection,
    Rectification,
    RectificationStatus,
)
from fangkong.inspections.services import (
    AnswerIn,
    NotInScope,
    inspection_record,
    rectification_fix,
    rectification_verify,
)
from fangkong.inspections.tests.conftest import DAY, DONE_AT, answers


def test_the_first_checklist_is_published_with_the_24_items_of_the_design(db):
    version = ChecklistVersion.objects.get(number=1)
    assert version.status == "published"
    numbers = list(version.items.values_list("number", flat=True))
    assert numbers == list(range(1, 25))
    assert version.items.get(number=22).text_en == ITEMS[21][2]


def test_each_failed_item_opens_one_rectification_due_after_its_default_days(inspection):
    rows = {r.item.number: r for r in inspection.rectifications.all()}
    assert set(rows) == {4, 19}
    assert rows[4].status == RectificationStatus.OPEN
    assert rows[4].due_date == DAY + datetime.timedelta(days=1)
    assert rows[19].due_date == DAY + datetime.timedelta(days=2)
    assert rows[4].institution.code == "1529210001"


def test_passed_and_not_applicable_items_open_no_rectification(world, inspector):
    found = inspection_record(
        actor=inspector, institution="1529210001", method="phone", unannounced=True,
        done_at=DONE_AT, answers=[AnswerIn(item=1, result="pass"), AnswerIn(item=2, result="na")],
    )  # fmt: skip
    assert not found.rectifications.exists()
    assert found.answers.count() == 2


def test_an_answer_may_set_its_own_deadline(world, inspector):
    due = DAY + datetime.timedelta(days=10)
    found = inspection_record(
        actor=inspector, institution="1529210001", method="video", unannounced=False,
        done_at=DONE_AT, answers=[AnswerIn(item=24, result="fail", due_date=due)],
    )  # fmt: skip
    assert found.rectifications.get().due_date == due


def test_recording_is_audited_with_the_failed_items(inspection):
    event = AuditEvent.objects.get(action="inspection.record")
    assert event.after["failed"] == [4, 19]
    assert event.institution_id == inspection.institution_id


def _refused(world, inspector, **changes):
    fields = {"actor": inspector, "institution": "1529210001", "method": "on_site",
              "unannounced": False, "done_at": DONE_AT, "answers": answers(4)}  # fmt: skip
    with pytest.raises((ValidationError, NotInScope)) as caught:
        inspection_record(**{**fields, **changes})
    assert not Inspection.objects.exists()
    assert not Rectification.objects.exists()
    return caught.value


def _field(error):
    if isinstance(error, NotInScope):
        return error.field
    return next(iter(error.error_dict))


def test_an_item_not_in_the_version_is_refused_and_nothing_written(world, inspector):
    error = _refused(world, inspector, answers=[AnswerIn(item=25, result="fail")])
    assert _field(error) == "answers"
    assert error.error_dict["answers"][0].code == "unknown_item"


def test_an_item_answered_twice_is_refused_and_nothing_written(world, inspector):
    error = _refused(world, inspector, answers=[AnswerIn(item=3, result="pass"),
                                                AnswerIn(item=3, result="fail")])  # fmt: skip
    assert error.error_dict["answers"][0].code == "duplicate_item"


def test_an_inspection_in_the_future_is_refused(world, inspector):
    from django.utils import timezone

    error = _refused(world, inspector, done_at=timezone.now() + datetime.timedelta(hours=1))
    assert _field(error) == "done_at"


def test_a_deadline_before_the_inspection_is_refused(world, inspector):
    early = [AnswerIn(item=4, result="fail", due_date=DAY - datetime.timedelta(days=1))]
    error = _refused(world, inspector, answers=early)
    assert error.error_dict["answers"][0].code == "due_before_inspection"


def test_an_institution_out_of_scope_is_refused_as_unknown(world, inspector):
    error = _refused(world, inspector, institution="1529230001")
    assert isinstance(error, NotInScope) and error.status == 404
    assert error.field == "institution_code"


def test_an_operator_cannot_record_an_inspection_of_their_own_institution(world):
    _refused(world, world.users["operator"])


def test_the_database_keeps_one_answer_per_item(inspection):
    answer = inspection.answers.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Answer.objects.create(inspection=inspection, item=answer.item, result="pass")


def test_the_database_refuses_a_deadline_before_the_finding(rectification):
    with pytest.raises(IntegrityError), transaction.atomic():
        Rectification.objects.filter(pk=rectification.pk).update(
            due_date=rectification.opened_on - datetime.timedelta(days=1)
        )


def test_the_database_refuses_an_unknown_status(rectification):
    with pytest.raises(IntegrityError), transaction.atomic():
        Rectification.objects.filter(pk=rectification.pk).update(status="done")


# The state machine: open → fixed → verified, or fixed → open with a reason ------------------


def _fix(world, rectification, persona="operator", evidence="已安排专人值守并登记"):
    return rectification_fix(actor=world.users[persona], rectification=rectification,
                             evidence=evidence)  # fmt: skip


def test_open_becomes_fixed_when_the_institution_reports_what_it_did(world, rectification):
    fixed = _fix(world, rectification)
    assert fixed.status == RectificationStatus.FIXED
    assert fixed.fixed_by == world.users["operator"]
    assert fixed.evidence == "已安排专人值守并登记"


def test_an_officer_may_report_the_fix_for_the_institution(world, rectification):
    assert _fix(world, rectification, "zuoqi").status == RectificationStatus.FIXED


def test_fixed_becomes_verified_when_an_inspector_accepts(world, inspector, rectification):
    _fix(world, rectification)
    verified = rectification_verify(actor=inspector, rectification=rectification, accepted=True)
    assert verified.status == RectificationStatus.VERIFIED
    assert verified.verified_by == inspector


def test_fixed_goes_back_to_open_with_the_reason(world, inspector, rectification):
    _fix(world, rectification)
    back = rectification_verify(actor=inspector, rectification=rectification, accepted=False,
                                note="登记表仍不完整")  # fmt: skip
    assert back.status == RectificationStatus.OPEN
    assert back.verify_note == "登记表仍不完整"
    assert [(e.from_status, e.to_status) for e in back.events.all()] == [
        ("", "open"),
        ("open", "fixed"),
        ("fixed", "open"),
    ]
    assert back.events.last().note == "登记表仍不完整"


def test_a_reopened_rectification_can_be_fixed_again(world, inspector, rectification):
    _fix(world, rectification)
    rectification_verify(actor=inspector, rectification=rectification, accepted=False, note="否")
    assert _fix(world, rectification, evidence="第二次整改").status == RectificationStatus.FIXED


def test_refusing_a_fix_needs_a_reason(world, inspector, rectification):
    _fix(world, rectification)
    with pytest.raises(ValidationError) as caught:
        rectification_verify(actor=inspector, rectification=rectification, accepted=False)
    assert "note" in caught.value.error_dict
    rectification.refresh_from_db()
    assert rectification.status == RectificationStatus.FIXED


def _transition_refused(call):
    with pytest.raises(ValidationError) as caught:
        call()
    assert caught.value.error_dict["status"][0].code == "transition_not_allowed"


def test_open_cannot_be_verified_or_refused(world, inspector, rectification):
    for accepted in (True, False):
        _transition_refused(lambda a=accepted: rectification_verify(
            actor=inspector, rectification=rectification, accepted=a, note="x"))  # fmt: skip
    rectification.refresh_from_db()
    assert rectification.status == RectificationStatus.OPEN


def test_fixed_cannot_be_fixed_again(world, rectification):
    _fix(world, rectification)
    _transition_refused(lambda: _fix(world, rectification))


def test_verified_cannot_be_fixed_verified_or_reopened(world, inspector, rectification):
    _fix(world, rectification)
    rectification_verify(actor=inspector, rectification=rectification, accepted=True)
    _transition_refused(lambda: _fix(world, rectification))
    officer = world.users["zuoqi"]
    for accepted in (True, False):
        _transition_refused(lambda a=accepted: rectification_verify(
            actor=officer, rectification=rectification, accepted=a, note="x"))  # fmt: skip
    rectification.refresh_from_db()
    assert rectification.status == RectificationStatus.VERIFIED


def test_nobody_verifies_their_own_fix(world, rectification):
    _fix(world, rectification, "zuoqi")
    with pytest.raises(ValidationError) as caught:
        rectification_verify(actor=world.users["zuoqi"], rectification=rectification,
                             accepted=True)  # fmt: skip
    assert caught.value.error_dict["accepted"][0].code == "own_fix"
    rectification.refresh_from_db()
    assert rectification.status == RectificationStatus.FIXED


def test_an_operator_cannot_verify(world, rectification):
    _fix(world, rectification, "zuoqi")
    with pytest.raises(Forbidden):
        rectification_verify(actor=world.users["operator"], rectification=rectification,
                             accepted=True)  # fmt: skip


def test_a_liaison_cannot_fix(world, liaison, rectification):
    with pytest.raises(Forbidden):
        _fix(world, rectification, "liaison")
    rectification.refresh_from_db()
    assert rectification.status == RectificationStatus.OPEN


def test_an_empty_evidence_is_refused(world, rectification):
    with pytest.raises(ValidationError):
        _fix(world, rectification, evidence="   ")
    rectification.refresh_from_db()
    assert rectification.status == RectificationStatus.OPEN


def test_each_transition_is_audited(world, inspector, rectification):
    _fix(world, rectification)
    rectification_verify(actor=inspector, rectification=rectification, accepted=True)
    actions = list(AuditEvent.objects.filter(target_id=str(rectification.pk),
                                             target_type="inspections.rectification")
                   .order_by("pk").values_list("action", flat=True))  # fmt: skip
    assert actions == ["rectification.fix", "rectification.verify"]
