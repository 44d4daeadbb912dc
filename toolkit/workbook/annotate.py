"""`validate --annotate`: hand the findings back to the client inside their own workbook.

The output is a copy of the client's workbook (values, formats, extra sheets and columns,
drop-downs, document properties) in which every cell at fault is filled (red for errors, amber
for warnings) and carries a comment with the findings' codes and messages, plus a first sheet,
`Review Findings`, listing every finding with a link to its cell and what to do about it.

The copy is made with openpyxl from the original's bytes; the original is never opened for
writing. openpyxl drops the cached results of formulas, so they are put back from the original
(readers that do not recalculate, ctk's own included, see the same values). What openpyxl cannot
carry is returned as warnings, never dropped silently. Annotating an annotated workbook replaces
the previous review: its sheet, its comments and its highlights.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import warnings
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolkit.findings import ERROR, REVIEW_SHEET, SEVERITY_ORDER, WARNING, Finding
from toolkit.workbook.guard import DEFAULT_LIMITS, Limits, ReadError
from toolkit.workbook.identity import NEUTRAL, Identity
from toolkit.workbook.package import sheet_parts, uncarried
from toolkit.workbook.reader import WorkbookData, read_workbook
from toolkit.workbook.writer import atomic_output

REVIEW_COLUMNS = (("Severity", 10), ("Sheet", 20), ("Cell", 8), ("Key", 12), ("Message", 56), ("What to do", 40), ("Rule", 9))
#: The table's header row on the Review Findings sheet (1-based): a title block above it.
HEADER_ROW = 5
#: Marks the part of a cell comment a review wrote, so a later review can replace it (and the
#: marker earlier versions wrote).
MARKER = "Review finding"
MARKERS = (MARKER, "ctk review")
#: Who a review's comments are by when no firm or reviewer is named.
AUTHOR = "Reviewer"
FONT = "Calibri"
FILLS = {ERROR: "FFFFC7CE", WARNING: "FFFFEB9C"}  # Excel's own "Bad" red and "Neutral" amber
_CELL = re.compile(r"^([A-Z]{1,3})([0-9]{1,7})$")
_SHAPES = re.compile(rb"<(?:\w+:)?(?:sp|grpSp|cxnSp)[\s>]")
_FORM_CONTROL = re.compile(rb'ObjectType="(?!Note")')


@dataclass
class Annotation:
    """What `annotate` wrote: how many cells it marked, how many findings it listed, what it could not keep."""

    output: Path
    cells: int = 0
    listed: int = 0
    warnings: list[str] = field(default_factory=list)


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
    import openpyxl

    source, target = Path(path), Path(output)
    if source.suffix.lower() in (".csv", ".tsv", ".txt"):
        raise ReadError("only .xlsx workbooks can be annotated; save the CSV as .xlsx first", str(source))
    book = read_workbook(source, limits=limits)  # the guard runs before openpyxl parses anything
    data = source.read_bytes()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            wb = openpyxl.load_workbook(io.BytesIO(data), rich_text=True)
        except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds; all mean "cannot copy"
            raise ReadError(f"the workbook cannot be copied for annotation ({_one_line(exc)})", str(source)) from None
    result = Annotation(target)
    notes = [_one_line(w.message) for w in caught]
    cached = _cached_values(data) if _has_formulas(wb) else {}
    _clear_previous_review(wb)
    author = identity.author or AUTHOR
    result.cells = _mark_cells(wb, findings, author)
    _review_sheet(wb, book, findings, source.name, identity)
    result.listed = len(findings)
    with atomic_output(target) as tmp:
        wb.save(tmp)
        if cached:
            _restore_cached_values(tmp, cached)
        result.warnings = _not_carried(source, tmp, notes)
    return result


def _one_line(message: object) -> str:
    return " ".join(str(message).split())[:240]


# --- marking cells ---------------------------------------------------------------------------


def _anchor(ws: Any, ref: str) -> str:
    """The cell that can hold a comment: the top-left one of a merged range containing `ref`."""
    for rng in ws.merged_cells.ranges:
        if ref in rng:
            return str(rng.start_cell.coordinate)
    return ref


def _mark_cells(wb: Any, findings: Sequence[Finding], author: str = AUTHOR) -> int:
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    by_cell: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        if f.sheet is not None and f.sheet in wb.sheetnames and f.cell and _CELL.match(f.cell):
            by_cell.setdefault((f.sheet, _anchor(wb[f.sheet], f.cell)), []).append(f)
    for (sheet, ref), found in by_cell.items():
        cell = wb[sheet][ref]
        worst = min(found, key=lambda f: SEVERITY_ORDER.get(f.severity, 2)).severity
        colour = FILLS.get(worst, FILLS[WARNING])
        cell.fill = PatternFill(fill_type="solid", fgColor=colour, bgColor=colour)
        lines = [f"{MARKER}{'s' if len(found) > 1 else ''}:"] + [f"{f.severity.capitalize()}: {f.message}" for f in found]
        own = _client_text(cell.comment)
        text = "\n".join(([own, ""] if own else []) + lines)
        wrapped = sum(1 + len(line) // 48 for line in text.splitlines())
        cell.comment = Comment(text, author, height=min(24 + 15 * wrapped, 400), width=320)
    return len(by_cell)


def _client_text(comment: Any) -> str:
    """A comment's text without the part a previous ctk review wrote."""
    if comment is None:
        return ""
    text = str(comment.text or "")
    found = [at for at in (text.find(m) for m in MARKERS) if at >= 0]
    return text[: min(found)].rstrip() if found else text.rstrip()


