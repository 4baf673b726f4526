"""An .xlsx workbook's first sheet, read row by row from its XML (the standard library's zipfile
and expat), so that a file's import never holds the whole sheet in memory.

Measured against python-calamine by `people_import` and NOT used by the import: it holds memory
to a few MB but reads at about a third of calamine's speed (expat's callbacks alone, doing
nothing, cost more than twice calamine's whole iteration), under the 0.5x the issue asks.

A workbook is a zip of XML parts: `xl/workbook.xml` names its sheets in order, its relations say
which part holds each; `xl/sharedStrings.xml` holds the texts cells point to by number (loaded
once: a cell's text is a number into it); `xl/styles.xml` says which cells are formatted as
dates (a date is stored as a serial number of days). A sheet's rows stand in `<sheetData>`,
each numbered (`<row r="5">`) as the office's program shows it, each cell named by its column
(`<c r="B5">`); empty rows and cells are often left out. Merged cells are listed in
`<mergeCells>` after `<sheetData>`: they are read first, by a pass over the sheet's XML that
keeps only what follows its rows.
"""

import datetime
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from posixpath import dirname, join, normpath
from typing import IO, Any
from xml.etree import ElementTree
from xml.parsers import expat

type Cell = str | int | float | bool | datetime.date | datetime.datetime | datetime.time | None

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
STRICT_MAIN = "{http://purl.oclc.org/ooxml/spreadsheetml/main}"
RELATIONS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
DOCUMENT_RELATION = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CHUNK = 64 * 1024
DATE_FORMATS = {14, 15, 16, 17, 18, 19, 20, 21, 22, 27, 30, 36, 45, 46, 47, 50, 57}
_CODE_NOISE = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.|_.|\*.')
_REF = re.compile(r"([A-Z]+)(\d+)")
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s[^>]*?ref="([A-Z]+\d+):([A-Z]+\d+)"')
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s[^>]*?ref="(?:[A-Z]+\d+:)?([A-Z]+)(\d+)"')
_SHEET_DATA_END = re.compile(rb"</(?:\w+:)?sheetData>|<(?:\w+:)?sheetData\s*/>")
_ROW_NUMBER = re.compile(rb'<(?:\w+:)?row\s[^>]*?r="(\d+)"')
EPOCH_1900 = datetime.datetime(1899, 12, 30)
EPOCH_1904 = datetime.datetime(1904, 1, 1)


class NotAWorkbook(Exception):
    """The zip holds no workbook this reader understands, or it is damaged."""


type Merge = tuple[tuple[int, int], tuple[int, int]]


@dataclass
class Sheet:
    rows: Iterator[list[Cell]]  # from the sheet's row 1, empty rows as empty lists
    height: int  # the number of the sheet's last row
    merged: list[Merge]  # ((row, col), (row, col)), 0-based


def column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


def _position(ref: str) -> tuple[int, int]:
    found = _REF.fullmatch(ref)
    if found is None:
        raise NotAWorkbook(ref)
    return int(found.group(2)) - 1, column_index(found.group(1))


def open_sheet(source: IO[bytes]) -> Sheet:
    """The first sheet of the workbook in `source` (a seekable binary file)."""
    try:
        archive = zipfile.ZipFile(source)
        names = set(archive.namelist())
        sheet_part, strings_part, styles_part, epoch = _parts(archive, names)
        strings = _shared_strings(archive, strings_part) if strings_part in names else []
        dates = _date_styles(archive, styles_part) if styles_part in names else frozenset()
        height, merged = _outline(archive, sheet_part)
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, zlib.error, EOFError) as error:
        raise NotAWorkbook(str(error)) from error
    rows = _rows(archive, sheet_part, strings, dates, epoch)
    return Sheet(rows, height, merged)


