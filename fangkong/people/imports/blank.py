"""The template of a kind: its columns in Chinese, their English names in the second row, and
an example row; the number columns are formatted as text (Excel keeps 15 digits of a number)."""

import io

from fangkong.core.xlsx import workbook
from fangkong.people.imports.kinds import ImportKind

TEXT_COLUMNS = {"id_number", "phone", "visited"}


def template_xlsx(kind: ImportKind) -> bytes:
    buffer = io.BytesIO()
    book = workbook(buffer)
    sheet = book.add_worksheet(str(kind.label)[:31])
    required = book.add_format({"bold": True, "bg_color": "#FDE9D9", "border": 1})
    optional = book.add_format({"bold": True, "bg_color": "#EEEEEE", "border": 1})
    english = book.add_format({"italic": True, "font_color": "#555555", "border": 1})
    text = book.add_format({"num_format": "@"})
    for position, column in enumerate(kind.columns):
        label = column.zh + ("*" if column.required else "")
        sheet.write_string(0, position, label, required if column.required else optional)
        sheet.write_string(1, position, column.en, english)
        width = max(len(column.en), 2 * len(column.zh)) + 4
        sheet.set_column(position, position, width, text if column.key in TEXT_COLUMNS else None)
    for row, values in enumerate(kind.example, start=2):
        for position, value in enumerate(values):
            sheet.write_string(row, position, value)
    sheet.freeze_panes(2, 0)
    book.close()
    return buffer.getvalue()
