"""Evidence through the API (multipart): a rectification's files with its fix, an answer's
photos, known by their content with the same checks as the pages, nothing kept on refusal,
404 out of scope."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fangkong.inspections.models import Evidence
from fangkong.inspections.tests.conftest import post
from fangkong.inspections.tests.test_uploads import (
    ELF,
    EXECUTABLE,
    JPEG,
    PDF,
    PDF_WITH_SCRIPT,
    PNG,
)
from fangkong.inspections.uploads import path_of


@pytest.fixture(autouse=True)
def evidence_dir(settings, tmp_path):
    settings.FANGKONG_EVIDENCE_DIR = tmp_path / "evidence"
    settings.FANGKONG_EVIDENCE_MAX_BYTES = 1024
    return settings.FANGKONG_EVIDENCE_DIR


def _send(world, url, name, content, persona="operator"):
    return world.api(persona).post(url, {"file": SimpleUploadedFile(name, content)})


def _evidence_url(rectification):
    return f"/api/v1/rectifications/{rectification.pk}/evidence"


def _nothing_kept(evidence_dir):
    return not Evidence.objects.exists() and (
        not evidence_dir.exists() or not any(evidence_dir.iterdir())
    )


def test_the_institution_sends_a_photo_with_its_fix(world, rectification, evidence_dir):
    response = _send(world, _evidence_url(rectification), "门岗登记.png", PNG)
    assert response.status_code == 201
    body = response.json()
    assert (body["name"], body["content_type"], body["size"]) == ("门岗登记.png", "image/png",
                                                                  len(PNG))  # fmt: skip
    evidence = Evidence.objects.get()
    assert path_of(evidence).read_bytes() == PNG
    fixed = post(world.api("operator"), f"/api/v1/rectifications/{rectification.pk}/fix",
                 {"evidence": "已安排专人登记, 见照片"})  # fmt: skip
    assert fixed.json()["status"] == "fixed"
    assert [f["id"] for f in fixed.json()["files"]] == [body["id"]]
    assert world.client("zuoqi").get(body["url"]).status_code == 200


def test_a_pdf_report_is_accepted(world, rectification):
    response = _send(world, _evidence_url(rectification), "整改报告.pdf", PDF)
    assert (response.status_code, response.json()["content_type"]) == (201, "application/pdf")


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("photo.jpg", EXECUTABLE, "unsupported_type"),  # a renamed Windows program
        ("photo.png", ELF, "unsupported_type"),  # a renamed Linux program
        ("report.pdf", PDF_WITH_SCRIPT, "active_content"),  # a PDF with JavaScript
        ("report.pdf", PNG, "name_mismatch"),  # an image whose name lies
        ("photo.exe", JPEG, "name_mismatch"),
        ("big.png", PNG + b"\x00" * 2048, "too_large"),
        ("empty.png", b"", "empty"),
    ],
)
def test_what_is_not_a_photo_or_pdf_is_refused_naming_the_file(
    world, rectification, evidence_dir, name, content, code
):
    response = _send(world, _evidence_url(rectification), name, content)
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == (code, "file")
    assert _nothing_kept(evidence_dir)


def test_the_refusal_is_in_chinese_and_english(world, rectification):
    url = _evidence_url(rectification)
    chinese = _send(world, url, "photo.jpg", EXECUTABLE).json()["message"]
    english = world.api("operator").post(
        url,
        {"file": SimpleUploadedFile("photo.jpg", EXECUTABLE)},
        headers={"accept-language": "en"},
    )
    assert "只接受照片" in chinese
    assert "Only photos" in english.json()["message"]


def test_a_request_without_a_file_names_the_field(world, rectification, evidence_dir):
    response = world.api("operator").post(_evidence_url(rectification), {})
    assert (response.status_code, response.json()["code"]) == (400, "required")
    assert response.json()["field"] == "file"
    assert _nothing_kept(evidence_dir)


def test_a_rectification_out_of_scope_answers_404_and_keeps_nothing(
    world, rectification, evidence_dir
):
    for persona in ("ejina", "other_operator"):
        response = _send(world, _evidence_url(rectification), "x.png", PNG, persona=persona)
        assert (response.status_code, response.json()["code"]) == (404, "not_found")
    missing = _send(world, f"/api/v1/rectifications/{rectification.pk + 99}/evidence", "x.png",
                    PNG)  # fmt: skip
    assert missing.status_code == 404
    assert _nothing_kept(evidence_dir)


def test_a_liaison_who_reads_it_may_not_add_evidence(world, liaison, rectification, evidence_dir):
    response = _send(world, _evidence_url(rectification), "x.png", PNG, persona="liaison")
    assert response.status_code == 403
    assert _nothing_kept(evidence_dir)


def test_a_verified_rectification_takes_no_more_evidence(world, rectification, evidence_dir):
    post(world.api("operator"), f"/api/v1/rectifications/{rectification.pk}/fix",
         {"evidence": "已整改"})  # fmt: skip
    post(world.api("zuoqi"), f"/api/v1/rectifications/{rectification.pk}/verify",
         {"accepted": True})  # fmt: skip
    response = _send(world, _evidence_url(rectification), "late.png", PNG)
    assert (response.status_code, response.json()["code"]) == (400, "verified")
    assert _nothing_kept(evidence_dir)


def test_an_inspector_sends_a_photo_with_an_answer(world, inspection):
    url = f"/api/v1/inspections/{inspection.pk}/answers/4/photos"
    response = _send(world, url, "门岗.jpg", JPEG, persona="inspector")
    assert response.status_code == 201
    body = world.api("operator").get(f"/api/v1/inspections/{inspection.pk}").json()
    [answer] = [a for a in body["answers"] if a["item"] == 4]
    assert [f["name"] for f in answer["files"]] == ["门岗.jpg"]


@pytest.mark.parametrize(("name", "content"), [("photo.jpg", EXECUTABLE),
                                               ("scan.pdf", PDF_WITH_SCRIPT)])  # fmt: skip
def test_an_answers_photo_is_checked_the_same_way(world, inspection, evidence_dir, name, content):
    url = f"/api/v1/inspections/{inspection.pk}/answers/4/photos"
    response = _send(world, url, name, content, persona="inspector")
    assert (response.status_code, response.json()["field"]) == (400, "file")
    assert _nothing_kept(evidence_dir)


def test_an_answer_photo_for_an_item_not_answered_or_out_of_scope_answers_404(
    world, inspection, evidence_dir
):
    not_answered = _send(world, f"/api/v1/inspections/{inspection.pk}/answers/9/photos",
                         "x.jpg", JPEG, persona="inspector")  # fmt: skip
    outside = _send(world, f"/api/v1/inspections/{inspection.pk}/answers/4/photos", "x.jpg",
                    JPEG, persona="ejina")  # fmt: skip
    assert (not_answered.status_code, not_answered.json()["field"]) == (404, "item")
    assert outside.status_code == 404
    assert _nothing_kept(evidence_dir)


def test_an_operator_may_not_add_photos_to_answers(world, inspection, evidence_dir):
    url = f"/api/v1/inspections/{inspection.pk}/answers/4/photos"
    assert _send(world, url, "x.jpg", JPEG).status_code == 403
    assert _nothing_kept(evidence_dir)
