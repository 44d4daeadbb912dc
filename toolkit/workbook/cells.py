"""A1 references, without importing a spreadsheet library (the validate path stays light)."""

from __future__ import annotations


def col_letters(number: int) -> str:
    """`A` for column 1, `XFD` for 16384."""
    letters = ""
    while number:
        number, rem = divmod(number - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def col_letter(index: int) -> str:
    """The letters of a 0-based column index."""
    return col_letters(index + 1)


def cell_ref(row0: int, col0: int, absolute: bool = False) -> str:
    """`B7` (or `$B$7`) from 0-based row and column."""
    if absolute:
        return f"${col_letter(col0)}${row0 + 1}"
    return f"{col_letter(col0)}{row0 + 1}"
