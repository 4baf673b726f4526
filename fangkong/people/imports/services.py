"""Importing a file: upload, check (the dry run and its preview), write; all or nothing.

1. `import_upload` keeps the file and queues its check; a file too big or no spreadsheet is
   refused at once, and nothing is kept.
2. The check (`import_check`, in the worker) reads every row, lists every problem by row and
   column, and counts the rows to add and those already recorded. Nothing is written.
3. `import_confirm` queues the write; `import_write` (in the worker) checks every row again
   (the database may have changed) and writes in one transaction: one problem, and nothing
   of the file is written. After the last chunk, the kind's `finish` applies what it gathered
   over the chunks (lab: the campaign's hours), still inside that transaction.
4. `imports_expire` (a command, and the reminders' loop) removes the file of a check nobody
   confirmed within `FANGKONG_IMPORT_KEEP_HOURS` and marks the import expired; ends the imports
   stuck that long in a moving status (their worker killed) as refused, nothing written; and
   removes the files in the folder no import keeps, once they are an hour old.

Progress (rows done of the total) is saved as the worker goes, for the page's bar. While the
write's transaction is open, PostgreSQL hears of it through a second connection; SQLite has
one writer, so its bar jumps at the end of the write.
"""

import contextlib
import datetime
import itertools
import logging
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, connections, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from fangkong.audit.services import audit_record
from fangkong.core.errors import field_error
from fangkong.core.exceptions import Forbidden
from fangkong.core.scoping import SYSTEM
from fangkong.core.sealed_file import SealedFileError
from fangkong.institutions.models import Institution
from fangkong.people.imports import storage
from fangkong.people.imports.kinds import Checked, Context, ImportKind, Problem, kind_get
from fangkong.people.imports.models import KEEPS_FILE, FileImport, ImportStatus
from fangkong.people.imports.reading import FileRefused, Row, Table, check_size, open_table

logger = logging.getLogger(__name__)

KEPT_ERRORS = 500  # problems kept on the record; the count says how many there were
PREVIEW_ROWS = 20
PROGRESS_EVERY = 2000  # rows between two progress saves


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _place(record: FileImport) -> dict[str, Any]:
    institution = record.institution
    return {"region_path": institution.region.path, "institution_id": institution.pk}


def kind_for(actor: Any, institution: Institution, code: str) -> ImportKind:
    kind = kind_get(code)
    if kind is None:
        raise field_error("kind", _("Choose what the file holds."), "invalid_choice")
    if not kind.may_import(actor, institution):
        raise Forbidden(_("Your role may not import this into this institution."), field="kind")
    return kind


@transaction.atomic
def import_upload(*, actor: Any, institution: Institution, kind: str, upload: Any) -> FileImport:
    """Keep the file and queue its check (the dry run)."""
    found = kind_for(actor, institution, kind)
    name = Path(upload.name or "").name[:200] or "upload"
    try:
        check_size(int(upload.size or 0))
    except FileRefused as refused:
        raise field_error("file", refused.message, refused.code, **refused.params) from None
    with storage.stored(upload) as (stored_as, size, sha256):
        record = FileImport.objects.create(
            institution=institution, kind=found.code, file_name=name, size=size, sha256=sha256,
            stored_as=stored_as, created_by=_user(actor),
        )  # fmt: skip
        audit_record(
            actor=actor, action="import.upload", target=record,
            after={"kind": found.code, "file": name, "size": size, "sha256": sha256},
            **_place(record),
        )  # fmt: skip
    transaction.on_commit(lambda: _enqueue("check", record.pk), robust=True)
    return record


def earlier_import(record: FileImport) -> FileImport | None:
    """The same file, imported into the same institution as the same kind already."""
    return (
        FileImport.objects.filter(
            institution=record.institution,
            kind=record.kind,
            sha256=record.sha256,
            status=ImportStatus.DONE,
        )
        .exclude(pk=record.pk)
        .order_by("-finished_at")
        .first()
    )


