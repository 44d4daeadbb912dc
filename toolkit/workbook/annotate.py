"""`validate --annotate`: hand the findings back to the client inside their own workbook.

The output is a copy of the client's workbook in which every cell at fault is filled (red for
errors, amber for warnings) and carries a comment with the findings' codes and messages, plus a
first sheet, `Review Findings`, listing every finding with a link to its cell and what to do.

The copy is made by patching the package, not by loading and saving it with a spreadsheet
library: every part the review does not touch (sheets without findings, charts, images, pivot
tables, shared strings, formulas and their cached results, document properties) is carried as
it was. Only the styles (two fills, and a style per marked cell's original style), the marked
rows of the sheets at fault, their comments and the workbook's list of sheets change. So a
20,000-risk register is annotated in about the time it takes to check it. The original is never
opened for writing. An `.xlsm` becomes an `.xlsx` without its macros (said in a warning).
Annotating an annotated workbook replaces the previous review: its sheet, its comments and its
highlights (a highlighted cell takes back the style of its nearest unmarked neighbour).
"""

from __future__ import annotations

import io
import os
import posixpath
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, unescape

from toolkit.findings import ERROR, REVIEW_SHEET, SEVERITY_ORDER, WARNING, Finding
from toolkit.workbook.cells import cell_ref, col_letters
from toolkit.workbook.guard import DEFAULT_LIMITS, Limits, ReadError
from toolkit.workbook.identity import NEUTRAL, Identity
from toolkit.workbook.package import sheet_parts
from toolkit.workbook.reader import WorkbookData, read_workbook
from toolkit.workbook.writer import FONT, atomic_output, page_footer, page_header

REVIEW_COLUMNS = (("Severity", 10), ("Sheet", 20), ("Cell", 8), ("Key", 12), ("Message", 56), ("What to do", 40), ("Rule", 9))
#: The table's header row on the Review Findings sheet (1-based): a title block above it.
HEADER_ROW = 5
#: Marks the part of a cell comment a review wrote, so a later review can replace it (and the
#: marker earlier versions wrote).
MARKER = "Review finding"
MARKERS = (MARKER, "ctk review")
#: Who a review's comments are by when no firm or reviewer is named.
AUTHOR = "Reviewer"
FILLS = {ERROR: "FFFFC7CE", WARNING: "FFFFEB9C"}  # Excel's own "Bad" red and "Neutral" amber
NAVY = "FF1F3864"
_CELL = re.compile(r"^([A-Z]{1,3})([0-9]{1,7})$")
_CELL_COLUMN = re.compile(r"^([A-Z]{1,3})[0-9]")

REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
T_WORKSHEET = f"{REL}/worksheet"
T_COMMENTS = f"{REL}/comments"
T_VML = f"{REL}/vmlDrawing"
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_COMMENTS = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
CT_VML = "application/vnd.openxmlformats-officedocument.vmlDrawing"
CT_XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
CT_XLSM_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
#: Elements a worksheet may hold after `legacyDrawing`, in schema order (it goes before them).
_AFTER_LEGACY = ("legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls", "webPublishItems", "tableParts", "extLst")
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass
class Annotation:
    """What `annotate` wrote: how many cells it marked, how many findings it listed, what it could not keep."""

    output: Path
    cells: int = 0
    listed: int = 0
    warnings: list[str] = field(default_factory=list)


class CannotAnnotate(ReadError):
    """The package is not laid out in a way the review can patch."""


def annotate(
    path: str | os.PathLike[str],
    findings: Sequence[Finding],
    output: str | os.PathLike[str],
    *,
    limits: Limits = DEFAULT_LIMITS,
    identity: Identity = NEUTRAL,
) -> Annotation:
    """Write a copy of the workbook at `path` to `output` with `findings` marked in place.

    `findings` are those `validate` reported for this one file. Raises ReadError when the
    workbook cannot be read (it is read through the same guard as `validate`). `identity` names
    the reviewer (the firm) and the review's date on the sheet and in the comments.
    """
    source, target = Path(path), Path(output)
    if source.suffix.lower() in (".csv", ".tsv", ".txt"):
        raise ReadError("only .xlsx workbooks can be annotated; save the CSV as .xlsx first", str(source))
    book = read_workbook(source, limits=limits)  # the guard runs before anything else parses the package
    data = source.read_bytes()
    result = Annotation(target)
    try:
        pkg = _Package(data)
        review = _Review(pkg, book, findings, result, source.name, identity)
        review.run()
    except (zipfile.BadZipFile, KeyError, ValueError, IndexError, SyntaxError) as exc:  # SyntaxError: XML ParseError
        raise CannotAnnotate(f"the workbook cannot be copied for annotation ({_one_line(exc)})", str(source)) from None
    with atomic_output(target) as tmp:
        pkg.save(tmp)
    return result


def _one_line(message: object) -> str:
    return " ".join(str(message).split())[:240]


def _xml_text(text: str) -> str:
    return escape(_ILLEGAL_XML.sub("", text), {'"': "&quot;"})


# --- the package ------------------------------------------------------------------------------


class _Package:
    """A zip package: parts read on demand, changed parts kept aside, written once."""

    def __init__(self, data: bytes) -> None:
        self.zf = zipfile.ZipFile(io.BytesIO(data))
        self.order = [i.filename for i in self.zf.infolist()]
        self.changed: dict[str, bytes] = {}
        self.removed: set[str] = set()

    def names(self) -> list[str]:
        return [n for n in self.order if n not in self.removed]

    def has(self, name: str) -> bool:
        return name in self.changed or (name in self.order and name not in self.removed)

    def read(self, name: str) -> bytes:
        if name in self.changed:
            return self.changed[name]
        return self.zf.read(name)

    def text(self, name: str) -> str:
        return self.read(name).decode("utf-8")

    def write(self, name: str, data: bytes | str) -> None:
        self.changed[name] = data.encode("utf-8") if isinstance(data, str) else data
        self.removed.discard(name)
        if name not in self.order:
            self.order.append(name)

    def remove(self, name: str) -> None:
        self.removed.add(name)
        self.changed.pop(name, None)

    def free(self, pattern: str) -> str:
        """An unused part name: `pattern` with `{}` the first free number from 1."""
        n = 1
        lowered = {x.lower() for x in self.names()}
        while pattern.format(n).lower() in lowered:
            n += 1
        return pattern.format(n)

    def save(self, path: Path) -> None:
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
            for name in self.order:
                if name in self.removed:
                    continue
                if name in self.changed:
                    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                    info.compress_type = zipfile.ZIP_DEFLATED
                    out.writestr(info, self.changed[name])
                else:
                    original = self.zf.getinfo(name)
                    info = zipfile.ZipInfo(name, date_time=original.date_time)
                    info.compress_type = zipfile.ZIP_DEFLATED
                    info.external_attr = original.external_attr
                    out.writestr(info, self.zf.read(original))


