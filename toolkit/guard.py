"""The guard: look at a file before any parser does, and refuse what is unsafe or absurd.

Workbooks come back from clients by e-mail, so every input is untrusted. The guard reads the
zip directory itself, inflates every part through a small buffer (checking each against the
size it declares and its checksum), and streams the XML parts through expat with handlers that
refuse a DTD or entity declaration and that track each sheet's cells the way python-calamine
will place them. A hostile file is refused with a one-line cause, in bounded time and memory,
before python-calamine (which aborts the whole process when a sheet's range is absurd) sees it.
"""

from __future__ import annotations

import codecs
import re
import struct
import zipfile
import zlib
from array import array
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO
from xml.parsers import expat

from toolkit.cells import col_letters


class ReadError(Exception):
    """A file that cannot be read: the message is one line naming the cause."""

    def __init__(self, message: str, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path

    def __str__(self) -> str:
        return str(self.args[0])


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

    format: str  # "xlsx", "xlsm" or "csv"
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


# --- not a zip ------------------------------------------------------------------------------

_OLE_STREAMS = (
    (("EncryptionInfo", "EncryptedPackage"), "encrypted"),
    (("WordDocument",), "a Word document (.doc), not a workbook"),
    (("PowerPoint Document",), "a PowerPoint presentation (.ppt), not a workbook"),
    (("Workbook", "Book"), "a legacy binary Excel workbook (.xls), not .xlsx: open it and save as Excel Workbook (.xlsx)"),
)
ENCRYPTED = (
    "the workbook is password-protected (encrypted), so it cannot be read: open it in Excel, "
    "File > Info > Protect Workbook > Encrypt with Password, clear the password, save, and send it again"
)


def _ole_kind(fh: BinaryIO) -> str:
    """What an OLE compound file holds, from the stream names in its directory (anywhere in the file)."""
    markers = [(name.encode("utf-16-le"), what) for names, what in _OLE_STREAMS for name in names]
    found: set[str] = set()
    fh.seek(0)
    tail = b""
    while True:
        block = fh.read(_CHUNK)
        if not block:
            break
        buf = tail + block
        for marker, what in markers:
            if marker in buf:
                found.add(what)
        tail = buf[-64:]
    for _names, what in _OLE_STREAMS:
        if what in found:
            return ENCRYPTED if what == "encrypted" else what
    return "a legacy Office (OLE) file, not .xlsx: open it and save as Excel Workbook (.xlsx)"


def _looks_like_text(head: bytes) -> bool:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(head)
    except UnicodeDecodeError:
        text = head.decode("latin-1")
    if not text:
        return False
    printable = sum(1 for ch in text if ch.isprintable() or ch in "\t\r\n")
    return printable / len(text) > 0.95


def _sniff_not_zip(fh: BinaryIO, head: bytes) -> str:
    if head.startswith(_OLE_MAGIC):
        return _ole_kind(fh)
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<table" in text:
        return "an HTML or XML file named as a workbook, not .xlsx: open it and save as Excel Workbook (.xlsx)"
    if text.startswith(b"{\\rtf"):
        return "a rich-text (RTF) document, not a workbook"
    if text.startswith(b"%pdf"):
        return "a PDF document, not a workbook"
    if _looks_like_text(head):
        return "a text or CSV file named as a workbook, not .xlsx: rename it to .csv or save it as .xlsx"
    return "not a workbook: the file is not a zip package (random or damaged bytes)"


# --- the zip directory ----------------------------------------------------------------------


def _count_entries(fh: BinaryIO, size: int, limits: Limits) -> None:
    """Count the central directory's records before zipfile builds an object for each of them."""
    tail_len = min(size, 22 + 65535)
    fh.seek(size - tail_len)
    tail = fh.read(tail_len)
    # The end record zipfile will use: the one at the very end if there is no comment, else the last one.
    at = len(tail) - 22 if tail[-22:-18] == b"PK\x05\x06" and tail[-2:] == b"\0\0" else tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        raise ReadError(_DAMAGED)
    cd_size = struct.unpack("<L", tail[at + 12 : at + 16])[0]
    eocd = size - tail_len + at
    if at >= 20 and tail[at - 20 : at - 16] == b"PK\x06\x07":  # zip64: sizes are in the record before
        fh.seek(max(eocd - 20 - 56, 0))
        record = fh.read(56)
        if len(record) == 56 and record[:4] == b"PK\x06\x06":
            cd_size = struct.unpack("<Q", record[40:48])[0]
            eocd -= 20 + 56
    pos, end, count = eocd - cd_size, eocd, 0
    if pos < 0:
        raise ReadError(_DAMAGED)
    while pos + 46 <= end:
        fh.seek(pos)
        header = fh.read(46)
        if len(header) < 46 or header[:4] != b"PK\x01\x02":
            break  # zipfile reports the damage
        count += 1
        if count > limits.max_parts:
            raise ReadError(f"the package has over {limits.max_parts:,} parts, over the limit; see --max-parts")
        n, m, k = struct.unpack("<HHH", header[28:34])
        pos += 46 + n + m + k


def _check_name(name: str) -> str | None:
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return f"zip entry with an absolute name ({name[:60]!r})"
    if ".." in re.split(r"[/\\]", name):
        return f"zip entry with '..' in its name ({name[:60]!r})"
    return None


def _data_starts(fh: BinaryIO, zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], size: int) -> dict[str, int]:
    """Where each entry's data begins; refuse entries whose local headers disagree or overlap."""
    starts: dict[str, int] = {}
    spans: list[tuple[int, int]] = []
    limit = getattr(zf, "start_dir", size)
    for info in infos:
        fh.seek(info.header_offset)
        header = fh.read(30)
        if len(header) < 30 or header[:4] != b"PK\x03\x04":
            raise ReadError(f"zip entry {info.filename[:60]!r} has no local header (truncated, damaged or tampered file)")
        n, m = struct.unpack("<HH", header[26:30])
        raw = fh.read(n)
        local = raw.decode("utf-8" if info.flag_bits & 0x800 else "cp437", errors="replace")
        if local != info.orig_filename:
            raise ReadError("the zip package is inconsistent: local and central names differ (tampered file)")
        start = info.header_offset + 30 + n + m
        end = start + info.compress_size
        if end > limit:
            raise ReadError(_DAMAGED)
        starts[info.filename] = start
        spans.append((info.header_offset, end))
    spans.sort()
    if any(spans[k + 1][0] < spans[k][1] for k in range(len(spans) - 1)):
        raise ReadError("the zip package has overlapping entries (tampered file or zip bomb)")
    return starts