@transaction.atomic
def import_confirm(*, actor: Any, record: FileImport) -> FileImport:
    """Queue the write of a checked file without problems."""
    locked = (
        FileImport.objects.select_for_update()
        .select_related("institution__region")
        .get(pk=record.pk)
    )
    kind_for(actor, locked.institution, locked.kind)
    if locked.status == ImportStatus.EXPIRED:
        raise field_error("status", EXPIRED_MESSAGE, "expired", hours=keep_hours())
    if locked.status != ImportStatus.CHECKED:
        raise field_error("status", _("Only a checked file without errors can be imported."),
                          "not_checked")  # fmt: skip
    locked.status, locked.rows_done = ImportStatus.WRITING, 0
    locked.confirmed_by, locked.confirmed_at = _user(actor), timezone.now()
    locked.save(update_fields=["status", "rows_done", "confirmed_by", "confirmed_at"])
    audit_record(
        actor=actor, action="import.confirm", target=locked,
        after={"kind": locked.kind, "file": locked.file_name, "rows": locked.new_rows},
        **_place(locked),
    )  # fmt: skip
    transaction.on_commit(lambda: _enqueue("write", locked.pk), robust=True)
    return locked


EXPIRED_MESSAGE = _(
    "This file was not imported within %(hours)d hours of its check: it has expired and been "
    "removed. Upload it again to import it."
)
KEEP_HOURS = 24
EXPIRE_BATCH = 200


def keep_hours() -> int:
    return int(getattr(settings, "FANGKONG_IMPORT_KEEP_HOURS", KEEP_HOURS))


def imports_expire(*, now: datetime.datetime) -> int:
    """Expire the checked files nobody confirmed within `FANGKONG_IMPORT_KEEP_HOURS`: their
    file removed, their status `expired`, each audited. End the imports stuck as long in a
    moving status (`imports_unstick`) and remove the files no import keeps (`files_forget`).
    Return how many expired or were ended."""
    before = now - datetime.timedelta(hours=keep_hours())
    waiting = FileImport.objects.filter(status=ImportStatus.CHECKED, checked_at__lt=before)
    expired = 0
    while ids := list(waiting.order_by("pk").values_list("pk", flat=True)[:EXPIRE_BATCH]):
        expired += sum(_expire_one(pk=pk, before=before, now=now) for pk in ids)
    expired += imports_unstick(now=now)
    files_forget(now=now)
    return expired


def _stuck(before: datetime.datetime) -> Q:
    """Imports in a moving status since before `before`: queued or checked from their upload,
    written from their confirmation (from their check, for a write confirmed before that
    moment was kept)."""
    return (
        Q(status__in=[ImportStatus.QUEUED, ImportStatus.CHECKING], created_at__lt=before)
        | Q(status=ImportStatus.WRITING, confirmed_at__lt=before)
        | Q(status=ImportStatus.WRITING, confirmed_at=None, checked_at__lt=before)
    )


STUCK_MESSAGE = _(
    "The check or the write of this file did not finish within %(hours)d hours: nothing was "
    "imported and the file was removed. Upload it again to import it."
)


def imports_unstick(*, now: datetime.datetime) -> int:
    """End the imports whose check or write did not finish within `FANGKONG_IMPORT_KEEP_HOURS`
    (their worker was stopped): refused, nothing written, their file removed, each audited."""
    before = now - datetime.timedelta(hours=keep_hours())
    stuck = FileImport.objects.filter(_stuck(before))
    ended = 0
    while ids := list(stuck.order_by("pk").values_list("pk", flat=True)[:EXPIRE_BATCH]):
        ended += sum(_unstick_one(pk=pk, before=before, now=now) for pk in ids)
    return ended


@transaction.atomic
def _unstick_one(*, pk: int, before: datetime.datetime, now: datetime.datetime) -> bool:
    locked = (
        FileImport.objects.select_for_update()
        .select_related("institution__region")
        .filter(_stuck(before), pk=pk)
        .first()
    )
    if locked is None:  # finished meanwhile
        return False
    problem = Problem(None, None, "stalled", STUCK_MESSAGE, {"hours": keep_hours()})
    stored_as, was = locked.stored_as, locked.status
    locked.status, locked.stored_as, locked.finished_at = ImportStatus.REFUSED, "", now
    locked.errors, locked.error_count = [problem.as_json({})], 1
    locked.save(update_fields=["status", "stored_as", "finished_at", "errors", "error_count"])
    audit_record(
        actor=SYSTEM, action="import.stall", target=locked,
        before={"status": was},
        after={"status": ImportStatus.REFUSED, "file": locked.file_name,
               "sha256": locked.sha256, "hours": keep_hours()},
        **_place(locked),
    )  # fmt: skip
    transaction.on_commit(lambda: storage.remove(stored_as))
    return True