_ATTRS: dict[str, re.Pattern[str]] = {}


def _attr_pattern(name: str) -> re.Pattern[str]:
    found = _ATTRS.get(name)
    if found is None:
        found = _ATTRS[name] = re.compile(rf'\s{re.escape(name)}\s*=\s*(["\'])(.*?)\1', re.DOTALL)
    return found


def _attr(tag: str, name: str) -> str | None:
    m = _attr_pattern(name).search(tag)
    if m is None:
        return None
    value = m.group(2)
    return unescape(value, {"&quot;": '"', "&apos;": "'"}) if "&" in value else value


def _set_attr(tag: str, name: str, value: str | None) -> str:
    """`tag` (a start tag) with attribute `name` set (None: removed)."""
    tag = _attr_pattern(name).sub("", tag)
    if value is None:
        return tag
    end = len(tag) - (2 if tag.endswith("/>") else 1)
    return f'{tag[:end]} {name}="{_xml_text(value)}"{tag[end:]}'


def _prefix(xml: str, local: str) -> str:
    """The namespace prefix of the document's root element `local` (`x:` or empty)."""
    m = re.search(rf"<(\w+:)?{local}[\s>]", xml)
    return m.group(1) or "" if m else ""


def _ns_prefix(xml: str, uri: str, root: str) -> str | None:
    """The prefix the root element `root` declares for namespace `uri` (declarations further in are
    out of scope for what ctk adds, which then declares its own)."""
    tag = re.search(rf"<(?:\w+:)?{root}\b[^>]*>", xml)
    m = re.search(rf'xmlns:(\w+)\s*=\s*"{re.escape(uri)}"', tag.group(0)) if tag else None
    return m.group(1) if m else None


def _rels_name(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


def _resolve(part: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(part), target))


def _relative(part: str, target: str) -> str:
    return posixpath.relpath(target, posixpath.dirname(part))


class _Rels:
    """A part's relationships: read, added to, removed from, written back."""

    def __init__(self, pkg: _Package, part: str) -> None:
        self.pkg, self.part, self.name = pkg, part, _rels_name(part)
        self.xml = (
            pkg.text(self.name)
            if pkg.has(self.name)
            else f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{PKG_REL}"></Relationships>'
        )
        self.prefix = _prefix(self.xml, "Relationships")

    def items(self) -> list[tuple[str, str, str, str]]:
        """(id, type, resolved target, the element's text)."""
        out = []
        for m in re.finditer(rf"<{self.prefix}Relationship\b[^>]*?/?>(?:</{self.prefix}Relationship>)?", self.xml):
            tag = m.group(0)
            rid, typ, target = _attr(tag, "Id") or "", _attr(tag, "Type") or "", _attr(tag, "Target") or ""
            external = (_attr(tag, "TargetMode") or "").lower() == "external"
            out.append((rid, typ, target if external else _resolve(self.part, target), tag))
        return out

    def find(self, typ: str) -> list[tuple[str, str]]:
        return [(rid, target) for rid, t, target, _ in self.items() if t == typ]

    def target(self, rid: str) -> str | None:
        return next((target for r, _, target, _ in self.items() if r == rid), None)

    def add(self, typ: str, target: str) -> str:
        ids = {rid for rid, _, _, _ in self.items()}
        n = 1
        while f"rId{n}" in ids:
            n += 1
        rid = f"rId{n}"
        element = f'<{self.prefix}Relationship Id="{rid}" Type="{typ}" Target="{_xml_text(_relative(self.part, target))}"/>'
        self.xml = self.xml.replace(f"</{self.prefix}Relationships>", element + f"</{self.prefix}Relationships>")
        if f"</{self.prefix}Relationships>" not in self.xml:  # an empty <Relationships/>
            self.xml = re.sub(
                rf"<{self.prefix}Relationships([^>]*)/>",
                rf"<{self.prefix}Relationships\1>{element}</{self.prefix}Relationships>",
                self.xml,
            )
        self.pkg.write(self.name, self.xml)
        return rid

    def remove(self, rid: str) -> None:
        for r, _, _, tag in self.items():
            if r == rid:
                self.xml = self.xml.replace(tag, "", 1)
        self.pkg.write(self.name, self.xml)


class _ContentTypes:
    NAME = "[Content_Types].xml"

    def __init__(self, pkg: _Package) -> None:
        self.pkg = pkg
        self.xml = pkg.text(self.NAME)
        self.prefix = _prefix(self.xml, "Types")

    def override(self, part: str, content_type: str) -> None:
        self.drop(part)
        element = f'<{self.prefix}Override PartName="/{_xml_text(part)}" ContentType="{content_type}"/>'
        self.xml = self.xml.replace(f"</{self.prefix}Types>", element + f"</{self.prefix}Types>")
        self.save()

    def default(self, extension: str, content_type: str) -> None:
        if re.search(rf'<{self.prefix}Default\b[^>]*Extension="{re.escape(extension)}"', self.xml, re.IGNORECASE):
            return
        element = f'<{self.prefix}Default Extension="{extension}" ContentType="{content_type}"/>'
        self.xml = self.xml.replace(f"</{self.prefix}Types>", element + f"</{self.prefix}Types>")
        self.save()

    def drop(self, part: str) -> None:
        self.xml = re.sub(
            rf'<{self.prefix}Override\b[^>]*PartName="/{re.escape(part)}"[^>]*/>', "", self.xml, flags=re.IGNORECASE
        )
        self.save()

    def replace_type(self, old: str, new: str) -> None:
        self.xml = self.xml.replace(f'ContentType="{old}"', f'ContentType="{new}"')
        self.save()

    def save(self) -> None:
        self.pkg.write(self.NAME, self.xml)


# --- styles -----------------------------------------------------------------------------------


