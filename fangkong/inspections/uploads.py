"""Evidence files: photos (JPEG, PNG, WebP) and PDFs, known by their content, never by name.

A file is refused when its first bytes are none of those kinds, when its name claims another
kind than its content (a `.pdf` that is a PNG, a `.jpg` that is a program), when it is larger
than `FANGKONG_EVIDENCE_MAX_BYTES` (5 MB by default), or, for a PDF, when it carries active
content (JavaScript, an action run on opening, a launch, an embedded file). Accepted files are
written under `FANGKONG_EVIDENCE_DIR` (by default `var/evidence`, outside the static files and
never served by the web server) under a random name, read back only through the view that
checks the reader's scope, and sent with a sandboxing Content-Security-Policy.
"""

import hashlib
import os
import re
import secrets
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from fangkong.audit.services import audit_record
from fangkong.core.errors import field_error
from fangkong.core.exceptions import Forbidden
from fangkong.inspections.models import (
    Answer,
    Evidence,
    EvidenceKind,
    Rectification,
    RectificationStatus,
)
from fangkong.inspections.services import FIXERS, RECORDERS, VERIFIERS, may

MAX_BYTES = 5 * 1024 * 1024
MAX_FILES = 20  # per rectification
EXTENSIONS = {
    EvidenceKind.JPEG: {".jpg", ".jpeg"},
    EvidenceKind.PNG: {".png"},
    EvidenceKind.WEBP: {".webp"},
    EvidenceKind.PDF: {".pdf"},
}
# What a PDF may not hold: scripts, actions on opening, launching programs, embedded files.
ACTIVE_PDF = re.compile(rb"/(JavaScript|JS|OpenAction|AA|Launch|EmbeddedFile|RichMedia|XFA)\b")


class Upload(Protocol):
    @property
    def name(self) -> str | None: ...

    @property
    def size(self) -> int | None: ...

    def read(self, size: int = -1) -> bytes: ...


def storage_dir() -> Path:
    default = Path(settings.VAR_DIR) / "evidence"
    return Path(getattr(settings, "FANGKONG_EVIDENCE_DIR", default))


def max_bytes() -> int:
    return int(getattr(settings, "FANGKONG_EVIDENCE_MAX_BYTES", MAX_BYTES))


def sniff(head: bytes) -> str | None:
    """The kind the content is, from its first bytes, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return EvidenceKind.JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return EvidenceKind.PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return EvidenceKind.WEBP
    if head.startswith(b"%PDF-"):
        return EvidenceKind.PDF
    return None


def _check(name: str, content: bytes) -> str:
    kind = sniff(content[:16])
    if kind is None:
        raise field_error("file", _("Only photos (JPEG, PNG, WebP) and PDF files are accepted."),
                          "unsupported_type")  # fmt: skip
    if Path(name).suffix.lower() not in EXTENSIONS[EvidenceKind(kind)]:
        raise field_error("file", _("The file's name does not match what it holds."),
                          "name_mismatch")  # fmt: skip
    if kind == EvidenceKind.PDF and ACTIVE_PDF.search(content):
        raise field_error("file", _("A PDF with scripts or actions is not accepted."),
                          "active_content")  # fmt: skip
    return kind


def _read(upload: Upload) -> bytes:
    limit = max_bytes()
    if upload.size is not None and upload.size > limit:
        raise _too_large(limit)
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise _too_large(limit)
    if not content:
        raise field_error("file", _("The file is empty."), "empty")
    return content


def _too_large(limit: int) -> Exception:
    return field_error("file", _("A file may have at most %(mb)s MB."), "too_large",
                       mb=limit // (1024 * 1024))  # fmt: skip


@transaction.atomic
def evidence_add(*, actor: Any, rectification: Rectification, upload: Upload) -> Evidence:
    """Keep a photo or PDF as evidence of a rectification that is not yet verified."""
    rectification = Rectification.objects.select_related("institution__region").get(
        pk=rectification.pk
    )
    institution = rectification.institution
    if not (may(actor, FIXERS, institution) or may(actor, VERIFIERS, institution)):
        raise Forbidden(_("Only the institution, its inspectors and officers add evidence."))
    if rectification.status == RectificationStatus.VERIFIED:
        raise field_error("file", _("The rectification is verified already."), "verified")
    if rectification.files.count() >= MAX_FILES:
        raise field_error("file", _("A rectification holds at most 20 files."), "too_many")
    return _keep(actor, upload, institution, "rectification.evidence", rectification,
                 rectification=rectification)  # fmt: skip


@transaction.atomic
def answer_photo_add(*, actor: Any, answer: Answer, upload: Upload) -> Evidence:
    """Keep a photo (or PDF) taken with an answer during the inspection."""
    answer = Answer.objects.select_related("inspection__institution__region").get(pk=answer.pk)
    institution = answer.inspection.institution
    if not may(actor, RECORDERS, institution):
        raise Forbidden(_("Only an inspector or officer over the institution records them."))
    if answer.files.count() >= MAX_FILES:
        raise field_error("file", _("An answer holds at most 20 files."), "too_many")
    return _keep(actor, upload, institution, "inspection.photo", answer.inspection, answer=answer)


def _keep(actor: Any, upload: Upload, institution: Any, action: str, target: Any,
          **owner: Any) -> Evidence:  # fmt: skip
    name = Path(upload.name or "").name[:200]
    content = _read(upload)
    kind = _check(name, content)
    stored_as = secrets.token_hex(16)
    evidence = Evidence.objects.create(
        institution=institution, name=name, content_type=kind, size=len(content),
        sha256=hashlib.sha256(content).hexdigest(), stored_as=stored_as,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None, **owner,
    )  # fmt: skip
    audit_record(
        actor=actor, action=action, target=target,
        after={"file": name, "kind": kind, "size": len(content), "sha256": evidence.sha256},
        region_path=institution.region.path, institution_id=institution.pk,
    )  # fmt: skip
    # Written last: a failure to write undoes the row. A commit failing after it leaves a file
    # under a random name that nothing points to, never a row without its file.
    _write(stored_as, content)
    return evidence


def _write(stored_as: str, content: bytes) -> None:
    folder = storage_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / stored_as
    # Not executable, and readable by this process's user only.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(content)


def path_of(evidence: Evidence) -> Path:
    return storage_dir() / evidence.stored_as
