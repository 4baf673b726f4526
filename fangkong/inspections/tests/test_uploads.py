"""Evidence files: images and PDFs known by content, size-limited, stored outside the web root,
served only to those in scope (404 to anyone else, also by direct URL)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fangkong.inspections.models import Evidence
from fangkong.inspections.uploads import path_of

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
PDF_WITH_SCRIPT = b"%PDF-1.4\n1 0 obj << /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>"
EXECUTABLE = b"MZ\x90\x00" + b"\x00" * 64  # a Windows program
ELF = b"\x7fELF" + b"\x00" * 64


@pytest.fixture(autouse=True)
def evidence_dir(settings, tmp_path):
    settings.FANGKONG_EVIDENCE_DIR = tmp_path / "evidence"
    settings.FANGKONG_EVIDENCE_MAX_BYTES = 1024
    return settings.FANGKONG_EVIDENCE_DIR


def _upload(world, rectification, name, content, persona="operator"):
    return world.client(persona).post(
        f"/rectifications/{rectification.pk}/evidence/",
        {"file": SimpleUploadedFile(name, content)},
    )


def test_a_photo_is_kept_outside_the_web_root_and_served_to_the_institution(
    world, rectification, evidence_dir
):
    _upload(world, rectification, "门岗.png", PNG)
    evidence = Evidence.objects.get()
    assert (evidence.content_type, evidence.size, evidence.name) == (
        "image/png",
        len(PNG),
        "门岗.png",
    )
    assert path_of(evidence).parent == evidence_dir and path_of(evidence).read_bytes() == PNG
    response = world.client("zuoqi").get(f"/evidence/{evidence.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == PNG


def test_a_pdf_is_accepted_and_sent_as_a_download(world, rectification):
    _upload(world, rectification, "整改报告.pdf", PDF)
    evidence = Evidence.objects.get()
    response = world.client("operator").get(f"/evidence/{evidence.pk}/")
    assert response["Content-Disposition"].startswith("attachment")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("photo.jpg", EXECUTABLE),  # a renamed program
        ("photo.png", ELF),
        ("report.pdf", PDF_WITH_SCRIPT),  # a PDF with a script
        ("report.pdf", PNG),  # an image whose name lies
        ("photo.jpg", PNG),
        ("photo.exe", JPEG),
        ("big.png", PNG + b"\x00" * 2048),  # over the limit
        ("empty.png", b""),
    ],
)
def test_what_is_not_an_image_or_pdf_or_lies_or_is_too_large_is_refused(
    world, rectification, evidence_dir, name, content
):
    response = _upload(world, rectification, name, content)
    assert response.status_code == 302
    assert not Evidence.objects.exists()
    assert not evidence_dir.exists() or not any(evidence_dir.iterdir())


def test_the_refusal_says_why_in_chinese(world, rectification):
    client = world.client("operator")
    response = client.post(f"/rectifications/{rectification.pk}/evidence/",
                           {"file": SimpleUploadedFile("photo.jpg", EXECUTABLE)})  # fmt: skip
    page = client.get(response["Location"]).content.decode()
    assert "只接受照片" in page


def test_files_of_an_institution_out_of_scope_answer_404_by_direct_url(world, rectification):
    _upload(world, rectification, "门岗.png", PNG)
    evidence = Evidence.objects.get()
    for persona in ("ejina", "other_operator"):
        assert world.client(persona).get(f"/evidence/{evidence.pk}/").status_code == 404
    assert world.client("ejina").get(f"/evidence/{evidence.pk + 1}/").status_code == 404


def test_nobody_out_of_scope_can_add_a_file(world, rectification):
    assert _upload(world, rectification, "x.png", PNG, persona="ejina").status_code == 404
    assert not Evidence.objects.exists()


def test_a_liaison_reads_but_cannot_add(world, liaison, rectification):
    _upload(world, rectification, "x.png", PNG, persona="liaison")
    assert not Evidence.objects.exists()
    _upload(world, rectification, "x.png", PNG)
    evidence = Evidence.objects.get()
    assert world.client("liaison").get(f"/evidence/{evidence.pk}/").status_code == 200


def test_the_inspection_page_lists_the_files(world, rectification):
    _upload(world, rectification, "门岗.png", PNG)
    page = world.client("zuoqi").get(f"/inspections/{rectification.inspection_id}/")
    assert "门岗.png" in page.content.decode()


def test_an_inspector_adds_a_photo_to_an_answer_served_only_in_scope(world, inspection):
    client = world.client("inspector")
    response = client.post(f"/inspections/{inspection.pk}/items/4/photos/",
                           {"file": SimpleUploadedFile("门岗.jpg", JPEG)})  # fmt: skip
    assert response.status_code == 302
    photo = Evidence.objects.get()
    assert photo.answer.item.number == 4 and photo.rectification is None
    assert "门岗.jpg" in client.get(f"/inspections/{inspection.pk}/").content.decode()
    assert world.client("operator").get(f"/evidence/{photo.pk}/").status_code == 200
    assert world.client("ejina").get(f"/evidence/{photo.pk}/").status_code == 404


def test_an_operator_cannot_add_a_photo_to_an_answer(world, inspection):
    world.client("operator").post(f"/inspections/{inspection.pk}/items/4/photos/",
                                  {"file": SimpleUploadedFile("x.jpg", JPEG)})  # fmt: skip
    assert not Evidence.objects.exists()


def test_a_photo_for_an_item_not_answered_answers_404(world, inspection):
    url = f"/inspections/{inspection.pk}/items/9/photos/"
    response = world.client("inspector").post(url, {"file": SimpleUploadedFile("x.jpg", JPEG)})
    assert response.status_code == 404
    assert not Evidence.objects.exists()


def test_the_api_lists_a_rectifications_files_with_their_address(world, rectification):
    _upload(world, rectification, "门岗.png", PNG)
    body = world.api("zuoqi").get(f"/api/v1/rectifications/{rectification.pk}").json()
    [file] = body["files"]
    assert (file["name"], file["content_type"]) == ("门岗.png", "image/png")
    assert world.client("zuoqi").get(file["url"]).status_code == 200
