"""The whole package: each part checked by the scanner it needs, plain sheets at regex speed."""

from __future__ import annotations

import re
import zipfile
from array import array
from collections import Counter
from collections.abc import Callable
from functools import partial
from typing import BinaryIO
from xml.parsers import expat

from toolkit.workbook.guard.base import _SHEET_DIRS, GRID_COLS, MAX_UNCALCULATED, Inspection, Limits, ReadError, col_number
from toolkit.workbook.guard.xmlscan import (
    _Counted,
    _Prolog,
    _RelsScan,
    _Scan,
    _SheetScan,
    _StringsScan,
    _Uncalculated,
    _WorkbookScan,
)
from toolkit.workbook.guard.zipdir import _Budget, _data_starts, _inflate

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
_CELL_REF = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"')


def _content_cells(data: bytes) -> list[tuple[bytes, bytes]]:
    """The references of the cells with something in them, found from their closing tags: a cell
    that only carries a style (`<c r="B7" s="3"/>`) has none, so this costs one step per filled
    cell, however many styled ones there are."""
    out = []
    end = data.find(b"</c>")
    while end >= 0:
        start = data.rfind(b'<c r="', 0, end)
        match = _CELL_REF.match(data, start) if start >= 0 else None
        if match is not None:
            out.append((match.group(1), match.group(2)))
        end = data.find(b"</c>", end + 4)
    return out


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
    if data.count(b'"/>') * 2 > cells:
        # Mostly cells that only carry a style (`<c r="XFD3" s="7"/>`, a template formatted across
        # all 16,384 columns): python-calamine keeps none of them, so only the cells with content
        # bound the range, and finding those costs no more than the cells themselves.
        content = _content_cells(data)
        if not content:
            budget.inflate(len(data))
            return (-1, -1)
        max_col = max(col_number(letters) for letters in {letters for letters, _ in content})
        max_row = max(int(digits) for digits in {digits for _, digits in content})
    else:
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
    if max_row >= 1_000_000 or max_col > GRID_COLS or max_row * max_col > limits.max_cells:
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