def _clear_previous_review(wb: Any) -> None:
    """Undo an earlier annotation: its sheet, its comments and its fills (restored from a neighbour)."""
    from openpyxl.comments import Comment

    if REVIEW_SHEET in wb.sheetnames:
        del wb[REVIEW_SHEET]
    ours = {FILLS[ERROR], FILLS[WARNING]}
    for ws in wb.worksheets:
        marked = [
            cell
            for row in ws.iter_rows()
            for cell in row
            if cell.comment is not None and any(m in str(cell.comment.text) for m in MARKERS)
        ]
        stale = {cell.coordinate for cell in marked}
        for cell in marked:
            own = _client_text(cell.comment)
            cell.comment = Comment(own, cell.comment.author or AUTHOR) if own else None
            if _fill_colour(cell) in ours:
                cell.fill = _neighbour_fill(ws, cell, stale, ours)


def _fill_colour(cell: Any) -> str | None:
    fill = cell.fill
    if fill is None or fill.fill_type != "solid":
        return None
    rgb = getattr(fill.fgColor, "rgb", None)
    return rgb if isinstance(rgb, str) else None


def _neighbour_fill(ws: Any, cell: Any, stale: set[str], ours: set[str]) -> Any:
    """The fill the cell most likely had: that of the nearest unmarked, non-header cell above or below it."""
    from copy import copy

    from openpyxl.styles import PatternFill

    for distance in range(1, 6):
        for row in (cell.row + distance, cell.row - distance):
            if row < 1 or row > ws.max_row:
                continue
            other = ws.cell(row=row, column=cell.column)
            if other.coordinate in stale or _fill_colour(other) in ours or (other.font is not None and other.font.b):
                continue
            return copy(other.fill)
    return PatternFill(fill_type=None)


# --- the Review Findings sheet ---------------------------------------------------------------


def _location(sheet: str, ref: str) -> str:
    from openpyxl.utils import quote_sheetname

    return f"{quote_sheetname(sheet)}!{ref}"


def _column_index(ref: str | None) -> int:
    from openpyxl.utils import column_index_from_string

    m = _CELL.match(ref or "")
    return column_index_from_string(m.group(1)) if m else 0


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