def _check_directory(infos: list[zipfile.ZipInfo], limits: Limits) -> None:
    names = [i.filename for i in infos]
    folded = {n.lower() for n in names}
    if len(folded) != len(names):
        raise ReadError("the zip package has duplicate entries (tampered file)")
    for name in names:
        problem = _check_name(name)
        if problem:
            raise ReadError(problem)
    declared = sum(i.file_size for i in infos)
    if declared > limits.max_uncompressed_bytes:
        raise ReadError(
            f"the package declares {declared / 1048576:,.0f} MB uncompressed, over the limit of "
            f"{limits.max_uncompressed_mb:g} MB (zip bomb?); see --max-uncompressed-mb"
        )
    for i in infos:
        if i.flag_bits & 0x1:
            raise ReadError("the zip package is encrypted; remove the password and send it again")
        if i.file_size > _RATIO_FLOOR and i.file_size > limits.max_ratio * max(i.compress_size, 1):
            raise ReadError(
                f"part {i.filename} declares a compression ratio over {limits.max_ratio:g} (zip bomb?); see --max-ratio"
            )
        if i.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise ReadError(
                f"part {i.filename} uses zip compression method {i.compress_type}, which spreadsheet programs never write"
            )
        if i.compress_type == zipfile.ZIP_STORED and i.compress_size != i.file_size:
            raise ReadError(_DAMAGED)