UNKEPT_AGE = datetime.timedelta(hours=1)  # an upload is received well within it


def files_forget(*, now: datetime.datetime) -> int:
    """Remove the files in the imports' folder that no import keeps and that are older than
    an hour (one younger may be an upload still being received); return how many."""
    kept = set(
        FileImport.objects.filter(status__in=KEEPS_FILE).exclude(stored_as="")
        .values_list("stored_as", flat=True)
    )  # fmt: skip
    removed = 0
    for path, modified in storage.folder_files():
        if path.name in kept or modified >= now - UNKEPT_AGE:
            continue
        path.unlink(missing_ok=True)
        logger.info("imports: removed %s, kept by no import", path.name)
        removed += 1
    return removed


@transaction.atomic
def _expire_one(*, pk: int, before: datetime.datetime, now: datetime.datetime) -> bool:
    locked = (
        FileImport.objects.select_for_update()
        .select_related("institution__region")
        .filter(pk=pk, status=ImportStatus.CHECKED, checked_at__lt=before)
        .first()
    )
    if locked is None:  # confirmed meanwhile
        return False
    stored_as = locked.stored_as
    locked.status, locked.stored_as, locked.finished_at = ImportStatus.EXPIRED, "", now
    locked.save(update_fields=["status", "stored_as", "finished_at"])
    audit_record(
        actor=SYSTEM, action="import.expire", target=locked,
        before={"status": ImportStatus.CHECKED},
        after={"status": ImportStatus.EXPIRED, "file": locked.file_name,
               "sha256": locked.sha256, "hours": keep_hours()},
        **_place(locked),
    )  # fmt: skip
    transaction.on_commit(lambda: storage.remove(stored_as))
    return True


def _enqueue(step: str, record_id: int) -> None:
    from fangkong.people.imports import tasks

    (tasks.check_import if step == "check" else tasks.write_import).enqueue(record_id)


# The worker's side ----------------------------------------------------------------------------


class Refused(Exception):
    """The file has problems: nothing of it is written."""


class Ended(Exception):
    """The import was ended (as stuck) while it was written: nothing of it is written."""


def _still_writing(record: FileImport) -> bool:
    """Whether the import is still being written from its file, its row locked till the end
    of the write."""
    return (
        FileImport.objects.select_for_update()
        .filter(pk=record.pk, status=ImportStatus.WRITING, stored_as=record.stored_as)
        .values_list("pk", flat=True)
        .first()
    ) is not None


class Tally:
    """What a pass over the file found."""

    def __init__(self, kind: ImportKind) -> None:
        self.kind = kind
        self.labels = kind.labels()
        self.problems: list[dict[str, Any]] = []
        self.count = self.new = self.known = self.added = 0
        self.preview: list[list[str]] = []

    def take(self, checked: list[Checked]) -> list[Checked]:
        """Count the chunk's rows; return those to write."""
        fresh = []
        for row in checked:
            if row.problems:
                self.count += len(row.problems)
                room = KEPT_ERRORS - len(self.problems)
                self.problems.extend(p.as_json(self.labels) for p in row.problems[:room])
            elif row.known:
                self.known += 1
            elif row.value is not None:
                self.new += 1
                fresh.append(row)
                if len(self.preview) < PREVIEW_ROWS:
                    self.preview.append([str(v) for v in self.kind.preview(row.value)])
        return fresh

    def refuse_file(self, problem: Problem) -> None:
        self.count += 1
        self.problems.append(problem.as_json(self.labels))


