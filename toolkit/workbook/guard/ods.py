"""The guard for OpenDocument spreadsheets (.ods): what python-calamine may be given to read.

The zip package is checked as for .xlsx (entries, sizes, ratios, names; done by the caller).
Here, `content.xml` is streamed through expat once: no DTD or entities, well-formed, and the
rectangle python-calamine would allocate stays within the cell limit. OpenDocument compresses
repetition into attributes (`table:number-columns-repeated`, `table:number-rows-repeated`,
`text:s text:c`), so a few bytes can stand for billions of cells or characters: python-calamine
expands a repeated cell that holds a value into that many cells, and aborts the process when the
memory runs out. Empty repeated cells (a style carried to the end of a row or the sheet, what
LibreOffice writes) cost nothing and are not counted.
"""

from __future__ import annotations

import zipfile
from typing import Any, BinaryIO

from toolkit.workbook.guard.base import Inspection, Limits, ReadError
from toolkit.workbook.guard.xmlscan import _Scan, _Stop
from toolkit.workbook.guard.zipdir import _Budget, _inflate

_MAX_REPEAT = 1 << 31
ENCRYPTED_ODS = (
    "the spreadsheet is password-protected (encrypted), so it cannot be read: open it in LibreOffice, "
    "File > Save As, clear 'Save with password', save, and send it again"
)


def _repeat(attrs: dict[str, str], name: str) -> int:
    raw = attrs.get(name)
    if raw is None:
        return 1
    raw = raw.strip()
    if not raw.isdigit() or len(raw) > 12:
        raise ReadError(f"content.xml has a repeat count {raw[:24]!r} that is not a number")
    return max(1, min(int(raw), _MAX_REPEAT))


class _ContentScan(_Scan):
    """Rows, cells and repeats of every table; the used range and the expanded size of each."""

    def __init__(self, limits: Limits, budget: _Budget) -> None:
        super().__init__("content.xml")
        self.max_cells = limits.max_cells
        self.budget = budget
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.tables: list[str] = []
        self.area = 0  # the sheets' ranges from A1, added up (the reader may hold them all)
        self.depth = 0  # nesting of tables (a table inside a cell is a table of its own)
        self.row = self.col = 0
        self.row_repeat = 1
        self.cell_repeat = 1
        self.in_cell = False
        self.cell_content = False
        self.max_row = self.max_col = -1
        self.expanded = 0  # value cells once repeats are expanded
        self.row_has_content = False
        self.parser.CharacterDataHandler = self._text

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        local = name.rpartition(":")[2]
        self.events += 1
        if local == "table":  # whatever its prefix: counting more than python-calamine reads is safe
            self.depth += 1
            if self.depth == 1:
                self.tables.append(attrs.get("table:name", ""))
                self.row = 0
                self.max_row = self.max_col = -1
        elif self.depth == 0:
            return
        elif local == "table-row":
            self.row_repeat = _repeat(attrs, "table:number-rows-repeated")
            self.col = 0
            self.row_has_content = False
        elif local in ("table-cell", "covered-table-cell"):
            self.cells += 1
            self.in_cell = True
            self.cell_repeat = _repeat(attrs, "table:number-columns-repeated")
            self.cell_content = "office:value-type" in attrs or "table:formula" in attrs
        elif self.in_cell:
            self.cell_content = True
            if local == "s":  # `text:c` spaces in one element
                self.budget.inflate(_repeat(attrs, "text:c") * self.cell_repeat * self.row_repeat)

    def _text(self, data: str) -> None:
        if self.in_cell:
            copies = self.cell_repeat * self.row_repeat - 1  # the first copy is in the part's own size
            if copies:
                self.budget.inflate(len(data) * copies)

    def _end(self, name: str) -> None:
        local = name.rpartition(":")[2]
        if self.depth == 0:
            return
        if local in ("table-cell", "covered-table-cell") and self.in_cell:
            self.in_cell = False
            if self.cell_content:
                last_col = self.col + self.cell_repeat - 1
                self.max_col = max(self.max_col, last_col)
                self.row_has_content = True
                self.expanded += self.cell_repeat * self.row_repeat
                if self.expanded > self.max_cells:
                    raise ReadError(
                        f"sheet {self.tables[-1]!r} repeats values into over {self.max_cells:,} cells, over the limit "
                        "(a repetition bomb?); see --max-cells"
                    )
            self.col += self.cell_repeat
            if self.col > 16_384 * 64:
                raise ReadError(f"sheet {self.tables[-1]!r} has a row far wider than a spreadsheet (absurd or hostile file)")
        elif local == "table-row":
            if self.row_has_content:
                self.max_row = self.row + self.row_repeat - 1
                if (self.max_row + 1) * (self.max_col + 1) > self.max_cells:
                    raise ReadError(
                        f"sheet {self.tables[-1]!r} has a value at row {self.max_row + 1:,}, column {self.max_col + 1:,}, so "
                        f"its range from A1 spans over the limit of {self.max_cells:,} cells; see --max-cells"
                    )
            self.row += self.row_repeat
            self.row_repeat = 1
        elif local == "table" and self.depth:
            self.depth -= 1
            if self.depth == 0 and self.max_row >= 0:
                self.area += (self.max_row + 1) * (self.max_col + 1)
                if self.area > self.max_cells:
                    raise ReadError(
                        f"the spreadsheet's sheets together span {self.area:,} cells counted from A1, over the limit of "
                        f"{self.max_cells:,} cells; see --max-cells"
                    )


class _ManifestScan(_Scan):
    def __init__(self) -> None:
        super().__init__("META-INF/manifest.xml")
        self.encrypted = False
        self.parser.StartElementHandler = self._start

    def _start(self, name: str, attrs: dict[str, Any]) -> None:
        self.events += 1
        if name.rpartition(":")[2] == "encryption-data":
            self.encrypted = True
            raise _Stop


def scan_ods(fh: BinaryIO, infos: list[zipfile.ZipInfo], starts: dict[str, int], limits: Limits, budget: _Budget) -> Inspection:
    """Check an OpenDocument package whose zip directory has been checked; its content bounded."""
    by_name = {i.filename: i for i in infos}
    manifest = by_name.get("META-INF/manifest.xml")
    content = by_name.get("content.xml")
    if manifest is None or content is None:
        raise ReadError("an OpenDocument file without its manifest or content (damaged file)")
    scan = _ManifestScan()
    for chunk in _inflate(fh, manifest, starts[manifest.filename], budget):
        scan.feed(chunk)
    scan.feed(b"", True)
    if scan.encrypted:
        raise ReadError(ENCRYPTED_ODS)
    mimetype = by_name.get("mimetype")
    if mimetype is not None:
        kind = b"".join(_inflate(fh, mimetype, starts[mimetype.filename], budget))[:100]
        if b"opendocument.spreadsheet" not in kind:
            raise ReadError("an OpenDocument file that is not a spreadsheet (a text document or presentation?)")
    body = _ContentScan(limits, budget)
    for chunk in _inflate(fh, content, starts[content.filename], budget):
        body.feed(chunk)
    body.feed(b"", True)
    result = Inspection("ods")
    for info in infos:
        if info.filename.lower() in ("content.xml", "meta-inf/manifest.xml", "mimetype") or info.filename.endswith("/"):
            continue
        for _ in _inflate(fh, info, starts[info.filename], budget):  # sizes and checksums of the rest
            pass
    if any(i.filename.lower().startswith("basic/") for i in infos):
        result.macros = True
        result.warnings.append("macro-enabled spreadsheet: values are read, macros are never run or kept")
    return result
