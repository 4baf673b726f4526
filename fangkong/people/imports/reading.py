"""Reading an office's spreadsheet: .xlsx (and .xls) with python-calamine, or CSV.

Files from real offices are messy, so the reader:

- finds the header among the first rows, wherever a title or a group row stands above it, and
  reads merged header cells as their value repeated over the merge (a group "基本信息" over
  "姓名" and "证件号码"; "姓名" merged down over two header rows);
- matches a header by its Chinese or English label, ignoring spaces, a "*" and a bracketed
  note ("证件号码（必填）"), after NFKC (full-width letters and digits become ASCII);
- skips empty rows (the hundreds of formatted, empty rows below the data);
- names each row by its number in the file, as the office's own program shows it.

Nothing is read of a file over `FANGKONG_IMPORT_MAX_BYTES` (just under 50 MB) or of one that
is no spreadsheet; both are refused with a sentence that says so.
"""

import codecs
import csv
import datetime
import io
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from python_calamine import CalamineError, CalamineWorkbook

MAX_BYTES = 50 * 1024 * 1024 - 1  # a file of 50 MB is refused
HEADER_SEARCH = 10  # rows in which the header is looked for
BLANK = ""
CSV_CHUNK = 1024 * 1024

type Cell = str | int | float | bool | datetime.date | datetime.datetime | datetime.time | None


def max_bytes() -> int:
    return int(getattr(settings, "FANGKONG_IMPORT_MAX_BYTES", MAX_BYTES))


class FileRefused(Exception):
    """The file as a whole cannot be read: too big, not a spreadsheet, a column missing."""

    def __init__(
        self, code: str, message: str | Promise, column: str | None = None, **params: Any
    ) -> None:
        super().__init__(str(message))
        self.code, self.message, self.column, self.params = code, message, column, params


@dataclass(frozen=True)
class Column:
    """A column of an import: its key in code, its Chinese and English labels, other labels
    offices use for it, and whether a file must have it."""

    key: str
    zh: str
    en: str
    required: bool = False
    aliases: tuple[str, ...] = ()

    def labels(self) -> set[str]:
        return {label_key(text) for text in (self.zh, self.en, *self.aliases)}


_NOTE = re.compile(r"\([^)]*\)|\[[^\]]*\]|【[^】]*】|[*＊:：\s]")


def label_key(text: str) -> str:
    """A header as compared: NFKC, lower case, without spaces, stars and bracketed notes."""
    return _NOTE.sub("", unicodedata.normalize("NFKC", text)).lower()


def text_of(value: Cell) -> str:
    """A cell as text: a string after NFKC, stripped; a whole number without ".0"."""
    if value is None or value == BLANK:
        return BLANK
    if isinstance(value, str):
        if value.isascii():
            return value.strip()
        return unicodedata.normalize("NFKC", value).strip()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass
class Row:
    """A data row: its number in the file (1-based) and its cells by column key."""

    number: int
    cells: dict[str, Cell]

    def text(self, key: str) -> str:
        return text_of(self.cells.get(key))


@dataclass
class Table:
    """The rows of a file under its recognised header."""

    columns: dict[str, int]  # column key -> position
    rows: Iterator[Row]
    total: int  # data rows, empty ones included (an upper bound for a progress bar)
    labels: dict[str, str] = field(default_factory=dict)  # key -> the header as typed


def _sniff(content_head: bytes, name: str) -> str:
    if content_head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if content_head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    if b"\x00" in content_head or not _decodes(content_head):
        raise FileRefused("not_a_spreadsheet", NOT_A_SPREADSHEET)
    return "csv"


NOT_A_SPREADSHEET = _(
    "This file is not a spreadsheet: upload an Excel workbook (.xlsx or .xls) or a CSV file."
)


def _decodes(head: bytes) -> bool:
    for encoding in ("utf-8", "gb18030"):
        try:
            head.decode(encoding)
        except UnicodeDecodeError as error:
            if error.start >= len(head) - 4:  # a character cut by the end of the sample
                return True
            continue
        return True
    return False


def check_size(size: int) -> None:
    if size > max_bytes():
        limit = (max_bytes() + 1) // (1024 * 1024)
        raise FileRefused(
            "too_large", _("This file is larger than %(limit)d MB: split it into smaller files."),
            limit=limit,
        )  # fmt: skip


def open_table(source: BinaryIO, file_name: str, columns: Sequence[Column]) -> Table:
    """The file's rows under its header, or `FileRefused` saying why there are none.

    `source` is a seekable binary file object (the stored upload, decrypted as it is read).
    """
    check_size(source.seek(0, io.SEEK_END))
    source.seek(0)
    head = source.read(4096)
    if not head:
        raise FileRefused("empty", _("This file is empty."))
    kind = _sniff(head, file_name)
    source.seek(0)
    grid = _csv_rows(source) if kind == "csv" else _sheet_rows(source)
    return _table(grid, columns)


@dataclass
class Grid:
    rows: Iterator[list[Cell]]
    first_row: int  # the file's number of the first row yielded
    height: int
    merged: list[tuple[tuple[int, int], tuple[int, int]]]  # ((row, col), (row, col)), 0-based