def _xml(archive: zipfile.ZipFile, part: str) -> ElementTree.Element:
    with archive.open(part) as handle:
        return ElementTree.parse(handle).getroot()  # noqa: S314 - a workbook's own small parts


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _parts(archive: zipfile.ZipFile, names: set[str]) -> tuple[str, str, str, datetime.datetime]:
    """The first sheet's part, the shared strings', the styles' and the workbook's date epoch."""
    book_part = "xl/workbook.xml"
    book = _xml(archive, book_part)
    epoch = EPOCH_1900
    sheet_id = None
    for element in book.iter():
        name = _local(element.tag)
        if name == "workbookPr" and element.get("date1904") in ("1", "true"):
            epoch = EPOCH_1904
        elif name == "sheet" and sheet_id is None:
            sheet_id = element.get(f"{{{DOCUMENT_RELATION}}}id") or next(
                (v for k, v in element.attrib.items() if _local(k) == "id"), None
            )
    targets: dict[str, str] = {}
    kinds: dict[str, str] = {}
    rels_part = "xl/_rels/workbook.xml.rels"
    if rels_part in names:
        for relation in _xml(archive, rels_part):
            target = relation.get("Target", "")
            path = (
                target.lstrip("/")
                if target.startswith("/")
                else normpath(join(dirname(book_part), target))
            )
            targets[relation.get("Id", "")] = path
            kinds[relation.get("Type", "").rsplit("/", 1)[-1]] = path
    sheet_part = targets.get(sheet_id or "", "xl/worksheets/sheet1.xml")
    if sheet_part not in names:
        raise NotAWorkbook("no sheet")
    strings = kinds.get("sharedStrings", "xl/sharedStrings.xml")
    styles = kinds.get("styles", "xl/styles.xml")
    return sheet_part, strings, styles, epoch


def _text_of(element: ElementTree.Element) -> str:
    """A string item's text: its runs' texts, without the phonetic guide (`rPh`)."""
    if _local(element.tag) == "t":
        return element.text or ""
    parts = []
    for child in element:
        name = _local(child.tag)
        if name == "t":
            parts.append(child.text or "")
        elif name == "r":
            parts.extend(t.text or "" for t in child if _local(t.tag) == "t")
    return "".join(parts)


def _shared_strings(archive: zipfile.ZipFile, part: str) -> list[str]:
    strings: list[str] = []
    with archive.open(part) as handle:
        for _event, element in ElementTree.iterparse(handle, events=("end",)):  # noqa: S314
            if _local(element.tag) == "si":
                strings.append(_text_of(element))
                element.clear()
    return strings


def _is_date_code(code: str) -> bool:
    bare = _CODE_NOISE.sub("", code).lower()
    return any(letter in bare for letter in "dmyhs") and "general" not in bare


def _date_styles(archive: zipfile.ZipFile, part: str) -> frozenset[str]:
    """The indexes (as written in a cell's `s`) of the cell formats that show dates."""
    styles = _xml(archive, part)
    codes: dict[int, str] = {}
    dates: set[str] = set()
    for element in styles.iter():
        if _local(element.tag) == "numFmt":
            codes[int(element.get("numFmtId", "0"))] = element.get("formatCode", "")
    for element in styles.iter():
        if _local(element.tag) == "cellXfs":
            for index, xf in enumerate(element):
                number = int(xf.get("numFmtId", "0"))
                if number in DATE_FORMATS or (number in codes and _is_date_code(codes[number])):
                    dates.add(str(index))
    return frozenset(dates)


def _outline(archive: zipfile.ZipFile, part: str) -> tuple[int, list[Merge]]:
    """The sheet's height and its merged cells, from one pass over its XML that keeps its head
    (the `<dimension>`) and what follows `</sheetData>`."""
    height: int | None = None
    last_row = 0
    carry, tail = b"", b""
    ended = False
    with archive.open(part) as handle:
        while chunk := handle.read(CHUNK * 4):
            if ended:
                tail += chunk
                continue
            window = carry + chunk
            if height is None:
                dimension = _DIMENSION.search(window)
                height = int(dimension.group(2)) if dimension else 0
            end = _SHEET_DATA_END.search(window)
            rows = window[: end.start()] if end else window
            if not height and (numbers := _ROW_NUMBER.findall(rows)):
                last_row = int(numbers[-1])
            if end:
                ended, tail = True, window[end.end() :]
            else:
                carry = window[-128:]
    merged = [(_position(a.decode()), _position(b.decode())) for a, b in _MERGE.findall(tail)]
    return max(height or 0, last_row), merged


