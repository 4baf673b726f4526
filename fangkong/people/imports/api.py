"""Imports in the API: the upload of a file (its check starts in the background), where an
import stands (the page's progress bar reads it), its problems, the institution's recent
imports, and the confirmation that writes a checked file. The upload alone takes a body up to
`FANGKONG_IMPORT_MAX_BYTES`; every other endpoint keeps the API's limit of 64 KiB."""

import datetime
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import File, Form, Router, Schema, Status, UploadedFile
from ninja.decorators import decorate_view
from pydantic import WithJsonSchema

from fangkong.core.errors import field_error
from fangkong.core.schema import READ, WRITE, InstitutionCodeRef, answers
from fangkong.institutions.selectors import institution_get
from fangkong.people.imports import selectors, services
from fangkong.people.imports.kinds import kinds
from fangkong.people.imports.models import FileImport, ImportStatus
from fangkong.people.imports.uploads import sealing_uploads

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


# What the file holds: an unknown kind is refused by the service (400 naming `kind`), as a
# kind the caller's role may not import is (403).
KindCode = Annotated[str, WithJsonSchema({"type": "string", "enum": sorted(kinds())})]
# Optional in the schema so that a request without it (or with an empty part, which Django
# drops) is refused as a bad file is: 400, naming `file`.
UploadField = File(None, description="The file: .xlsx, .xls or .csv.")  # type: ignore[type-arg]


@router.post(
    "/institutions/{code}/imports", response=answers({202: ImportOut}, WRITE),
    description="Upload a file to import (multipart: `kind` and `file`, an Excel workbook or a"
    " CSV file, at most FANGKONG_IMPORT_MAX_BYTES, just under 50 MB). Its check (the dry run)"
    " starts in the background: follow it at `/imports/{id}`, then confirm it. A file too large"
    " or of no known kind is refused with 400 naming the field, and nothing is kept.",
)  # fmt: skip
@decorate_view(sealing_uploads)  # before ninja's authentication and parameters read the body
def upload_import(
    request: HttpRequest, code: InstitutionCodeRef, kind: Form[KindCode],
    file: UploadedFile | None = UploadField,
) -> Status[dict[str, Any]]:  # fmt: skip
    institution = institution_get(user=request.user, code=code)
    if file is None:
        raise field_error("file", _("Choose a file."), "required")
    record = services.import_upload(actor=request.user, institution=institution, kind=kind,
                                    upload=file)  # fmt: skip
    return Status(202, import_body(record))


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