def _sheet_rows(source: BinaryIO) -> Grid:
    try:
        workbook = CalamineWorkbook.from_filelike(source)
        sheet = workbook.get_sheet_by_index(0)
    except (CalamineError, ValueError, OSError, Exception) as error:
        # A zip that is no workbook, a damaged or password-protected file: all the same to
        # the person who uploaded it.
        raise FileRefused("not_a_spreadsheet", NOT_A_SPREADSHEET) from error
    # The rows come from the sheet's first row, whatever empty rows stand above the data, so
    # that their numbers and the merges' coordinates are the sheet's own.
    end = sheet.end
    merged = list(sheet.merged_cell_ranges or [])
    rows: Any = sheet.iter_rows()
    return Grid(rows, 1, end[0] + 1 if end else 0, merged)


def _csv_rows(source: BinaryIO) -> Grid:
    """Rows of a CSV file in UTF-8 or GB 18030, read as a stream (one pass finds the encoding
    and counts the lines, a second reads the rows)."""
    encoding, height = _csv_encoding(source)
    source.seek(0)
    text = io.TextIOWrapper(source, encoding=encoding, newline="")
    first = text.readline()
    text.seek(0)
    delimiter = max(",\t;", key=first.count)
    reader = csv.reader(text, delimiter=delimiter)
    return Grid((list(r) for r in reader), 1, height, [])


def _csv_encoding(source: BinaryIO) -> tuple[str, int]:
    """The first of UTF-8 and GB 18030 that decodes the whole file, and its number of lines."""
    for encoding in ("utf-8-sig", "gb18030"):
        source.seek(0)
        decoder = codecs.getincrementaldecoder(encoding)()
        lines = 1
        try:
            while chunk := source.read(CSV_CHUNK):
                decoder.decode(chunk)
                lines += chunk.count(b"\n")
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding, lines
    raise FileRefused("not_a_spreadsheet", NOT_A_SPREADSHEET)


def _filled(rows: list[list[Cell]], grid: Grid) -> list[list[Cell]]:
    """The header rows with each merged cell's value repeated over its merge."""
    offset = grid.first_row - 1
    for (top, left), (bottom, right) in grid.merged:
        top, bottom = top - offset, bottom - offset
        if top < 0 or top >= len(rows):
            continue
        value = rows[top][left] if left < len(rows[top]) else None
        for r in range(top, min(bottom, len(rows) - 1) + 1):
            line = rows[r]
            if len(line) <= right:
                line.extend([BLANK] * (right + 1 - len(line)))
            for c in range(left, right + 1):
                if line[c] in (None, BLANK):
                    line[c] = value
    return rows


def _table(grid: Grid, columns: Sequence[Column]) -> Table:
    head: list[list[Cell]] = []
    for line in grid.rows:
        head.append(list(line))
        if len(head) == HEADER_SEARCH:
            break
    head = _filled(head, grid)
    wanted = {c.key: c.labels() for c in columns}
    matches = [_matches(line, wanted) for line in head]
    header_rows = [i for i, found in enumerate(matches) if len(found) >= min(2, len(wanted))]
    if not header_rows:
        raise FileRefused("no_header", _("No header row found: the first row names the columns "
                                         "(download the template)."))  # fmt: skip
    last = header_rows[-1]
    positions: dict[str, int] = {}
    labels: dict[str, str] = {}
    for i in header_rows:
        for key, position in matches[i].items():
            if key not in positions and position not in positions.values():
                positions[key] = position
                labels[key] = text_of(head[i][position])
    for column in columns:
        if column.required and column.key not in positions:
            raise FileRefused(
                "missing_column", _("The column %(zh)s (%(en)s) is missing."),
                column=column.key, zh=column.zh, en=column.en,
            )  # fmt: skip
    first_data = grid.first_row + last + 1
    rest = head[last + 1 :]
    total = max(grid.height - last - 1, 0)
    return Table(positions, _rows(rest, grid.rows, first_data, positions), total, labels)


def _matches(line: list[Cell], wanted: dict[str, set[str]]) -> dict[str, int]:
    found: dict[str, int] = {}
    for position, value in enumerate(line):
        if not isinstance(value, str) or not value:
            continue
        key = label_key(value)
        for column, labels in wanted.items():
            if key in labels and column not in found:
                found[column] = position
                break
    return found


def _rows(
    buffered: list[list[Cell]],
    rest: Iterator[list[Cell]],
    first: int,
    positions: dict[str, int],
) -> Iterator[Row]:
    number = first - 1
    items = list(positions.items())
    for line in _chain(buffered, rest):
        number += 1
        width = len(line)
        cells = {key: line[p] if p < width else None for key, p in items}
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in cells.values()):
            continue
        yield Row(number, cells)


def _chain(buffered: list[list[Cell]], rest: Iterator[list[Cell]]) -> Iterator[list[Cell]]:
    yield from buffered
    yield from rest


def iterate_bare(path: Path) -> int:
    """Read every row of the first sheet and do nothing with it (the benchmark's reference)."""
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    count = 0
    for _row in sheet.iter_rows():
        count += 1
    return count
