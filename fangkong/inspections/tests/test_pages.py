"""The pages: an institution's supervision, the form, an inspection's fix and verify forms,
a region's rectifications and draws; in Chinese by default."""

import re

from fangkong.inspections.models import Inspection, RectificationStatus, SpotCheckDraw


def test_the_institution_page_shows_its_open_rectifications(world, rectification):
    page = world.client("operator").get("/institutions/1529210001/").content.decode()
    assert 'id="supervision"' in page
    assert "门岗有人值守" in page
    assert "已逾期" in page  # due 26 October 2021


def test_the_supervision_page_lists_inspections_and_offers_the_form_to_inspectors(
    world, inspection
):
    page = world.client("inspector").get("/inspections/institutions/1529210001/").content.decode()
    assert f"/inspections/{inspection.pk}/" in page
    assert 'id="record-inspection"' in page
    operator = world.client("operator").get("/inspections/institutions/1529210001/")
    assert 'id="record-inspection"' not in operator.content.decode()


def test_the_form_lists_the_24_items_and_records_an_inspection(world, inspector):
    client = world.client("inspector")
    page = client.get("/inspections/institutions/1529210001/new/").content.decode()
    assert page.count('class="text"') == 24
    # Filled in as a datetime-local input shows it (with a "T"), or the browser shows it empty.
    assert re.search(r'name="done_at" value="\d{4}-\d{2}-\d{2}T\d{2}:\d{2}"', page)
    data = {"method": "video", "unannounced": "on", "done_at": "2021-10-25T10:00"}
    for n in range(1, 25):
        data[f"result_{n}"] = "fail" if n == 12 else "pass"
    response = client.post("/inspections/institutions/1529210001/new/", data)
    inspection = Inspection.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/inspections/{inspection.pk}/"
    assert inspection.unannounced and inspection.answers.count() == 24
    assert [r.item.number for r in inspection.rectifications.all()] == [12]


def test_the_form_refuses_a_moment_in_the_future_and_writes_nothing(world, inspector):
    data = {"method": "video", "done_at": "2099-10-25T10:00"}
    data.update({f"result_{n}": "pass" for n in range(1, 25)})
    response = world.client("inspector").post("/inspections/institutions/1529210001/new/", data)
    assert response.status_code == 200
    assert "检查时间不能晚于当前时间" in response.content.decode()
    assert not Inspection.objects.exists()


def test_the_operator_reports_the_fix_and_the_inspector_verifies_it(world, rectification):
    operator = world.client("operator")
    page = operator.get(f"/inspections/{rectification.inspection_id}/").content.decode()
    assert f"/rectifications/{rectification.pk}/fix/" in page
    operator.post(f"/rectifications/{rectification.pk}/fix/", {"evidence": "已安排值守"})
    rectification.refresh_from_db()
    assert rectification.status == RectificationStatus.FIXED
    inspector = world.client("inspector")
    page = inspector.get(f"/inspections/{rectification.inspection_id}/").content.decode()
    assert f"/rectifications/{rectification.pk}/verify/" in page
    inspector.post(f"/rectifications/{rectification.pk}/verify/", {"accepted": "1", "note": ""})
    rectification.refresh_from_db()
    assert rectification.status == RectificationStatus.VERIFIED


def test_the_region_page_filters_overdue_and_draws(world, rectification):
    client = world.client("zuoqi")
    page = client.get("/inspections/regions/152921/?status=overdue").content.decode()
    assert "阿拉善左旗社会福利中心" in page
    verified = client.get("/inspections/regions/152921/?status=verified").content.decode()
    assert "阿拉善左旗社会福利中心" not in verified
    response = client.post("/inspections/regions/152921/", {"count": "1", "method": "phone",
                                                             "seed": "5"})  # fmt: skip
    assert response.status_code == 302
    draw = SpotCheckDraw.objects.get()
    page = client.get("/inspections/regions/152921/").content.decode()
    assert str(draw.seed) in page and draw.result[0] in page


def test_the_region_board_links_supervision(world):
    page = world.client("zuoqi").get("/").content.decode()
    assert 'href="/inspections/regions/152921/"' in page


def test_the_status_board_shows_overdue_rectifications_beside_the_daily_report(
    world, rectification
):
    page = world.client("zuoqi").get("/board/152921/").content.decode()
    assert 'id="overdue-rectifications"' in page
    assert "门岗有人值守" in page
    other = world.client("ejina").get("/board/152923/").content.decode()
    assert 'id="overdue-rectifications"' not in other


def test_answers_saved_as_a_draft_are_filled_in_again_after_a_dropped_connection(world, inspector):
    from fangkong.inspections.models import InspectionDraft

    client = world.client("inspector")
    saved = client.post("/inspections/institutions/1529210001/draft/",
                        {"method": "phone", "result_7": "fail", "note_7": "外卖照常送入",
                         "evil": "x"})  # fmt: skip
    assert saved.status_code == 204
    assert "evil" not in InspectionDraft.objects.get().data
    page = world.client("inspector").get("/inspections/institutions/1529210001/new/")
    html = page.content.decode()
    assert 'id="draft-restored"' in html
    assert "外卖照常送入" in html
    assert re.search(r'<input[^>]*name="result_7" value="fail"[^>]*checked', html)
    assert re.search(r'<input[^>]*name="method" value="phone"[^>]*checked', html)


def test_recording_the_inspection_discards_its_draft(world, inspector):
    from fangkong.inspections.models import InspectionDraft

    client = world.client("inspector")
    client.post("/inspections/institutions/1529210001/draft/", {"result_1": "fail"})
    data = {"method": "video", "done_at": "2021-10-25T10:00"}
    data.update({f"result_{n}": "pass" for n in range(1, 25)})
    client.post("/inspections/institutions/1529210001/new/", data)
    assert not InspectionDraft.objects.exists()


def test_an_operator_cannot_keep_a_draft(world):
    from fangkong.inspections.models import InspectionDraft

    response = world.client("operator").post("/inspections/institutions/1529210001/draft/",
                                             {"result_1": "fail"})  # fmt: skip
    assert response.status_code == 403
    assert not InspectionDraft.objects.exists()
    outside = world.client("ejina").post("/inspections/institutions/1529210001/draft/", {})
    assert outside.status_code == 404