class _Styles:
    """The styles part: fills, fonts, borders and cell formats appended to (never renumbered)."""

    NAME = "xl/styles.xml"

    def __init__(self, pkg: _Package, part: str) -> None:
        self.pkg, self.part = pkg, part
        self.xml = pkg.text(part)
        self.p = _prefix(self.xml, "styleSheet")
        self.sections: dict[str, list[str]] = {}
        for section, item in (("fills", "fill"), ("fonts", "font"), ("borders", "border"), ("cellXfs", "xf")):
            self.sections[section] = self._items(section, item)
        self._marked: dict[tuple[int, str], int] = {}
        self.dirty = False

    def _span(self, section: str, xml: str | None = None) -> re.Match[str] | None:
        p = self.p
        return re.search(rf"<{p}{section}\b[^>]*?(?:/>|>.*?</{p}{section}>)", self.xml if xml is None else xml, re.DOTALL)

    def _items(self, section: str, item: str) -> list[str]:
        m = self._span(section)
        if m is None:
            return []
        p = self.p
        return re.findall(rf"<{p}{item}\b[^>]*?(?:/>|>.*?</{p}{item}>)", m.group(0), re.DOTALL)

    def _add(self, section: str, element: str) -> int:
        self.sections[section].append(element)
        self.dirty = True
        return len(self.sections[section]) - 1

    def fill(self, rgb: str) -> int:
        p = self.p
        element = f'<{p}fill><{p}patternFill patternType="solid"><{p}fgColor rgb="{rgb}"/><{p}bgColor rgb="{rgb}"/></{p}patternFill></{p}fill>'
        if element in self.sections["fills"]:
            return self.sections["fills"].index(element)
        return self._add("fills", element)

    def font(self, inner: str) -> int:
        p = self.p
        element = f"<{p}font>{inner.replace('<', '<' + p) if p else inner}</{p}font>"
        if element in self.sections["fonts"]:
            return self.sections["fonts"].index(element)
        return self._add("fonts", element)

    def border(self) -> int:
        p = self.p
        side = "".join(f'<{p}{s} style="thin"><{p}color rgb="FFBFBFBF"/></{p}{s}>' for s in ("left", "right", "top", "bottom"))
        element = f"<{p}border>{side}<{p}diagonal/></{p}border>"
        if element in self.sections["borders"]:
            return self.sections["borders"].index(element)
        return self._add("borders", element)

    def xf(self, font: int = 0, fill: int = 0, border: int = 0, wrap: bool = True) -> int:
        p = self.p
        wrapped = ' wrapText="1"' if wrap else ""
        align = f'<{p}alignment vertical="top"{wrapped}/>'
        element = (
            f'<{p}xf numFmtId="0" fontId="{font}" fillId="{fill}" borderId="{border}" xfId="0" applyFont="1" '
            f'applyFill="1" applyBorder="1" applyAlignment="1">{align}</{p}xf>'
        )
        if element in self.sections["cellXfs"]:
            return self.sections["cellXfs"].index(element)
        return self._add("cellXfs", element)

    def _xf(self, s: int) -> str:
        xfs = self.sections["cellXfs"]
        return (
            xfs[s]
            if 0 <= s < len(xfs)
            else (xfs[0] if xfs else f'<{self.p}xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>')
        )

    def ours(self, s: int) -> bool:
        """Whether cell style `s` has one of the review's fills."""
        fill = _attr(self._xf(s).split(">", 1)[0] + ">", "fillId")
        fills = self.sections["fills"]
        if fill is None or not fill.isdigit() or int(fill) >= len(fills):
            return False
        element = fills[int(fill)].upper()
        return "SOLID" in element and any(f'RGB="{rgb}"' in element for rgb in FILLS.values())

    def bold(self, s: int) -> bool:
        font = _attr(self._xf(s).split(">", 1)[0] + ">", "fontId")
        fonts = self.sections["fonts"]
        if font is None or not font.isdigit() or int(font) >= len(fonts):
            return False
        return re.search(rf'<{self.p}b(?:\s+val="(?:1|true)")?\s*/>', fonts[int(font)]) is not None

    def marked(self, s: int, severity: str) -> int:
        """The style of a cell of style `s` filled for `severity` (created once)."""
        key = (s, severity)
        if key not in self._marked:
            fill = self.fill(FILLS.get(severity, FILLS[WARNING]))
            element = self._xf(s)
            head, _, rest = element.partition(">")
            head = head + ">"
            closing = head.endswith("/>")
            head = _set_attr(_set_attr(head, "fillId", str(fill)), "applyFill", "1")
            self._marked[key] = self._add("cellXfs", head + ("" if closing else rest))
        return self._marked[key]

    def save(self) -> None:
        if not self.dirty:
            return
        xml = self.xml
        for section in ("fills", "fonts", "borders", "cellXfs"):
            items = self.sections[section]
            m = self._span(section, xml)
            body = f'<{self.p}{section} count="{len(items)}">{"".join(items)}</{self.p}{section}>'
            if m is None:
                raise CannotAnnotate(f"the styles part has no {section}")
            xml = xml[: m.start()] + body + xml[m.end() :]
        self.pkg.write(self.part, xml)


# --- one worksheet ----------------------------------------------------------------------------


_ROW = r"<{p}row\b[^>]*?(?:/>|>)"
_C = r"<{p}c\b([^>]*?)(?:/>|>(.*?)</{p}c>)"


def _col_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _split(ref: str) -> tuple[int, int]:
    m = _CELL.match(ref)
    if m is None:
        raise ValueError(f"not a cell reference: {ref!r}")
    return int(m.group(2)), _col_number(m.group(1))


