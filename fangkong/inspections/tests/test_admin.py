"""The checklist in the Django admin: administrators add a draft, edit its items and publish
it, each through the audited services; a published version is read-only there."""

from fangkong.audit.models import AuditEvent
from fangkong.inspections.checklists import checklist_draft
from fangkong.inspections.models import ChecklistItem, ChecklistStatus, ChecklistVersion

URL = "/admin/inspections/checklistversion/"


def _items_form(version, changes=None, added=()):
    """The change form's data: every item as it is, `changes` by number, then `added` rows."""
    items = list(version.items.order_by("number"))
    data = {"items-TOTAL_FORMS": str(len(items) + len(added)),
            "items-INITIAL_FORMS": str(len(items)), "items-MIN_NUM_FORMS": "0",
            "items-MAX_NUM_FORMS": "1000", "_save": "Save"}  # fmt: skip
    for index, item in enumerate(items):
        row = {"id": item.pk, "version": version.pk, "number": item.number,
               "text_zh": item.text_zh, "text_en": item.text_en,
               "default_days": item.default_days}  # fmt: skip
        row |= (changes or {}).get(item.number, {})
        data |= {f"items-{index}-{key}": str(value) for key, value in row.items()}
    for offset, row in enumerate(added, start=len(items)):
        data |= {f"items-{offset}-{key}": str(value) for key, value in
                 ({"version": version.pk} | row).items()}  # fmt: skip
    return data


def test_an_administrator_adds_a_draft_in_the_admin(world):
    response = world.client("admin").post(f"{URL}add/", {"_save": "Save"})
    assert response.status_code == 302
    draft = ChecklistVersion.objects.get(status=ChecklistStatus.DRAFT)
    assert (draft.number, draft.items.count()) == (2, 24)
    assert AuditEvent.objects.filter(action="checklist.draft").count() == 1


def test_a_drafts_items_are_edited_and_added_in_the_admin_and_audited(world):
    draft = checklist_draft(actor=world.users["admin"])
    data = _items_form(
        draft, changes={4: {"text_zh": "门岗24小时值守", "default_days": 2}},
        added=[{"number": 25, "text_zh": "流感疫苗接种台账", "text_en": "Flu vaccination log",
                "default_days": 10}],
    )  # fmt: skip
    response = world.client("admin").post(f"{URL}{draft.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    item = draft.items.get(number=4)
    assert (item.text_zh, item.default_days) == ("门岗24小时值守", 2)
    assert draft.items.get(number=25).text_en == "Flu vaccination log"
    edits = AuditEvent.objects.filter(action="checklist.edit").order_by("pk")
    assert [event.after["item"] for event in edits] == [4, 25]
    published = ChecklistItem.objects.get(version__number=1, number=4)
    assert published.text_zh.startswith("门岗有人值守")


def test_items_numbered_with_a_gap_are_refused(world):
    draft = checklist_draft(actor=world.users["admin"])
    data = _items_form(draft, added=[{"number": 30, "text_zh": "跳号", "text_en": "Gap",
                                      "default_days": 3}])  # fmt: skip
    response = world.client("admin").post(f"{URL}{draft.pk}/change/", data)
    assert response.status_code == 200  # the form again, with the error
    assert "不得跳号" in response.content.decode()
    assert draft.items.count() == 24
    assert not AuditEvent.objects.filter(action="checklist.edit").exists()


def test_publishing_from_the_admin_goes_through_the_service(world):
    draft = checklist_draft(actor=world.users["admin"])
    response = world.client("admin").post(URL, {"action": "publish",
                                                "_selected_action": [draft.pk]})  # fmt: skip
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == ChecklistStatus.PUBLISHED and draft.published_at is not None
    assert AuditEvent.objects.filter(action="checklist.publish").count() == 1


def test_a_published_version_is_read_only_in_the_admin(world):
    version = ChecklistVersion.objects.get(number=1)
    client = world.client("admin")
    page = client.get(f"{URL}{version.pk}/change/").content.decode()
    assert 'name="items-0-text_zh"' not in page and "门岗有人值守" in page
    data = _items_form(version, changes={4: {"text_zh": "篡改"}})
    assert client.post(f"{URL}{version.pk}/change/", data).status_code == 403
    assert ChecklistItem.objects.get(version=version, number=4).text_zh.startswith("门岗有人值守")


def test_an_officer_cannot_reach_the_checklist_in_the_admin(world):
    from fangkong.accounts.models import User

    User.objects.filter(username="zuoqi").update(is_staff=True)
    response = world.client("zuoqi").get(URL)
    assert response.status_code in (302, 403)