class _RowReader:
    """expat's callbacks, collecting each row's cells by column."""

    def __init__(self, strings: list[str], dates: frozenset[str], epoch: datetime.datetime):
        self.strings, self.dates, self.epoch = strings, dates, epoch
        self.done: list[tuple[int, list[Cell]]] = []
        self.row: list[Cell] = []
        self.row_number = 0
        self.column = -1
        self.kind: str | None = None
        self.style: str | None = None
        self.text: list[str] = []
        self.collecting = False
        self.phonetic = False

    def start(self, name: str, attrs: dict[str, str]) -> None:
        name = name.rsplit(":", 1)[-1]
        if name == "c":
            ref = attrs.get("r")
            self.column = _position(ref)[1] if ref else self.column + 1
            self.kind, self.style = attrs.get("t"), attrs.get("s")
            self.text = []
        elif name in ("v", "t"):
            self.collecting = not self.phonetic
        elif name == "row":
            number = attrs.get("r")
            self.row_number = int(number) if number else self.row_number + 1
            self.row, self.column = [], -1
        elif name == "rPh":
            self.phonetic = True

    def end(self, name: str) -> None:
        name = name.rsplit(":", 1)[-1]
        if name in ("v", "t"):
            self.collecting = False
        elif name == "c":
            value = self._value()
            row, column = self.row, self.column
            if len(row) < column:
                row.extend([""] * (column - len(row)))
            if len(row) == column:
                row.append(value)
            else:
                row[column] = value
        elif name == "row":
            self.done.append((self.row_number, self.row))
        elif name == "rPh":
            self.phonetic = False

    def chars(self, data: str) -> None:
        if self.collecting:
            self.text.append(data)

    def _value(self) -> Cell:
        text = "".join(self.text)
        kind = self.kind
        if kind == "s":
            return self.strings[int(text)] if text else ""
        if kind in ("inlineStr", "str", "e"):
            return text
        if kind == "b":
            return text == "1" if text else ""
        if not text:
            return ""
        if kind == "d":
            return datetime.datetime.fromisoformat(text)
        number = float(text)
        if self.style in self.dates:
            return self._date(number)
        return number

    def _date(self, serial: float) -> Cell:
        if serial < 0:
            return serial
        if serial < 1:
            moment = EPOCH_1900 + datetime.timedelta(days=serial)
            return moment.time()
        moment = self.epoch + datetime.timedelta(days=serial)
        if serial.is_integer():
            return moment.date()
        return moment.replace(microsecond=0) + datetime.timedelta(
            seconds=moment.microsecond >= 500_000
        )


def _rows(
    archive: zipfile.ZipFile,
    part: str,
    strings: list[str],
    dates: frozenset[str],
    epoch: datetime.datetime,
) -> Iterator[list[Cell]]:
    reader = _RowReader(strings, dates, epoch)
    parser: Any = expat.ParserCreate()
    parser.buffer_text = True
    parser.StartElementHandler = reader.start
    parser.EndElementHandler = reader.end
    parser.CharacterDataHandler = reader.chars
    number = 0
    try:
        with archive.open(part) as handle:
            while chunk := handle.read(CHUNK):
                parser.Parse(chunk, False)
                for row_number, cells in reader.done:
                    while number < row_number - 1:  # rows left out: empty
                        number += 1
                        yield []
                    number = row_number
                    yield cells
                reader.done.clear()
            parser.Parse(b"", True)
    except (expat.ExpatError, zlib.error, EOFError, ValueError, IndexError) as error:
        raise NotAWorkbook(str(error)) from error