class _Sheet:
    """One worksheet part: rows found once, only the rows that change rewritten."""

    def __init__(self, pkg: _Package, part: str) -> None:
        self.pkg, self.part = pkg, part
        self.xml = pkg.text(part)
        self.p = _prefix(self.xml, "worksheet")
        p = self.p
        data = re.search(rf"<{p}sheetData\b[^>]*?(/>|>)", self.xml)
        if data is None:
            raise CannotAnnotate("a worksheet has no sheetData")
        if data.group(1) == "/>":
            self.xml = self.xml[: data.start()] + f"<{p}sheetData></{p}sheetData>" + self.xml[data.end() :]
            data = re.search(rf"<{p}sheetData\b[^>]*?>", self.xml)
            assert data is not None
        self.data_start = data.end()
        self.data_end = self.xml.index(f"</{p}sheetData>", self.data_start)
        self.rows: list[tuple[int, int, int]] = []  # (row number, start, end) within self.xml
        starts = [(m.start(), m.group(0)) for m in re.finditer(_ROW.format(p=p), self.xml[self.data_start : self.data_end])]
        last = 0
        for i, (at, tag) in enumerate(starts):
            r = _attr(tag, "r")
            number = int(r) if r and r.isdigit() else last + 1
            last = number
            end = starts[i + 1][0] if i + 1 < len(starts) else self.data_end - self.data_start
            self.rows.append((number, self.data_start + at, self.data_start + end))
        self.implicit_rows = any(_attr(tag, "r") is None for _, tag in starts)
        self.by_number = {n: (s, e) for n, s, e in self.rows}
        self.new_rows: dict[int, str] = {}
        self.cols = self._col_styles()
        self._parsed: dict[int, list[tuple[int, str, str | None, bool]]] = {}
        self._cell_pattern = re.compile(_C.format(p=p), re.DOTALL)

    def _col_styles(self) -> list[tuple[int, int, int]]:
        m = re.search(rf"<{self.p}cols\b.*?</{self.p}cols>", self.xml[: self.data_start], re.DOTALL)
        out = []
        for tag in re.findall(rf"<{self.p}col\b[^>]*>", m.group(0) if m else ""):
            lo, hi, style = _attr(tag, "min"), _attr(tag, "max"), _attr(tag, "style")
            if lo and hi and style and lo.isdigit() and hi.isdigit() and style.isdigit():
                out.append((int(lo), int(hi), int(style)))
        return out

    def merged(self) -> list[tuple[int, int, int, int]]:
        out = []
        for ref in re.findall(rf'<{self.p}mergeCell\b[^>]*\sref="([A-Z]+[0-9]+):([A-Z]+[0-9]+)"', self.xml[self.data_end :]):
            (r1, c1), (r2, c2) = _split(ref[0]), _split(ref[1])
            out.append((r1, c1, r2, c2))
        return out

    def anchor(self, ref: str) -> str:
        """The top-left cell of the merged range holding `ref` (comments belong there)."""
        row, col = _split(ref)
        for r1, c1, r2, c2 in self.merged():
            if r1 <= row <= r2 and c1 <= col <= c2:
                return cell_ref(r1 - 1, c1 - 1)
        return ref

    def _row_xml(self, number: int) -> str | None:
        if number in self.new_rows:
            return self.new_rows[number]
        span = self.by_number.get(number)
        return None if span is None else self.xml[span[0] : span[1]]

    def _cells_of(self, row: int, row_xml: str) -> list[tuple[int, str, str | None, bool]]:
        """`_cells` of row `row`, parsed once until the row is rewritten."""
        found = self._parsed.get(row)
        if found is None:
            found = self._parsed[row] = self._cells(row_xml)
        return found

    def _cells(self, row_xml: str) -> list[tuple[int, str, str | None, bool]]:
        """(column, the cell's element, its s attribute, whether it names its column) of a row's cells."""
        out = []
        last = 0
        for m in self._cell_pattern.finditer(row_xml):
            tag = m.group(0)
            head = tag[: tag.index(">") + 1]
            ref = _attr(head, "r")
            col = _col_number(_CELL_COLUMN.match(ref).group(1)) if ref and _CELL_COLUMN.match(ref) else last + 1  # type: ignore[union-attr]
            last = col
            out.append((col, tag, _attr(head, "s"), ref is not None))
        return out

    def style(self, row: int, col: int) -> int:
        """The style a cell has (its own, else its row's, else its column's)."""
        row_xml = self._row_xml(row)
        if row_xml is not None:
            for c, _, s, _named in self._cells_of(row, row_xml):
                if c == col:
                    return int(s) if s and s.isdigit() else 0
            head = row_xml.split(">", 1)[0] + ">"
            s = _attr(head, "s")
            if s and s.isdigit() and (_attr(head, "customFormat") or "") in ("1", "true"):
                return int(s)
        return next((style for lo, hi, style in self.cols if lo <= col <= hi), 0)

    def has_cell(self, row: int, col: int) -> bool:
        row_xml = self._row_xml(row)
        return row_xml is not None and any(c == col for c, _, _, _ in self._cells_of(row, row_xml))

    def set_styles(self, row: int, styles: dict[int, int]) -> None:
        """Give the cells of `row` at these columns these styles, adding the cells that are not there."""
        p = self.p
        row_xml = self._row_xml(row)
        if row_xml is None:
            cells = "".join(f'<{p}c r="{cell_ref(row - 1, c - 1)}" s="{s}"/>' for c, s in sorted(styles.items()))
            self.new_rows[row] = f'<{p}row r="{row}">{cells}</{p}row>'
            return
        head_end = row_xml.index(">") + 1
        head = row_xml[:head_end]
        if head.endswith("/>"):
            head, tail = head[:-2] + ">", f"</{p}row>"
        else:
            close = row_xml.rfind(f"</{p}row>")
            tail = row_xml[close:]
        head = _set_attr(_set_attr(head, "spans", None), "r", str(row))
        pieces: dict[int, str] = {}
        for c, tag, _, named in self._cells_of(row, row_xml):
            if named and c not in styles:
                pieces[c] = tag  # untouched
                continue
            end = tag.index(">") + 1
            start, rest = tag[:end], tag[end:]
            if not named:
                start = _set_attr(start, "r", cell_ref(row - 1, c - 1))
            if c in styles:
                start = _set_attr(start, "s", str(styles[c]))
            pieces[c] = start + rest
        for c, s in styles.items():
            if c not in pieces:
                pieces[c] = f'<{p}c r="{cell_ref(row - 1, c - 1)}" s="{s}"/>'
        body = "".join(pieces[c] for c in sorted(pieces))
        self.new_rows[row] = head + body + tail
        self._parsed.pop(row, None)

    def drop_tab_selection(self) -> None:
        head = self.xml[: self.data_start]
        cleaned = re.sub(r'\stabSelected\s*=\s*"(?:1|true)"', "", head)
        if cleaned != head:
            shift = len(cleaned) - len(head)
            self.xml = cleaned + self.xml[self.data_start :]
            self.data_start += shift
            self.data_end += shift
            self.rows = [(n, s + shift, e + shift) for n, s, e in self.rows]
            self.by_number = {n: (s, e) for n, s, e in self.rows}
            self.pkg.write(self.part, self._assembled())

    def legacy_drawing(self) -> str | None:
        m = re.search(rf"<{self.p}legacyDrawing\b[^>]*>", self.xml[self.data_end :])
        if m is None:
            return None
        return next((v for k, v in re.findall(r'(\w+:id)\s*=\s*"([^"]*)"', m.group(0))), None)

    def add_legacy_drawing(self, rid: str) -> None:
        p = self.p
        r = _ns_prefix(self.xml, REL, "worksheet")
        element = f'<{p}legacyDrawing {r}:id="{rid}"/>' if r else f'<{p}legacyDrawing xmlns:r="{REL}" r:id="{rid}"/>'
        tail = self.xml[self.data_end :]
        positions = [m.start() for m in (re.search(rf"<{p}{name}\b", tail) for name in _AFTER_LEGACY) if m]
        at = min(positions) if positions else tail.rindex(f"</{p}worksheet>")
        self.xml = self.xml[: self.data_end] + tail[:at] + element + tail[at:]

    def _assembled(self) -> str:
        if not self.new_rows:
            return self.xml
        pieces = []
        at = self.data_start
        pending = sorted(n for n in self.new_rows if n not in self.by_number)
        for number, start, end in self.rows:
            while pending and pending[0] < number:
                pieces.append(self.xml[at:start])
                pieces.append(self.new_rows[pending.pop(0)])
                at = start
            if number in self.new_rows:
                pieces.append(self.xml[at:start])
                pieces.append(self.new_rows[number])
                at = end
        pieces.append(self.xml[at : self.data_end])
        pieces.extend(self.new_rows[n] for n in pending)
        body = "".join(pieces)
        if self.implicit_rows:
            body = self._explicit_rows(body)
        return self.xml[: self.data_start] + body + self.xml[self.data_end :]

    def _explicit_rows(self, body: str) -> str:
        last = 0

        def number(m: re.Match[str]) -> str:
            nonlocal last
            tag = m.group(0)
            r = _attr(tag, "r")
            last = int(r) if r and r.isdigit() else last + 1
            return _set_attr(tag, "r", str(last)) if r is None else tag

        return re.sub(_ROW.format(p=self.p), number, body)

    def save(self) -> None:
        self.pkg.write(self.part, self._assembled())


