"""The guard: look at a file before any parser does, and refuse what is unsafe or absurd.

Workbooks come back from clients by e-mail, so every input is untrusted. The checks here read
the zip directory and stream the XML parts through small buffers; nothing is parsed as XML and
nothing is inflated beyond the limits, so a hostile file is refused in bounded time and memory.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path


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
    max_uncompressed_mb: float = 1024.0
    max_ratio: float = 200.0
    max_parts: int = 5000
    max_cells: int = 5_000_000

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)

    @property
    def max_uncompressed_bytes(self) -> int:
        return int(self.max_uncompressed_mb * 1024 * 1024)


DEFAULT_LIMITS = Limits()
GRID_ROWS = 1_048_576
GRID_COLS = 16_384
_CHUNK = 1 << 20
_RATIO_FLOOR = 1 << 20  # small parts may compress well; only parts over 1 MiB are ratio-checked
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_CELL_REF = re.compile(rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,4})([0-9]{1,8})"')
_ROW_REF = re.compile(rb'<(?:\w+:)?row\b[^>]*?\br="([0-9]{1,8})"')
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]{1,4})([0-9]{1,8})(?::([A-Z]{1,4})([0-9]{1,8}))?"')
_SHEET_PART = re.compile(r"^xl/(?:worksheets|chartsheets|dialogsheets|macrosheets)/[^/]+\.xml$", re.IGNORECASE)
_ENCRYPTED_MARK = "EncryptionInfo".encode("utf-16-le")


@dataclass
class Inspection:
    """What the guard learned about a package that it let through."""

    format: str  # "xlsx", "xlsm" or "csv"
    warnings: list[str] = field(default_factory=list)
    external_links: bool = False
    macros: bool = False
    date1904: bool = False


def col_number(letters: bytes | str) -> int:
    if isinstance(letters, bytes):
        letters = letters.decode("ascii")
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n


def _sniff_not_zip(path: Path, head: bytes) -> str:
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        with path.open("rb") as fh:
            blob = fh.read(1 << 16)
        if _ENCRYPTED_MARK in blob:
            return (
                "the workbook is password-protected (encrypted); open it in Excel, "
                "File > Info > Protect Workbook > Encrypt with Password, clear the password, save, and send it again"
            )
        return "a legacy binary Excel (.xls) or other OLE file, not .xlsx: open it and save as Excel Workbook (.xlsx)"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<table" in text:
        return "an HTML or XML file named as a workbook, not .xlsx: open it and save as Excel Workbook (.xlsx)"
    if text.startswith(b"{\\rtf"):
        return "a rich-text (RTF) document, not a workbook"
    if text.startswith(b"%pdf"):
        return "a PDF document, not a workbook"
    printable = sum(1 for b in head if 32 <= b < 127 or b in (9, 10, 13))
    if head and printable / len(head) > 0.95:
        return "a text or CSV file named as a workbook, not .xlsx: rename it to .csv or save it as .xlsx"
    return "not a workbook: the file is not a zip package (random or damaged bytes)"


def _check_name(name: str) -> str | None:
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return f"zip entry with an absolute name ({name[:60]!r})"
    if ".." in re.split(r"[/\\]", name):
        return f"zip entry with '..' in its name ({name[:60]!r})"
    return None


def _overlaps(infos: list[zipfile.ZipInfo]) -> bool:
    spans = sorted((i.header_offset, i.header_offset + 30 + len(i.filename) + i.compress_size) for i in infos)
    return any(spans[k + 1][0] < spans[k][1] for k in range(len(spans) - 1))


def _stream(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits, total: list[int]):  # type: ignore[no-untyped-def]
    """Yield the inflated bytes of one part, refusing it as soon as it outgrows the limits."""
    inflated = 0
    with zf.open(info) as fh:
        while True:
            chunk = fh.read(_CHUNK)
            if not chunk:
                return
            inflated += len(chunk)
            total[0] += len(chunk)
            if total[0] > limits.max_uncompressed_bytes:
                raise ReadError(
                    f"the package inflates beyond {limits.max_uncompressed_mb:g} MB (zip bomb?); see --max-uncompressed-mb"
                )
            if inflated > _RATIO_FLOOR and inflated > limits.max_ratio * max(info.compress_size, 1):
                raise ReadError(f"part {info.filename} inflates more than {limits.max_ratio:g} times its stored size (zip bomb)")
            yield chunk


def _checked(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits, total: list[int]):  # type: ignore[no-untyped-def]
    """`_stream`, refusing a part whose prolog declares a DTD or entities (billion laughs, XXE)."""
    first = True
    for chunk in _stream(zf, info, limits, total):
        if first and _DTD.search(chunk[:8192]):
            raise ReadError(f"part {info.filename} declares a DTD or entities (XML entity attack?)")
        first = False
        yield chunk


def _scan_sheet(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits, total: list[int]) -> None:
    """Refuse a sheet whose used range is outside the grid or larger than the cell limit."""
    max_row = max_col = 0
    min_row = min_col = 1 << 30
    tail = b""
    for chunk in _checked(zf, info, limits, total):
        buf = tail + chunk
        for m in _CELL_REF.finditer(buf):
            c, r = col_number(m.group(1)), int(m.group(2))
            if c > max_col:
                max_col = c
            if c < min_col:
                min_col = c
            if r > max_row:
                max_row = r
            if r < min_row:
                min_row = r
        for m in _ROW_REF.finditer(buf):
            r = int(m.group(1))
            max_row = max(max_row, r)
        cut = buf.rfind(b"<")
        tail = buf[cut:] if cut >= 0 and len(buf) - cut < 512 else b""
    if max_row > GRID_ROWS or max_col > GRID_COLS or (max_row and min_row < 1):
        raise ReadError(f"part {info.filename} has cells outside the spreadsheet grid")
    if max_row and max_col:
        # Readers allocate the whole used range: a cell at A1 and one at XFD1048576 is 17 billion.
        area = (max_row - min_row + 1) * (max_col - min_col + 1)
        if area > limits.max_cells:
            raise ReadError(
                f"sheet {info.filename} spans {max_row:,} rows x {max_col:,} columns, "
                f"over the limit of {limits.max_cells:,} cells; see --max-cells"
            )


def inspect(path: str | Path, limits: Limits = DEFAULT_LIMITS) -> Inspection:
    """Check a file before parsing; raise ReadError with a one-line cause if it must be refused."""
    p = Path(path)
    if not p.exists():
        raise ReadError("no such file")
    if p.is_dir():
        raise ReadError("is a folder, not a file")
    size = p.stat().st_size
    if size == 0:
        raise ReadError("the file is empty (0 bytes)")
    if size > limits.max_file_bytes:
        raise ReadError(f"the file is {size / 1048576:.0f} MB, over the limit of {limits.max_file_mb:g} MB; see --max-file-mb")
    with p.open("rb") as fh:
        head = fh.read(2048)
    suffix = p.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        if b"\x00" in head:
            raise ReadError("not a text/CSV file: it holds binary data")
        return Inspection("csv")
    if not head.startswith(b"PK"):
        raise ReadError(_sniff_not_zip(p, head))
    try:
        zf = zipfile.ZipFile(p)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise ReadError("the zip package is truncated or damaged; ask for the file to be sent again") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > limits.max_parts:
            raise ReadError(f"the package has {len(infos):,} parts, over the limit of {limits.max_parts:,}")
        names = [i.filename for i in infos]
        if len(set(names)) != len(names):
            raise ReadError("the zip package has duplicate entries (tampered file)")
        for name in names:
            problem = _check_name(name)
            if problem:
                raise ReadError(problem)
        if _overlaps(infos):
            raise ReadError("the zip package has overlapping entries (tampered file or zip bomb)")
        declared = sum(i.file_size for i in infos)
        if declared > limits.max_uncompressed_bytes:
            raise ReadError(
                f"the package declares {declared / 1048576:,.0f} MB uncompressed, over the limit of "
                f"{limits.max_uncompressed_mb:g} MB (zip bomb?); see --max-uncompressed-mb"
            )
        for i in infos:
            if i.file_size > _RATIO_FLOOR and i.file_size > limits.max_ratio * max(i.compress_size, 1):
                raise ReadError(f"part {i.filename} declares a compression ratio over {limits.max_ratio:g} (zip bomb)")
            if i.flag_bits & 0x1:
                raise ReadError("the zip package is encrypted; remove the password and send it again")
        lowered = {n.lower(): n for n in names}
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
        result = Inspection("xlsx")
        total = [0]
        try:
            for info in infos:
                name = info.filename.lower()
                if name.endswith("vbaproject.bin"):
                    result.macros = True
                if name.startswith("xl/externallinks/"):
                    result.external_links = True
                if _SHEET_PART.match(info.filename):
                    _scan_sheet(zf, info, limits, total)
                elif name == "xl/workbook.xml":
                    data = b"".join(_checked(zf, info, limits, total))
                    result.date1904 = bool(re.search(rb'date1904="(?:1|true)"', data))
                elif name.endswith((".xml", ".rels", ".vml")):
                    for _ in _checked(zf, info, limits, total):
                        pass
        except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as exc:
            raise ReadError(f"the zip package is damaged ({type(exc).__name__}); ask for the file to be sent again") from None
        except RuntimeError as exc:  # encrypted member
            raise ReadError(f"the zip package cannot be opened ({exc})") from None
        if result.macros:
            result.format = "xlsm"
            result.warnings.append("macro-enabled workbook: values are read, macros are never run or kept")
        if result.external_links:
            result.warnings.append("the workbook links to other files (external links); linked values are read as cached")
        if result.date1904:
            result.warnings.append("the workbook uses the 1904 date system; dates are converted from it")
    return result