class Progress:
    """Saves rows done; inside the write's transaction, through a connection of its own."""

    def __init__(self, record: FileImport, *, aside: bool) -> None:
        self.record = record
        self.side: Any = None
        if aside and connection.vendor == "postgresql":
            self.side = connections.create_connection(DEFAULT_DB_ALIAS)
            with self.side.cursor() as cursor:
                # Never wait for the write's own transaction, should it hold the row.
                cursor.execute("SET lock_timeout = '1s'")
        self.last = 0

    def save(self, done: int, *, force: bool = False) -> None:
        if not force and done - self.last < PROGRESS_EVERY:
            return
        self.last = done
        done = min(done, self.record.rows_total)
        if self.side is None:
            FileImport.objects.filter(pk=self.record.pk).update(rows_done=done)
            return
        try:
            with self.side.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {FileImport._meta.db_table} SET rows_done = %s WHERE id = %s",  # noqa: S608
                    [done, self.record.pk],
                )
        except Exception:  # the bar may lag; the import goes on
            logger.exception("import progress not saved")
            self.side = None

    def close(self) -> None:
        if self.side is not None:
            self.side.close()


def _chunks(rows: Iterator[Any], size: int) -> Iterator[list[Any]]:
    while chunk := list(itertools.islice(rows, size)):
        yield chunk


@contextlib.contextmanager
def _read_ahead(rows: Iterator[Row], kind: ImportKind) -> Iterator[Iterator[tuple[list[Row], Any]]]:
    """The file's chunks, each with what `kind.read` made of it. The next chunk is read in a
    thread of its own while the caller checks and writes this one: reading is Python's work,
    checking and writing mostly the database's, and Python waits for the database's answers
    without holding the interpreter, so the two go on at once. A failure of the reading (a
    file refused halfway) is raised where its chunk is taken."""
    zone, language = timezone.get_current_timezone(), translation.get_language()
    chunks = _chunks(rows, kind.chunk_size)

    def read_next() -> tuple[list[Row], Any] | None:
        with timezone.override(zone), translation.override(language):
            chunk = next(chunks, None)
            return None if chunk is None else (chunk, kind.read(chunk))

    def taken(pool: ThreadPoolExecutor) -> Iterator[tuple[list[Row], Any]]:
        ahead = pool.submit(read_next)
        while (item := ahead.result()) is not None:
            ahead = pool.submit(read_next)
            yield item

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-read") as pool:
        yield taken(pool)


def _pass(record: FileImport, kind: ImportKind, *, writing: bool, progress: Progress) -> Tally:
    """Read the whole file, checking each chunk of rows (and writing it, when `writing`)."""
    tally = Tally(kind)
    try:
        with storage.opened(record.stored_as) as handle:
            table = open_table(handle, record.file_name, kind.columns)
            _read(record, kind, table, tally, writing=writing, progress=progress)
    except FileRefused as refused:
        problem = Problem(None, refused.column, refused.code, refused.message, refused.params)
        tally.refuse_file(problem)
    except (SealedFileError, FileNotFoundError):
        logger.exception("import %s: the stored file cannot be read", record.pk)
        tally.refuse_file(Problem(None, None, "unreadable", UNREADABLE))
    return tally


UNREADABLE = _(
    "The stored file was changed, damaged or removed since it was uploaded: nothing was "
    "imported; upload the file again."
)


def _read(record: FileImport, kind: ImportKind, table: Table, tally: Tally, *, writing: bool,
          progress: Progress) -> None:  # fmt: skip
    if record.rows_total != table.total and not writing:
        record.rows_total = table.total
        FileImport.objects.filter(pk=record.pk).update(rows_total=table.total)
    actor = record.confirmed_by if writing else record.created_by
    context = Context(actor=actor, institution=record.institution, writing=writing)
    done = 0
    first = None
    with _read_ahead(table.rows, kind) as chunks:
        for rows, read in chunks:
            first = first or rows[0].number
            fresh = tally.take(kind.check(read, context))
            if writing and fresh and not tally.count:
                tally.added += kind.write(fresh, context)
            done = rows[-1].number - first + 1
            progress.save(done)
    if first is None:
        tally.refuse_file(
            Problem(None, None, "no_rows", _("The file has no rows under its header."))
        )
    elif writing and not tally.count:
        kind.finish(context)  # still inside the write's transaction


