"""Reading a CSV the way a spreadsheet program would: encoding and delimiter from the whole file.

A European Excel writes `;` and a UTF-8 byte-order mark; older exports are Windows-1252; a
description may be 8,000 characters long or hold `","` in quotes. Guessing from the first few
kilobytes (what `csv.Sniffer` does) loses such files, so every candidate delimiter is tried on
the whole file and the one that gives the most rows of the header's width wins. A row with more
filled fields than the header (an unquoted comma inside a value) is reported, never silently cut.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections import Counter
from dataclasses import dataclass

DELIMITERS = (",", ";", "\t")
_ENCODINGS = ("utf-8", "cp1252", "latin-1")


class CsvError(ValueError):
    """A text file that cannot be read as a table; the message is one line."""


@dataclass
class CsvTable:
    rows: list[list[str]]
    encoding: str
    delimiter: str


def decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding it was written in: UTF-8 (with or without a BOM), UTF-16 with a
    BOM, else Windows-1252 (Latin-1 for the bytes Windows-1252 leaves undefined)."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise CsvError("the file starts like UTF-16 text but is not: save it again as CSV UTF-8") from None
    for encoding in _ENCODINGS:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes every byte")  # pragma: no cover


def _reader(text: str, delimiter: str) -> csv.Reader:  # type: ignore[name-defined]
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', doublequote=True, strict=False)


def _widths(text: str, delimiter: str) -> list[int]:
    """How many filled-or-not fields each non-blank record has under one delimiter."""
    out = []
    try:
        for row in _reader(text, delimiter):
            if any(v.strip() for v in row):
                out.append(len(row))
    except csv.Error:
        return []
    return out


def sniff(text: str) -> str:
    """The delimiter that gives the most records as wide as the table (two fields at least).

    Each candidate is tried on the whole text; ties go to `,`, then `;`, then tab."""
    best: tuple[float, int, str] | None = None
    for delimiter in DELIMITERS:
        widths = _widths(text, delimiter)
        wide = [w for w in widths if w >= 2]
        if not wide:
            continue
        counts = Counter(wide)
        width = max(counts, key=lambda w: (counts[w], w))
        score = counts[width] / len(widths)
        if best is None or score > best[0] + 1e-9:
            best = (score, width, delimiter)
    return best[2] if best else ","


def read_csv(data: bytes, max_cells: int) -> CsvTable:
    """The rows of a CSV file as text, with the encoding and the delimiter it was read with."""
    text, encoding = decode(data)
    if "\x00" in text:
        raise CsvError("not a text/CSV file: it holds binary data")
    delimiter = sniff(text)
    rows: list[list[str]] = []
    cells = 0
    try:
        for row in _reader(text, delimiter):
            cells += len(row)
            if cells > max_cells:
                raise CsvError(f"the file has over {max_cells:,} cells, over the limit; see --max-cells")
            rows.append(row)
    except csv.Error as exc:
        raise CsvError(f"the file is not a well-formed CSV ({exc})") from None
    return CsvTable(rows, encoding, delimiter)


def ragged(rows: list[list[str]], header: int) -> list[tuple[int, int, int]]:
    """(1-based row, filled fields, header fields) for each row below the header (0-based) that
    has a filled field beyond the header's last one."""
    names = rows[header]
    width = max((i for i, v in enumerate(names) if v.strip()), default=-1) + 1
    out = []
    for number in range(header + 1, len(rows)):
        row = rows[number]
        if len(row) > width and any(v.strip() for v in row[width:]):
            out.append((number + 1, max(i for i, v in enumerate(row) if v.strip()) + 1, width))
    return out
