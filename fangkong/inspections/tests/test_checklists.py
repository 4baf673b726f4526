"""Versioned checklists: a draft is edited and published; an answered version never changes."""

import json

import pytest
from django.core.exceptions import ValidationError

from fangkong.core.exceptions import Forbidden
from fangkong.inspections.checklists import checklist_draft, checklist_item_set, checklist_publish
from fangkong.inspections.models import ChecklistVersion
from fangkong.inspections.services import inspection_record
from fangkong.inspections.tests.conftest import DONE_AT, answers, post


def _edit(world, version, number=25, text="新增：疫苗接种台账"):
    return checklist_item_set(actor=world.users["admin"], version=version, number=number,
                              text_zh=text, text_en="Added", default_days=5)  # fmt: skip


def test_a_draft_copies_the_published_version_and_publishing_makes_it_current(world, inspector):
    draft = checklist_draft(actor=world.users["admin"])
    assert (draft.number, draft.status, draft.items.count()) == (2, "draft", 24)
    _edit(world, draft)
    checklist_publish(actor=world.users["admin"], version=draft)
    found = inspection_record(actor=inspector, institution="1529210001", method="phone",
                              unannounced=False, done_at=DONE_AT, answers=answers(25))  # fmt: skip
    assert found.checklist.number == 2
    assert found.rectifications.get().due_date.day == 30  # 25 October + 5 days


def test_a_new_version_does_not_change_an_answered_inspection(world, inspection):
    draft = checklist_draft(actor=world.users["admin"])
    _edit(world, draft, number=4, text="门岗值守（新表述）")
    checklist_publish(actor=world.users["admin"], version=draft)
    inspection.refresh_from_db()
    assert inspection.checklist.number == 1
    answer = inspection.answers.get(item__number=4)
    assert answer.item.text_zh.startswith("门岗有人值守")


def test_a_published_version_cannot_be_edited(world):
    with pytest.raises(ValidationError):
        _edit(world, ChecklistVersion.objects.get(number=1), number=3)
    assert ChecklistVersion.objects.get(number=1).items.count() == 24


def test_only_an_administrator_edits_the_checklist(world):
    with pytest.raises(Forbidden):
        checklist_draft(actor=world.users["league"])
    assert ChecklistVersion.objects.count() == 1


def test_items_are_numbered_without_gaps(world):
    draft = checklist_draft(actor=world.users["admin"])
    with pytest.raises(ValidationError) as caught:
        _edit(world, draft, number=27)
    assert "number" in caught.value.error_dict


def test_an_item_not_in_the_version_used_is_refused(world, inspector):
    with pytest.raises(ValidationError):
        inspection_record(actor=inspector, institution="1529210001", method="phone",
                          unannounced=False, done_at=DONE_AT, answers=answers(25))  # fmt: skip


def test_the_api_drafts_edits_and_publishes_for_administrators(world):
    api = world.api("admin")
    assert api.post("/api/v1/checklists").status_code == 201
    item = {"text_zh": "新增项", "text_en": "New item", "default_days": 3}
    response = api.put("/api/v1/checklists/2/items/25", data=json.dumps(item),
                       content_type="application/json")  # fmt: skip
    assert response.status_code == 200
    assert world.api("league").get("/api/v1/checklists/2").status_code == 404  # a draft
    assert post(api, "/api/v1/checklists/2/publish", {}).status_code == 200
    body = world.api("league").get("/api/v1/checklists/2").json()
    assert (body["status"], len(body["items"])) == ("published", 25)
    assert world.api("league").post("/api/v1/checklists").status_code == 403