def _record(pk: int) -> FileImport | None:
    related = ("institution__region", "created_by", "confirmed_by")
    return FileImport.objects.select_related(*related).filter(pk=pk).first()


def import_check(record_id: int) -> None:
    """The dry run: every row checked, every problem listed, nothing written."""
    record = _record(record_id)
    if record is None or record.status != ImportStatus.QUEUED:
        return
    kind = kind_get(record.kind)
    assert kind is not None
    FileImport.objects.filter(pk=record.pk).update(status=ImportStatus.CHECKING)
    progress = Progress(record, aside=False)
    tally = _pass(record, kind, writing=False, progress=progress)
    status = ImportStatus.REFUSED if tally.count else ImportStatus.CHECKED
    _finish_check(record, tally, status)


def _finish_check(record: FileImport, tally: Tally, status: str) -> None:
    record.status, record.checked_at = status, timezone.now()
    record.rows_done = record.rows_total
    record.errors, record.error_count = tally.problems, tally.count
    record.new_rows, record.known_rows, record.preview = tally.new, tally.known, tally.preview
    stored_as = record.stored_as
    if status == ImportStatus.REFUSED:
        record.stored_as = ""
    record.save(update_fields=["status", "checked_at", "rows_done", "errors", "error_count",
                               "new_rows", "known_rows", "preview", "stored_as"])  # fmt: skip
    if status == ImportStatus.REFUSED:  # once the record lets it go (a rotation asks it)
        transaction.on_commit(lambda: storage.remove(stored_as))


def import_write(record_id: int) -> None:
    """Write every row of a checked file in one transaction, or none of them."""
    record = _record(record_id)
    if record is None or record.status != ImportStatus.WRITING:
        return
    kind = kind_get(record.kind)
    assert kind is not None
    progress = Progress(record, aside=True)
    try:
        with transaction.atomic():
            tally = _pass(record, kind, writing=True, progress=progress)
            if tally.count:
                raise Refused
            if not _still_writing(record):
                raise Ended
            _finish_write(record, tally)
    except Ended:  # ended meanwhile as stuck: what was written is rolled back
        logger.warning("import %s ended while it was written: nothing kept", record.pk)
    except Refused:
        _finish_check(record, tally, ImportStatus.REFUSED)
    except IntegrityError:
        # A stay or a person recorded by someone else since the check: check the file again.
        tally = Tally(kind)
        tally.refuse_file(Problem(None, None, "changed", _(
            "Another change to these persons was recorded while importing: nothing was "
            "imported; upload the file again."
        )))  # fmt: skip
        _finish_check(record, tally, ImportStatus.REFUSED)
    finally:
        progress.close()


@contextlib.contextmanager
def stopped_on_failure(record_id: int) -> Iterator[None]:
    """An import whose task fails unexpectedly is refused (nothing of it is written), so that
    its page stops waiting; the failure goes on to the worker's log."""
    try:
        yield
    except Exception:
        record = _record(record_id)
        if record is not None and record.is_moving:
            kind = kind_get(record.kind)
            assert kind is not None
            tally = Tally(kind)
            tally.refuse_file(Problem(None, None, "failed", _(
                "The import stopped on an unexpected error: nothing was imported. Try again "
                "later, or tell the administrator."
            )))  # fmt: skip
            _finish_check(record, tally, ImportStatus.REFUSED)
        raise


def _finish_write(record: FileImport, tally: Tally) -> None:
    record.status, record.finished_at = ImportStatus.DONE, timezone.now()
    record.rows_done, record.added = record.rows_total, tally.added
    record.new_rows, record.known_rows = tally.new, tally.known
    stored_as, record.stored_as = record.stored_as, ""
    record.save(update_fields=["status", "finished_at", "rows_done", "added", "new_rows",
                               "known_rows", "stored_as"])  # fmt: skip
    # Once the record lets it go: a rotation holding the row cannot bring it back.
    transaction.on_commit(lambda: storage.remove(stored_as))
    audit_record(
        actor=record.confirmed_by, action="import.write", target=record,
        after={"kind": record.kind, "file": record.file_name, "sha256": record.sha256,
               "added": tally.added, "known": tally.known},
        **_place(record),
    )  # fmt: skip