def _review_sheet(wb: Any, book: WorkbookData, findings: Sequence[Finding], name: str, identity: Identity = NEUTRAL) -> None:
    """The first sheet: what was reviewed, when, by whom and with what result; then every finding."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.hyperlink import Hyperlink

    ws = wb.create_sheet(REVIEW_SHEET, 0)
    for other in wb.worksheets[1:]:
        other.sheet_view.tabSelected = False  # two selected tabs would group the sheets
    wb.active = 0
    ws.sheet_properties.tabColor = "C00000"
    primary = identity.firm.primary.lstrip("#")
    thin = Side(style="thin", color="BFBFBF")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    body = Font(name=FONT, size=10)
    head_font = Font(name=FONT, size=10, bold=True, color="FFFFFF")
    head_fill = PatternFill(fill_type="solid", fgColor="FF" + primary)
    wrap = Alignment(wrap_text=True, vertical="top")
    link_font = Font(name=FONT, size=10, color="0563C1", underline="single")
    rows = order(findings, [n for n in wb.sheetnames if n != REVIEW_SHEET])
    errors = sum(1 for f in findings if f.severity == ERROR)
    warned = sum(1 for f in findings if f.severity == WARNING)
    ws.cell(row=1, column=1, value=f"Review findings: {name}").font = Font(name=FONT, size=16, bold=True, color=primary)
    by = f" by {identity.author}" if identity.author else ""
    ws.cell(row=2, column=1, value=f"Reviewed on {identity.day.day} {identity.day:%B %Y}{by}.").font = body
    totals = f"{errors} error{'s' if errors != 1 else ''} to correct, {warned} warning{'s' if warned != 1 else ''} to check."
    summary = ws.cell(row=3, column=1, value=totals if findings else "No findings: the workbook passed every check.")
    summary.font = Font(name=FONT, size=11, bold=True)
    h = HEADER_ROW
    for c, (title, width) in enumerate(REVIEW_COLUMNS, start=1):
        cell = ws.cell(row=h, column=c, value=title)
        cell.font, cell.fill, cell.alignment, cell.border = head_font, head_fill, wrap, border
        ws.column_dimensions[get_column_letter(c)].width = width
    present = set(wb.sheetnames)
    for r, f in enumerate(rows, start=h + 1):
        linkable = f.sheet is not None and f.sheet in present
        at_cell = f.cell if f.cell and _CELL.match(f.cell) else None
        blank = linkable and at_cell is not None and wb[f.sheet][_anchor(wb[f.sheet], at_cell)].value in (None, "")
        todo = what_to_do(f, book, blank)
        values = (f.severity.capitalize(), f.sheet, f.cell, f.key, f.message, todo, f.code)
        for c, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=c)
            cell.value = value  # client text (keys, messages quoting cells) is set as a string, never a formula
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"
            cell.alignment, cell.border, cell.font = wrap, border, body
        sev = ws.cell(row=r, column=1)
        sev.fill = PatternFill(fill_type="solid", fgColor=FILLS.get(f.severity, FILLS[WARNING]))
        if linkable and f.sheet is not None:
            link = ws.cell(row=r, column=2 if at_cell is None else 3)
            location = _location(f.sheet, at_cell or "A1")
            link.hyperlink = Hyperlink(ref=link.coordinate, location=location, tooltip="Go to the cell")
            link.font = link_font
        longest = max(len(f.message) // 52, len(todo) // 36) + 1
        ws.row_dimensions[r].height = min(14 * longest + 3, 100)
    ws.freeze_panes = f"A{h + 1}"
    last = get_column_letter(len(REVIEW_COLUMNS))
    ws.auto_filter.ref = f"A{h}:{last}{max(len(rows) + h, h + 1)}"
    ws.print_title_rows = f"{h}:{h}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top, ws.page_margins.bottom = 0.75, 0.7
    footer = " | ".join(p for p in (identity.footer_left(),) if p)
    ws.oddHeader.left.text = f"Review findings: {name}"
    ws.oddHeader.right.text = "&A"
    ws.oddFooter.left.text = footer
    ws.oddFooter.center.text = "Page &P of &N"
    ws.oddFooter.right.text = f"{identity.day.day} {identity.day:%B %Y}"
    for part in (ws.oddHeader.left, ws.oddHeader.right, ws.oddFooter.left, ws.oddFooter.center, ws.oddFooter.right):
        part.font, part.size = f"{FONT},Regular", 10
    ws.sheet_view.showGridLines = False


# --- what openpyxl drops: formula results, and parts it cannot carry -------------------------


def _has_formulas(wb: Any) -> bool:
    return any(cell.data_type == "f" for ws in wb.worksheets for row in ws.iter_rows() for cell in row)


def _cached_values(data: bytes) -> dict[str, dict[str, tuple[str | None, str]]]:
    """Each formula cell's cached result in the original, as (`t` attribute, `<v>` text), by sheet title."""
    import openpyxl
    from openpyxl.utils.datetime import to_excel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        formulas = openpyxl.load_workbook(io.BytesIO(data))
        values = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    out: dict[str, dict[str, tuple[str | None, str]]] = {}
    for ws in formulas.worksheets:
        cells: dict[str, tuple[str | None, str]] = {}
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type != "f":
                    continue
                value = values[ws.title][cell.coordinate].value
                kind = values[ws.title][cell.coordinate].data_type
                if value is None:
                    continue
                if isinstance(value, bool):
                    cells[cell.coordinate] = ("b", "1" if value else "0")
                elif isinstance(value, (dt.datetime, dt.date, dt.time, dt.timedelta)):
                    cells[cell.coordinate] = (None, repr(to_excel(value, values.epoch)))  # type: ignore[no-untyped-call]
                elif isinstance(value, (int, float)):
                    cells[cell.coordinate] = (None, repr(value))
                else:
                    cells[cell.coordinate] = ("e" if kind == "e" else "str", str(value))
        if cells:
            out[ws.title] = cells
    return out