# --- comments ---------------------------------------------------------------------------------


@dataclass
class _Comment:
    ref: str
    author: int
    text_xml: str  # the inside of <text>

    @property
    def text(self) -> str:
        return "".join(unescape(t) for t in re.findall(r"<(?:\w+:)?t(?:\s[^>]*)?>(.*?)</(?:\w+:)?t>", self.text_xml, re.DOTALL))


class _Comments:
    """A sheet's comments part (created when there is none) and its VML shapes."""

    def __init__(self, pkg: _Package, types: _ContentTypes, sheet: _Sheet, rels: _Rels) -> None:
        self.pkg, self.types, self.sheet, self.rels = pkg, types, sheet, rels
        found = rels.find(T_COMMENTS)
        self.part = found[0][1] if found else None
        self.authors: list[str] = []
        self.comments: dict[str, _Comment] = {}
        self.order: list[str] = []
        self.p = ""
        self.dirty = False
        if self.part is not None and pkg.has(self.part):
            xml = pkg.text(self.part)
            self.p = _prefix(xml, "comments")
            p = self.p
            self.authors = [unescape(a) for a in re.findall(rf"<{p}author>(.*?)</{p}author>", xml, re.DOTALL)]
            for m in re.finditer(rf"<{p}comment\b([^>]*)>(.*?)</{p}comment>", xml, re.DOTALL):
                ref, author = _attr(m.group(0), "ref") or "", _attr(m.group(0), "authorId") or "0"
                inner = re.search(rf"<{p}text>(.*?)</{p}text>", m.group(2), re.DOTALL)
                self.comments[ref] = _Comment(ref, int(author) if author.isdigit() else 0, inner.group(1) if inner else "")
                self.order.append(ref)
        rid = sheet.legacy_drawing()
        self.vml_part = rels.target(rid) if rid else None
        self.removed_shapes: set[str] = set()
        self.new_shapes: list[tuple[str, int]] = []

    def ours(self) -> list[str]:
        """The cells whose comments hold a previous review."""
        return [ref for ref, c in self.comments.items() if any(m in c.text for m in MARKERS)]

    def _author(self, name: str) -> int:
        if name not in self.authors:
            self.authors.append(name)
        return self.authors.index(name)

    def clear_ours(self, ref: str) -> None:
        """Take the previous review out of a cell's comment (the comment goes when nothing is left)."""
        c = self.comments.get(ref)
        if c is None:
            return
        kept: list[str] = []
        for m in re.finditer(r"<(?:\w+:)?r\b.*?</(?:\w+:)?r>|<(?:\w+:)?t\b.*?</(?:\w+:)?t>", c.text_xml, re.DOTALL):
            piece = m.group(0)
            text = "".join(unescape(t) for t in re.findall(r"<(?:\w+:)?t(?:\s[^>]*)?>(.*?)</(?:\w+:)?t>", piece, re.DOTALL))
            found = [at for at in (text.find(m) for m in MARKERS) if at >= 0]
            at = min(found) if found else -1
            if at < 0:
                kept.append(piece)
                continue
            before = text[:at].rstrip()
            if before:
                kept.append(f'<{self.p}r><{self.p}t xml:space="preserve">{_xml_text(before)}</{self.p}t></{self.p}r>')
            break
        remaining = "".join(kept)
        self.dirty = True
        if remaining.strip() and _Comment(ref, c.author, remaining).text.strip():
            c.text_xml = remaining
        else:
            del self.comments[ref]
            self.order.remove(ref)
            self.removed_shapes.add(ref)

    def add(self, ref: str, lines: Sequence[str], author: str = AUTHOR) -> None:
        """Add the review's lines (the first names the review: `MARKER`) to the cell's comment."""
        p = self.p
        c = self.comments.get(ref)
        own = c.text.strip() if c is not None else ""
        text = ("\n\n" if own else "") + "\n".join(lines)
        run = f'<{p}r><{p}rPr><{p}sz val="9"/><{p}rFont val="Tahoma"/></{p}rPr><{p}t xml:space="preserve">{_xml_text(text)}</{p}t></{p}r>'
        self.dirty = True
        if c is None:
            self.comments[ref] = _Comment(ref, self._author(author), run)
            self.order.append(ref)
            wrapped = sum(1 + len(line) // 48 for line in text.splitlines())
            self.new_shapes.append((ref, min(24 + 15 * wrapped, 400)))
        else:
            inner = c.text_xml
            if not re.search(r"<(?:\w+:)?r\b", inner):  # plain text: make it a run, so ours can follow
                inner = f"<{p}r>{inner}</{p}r>" if inner.strip() else ""
            c.text_xml = inner + run
            c.author = c.author if c.author < len(self.authors) else self._author(author)

    def save(self) -> None:
        if not self.dirty:
            return
        p = self.p
        authors = "".join(f"<{p}author>{_xml_text(a)}</{p}author>" for a in (self.authors or [AUTHOR]))
        body = "".join(
            f'<{p}comment ref="{ref}" authorId="{self.comments[ref].author}"><{p}text>{self.comments[ref].text_xml}</{p}text></{p}comment>'
            for ref in sorted(self.order, key=lambda r: _split(r))
        )
        ns = f' xmlns:{p[:-1]}="{MAIN}"' if p else f' xmlns="{MAIN}"'
        xml = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<{p}comments{ns}><{p}authors>{authors}</{p}authors><{p}commentList>{body}</{p}commentList></{p}comments>'
        if self.part is None:
            self.part = self.pkg.free("xl/comments{}.xml")
            self.rels.add(T_COMMENTS, self.part)
            self.types.override(self.part, CT_COMMENTS)
        self.pkg.write(self.part, xml)
        self._save_vml()

    def _save_vml(self) -> None:
        if not self.new_shapes and not self.removed_shapes:
            return
        if self.vml_part is None or not self.pkg.has(self.vml_part):
            self.vml_part = self.pkg.free("xl/drawings/vmlDrawing{}.vml")
            rid = self.rels.add(T_VML, self.vml_part)
            self.sheet.add_legacy_drawing(rid)
            self.types.default("vml", CT_VML)
            vml = _VML_HEAD.format(block=1) + "</xml>"
        else:
            vml = self.pkg.read(self.vml_part).decode("utf-8", "replace")
        for ref in self.removed_shapes:
            row, col = _split(ref)
            vml = re.sub(
                rf"<v:shape\b(?:(?!</v:shape>).)*?<x:Row>\s*{row - 1}\s*</x:Row>\s*<x:Column>\s*{col - 1}\s*</x:Column>.*?</v:shape>",
                "",
                vml,
                flags=re.DOTALL,
            )
        if self.new_shapes:
            if "_x0000_t202" not in vml:
                vml = vml.replace("</xml>", _VML_SHAPETYPE + "</xml>")
            used = [int(n) for n in re.findall(r"_x0000_s(\d+)", vml)]
            next_id = max([*used, 1024]) + 1
            shapes = []
            for i, (ref, height) in enumerate(self.new_shapes):
                row, col = _split(ref)
                shapes.append(_VML_SHAPE.format(id=next_id + i, row=row - 1, col=col - 1, height=height * 3 // 4, r2=row + 4))
            vml = vml.replace("</xml>", "".join(shapes) + "</xml>")
        self.pkg.write(self.vml_part, vml.encode("utf-8"))


_VML_HEAD = (
    '<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
    'xmlns:x="urn:schemas-microsoft-com:office:excel"><o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{block}"/>'
    "</o:shapelayout>"
)
_VML_SHAPETYPE = (
    '<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" path="m,l,21600r21600,l21600,xe">'
    '<v:stroke joinstyle="miter"/><v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
)
_VML_SHAPE = (
    '<v:shape id="_x0000_s{id}" type="#_x0000_t202" style="position:absolute;margin-left:59.25pt;margin-top:1.5pt;'
    'width:240pt;height:{height}pt;z-index:1;visibility:hidden" fillcolor="#ffffe1" o:insetmode="auto">'
    '<v:fill color2="#ffffe1"/><v:shadow on="t" color="black" obscured="t"/><v:path o:connecttype="none"/>'
    '<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div></v:textbox>'
    '<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
    "<x:Anchor>{col}, 15, {row}, 2, {col}, 255, {r2}, 0</x:Anchor><x:AutoFill>False</x:AutoFill>"
    "<x:Row>{row}</x:Row><x:Column>{col}</x:Column></x:ClientData></v:shape>"
)


# --- the review -------------------------------------------------------------------------------


class _Review:
    def __init__(
        self,
        pkg: _Package,
        book: WorkbookData,
        findings: Sequence[Finding],
        result: Annotation,
        name: str = "",
        identity: Identity = NEUTRAL,
    ) -> None:
        self.pkg, self.book, self.findings, self.result = pkg, book, findings, result
        self.name, self.identity = name or Path(book.path).name, identity
        self.author = identity.author or AUTHOR
        self.types = _ContentTypes(pkg)
        self.workbook_part = self._main_part()
        self.wb_rels = _Rels(pkg, self.workbook_part)
        styles = self.wb_rels.find(f"{REL}/styles")
        if not styles or not pkg.has(styles[0][1]):
            raise CannotAnnotate("the workbook has no styles part")
        self.styles = _Styles(pkg, styles[0][1])
        self._records = {(r.sheet, r.row): r for t in book.tables.values() if t.sheet for r in t.records}
        self._fields = {(f.sheet, at): (f, name) for f in book.forms.values() if f.sheet for name, at in f.cells.items()}
        self._table_sheets = {t.sheet for t in book.tables.values() if t.sheet}

    def _main_part(self) -> str:
        root = _Rels(self.pkg, "")
        main = root.find(f"{REL}/officeDocument")
        if not main:
            raise CannotAnnotate("the package names no workbook")
        return main[0][1]

    def run(self) -> None:
        self._drop_macros()
        self._drop_previous_review()
        parts = {sheet: part for part, sheet in sheet_parts(_Zip(self.pkg)).items()}  # type: ignore[arg-type]
        marks: dict[str, dict[str, list[Finding]]] = {}
        for f in self.findings:
            if f.sheet is not None and f.sheet in parts and f.cell and _CELL.match(f.cell):
                marks.setdefault(f.sheet, {}).setdefault(f.cell, []).append(f)
        for name, part in parts.items():
            if not self.pkg.has(part):
                continue
            self._mark_sheet(part, marks.get(name, {}), touch=name in marks)
        self._review_sheet(list(parts))
        self.styles.save()
        self.result.listed = len(self.findings)

    def _drop_macros(self) -> None:
        if CT_XLSM_MAIN not in self.types.xml and not any(n.lower() == "xl/vbaproject.bin" for n in self.pkg.names()):
            return
        self.types.replace_type(CT_XLSM_MAIN, CT_XLSX_MAIN)
        for rid, typ, target, _ in self.wb_rels.items():
            if typ.endswith("/vbaProject"):
                self.wb_rels.remove(rid)
                self.pkg.remove(target)
                self.types.drop(target)
        for name in self.pkg.names():
            if name.lower() == "xl/vbaproject.bin":
                self.pkg.remove(name)
                self.types.drop(name)
        self.result.warnings.append("not carried into the annotated copy: macros (an .xlsx workbook cannot hold them)")

    def _workbook(self) -> str:
        return self.pkg.text(self.workbook_part)

    def _drop_previous_review(self) -> None:
        xml = self._workbook()
        p = _prefix(xml, "workbook")
        sheets = list(re.finditer(rf"<{p}sheet\b[^>]*?/>", xml))
        for index, m in enumerate(sheets):
            if _attr(m.group(0), "name") != REVIEW_SHEET:
                continue
            rid = next((v for k, v in re.findall(r'(\w+:id)\s*=\s*"([^"]*)"', m.group(0))), None)
            target = self.wb_rels.target(rid) if rid else None
            xml = xml.replace(m.group(0), "", 1)
            xml = _renumber_local_names(xml, p, lambda i, at=index: None if i == at else (i - 1 if i > at else i))
            if rid:
                self.wb_rels.remove(rid)
            if target:
                for other in (target, _rels_name(target)):
                    if self.pkg.has(other):
                        self.pkg.remove(other)
                self.types.drop(target)
            self.pkg.write(self.workbook_part, xml)
            return

    def _mark_sheet(self, part: str, cells: dict[str, list[Finding]], touch: bool) -> None:
        sheet = _Sheet(self.pkg, part)
        rels = _Rels(self.pkg, part)
        comments = _Comments(self.pkg, self.types, sheet, rels)
        previous = comments.ours()
        sheet.drop_tab_selection()
        if not cells and not previous:
            return
        by_anchor: dict[str, list[Finding]] = {}
        for ref, found in cells.items():
            by_anchor.setdefault(sheet.anchor(ref), []).extend(found)
        restyle: dict[int, dict[int, int]] = {}
        stale = set(previous)
        for ref in previous:
            comments.clear_ours(ref)
            row, col = _split(ref)
            s = sheet.style(row, col)
            if self.styles.ours(s):
                restyle.setdefault(row, {})[col] = self._neighbour(sheet, row, col, stale)
        by_row: dict[int, list[tuple[int, str, list[Finding]]]] = {}
        for ref, found in by_anchor.items():
            row, col = _split(ref)
            by_row.setdefault(row, []).append((col, ref, found))
        for row in sorted(by_row):  # one row at a time: each is read once and rewritten once
            styles = restyle.pop(row, {})
            for col, ref, found in by_row[row]:
                base = styles.get(col, sheet.style(row, col))
                worst = min(found, key=lambda f: SEVERITY_ORDER.get(f.severity, 2)).severity
                styles[col] = self.styles.marked(base, worst)
                lines = [f"{MARKER}{'s' if len(found) > 1 else ''}:", *(f"{f.severity.capitalize()}: {f.message}" for f in found)]
                comments.add(ref, lines, self.author)
            sheet.set_styles(row, styles)
        for row, styles in restyle.items():
            sheet.set_styles(row, styles)
        comments.save()
        sheet.save()
        self.result.cells += len(by_anchor)

    def _neighbour(self, sheet: _Sheet, row: int, col: int, stale: set[str]) -> int:
        """The style the cell most likely had: that of the nearest unmarked, non-bold cell above or below it."""
        for distance in range(1, 6):
            for r in (row + distance, row - distance):
                if r < 1 or cell_ref(r - 1, col - 1) in stale or not sheet.has_cell(r, col):
                    continue
                s = sheet.style(r, col)
                if not self.styles.ours(s) and not self.styles.bold(s):
                    return s
        return 0

    # -- the Review Findings sheet --

    def _review_sheet(self, names: list[str]) -> None:
        """The first sheet: what was reviewed, when, by whom and with what result; then every finding."""
        st, identity = self.styles, self.identity
        primary = "FF" + identity.firm.primary.lstrip("#").upper()
        border = st.border()
        face = f'<name val="{FONT}"/>'
        head = st.xf(st.font(f'<b/><sz val="10"/><color rgb="FFFFFFFF"/>{face}'), st.fill(primary), border)
        body = st.xf(st.font(f'<sz val="10"/>{face}'), 0, border)
        link = st.xf(st.font(f'<u/><sz val="10"/><color rgb="FF0563C1"/>{face}'), 0, border)
        severity = {sev: st.xf(st.font(f'<sz val="10"/>{face}'), st.fill(rgb), border) for sev, rgb in FILLS.items()}
        title = st.xf(st.font(f'<b/><sz val="16"/><color rgb="{primary}"/>{face}'), wrap=False)
        plain = st.xf(st.font(f'<sz val="10"/>{face}'), wrap=False)
        strong = st.xf(st.font(f'<b/><sz val="11"/>{face}'), wrap=False)
        present = set(names)
        rows = order(self.findings, names)
        errors = sum(1 for f in self.findings if f.severity == ERROR)
        warned = sum(1 for f in self.findings if f.severity == WARNING)
        day = identity.day
        by = f" by {identity.author}" if identity.author else ""
        totals = f"{errors} error{'s' if errors != 1 else ''} to correct, {warned} warning{'s' if warned != 1 else ''} to check."
        h = HEADER_ROW
        lines = [
            f'<row r="1" ht="21" customHeight="1">{_inline("A1", f"Review findings: {self.name}", title)}</row>',
            f'<row r="2">{_inline("A2", f"Reviewed on {day.day} {day:%B %Y}{by}.", plain)}</row>',
            f'<row r="3">{_inline("A3", totals if self.findings else "No findings: the workbook passed every check.", strong)}</row>',
        ]
        links = []
        cells = "".join(_inline(cell_ref(h - 1, c), name, head) for c, (name, _) in enumerate(REVIEW_COLUMNS))
        lines.append(f'<row r="{h}" ht="30" customHeight="1">{cells}</row>')
        for r, f in enumerate(rows, start=h + 1):
            linkable = f.sheet is not None and f.sheet in present
            at_cell = f.cell if f.cell and _CELL.match(f.cell) else None
            blank = linkable and at_cell is not None and self._blank(f.sheet or "", at_cell)
            todo = what_to_do(f, self.book, blank)
            values = (f.severity.capitalize(), f.sheet, f.cell, f.key, f.message, todo, f.code)
            link_col = (1 if at_cell is None else 2) if linkable else None
            row_cells = []
            for c, value in enumerate(values):
                style = severity.get(f.severity, severity[WARNING]) if c == 0 else (link if c == link_col else body)
                row_cells.append(_inline(cell_ref(r - 1, c), value, style))
            if link_col is not None and f.sheet is not None:
                target = f"'{f.sheet.replace(chr(39), chr(39) * 2)}'!{at_cell or 'A1'}"
                links.append(
                    f'<hyperlink ref="{cell_ref(r - 1, link_col)}" location="{_xml_text(target)}" tooltip="Go to the cell" '
                    f'display="{_xml_text(str(values[link_col]))}"/>'
                )
            longest = max(len(f.message) // 52, len(todo) // 36) + 1
            lines.append(f'<row r="{r}" ht="{min(14 * longest + 3, 100)}" customHeight="1">{"".join(row_cells)}</row>')
        last = max(len(rows) + h, h + 1)
        cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>' for i, (_, w) in enumerate(REVIEW_COLUMNS, 1))
        edge = col_letters(len(REVIEW_COLUMNS))
        header = _xml_text(page_header(f"Review findings: {self.name}"))
        footer = _xml_text(page_footer(identity))
        xml = (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN}" xmlns:r="{REL}">'
            '<sheetPr><tabColor rgb="FFC00000"/><pageSetUpPr fitToPage="1"/></sheetPr>'
            f'<dimension ref="A1:{edge}{last}"/>'
            f'<sheetViews><sheetView showGridLines="0" tabSelected="1" workbookViewId="0"><pane ySplit="{h}" topLeftCell="A{h + 1}" '
            f'activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" activeCell="A{h + 1}" sqref="A{h + 1}"/>'
            "</sheetView></sheetViews>"
            f'<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols><sheetData>{"".join(lines)}</sheetData>'
            f'<autoFilter ref="A{h}:{edge}{last}"/>'
            + (f"<hyperlinks>{''.join(links)}</hyperlinks>" if links else "")
            + '<pageMargins left="0.4" right="0.4" top="0.75" bottom="0.7" header="0.3" footer="0.3"/>'
            '<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
            f"<headerFooter><oddHeader>{header}</oddHeader><oddFooter>{footer}</oddFooter></headerFooter></worksheet>"
        )
        part = self.pkg.free("xl/worksheets/sheet{}.xml")
        self.pkg.write(part, xml)
        self.types.override(part, CT_WORKSHEET)
        rid = self.wb_rels.add(T_WORKSHEET, part)
        self._insert_first(rid)

    def _blank(self, sheet: str, ref: str) -> bool:
        """Whether the cell at fault is empty, as the reader read it (the advice says "fill in")."""
        found = self._fields.get((sheet, ref))
        if found is not None:
            form, name = found
            return form.fields.get(name) in (None, "")
        if sheet not in self._table_sheets:
            return False
        row, col = _split(ref)
        rec = self._records.get((sheet, row))
        if rec is None:
            return True
        column = next((n for n, c in rec.columns.items() if c == col - 1), None)
        return column is not None and rec.values.get(column) in (None, "", [])

    def _insert_first(self, rid: str) -> None:
        xml = self._workbook()
        p = _prefix(xml, "workbook")
        r = _ns_prefix(xml, REL, "workbook")
        ids = [int(v) for v in re.findall(rf'<{p}sheet\b[^>]*\ssheetId="(\d+)"', xml)]
        scope = "" if r else f' xmlns:r="{REL}"'
        element = f'<{p}sheet{scope} name="{REVIEW_SHEET}" sheetId="{max([*ids, 0]) + 1}" {r or "r"}:id="{rid}"/>'
        m = re.search(rf"<{p}sheets\b[^>]*>", xml)
        if m is None:
            raise CannotAnnotate("the workbook lists no sheets")
        xml = xml[: m.end()] + element + xml[m.end() :]
        xml = _renumber_local_names(xml, p, lambda i: i + 1)
        view = re.search(rf"<{p}workbookView\b[^>]*?/?>", xml)
        if view is not None:
            tag = _set_attr(_set_attr(view.group(0), "activeTab", "0"), "firstSheet", None)
            xml = xml[: view.start()] + tag + xml[view.end() :]
        title = f'<{p}definedName name="_xlnm.Print_Titles" localSheetId="0">\'{REVIEW_SHEET}\'!${HEADER_ROW}:${HEADER_ROW}</{p}definedName>'
        if re.search(rf"<{p}definedNames\b[^>]*>", xml):
            xml = re.sub(rf"(<{p}definedNames\b[^>]*>)", lambda m: m.group(1) + title, xml, count=1)
        else:
            after = re.search(rf"</{p}sheets>", xml)
            assert after is not None
            xml = xml[: after.end()] + f"<{p}definedNames>{title}</{p}definedNames>" + xml[after.end() :]
        self.pkg.write(self.workbook_part, xml)


def _renumber_local_names(xml: str, p: str, change: Any) -> str:
    """Defined names scoped to a sheet follow its new position (None: the name goes with its sheet)."""

    def one(m: re.Match[str]) -> str:
        tag = m.group(1)
        at = _attr(tag, "localSheetId")
        if at is None or not at.isdigit():
            return m.group(0)
        new = change(int(at))
        if new is None:
            return ""
        return _set_attr(tag, "localSheetId", str(new)) + m.group(2)

    return re.sub(rf"(<{p}definedName\b[^>]*>)(.*?</{p}definedName>)", one, xml, flags=re.DOTALL)


def _inline(ref: str, value: Any, style: int) -> str:
    """A cell holding text as an inline string: client text never becomes a formula or a number."""
    if value is None or value == "":
        return f'<c r="{ref}" s="{style}"/>'
    return f'<c r="{ref}" s="{style}" t="inlineStr"><is><t xml:space="preserve">{_xml_text(str(value))}</t></is></c>'


class _Zip:
    """Enough of a ZipFile over a package's current parts for `package.sheet_parts`."""

    def __init__(self, pkg: _Package) -> None:
        self.pkg = pkg

    def read(self, name: str) -> bytes:
        if not self.pkg.has(name):
            raise KeyError(name)
        return self.pkg.read(name)

    def namelist(self) -> list[str]:
        return self.pkg.names()


# --- ordering and advice (shared with the review sheet's readers) -----------------------------


def _column_index(ref: str | None) -> int:
    m = _CELL.match(ref or "")
    return _col_number(m.group(1)) if m else 0


def order(findings: Iterable[Finding], sheet_names: Sequence[str]) -> list[Finding]:
    """By severity, then sheet (file-wide first, then in the workbook's order), then row and column."""
    index = {name: i for i, name in enumerate(sheet_names)}

    def key(f: Finding) -> tuple[Any, ...]:
        sheet_at = -1 if f.sheet is None else index.get(f.sheet, len(index))
        return (
            SEVERITY_ORDER.get(f.severity, 2),
            sheet_at,
            f.sheet or "",
            f.row if f.row is not None else 10**9,
            _column_index(f.cell),
            f.code,
            f.key or "",
            f.message,
        )

    return sorted(findings, key=key)


def what_to_do(finding: Finding, book: WorkbookData, blank: bool = False) -> str:
    """One imperative line: what to add or change to clear the finding (`blank`: its cell is empty)."""
    tables = {t.sheet: t for t in book.tables.values() if t.sheet}
    forms = {f.sheet: f for f in book.forms.values() if f.sheet}
    message = finding.message
    if finding.sheet is None:
        return "Concerns the file as a whole: " + message
    if finding.cell is None:
        if finding.sheet not in book.sheet_names:
            return f"Add the sheet '{finding.sheet}' back to the workbook."
        table = tables.get(finding.sheet)
        if table is not None and finding.key and table.spec.key:
            return f"Add a row to '{finding.sheet}' with {table.spec.key} {finding.key} and fill it in."
        if table is not None and finding.column:
            return f"Add the column '{finding.column}' to the header row of '{finding.sheet}'."
        if finding.sheet in forms and finding.column:
            return f"Add a '{finding.column}' line to '{finding.sheet}' and fill it in."
    if "; " in message:
        advice = message.rsplit("; ", 1)[1].strip()
        return advice[:1].upper() + advice[1:] + ("" if advice.endswith(".") else ".")
    where = f" in {finding.cell}" if finding.cell else ""
    what = finding.column or "the cell"
    return f"Fill in {what}{where}." if blank else f"Correct {what}{where} (see the message)."
