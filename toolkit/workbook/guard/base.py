"""What every part of the guard shares: the error, the limits, the fixed bounds, what it learned."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from toolkit.errors import CtkError


class ReadError(CtkError):
    """A file that cannot be read: the message is one line naming the cause."""


@dataclass(frozen=True)
class Limits:
    """What the reader accepts. Documented in the README; each adjustable from the CLI."""

    max_file_mb: float = 100.0
    max_uncompressed_mb: float = 200.0
    max_ratio: float = 200.0
    max_parts: int = 5000
    max_cells: int = 3_000_000

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)

    @property
    def max_uncompressed_bytes(self) -> int:
        return int(self.max_uncompressed_mb * 1024 * 1024)


DEFAULT_LIMITS = Limits()
GRID_ROWS = 1_048_576
GRID_COLS = 16_384
#: Fixed bounds that no workbook comes near; not worth a flag.
MAX_TOKEN = 32 << 20  # bytes of XML between two element events (one tag, comment or text run)
MAX_PROLOG = 4 << 20  # bytes before the root element of an XML part
MAX_ELEMENTS = 1_000_000  # elements in the workbook, its relationships and the style sheet
MAX_UNCALCULATED = 1000  # formula cells without a value that are listed one by one
_CHUNK = 1 << 20
_RATIO_FLOOR = 1 << 20  # small parts may compress well; only parts over 1 MiB are ratio-checked
_DAMAGED = "the zip package is truncated or damaged; ask for the file to be sent again"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_SHEET_DIRS = ("xl/worksheets/", "xl/chartsheets/", "xl/dialogsheets/", "xl/macrosheets/")
_REF = re.compile(r"([A-Za-z]+)([0-9]+)")
_ROW = re.compile(r"[A-Za-z]*([0-9]+)")


@dataclass
class Inspection:
    """What the guard learned about a package that it let through."""

    format: str  # "xlsx", "xlsm", "ods" or "csv"
    warnings: list[str] = field(default_factory=list)
    external_links: bool = False
    macros: bool = False
    date1904: bool = False
    #: Formula cells with no calculated value, as (sheet name, cell reference).
    uncalculated: list[tuple[str, str]] = field(default_factory=list)


def col_number(letters: bytes | str) -> int:
    if isinstance(letters, bytes):
        letters = letters.decode("ascii")
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n
