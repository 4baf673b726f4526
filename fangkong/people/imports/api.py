"""Imports in the API: where an import stands (the page's progress bar reads it), its
problems, the institution's recent imports, and the confirmation that writes a checked file.
Files are uploaded on the page (the API takes bodies of at most 64 KiB)."""

import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from fangkong.core.schema import READ, WRITE, InstitutionCodeRef, answers
from fangkong.institutions.selectors import institution_get
from fangkong.people.imports import selectors, services
from fangkong.people.imports.models import FileImport, ImportStatus

router = Router(tags=["imports"])


class ImportProblemOut(Schema):
    row: int | None
    column: str | None
    column_zh: str
    column_en: str
    code: str
    zh: str
    en: str


class ImportOut(Schema):
    id: int
    kind: str
    institution_code: str
    file_name: str
    sha256: str
    status: ImportStatus
    status_label: str
    moving: bool
    rows_total: int
    rows_done: int
    percent: int
    new_rows: int
    known_rows: int
    added: int
    error_count: int
    errors: list[ImportProblemOut]
    created_at: datetime.datetime
    checked_at: datetime.datetime | None
    finished_at: datetime.datetime | None


def import_body(record: FileImport) -> dict[str, Any]:
    return {
        "id": record.pk, "kind": record.kind, "institution_code": record.institution.code,
        "file_name": record.file_name, "sha256": record.sha256, "status": record.status,
        "status_label": record.get_status_display(), "moving": record.is_moving,
        "rows_total": record.rows_total, "rows_done": record.rows_done,
        "percent": record.percent, "new_rows": record.new_rows,
        "known_rows": record.known_rows, "added": record.added,
        "error_count": record.error_count, "errors": record.errors,
        "created_at": record.created_at, "checked_at": record.checked_at,
        "finished_at": record.finished_at,
    }  # fmt: skip


@router.get("/imports/{import_id}", response=answers({200: ImportOut}, READ),
            url_name="import_progress")  # fmt: skip
def get_import(request: HttpRequest, import_id: int) -> dict[str, Any]:
    """Where an import stands: its status, rows done of the total, its problems by row and
    column in Chinese and English."""
    return import_body(selectors.import_get(user=request.user, pk=import_id))


@router.post("/imports/{import_id}/confirm", response=answers({202: ImportOut}, WRITE))
def confirm_import(request: HttpRequest, import_id: int) -> Status[dict[str, Any]]:
    """Write a checked file without problems, in the background, all or nothing."""
    record = selectors.import_get(user=request.user, pk=import_id)
    return Status(202, import_body(services.import_confirm(actor=request.user, record=record)))


@router.get("/institutions/{code}/imports", response=answers({200: list[ImportOut]}, READ))
def list_imports(request: HttpRequest, code: InstitutionCodeRef) -> list[dict[str, Any]]:
    """The institution's recent imports, newest first."""
    institution = institution_get(user=request.user, code=code)
    found = selectors.institution_imports(user=request.user, institution=institution)
    return [import_body(r) for r in found]
