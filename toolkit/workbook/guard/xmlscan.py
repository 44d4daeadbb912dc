"""XML parts streamed through expat: no DTD or entity, bounded tokens, cells placed as python-calamine places them."""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from typing import Any
from xml.parsers import expat

from toolkit.workbook.cells import col_letters
from toolkit.workbook.guard.base import (
    _REF,
    _ROW,
    GRID_COLS,
    GRID_ROWS,
    MAX_ELEMENTS,
    MAX_PROLOG,
    MAX_TOKEN,
    MAX_UNCALCULATED,
    Limits,
    ReadError,
    col_number,
)
from toolkit.workbook.guard.zipdir import _Budget

# --- XML ------------------------------------------------------------------------------------


class _Stop(Exception):
    """Raised from a handler to stop reading a part early."""


def _local(name: str) -> str:
    """An element's name without its namespace prefix (python-calamine matches local names)."""
    return name.rpartition(":")[2] if ":" in name else name


class _Scan:
    """One XML part through expat: a DTD or entity declaration anywhere before the root refuses it.

    Subclasses set expat's element handlers; each counts in `events` what it sees, so that a part
    whose bytes stop producing events (one endless tag or comment that expat must buffer) is refused.
    """

    critical = True  # a part the reader parses: it must be well-formed UTF-8 XML

    def __init__(self, part: str) -> None:
        self.part = part
        self.fed = 0
        self.quiet = 0  # bytes fed since the last chunk that produced an event
        self.events = self.cells = 0
        self.done = False
        self.parser = expat.ParserCreate()
        self.parser.buffer_text = True
        self.parser.StartDoctypeDeclHandler = self._dtd
        self.parser.EntityDeclHandler = self._dtd

    def _dtd(self, *_: Any) -> None:
        raise ReadError(f"part {self.part} declares a DTD or entities (XML entity attack?)")

    def feed(self, chunk: bytes, final: bool = False) -> None:
        if self.done:
            return
        if self.fed == 0 and self.critical and chunk.startswith((b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<")):
            raise ReadError(f"part {self.part} is UTF-16 encoded, which the reader cannot read; open and save the file in Excel")
        self.fed += len(chunk)
        before = self.events + self.cells
        try:
            self.parser.Parse(chunk, final)
        except _Stop:
            self.done = True
            return
        except expat.ExpatError as exc:
            self.done = True
            if self.critical:
                raise ReadError(
                    f"part {self.part} is not well-formed XML ({expat.ErrorString(exc.code)}, line {exc.lineno}); the file is damaged"
                ) from None
            return
        self.quiet = 0 if self.events + self.cells != before else self.quiet + len(chunk)
        if self.quiet > MAX_TOKEN:
            raise ReadError(f"part {self.part} has over {MAX_TOKEN >> 20} MB of XML without an element (absurd or hostile file)")


class _Prolog(_Scan):
    """A part nobody parses: only its prolog is read, for a DTD; it need not be well-formed."""

    critical = False

    def __init__(self, part: str) -> None:
        super().__init__(part)
        self.parser.StartElementHandler = self._root

    def _root(self, name: str, attrs: dict[str, str]) -> None:
        raise _Stop

    def feed(self, chunk: bytes, final: bool = False) -> None:
        super().feed(chunk, final)
        if not self.done and self.fed > MAX_PROLOG:
            raise ReadError(f"part {self.part} has no root element in its first {MAX_PROLOG >> 20} MB (absurd or hostile file)")


class _Counted(_Scan):
    """The workbook, its relationships, the style sheet: small parts, a bounded number of elements."""

    def __init__(self, part: str) -> None:
        super().__init__(part)
        self.parser.StartElementHandler = self._element

    def _element(self, name: str, attrs: dict[str, str]) -> None:
        self.events += 1
        if self.events > MAX_ELEMENTS:
            raise ReadError(f"part {self.part} has over {MAX_ELEMENTS:,} XML elements (absurd or hostile file)")
        self.element(_local(name), attrs)

    def element(self, local: str, attrs: dict[str, str]) -> None:
        pass


class _WorkbookScan(_Counted):
    def __init__(self, part: str) -> None:
        super().__init__(part)
        self.sheets: list[tuple[str, str]] = []  # (name, relationship id)
        self.date1904 = False
        self.external = False

    def element(self, local: str, attrs: dict[str, str]) -> None:
        if local == "sheet":
            rid = next((v for k, v in attrs.items() if ":" in k and _local(k) == "id"), "")
            self.sheets.append((attrs.get("name", ""), rid))
        elif local == "workbookPr":
            self.date1904 = attrs.get("date1904", "").strip().lower() in ("1", "true")
        elif local == "externalReference":
            self.external = True


class _RelsScan(_Counted):
    def __init__(self, part: str) -> None:
        super().__init__(part)
        self.targets: dict[str, str] = {}

    def element(self, local: str, attrs: dict[str, str]) -> None:
        if local == "Relationship" and "Id" in attrs:
            self.targets[attrs["Id"]] = attrs.get("Target", "")


class _StringsScan(_Scan):
    """The shared strings: no more of them than the cell limit (each string belongs to a cell).

    Each string's length is kept, to count it again wherever a cell uses it.
    """

    def __init__(self, part: str, limits: Limits) -> None:
        super().__init__(part)
        self.limit = limits.max_cells
        self.lengths = array("Q")
        self.parser.StartElementHandler = self._element
        self.parser.CharacterDataHandler = self._text

    def _element(self, name: str, attrs: dict[str, str]) -> None:
        if name == "si" or _local(name) == "si":
            self.events += 1
            if self.events > self.limit:
                raise ReadError(
                    f"part {self.part} holds over {self.limit:,} shared strings, over the cell limit (string bomb?); see --max-cells"
                )
            self.lengths.append(0)

    def _text(self, data: str) -> None:
        if self.lengths:
            self.lengths[-1] += len(data)


@dataclass
class _Uncalculated:
    """Formula cells without a value: the first few by (part, cell), and how many in all."""

    cells: list[tuple[str, str]] = field(default_factory=list)
    total: int = 0

    def add(self, part: str, cell: str) -> None:
        self.total += 1
        if len(self.cells) < MAX_UNCALCULATED:
            self.cells.append((part, cell))


class _SheetScan(_Scan):
    """A sheet's cells, placed as python-calamine places them.

    A cell's position is its `r` attribute, or (without one) the next column of the current row;
    a row's is its `r`, or the row after the previous one. The reader asks for each sheet from A1
    (`skip_empty_area=False`), so what it allocates is the rectangle from A1 to the farthest cell
    with content: that rectangle is what the cell limit bounds. (This runs once per element of
    every sheet, so it is written for speed.)
    """

    def __init__(
        self, part: str, label: str, limits: Limits, uncalculated: _Uncalculated, strings: array[int], budget: _Budget
    ) -> None:
        super().__init__(part)
        self.strings = strings
        self.budget = budget
        self.shared = self.in_index = False
        self.index = ""
        if strings:
            self.parser.CharacterDataHandler = self._text
        self.label = label
        self.max_cells = limits.max_cells
        self.row = self.col = 0  # 0-based, as python-calamine counts
        self.max_row = self.max_col = -1
        self.uncalculated = uncalculated
        self.cell: tuple[int, int] | None = None
        self.has_content = self.has_formula = self.has_value = False
        self.columns: dict[str, int] = {}  # column letters seen (validated) -> 0-based column
        self.row_digits = ""  # the current <row>'s r, while no </row> has moved past it
        self.row_index = 0
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end

    def _refuse_outside(self, ref: str) -> None:
        raise ReadError(f"sheet {self.label} has a cell outside the spreadsheet grid ({ref[:24]}; the last cell is XFD1048576)")

    def _position(self, ref: str) -> tuple[int, int]:
        m = _REF.fullmatch(ref)
        if m is None:
            raise ReadError(f"sheet {self.label} has a cell reference {ref[:24]!r} that is not a cell address")
        letters, digits = m.groups()
        if len(letters) > 3 or len(digits) > 7:
            self._refuse_outside(ref)
        row, col = int(digits), col_number(letters)
        if not 1 <= row <= GRID_ROWS or col > GRID_COLS:
            self._refuse_outside(ref)
        self.columns[letters] = col - 1
        return row - 1, col - 1

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        if ":" in name:
            name = name.rpartition(":")[2]
        if self.cell is not None:  # inside a cell: any element may carry its value
            self.has_content = True
            if name == "v":
                self.has_value = True
                if self.shared:
                    self.in_index, self.index = True, ""
            elif name == "f":
                self.has_formula = True
        elif name == "c":
            self.cells += 1
            if self.cells > self.max_cells:
                raise ReadError(f"sheet {self.label} has over {self.max_cells:,} cells, over the limit; see --max-cells")
            ref = attrs.get("r")
            if ref is None:
                row, col = self.row, self.col
                if row >= GRID_ROWS or col >= GRID_COLS:
                    self._refuse_outside(f"{col_letters(col + 1)}{row + 1}")
            else:
                # The usual case, fast: the reference is a column already seen and this row's number.
                digits = self.row_digits
                seen = self.columns.get(ref[: -len(digits)]) if digits and ref.endswith(digits) else None
                row, col = self._position(ref) if seen is None else (self.row_index, seen)
                self.col = col
            self.cell = (row, col)
            self.has_content = self.has_formula = self.has_value = False
            self.shared = attrs.get("t") == "s"
        elif name == "row":
            self.events += 1
            self.row_digits = ""
            ref = attrs.get("r")
            if ref is not None:
                m = _ROW.fullmatch(ref)
                if m is None:
                    raise ReadError(f"sheet {self.label} has a row number {ref[:24]!r} that is not a number")
                digits = m.group(1)
                if len(digits) > 7 or not 1 <= int(digits) <= GRID_ROWS:
                    raise ReadError(
                        f"sheet {self.label} has a row outside the spreadsheet grid (row {ref[:24]}; the last is 1048576)"
                    )
                self.row = self.row_index = int(digits) - 1
                if digits[0] != "0":
                    self.row_digits = digits

    def _text(self, data: str) -> None:
        if self.in_index:
            self.index += data

    def _end(self, name: str) -> None:
        if ":" in name:
            name = name.rpartition(":")[2]
        if name == "v" and self.in_index:
            self.in_index = False
            index = self.index.strip()
            if index.isdigit() and len(index) < 12 and int(index) < len(self.strings):
                self.budget.copy(self.strings[int(index)], self.label)
        elif name == "c" and self.cell is not None:
            row, col = self.cell
            self.cell = None
            self.col = col + 1
            if self.has_content and (row > self.max_row or col > self.max_col):
                self.max_row, self.max_col = max(self.max_row, row), max(self.max_col, col)
                if (self.max_row + 1) * (self.max_col + 1) > self.max_cells:
                    raise ReadError(
                        f"sheet {self.label} has a cell at {col_letters(col + 1)}{row + 1}, so its range from A1 spans "
                        f"{self.max_row + 1:,} rows x {self.max_col + 1:,} columns, over the limit of "
                        f"{self.max_cells:,} cells; see --max-cells"
                    )
            # No <v> at all: no program ever calculated it. (An empty <v/> is a cached value:
            # Excel and LibreOffice write one for an empty text result, and ctk's writer for a
            # blank it computed, so it cannot be told from openpyxl's `<v/>` and is read as blank.)
            if self.has_formula and not self.has_value:
                self.uncalculated.add(self.part, f"{col_letters(col + 1)}{row + 1}")
        elif name == "row":
            self.row += 1
            self.col = 0
            self.row_digits = ""