class _Budget:
    """What the package amounts to once read: every part inflated, and each shared string again
    wherever a cell uses it (the reader copies it into every such cell)."""

    def __init__(self, limits: Limits) -> None:
        self.used = 0
        self.limit = limits.max_uncompressed_bytes
        self.mb = limits.max_uncompressed_mb

    def inflate(self, n: int) -> None:
        self.used += n
        if self.used > self.limit:
            raise ReadError(f"the package inflates beyond {self.mb:g} MB (zip bomb?); see --max-uncompressed-mb")

    def copy(self, n: int, label: str) -> None:
        self.used += n
        if self.used > self.limit:
            raise ReadError(
                f"sheet {label} uses its shared strings so often that the workbook amounts to over {self.mb:g} MB "
                "(string bomb?); see --max-uncompressed-mb"
            )


def _inflate(fh: BinaryIO, info: zipfile.ZipInfo, start: int, budget: _Budget | None) -> Iterator[bytes]:
    """Yield a part's bytes a chunk at a time; refuse it the moment it outgrows what it declares."""
    fh.seek(start)
    left = info.compress_size
    out = crc = 0
    inflater = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
    while True:
        if inflater is None:
            if not left:
                break
            chunk = fh.read(min(_CHUNK, left))
            if not chunk:
                raise ReadError(_DAMAGED)
            left -= len(chunk)
        else:
            if inflater.eof:
                break
            if inflater.unconsumed_tail:
                chunk = inflater.decompress(inflater.unconsumed_tail, _CHUNK)
            elif left:
                raw = fh.read(min(_CHUNK, left))
                if not raw:
                    raise ReadError(_DAMAGED)
                left -= len(raw)
                chunk = inflater.decompress(raw, _CHUNK)
            else:
                chunk = inflater.decompress(b"", _CHUNK)
                if not chunk and not inflater.eof:
                    raise ReadError(
                        f"the zip package is damaged: part {info.filename} ends early; ask for the file to be sent again"
                    )
        if not chunk:
            continue
        out += len(chunk)
        if out > info.file_size:
            raise ReadError(
                f"part {info.filename} inflates beyond the {info.file_size:,} bytes it declares (a damaged or tampered file, or a zip bomb)"
            )
        if budget is not None:
            budget.inflate(len(chunk))
        crc = zlib.crc32(chunk, crc)
        yield chunk
    if out != info.file_size or crc != info.CRC:
        raise ReadError(f"the zip package is damaged: part {info.filename} fails its checksum; ask for the file to be sent again")


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


# --- the package ----------------------------------------------------------------------------


def _sheet_path(target: str) -> str:
    """The zip entry a workbook relationship points at, resolved as python-calamine resolves it."""
    if target.startswith("/xl/"):
        return target[1:]
    if target.startswith("xl/"):
        return target
    return f"xl/{target}"


def _is_sheet(name: str) -> bool:
    lowered = name.lower().replace("\\", "/")
    return lowered.startswith(_SHEET_DIRS) and "/_rels/" not in lowered and not lowered.endswith("/")


def _looks_like_xml(chunk: bytes) -> bool:
    return chunk.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<" or chunk.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00<"))


_MARKUP = (b"<!--", b"<![CDATA[", b"<?")  # where a tag-like text need not be a tag
_CELL_TAG = re.compile(rb"<(?:[^\s/>=:?!<]+:)?c[\s/>]")
_STRING_TAG = re.compile(rb"<(?:[^\s/>=:?!<]+:)?si[\s/>]")


def _quick_count(fh: BinaryIO, info: zipfile.ZipInfo, start: int, tag: bytes, pattern: re.Pattern[bytes]) -> int:
    """How many `<tag` elements a part holds, counted at the speed of zlib, or -1 if comments,
    CDATA or processing instructions make the count unreliable. Lets a part with far too many
    cells or strings be refused at once, instead of after a scan up to the limit."""
    count = 0
    tail = b""
    forms = (b"<" + tag + b" ", b"<" + tag + b">", b"<" + tag + b"/", b"<" + tag + b"\n", b"<" + tag + b"\t", b"<" + tag + b"\r")
    for chunk in _inflate(fh, info, start, None):
        if tail:
            body, seam = chunk, tail + chunk[:16]
        else:  # the first chunk: after the XML declaration
            body = chunk.lstrip(b"\xef\xbb\xbf \t\r\n")
            body = body[body.find(b"?>") + 2 :] if body.startswith(b"<?xml") else body
            seam = b""
        if any(m in body or m in seam for m in _MARKUP):
            return -1
        # Prefixed names (x:c) are rare: only then the slower regular expression.
        count += len(pattern.findall(chunk)) if b":" + tag in chunk else sum(chunk.count(f) for f in forms)
        tail = chunk[-16:]
    return count