def _restore_cached_values(path: Path, cached: dict[str, dict[str, tuple[str | None, str]]]) -> None:
    """Put each formula's cached result back into the package openpyxl wrote (it writes `<v></v>`)."""
    from xml.sax.saxutils import escape

    pattern = re.compile(rb'<c r="([A-Z]{1,3}[0-9]+)"([^>]*)>(<f(?:\s[^>]*)?>.*?</f>)(?:<v\s*/>|<v></v>)', re.DOTALL)
    with zipfile.ZipFile(path) as zf:
        parts = {sheet: part for part, sheet in sheet_parts(zf).items()}
        entries = [(info, zf.read(info)) for info in zf.infolist()]
    by_part = {parts[title]: cells for title, cells in cached.items() if title in parts}

    def patch(cells: dict[str, tuple[str | None, str]]) -> Any:
        def one(m: re.Match[bytes]) -> bytes:
            found = cells.get(m.group(1).decode("ascii"))
            if found is None or b" t=" in m.group(2):
                return m.group(0)
            kind, text = found
            attrs = m.group(2) + (f' t="{kind}"'.encode() if kind else b"")
            return b'<c r="' + m.group(1) + b'"' + attrs + b">" + m.group(3) + b"<v>" + escape(text).encode() + b"</v>"

        return one

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info, blob in entries:
            if info.filename in by_part:
                blob = pattern.sub(patch(by_part[info.filename]), blob)
            out.writestr(info, blob)


def _count(zf: zipfile.ZipFile, prefix: str, pattern: re.Pattern[bytes]) -> int:
    return sum(len(pattern.findall(zf.read(n))) for n in zf.namelist() if n.lower().startswith(prefix))


def _not_carried(source: Path, written: Path, notes: Sequence[str]) -> list[str]:
    """What the original holds that the annotated copy does not (or not quite), in plain words."""
    before, after = uncarried(source), set(uncarried(written))
    lost = [x for x in before if x not in after and x != "rich text formatting inside cells"]  # rich text is loaded and kept
    out = [f"not carried into the annotated copy: {label}" for label in lost]
    try:
        with zipfile.ZipFile(source) as a, zipfile.ZipFile(written) as b:
            shapes = _count(a, "xl/drawings/", _SHAPES) - _count(b, "xl/drawings/", _SHAPES)
            controls = _count(a, "xl/drawings/", _FORM_CONTROL) - _count(b, "xl/drawings/", _FORM_CONTROL)
            charts = any(n.lower().startswith("xl/charts/") for n in a.namelist())
    except (zipfile.BadZipFile, OSError, KeyError):
        shapes = controls = 0
        charts = False
    if shapes > 0 and not any("Shapes" in n for n in notes):
        out.append(f"not carried into the annotated copy: {shapes} shape(s) or text box(es)")
    if controls > 0:
        out.append(f"not carried into the annotated copy: {controls} form control(s) (check boxes, buttons)")
    if charts:
        out.append("charts are carried, but rewritten by openpyxl: check their formatting")
    out.extend(f"openpyxl: {n}" for n in dict.fromkeys(notes))
    return out
