"""The kinds of import and what they share: a registry, the check of a row, its problems.

Each kind says its columns, who may import it, how a chunk of rows is read (on its own, ahead
of the database's work), checked (against the file's earlier rows and the database) and how
checked rows are written. People's kinds (residents, staff, visits) live in `people_kinds.py`;
an app above people registers its own kind from its `imports.py` module (lab: test results),
found as the admin finds `admin.py`.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.functional import Promise
from django.utils.module_loading import autodiscover_modules

from fangkong.core.exceptions import ApiError
from fangkong.institutions.models import Institution
from fangkong.people.imports.reading import Column, Row


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file: its row and column, when it has them, and why."""

    row: int | None
    column: str | None
    code: str
    message: str | Promise
    params: dict[str, Any] | None = None

    def as_json(self, labels: dict[str, tuple[str, str]]) -> dict[str, Any]:
        zh, en = labels.get(self.column or "", ("", ""))
        return {
            "row": self.row, "column": self.column, "column_zh": zh, "column_en": en,
            "code": self.code, "zh": self.text("zh-hans"), "en": self.text("en"),
        }  # fmt: skip

    def text(self, language: str) -> str:
        """The message in `language` (both are kept: the list is read in either)."""
        with translation.override(language):
            message = str(self.message)
            return message % self.params if self.params else message


@dataclass
class Checked:
    """A checked row: its value to write, or its problems; `known` when it is recorded already
    (a re-import of the same row adds nothing)."""

    number: int
    value: Any = None
    problems: list[Problem] = field(default_factory=list)
    known: bool = False

    def refuse(self, column: str | None, code: str, message: str | Promise, **params: Any) -> None:
        self.problems.append(Problem(self.number, column, code, message, params or None))

    def refuse_error(self, column: str | None, error: ValidationError | ApiError) -> None:
        """Put a service's refusal on this row, under `column`, its message still lazy."""
        if isinstance(error, ApiError):
            self.refuse(column, error.code, error.message)
            return
        for item in _errors(error):
            self.refuse(column, item.code or "invalid", item.message, **(item.params or {}))


def _errors(error: ValidationError) -> list[ValidationError]:
    if hasattr(error, "error_dict"):
        return [e for errors in error.error_dict.values() for e in errors]
    return list(error.error_list)


@dataclass
class Context:
    """What a kind's checks and writes know of the import: who, where, and what earlier
    chunks of the same file left (`state`, the kind's own)."""

    actor: Any
    institution: Institution
    writing: bool
    state: dict[str, Any] = field(default_factory=dict)


class ImportKind:
    code: str = ""
    label: str | Promise = ""
    columns: Sequence[Column] = ()
    chunk_size = 1000
    example: Sequence[Sequence[str]] = ()  # rows of the template
    preview_columns: Sequence[Column] = ()  # the preview's columns (`preview`)

    def may_import(self, actor: Any, institution: Institution) -> bool:
        raise NotImplementedError

    def read(self, rows: list[Row]) -> Any:
        """What of a chunk's check needs no database (each row's values read and checked on
        their own). It runs ahead, in a thread of its own, while the chunk before is checked
        against the database and written; `check` takes what it returns. By default, the rows
        themselves: the kind reads them in `check`."""
        return rows

    def check(self, rows: Any, context: Context) -> list[Checked]:
        """Check a chunk (what `read` made of its rows) against the file's earlier rows and
        the database."""
        raise NotImplementedError

    def write(self, rows: list[Checked], context: Context) -> int:
        """Write the checked rows to add (neither refused nor known); return how many."""
        raise NotImplementedError

    def finish(self, context: Context) -> None:
        """Called once the last chunk is written, before the write's transaction commits: what
        the kind gathered over the file's chunks (in `context.state`) is applied here."""

    def preview(self, value: Any) -> list[str]:
        """The row as shown before importing, in the columns' order (numbers masked)."""
        raise NotImplementedError

    def labels(self) -> dict[str, tuple[str, str]]:
        return {c.key: (c.zh, c.en) for c in self.columns}


KINDS: dict[str, ImportKind] = {}
_discovered: list[bool] = []


def register(kind: ImportKind) -> ImportKind:
    KINDS[kind.code] = kind
    return kind


def kinds() -> dict[str, ImportKind]:
    """Every registered kind, after each app's `imports` module has registered its own."""
    if not _discovered:
        import fangkong.people.imports.people_kinds  # noqa: F401 - people's own kinds

        autodiscover_modules("imports")
        _discovered.append(True)
    return KINDS


def kind_get(code: str) -> ImportKind | None:
    return kinds().get(code)