#: What sends a sheet to the full scan: anything but the plain XML that Excel, LibreOffice and
#: ctk write. Comments, CDATA, DTDs and processing instructions; single-quoted attributes;
#: namespace prefixes on the elements the reader reads; a cell whose first attribute is not a
#: plain reference; a formula with no cached value.
_NOT_PLAIN = re.compile(
    rb"<(?:!|\?(?!xml )"
    rb'|c(?! r="[A-Z]{1,3}[1-9][0-9]{0,6}")[\s>/]'
    rb"|/f>(?!<v[\s>])|f\b[^>]*/>(?!<v[\s>]))"
)
# Kept apart from _NOT_PLAIN: each has a literal first byte, so the engine skips ahead at C speed.
_PREFIXED = re.compile(rb":(?:c|row|v|f|is|t|sheetData)[\s>/]")
_SHARED_INDEX = re.compile(rb' t="s"[^>]*><v>([0-9]{1,11})</v>')


_ROW_NUMBER = re.compile(rb'<row r="([0-9]{1,7})"')


def _greater_than(n: int) -> str:
    """A regular expression for the whole numbers above `n` (no leading zeros)."""
    digits = str(n)
    longer = f"[1-9][0-9]{{{len(digits)},}}"
    same = [f"{digits[:i]}[{int(d) + 1}-9][0-9]{{{len(digits) - i - 1}}}" for i, d in enumerate(digits) if d != "9"]
    return "|".join([longer, *same])


