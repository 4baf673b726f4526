"""What a name must hold: at least one character a reader can see.

A name made only of spaces, zero-width characters (U+200B–U+200D, U+2060, U+FEFF), other format
or control characters, or fillers that render as nothing shows up as an empty cell in every
list and export, and two such names cannot be told apart. The same rule stands behind the API
schema (as `VISIBLE_PATTERN`), the services and so the admin and the forms.
"""

import sys
import unicodedata

# Control, format and separator characters (spaces, line and paragraph separators).
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})
# Letters and symbols that render as blank: the combining grapheme joiner, the Hangul fillers,
# the Braille blank.
BLANK_CHARACTERS = frozenset("\u034f\u115f\u1160\u2800\u3164\uffa0")


def is_invisible(character: str) -> bool:
    return character in BLANK_CHARACTERS or unicodedata.category(character) in INVISIBLE_CATEGORIES


def has_visible(text: str) -> bool:
    """Whether `text` holds at least one character a reader can see."""
    return any(not is_invisible(character) for character in text)


def _invisible_class() -> str:
    """The invisible characters as the body of a regular expression's character class.

    The characters stand as themselves, not as escapes, so that every regular-expression
    dialect a client may use (ECMA 262, Python, Rust) reads the class alike.
    """
    ranges: list[tuple[int, int]] = []
    for point in range(sys.maxunicode + 1):
        if is_invisible(chr(point)):
            if ranges and ranges[-1][1] == point - 1:
                ranges[-1] = (ranges[-1][0], point)
            else:
                ranges.append((point, point))
    return "".join(chr(a) if a == b else f"{chr(a)}-{chr(b)}" for a, b in ranges)


INVISIBLE_CLASS = _invisible_class()
# No NUL anywhere (no text may hold it) and at least one visible character.
VISIBLE_PATTERN = f"^[^\x00]*[^{INVISIBLE_CLASS}][^\x00]*$"
# Any text without the NUL character, which PostgreSQL refuses in every string.
TEXT_PATTERN = "^[^\x00]*$"