def _fast_sheet(
    fh: BinaryIO, info: zipfile.ZipInfo, start: int, label: str, limits: Limits, strings: array[int], budget: _Budget
) -> tuple[int, int] | None:
    """The used range of a plain sheet, bounded at the speed of the regular expression engine.

    Returns the (0-based) last row and column to count, rounding the row up to the largest number
    with as many digits (a bound, never less than the truth), or None when the sheet is not plain
    or the bound is too loose: then the exact scan decides. Per-cell Python work is what makes the
    exact scan slow on a 50,000-row register; here no Python object is made per cell.
    """
    if info.file_size > limits.max_uncompressed_bytes:
        return None
    data = b"".join(_inflate(fh, info, start, None))
    if (
        data.startswith((b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<"))
        or b"='" in data
        or _PREFIXED.search(data)
        or _NOT_PLAIN.search(data)
    ):
        return None
    # Well-formed, or python-calamine would silently read part of it: expat without handlers
    # checks that at C speed (the exact scan reports where it breaks).
    checker = expat.ParserCreate()
    try:
        checker.Parse(data, True)
    except expat.ExpatError:
        return None
    cells = data.count(b'<c r="')
    if cells > limits.max_cells:
        raise ReadError(f"sheet {label} has over {limits.max_cells:,} cells, over the limit; see --max-cells")
    if not cells:
        budget.inflate(len(data))
        return (-1, -1)
    max_col = 0
    for width in (3, 2):
        wide = re.findall(rb'<c r="([A-Z]{%d})[0-9]' % width, data)
        if wide:
            max_col = max(col_number(letters) for letters in set(wide))
            break
    else:
        max_col = next(n for n in range(26, 0, -1) if data.find(b'<c r="' + bytes([64 + n])) >= 0)
    rows = _ROW_NUMBER.findall(data)
    max_row = max(map(int, set(rows))) if rows else 0
    if not rows or max_row >= 1_000_000 or max_col > GRID_COLS:
        return None  # rows without numbers, or near the grid's edge: the exact scan says
    if re.search(rb'<c r="[A-Z]{1,3}(?:%s)"' % _greater_than(max_row).encode(), data):
        return None  # a cell below the last row: the exact scan places it
    if max_row * max_col > limits.max_cells:
        return None
    copies = 0
    shared = data.count(b' t="s"')
    if shared and strings:
        if shared * max(strings) > 16 << 20:
            # Worth counting exactly: how often each shared string is copied into a cell.
            indices = Counter(_SHARED_INDEX.findall(data))
            if sum(indices.values()) != shared:
                return None
            copies = sum(strings[int(i)] * n for i, n in indices.items() if int(i) < len(strings))
        else:
            copies = shared * max(strings)
    budget.inflate(len(data))
    budget.copy(copies, label)
    return max_row - 1, max_col - 1


def _run(
    fh: BinaryIO, info: zipfile.ZipInfo, start: int, budget: _Budget, make: Callable[[], _Scan], sniff: bool
) -> _Scan | None:
    """Inflate one part (always to its end: its size and checksum are checked) through its scan.

    With `sniff`, the part is scanned only if it looks like XML (its prolog, for a DTD)."""
    scan: _Scan | None = None
    first = True
    for chunk in _inflate(fh, info, start, budget):
        if first:
            first = False
            if not sniff or _looks_like_xml(chunk):
                scan = make()
        if scan is not None:
            scan.feed(chunk)
    if not sniff:
        scan = scan or make()
        scan.feed(b"", True)
    return scan


def _scan_package(fh: BinaryIO, zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], size: int, limits: Limits) -> Inspection:
    starts = _data_starts(fh, zf, infos, size)
    result = Inspection("xlsx")
    budget = _Budget(limits)
    found = _Uncalculated()
    area = 0

    def run(info: zipfile.ZipInfo, make: Callable[[], _Scan], sniff: bool = False) -> _Scan | None:
        return _run(fh, info, starts[info.filename], budget, make, sniff)

    by_name = {i.filename.lower(): i for i in infos}
    workbook = by_name["xl/workbook.xml"]
    book = run(workbook, partial(_WorkbookScan, workbook.filename))
    rels_info = by_name.get("xl/_rels/workbook.xml.rels")
    rels = run(rels_info, partial(_RelsScan, rels_info.filename)) if rels_info else None
    names: dict[str, str] = {}  # sheet part (lower case) -> sheet name
    if isinstance(book, _WorkbookScan):
        result.date1904 = book.date1904
        result.external_links = book.external
        targets = rels.targets if isinstance(rels, _RelsScan) else {}
        for name, rid in book.sheets:
            if rid in targets:
                path = _sheet_path(targets[rid]).lower()
                if path in names:  # python-calamine would read the part once per sheet: its range counts twice
                    raise ReadError(f"sheets {names[path]!r} and {name!r} are the same part of the package (tampered file)")
                names[path] = name

    strings_info = by_name.get("xl/sharedstrings.xml")
    if strings_info and _quick_count(fh, strings_info, starts[strings_info.filename], b"si", _STRING_TAG) > limits.max_cells:
        raise ReadError(
            f"part {strings_info.filename} holds over {limits.max_cells:,} shared strings, over the cell limit "
            "(string bomb?); see --max-cells"
        )
    strings = run(strings_info, partial(_StringsScan, strings_info.filename, limits)) if strings_info else None
    lengths = strings.lengths if isinstance(strings, _StringsScan) else array("Q")

    for info in infos:
        part = info.filename
        low = part.lower()
        if info in (workbook, rels_info, strings_info) or part.endswith("/"):
            continue
        if low.endswith("vbaproject.bin") or low.startswith("xl/macrosheets/"):
            result.macros = True
        if low.startswith("xl/externallinks/"):
            result.external_links = True
        if _is_sheet(part):
            label = repr(names[low]) if low in names else part
            fast = _fast_sheet(fh, info, starts[part], label, limits, lengths, budget)
            if fast is not None:
                max_row, max_col = fast
            else:
                if _quick_count(fh, info, starts[part], b"c", _CELL_TAG) > limits.max_cells:
                    raise ReadError(f"sheet {label} has over {limits.max_cells:,} cells, over the limit; see --max-cells")
                sheet = run(info, partial(_SheetScan, part, label, limits, found, lengths, budget))
                max_row, max_col = (sheet.max_row, sheet.max_col) if isinstance(sheet, _SheetScan) else (-1, -1)
            if max_row >= 0:
                # The reader may hold every sheet at once: their ranges add up.
                area += (max_row + 1) * (max_col + 1)
                if area > limits.max_cells:
                    raise ReadError(
                        f"the workbook's sheets together span {area:,} cells counted from A1, over the limit of "
                        f"{limits.max_cells:,} cells; see --max-cells"
                    )
        elif low in ("xl/styles.xml", "docprops/custom.xml"):
            run(info, partial(_Counted, part))
        else:
            run(info, partial(_Prolog, part), sniff=True)

    result.uncalculated = [(names.get(part.lower(), part), cell) for part, cell in found.cells]
    if found.total > MAX_UNCALCULATED:
        result.warnings.append(
            f"{found.total:,} formula cells have no calculated value; only the first {MAX_UNCALCULATED:,} are listed"
        )
    return result


def inspect(path: str | Path, limits: Limits = DEFAULT_LIMITS) -> Inspection:
    """Check a file before parsing; raise ReadError with a one-line cause if it must be refused."""
    p = Path(path)
    if not p.exists():
        raise ReadError("no such file")
    if p.is_dir():
        raise ReadError("is a folder, not a file")
    try:
        with p.open("rb") as fh:
            return _inspect(p, fh, limits)
    except ReadError:
        raise
    except OSError as exc:
        raise ReadError(f"the file cannot be read ({exc.strerror or type(exc).__name__})") from None
    except (MemoryError, RecursionError):
        raise ReadError("the file is too large or too deeply nested to check") from None
    except Exception as exc:  # noqa: BLE001 - whatever a hostile file provokes, the answer is one line
        raise ReadError(f"the file cannot be checked ({type(exc).__name__}: {' '.join(str(exc).split())[:120]})") from None


def _inspect(p: Path, fh: BinaryIO, limits: Limits) -> Inspection:
    size = p.stat().st_size
    if size == 0:
        raise ReadError("the file is empty (0 bytes)")
    if size > limits.max_file_bytes:
        raise ReadError(f"the file is {size / 1048576:.0f} MB, over the limit of {limits.max_file_mb:g} MB; see --max-file-mb")
    head = fh.read(2048)
    if p.suffix.lower() in (".csv", ".txt", ".tsv"):
        if b"\x00" in head:
            raise ReadError("not a text/CSV file: it holds binary data")
        return Inspection("csv")
    if not head.startswith(b"PK"):
        raise ReadError(_sniff_not_zip(fh, head))
    _count_entries(fh, size, limits)
    try:
        zf = zipfile.ZipFile(fh)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, struct.error):
        raise ReadError(_DAMAGED) from None
    with zf:
        infos = zf.infolist()
        if len(infos) > limits.max_parts:
            raise ReadError(f"the package has {len(infos):,} parts, over the limit of {limits.max_parts:,}; see --max-parts")
        _check_directory(infos, limits)
        lowered = {i.filename.lower() for i in infos}
        if "xl/workbook.bin" in lowered:
            raise ReadError("a binary workbook (.xlsb) is not supported: open it and save as Excel Workbook (.xlsx)")
        if "xl/workbook.xml" not in lowered:
            if "word/document.xml" in lowered:
                raise ReadError("a Word document, not a workbook")
            if "ppt/presentation.xml" in lowered:
                raise ReadError("a PowerPoint presentation, not a workbook")
            if "content.xml" in lowered:
                raise ReadError("an OpenDocument file, not .xlsx: save it as Excel Workbook (.xlsx)")
            raise ReadError("a zip file that is not an Excel workbook (no xl/workbook.xml)")
        try:
            result = _scan_package(fh, zf, infos, size, limits)
        except zlib.error:
            raise ReadError(_DAMAGED) from None
    if result.macros:
        result.format = "xlsm"
        result.warnings.append("macro-enabled workbook: values are read, macros are never run or kept")
    if result.external_links:
        result.warnings.append("the workbook links to other files (external links); linked values are read as cached")
    if result.date1904:
        result.warnings.append("the workbook uses the 1904 date system; dates are converted from it")
    return result
