"""One generic writer: any declared workbook kind, written with xlsxwriter.

Input columns look like input (white, a header in the firm's colour), computed columns look
computed (grey, dark grey header, a prompt saying so). Enumerated columns get a drop-down,
headers are frozen, filters on; every sheet prints with the same header (document title, sheet
name) and footer (the firm's footer text or name, the classification, page n of N, the date),
legibly (see `layout`). Every workbook opens on its Cover. The same inputs always give the same
bytes: the creation date is the issue date and nothing else varies.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from toolkit._version import __version__
from toolkit.errors import CtkError
from toolkit.workbook import layout
from toolkit.workbook.cells import cell_ref, col_letter
from toolkit.workbook.identity import NEUTRAL, Identity, image_size, with_issue
from toolkit.workbook.schema import Column, DeclarationError, Sheet, Spec

if TYPE_CHECKING:
    from xlsxwriter.workbook import Workbook
    from xlsxwriter.worksheet import Worksheet

#: The creation date of a workbook written without an issue date (a diff of two files, a review).
CREATED = dt.datetime(2024, 1, 1, 0, 0, 0)
#: What a computed column's header says when it is selected (no column declares its own note).
COMPUTED_NOTE = "Calculated: do not edit. Refreshed each time the workbook is regenerated."
FONT = "Calibri"
#: Dates as every reader understands them, whatever their locale: 4 Jan 2027.
DATE_FORMAT = "d mmm yyyy"
#: Rows below the last record that still carry drop-downs and formats, for rows clients add.
SPARE_ROWS = 200
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")

NAVY = "#1F3864"
GREY_HEAD = "#595959"
GREY_FILL = "#EDEDED"
BORDER = "#BFBFBF"


class Styles:
    """The workbook's formats, created once and shared by every sheet."""

    def __init__(self, wb: Workbook, identity: Identity = NEUTRAL) -> None:
        base = {"valign": "top", "border": 1, "border_color": BORDER, "font_size": 10, "font_name": FONT}
        head = {"bold": True, "font_color": "#FFFFFF", "valign": "top", "text_wrap": True, "border": 1, "font_size": 10}
        primary = identity.firm.primary
        self.wb = wb
        self.identity = identity
        self.primary = primary
        self.header_input = wb.add_format({**head, "bg_color": primary})
        self.header_computed = wb.add_format({**head, "bg_color": GREY_HEAD})
        self.title = wb.add_format({"bold": True, "font_size": 16, "font_color": primary})
        self.subtitle = wb.add_format({"bold": True, "font_size": 12, "font_color": primary})
        self.italic = wb.add_format({"italic": True, "font_color": "#595959", "font_size": 10})
        self.italic_wrap = wb.add_format(
            {"italic": True, "font_color": "#595959", "font_size": 10, "text_wrap": True, "valign": "top"}
        )
        self.text = wb.add_format({"font_size": 10, "valign": "top", "text_wrap": True})
        self.label = wb.add_format({**base, "bold": True, "bg_color": GREY_FILL})
        self.pct = wb.add_format({**base, "num_format": "0.0%", "bg_color": GREY_FILL})
        self.int_computed = wb.add_format({**base, "num_format": "0", "bg_color": GREY_FILL})
        self._cells: dict[tuple[bool, str, bool, bool], Any] = {}
        self._fills: dict[str, Any] = {}
        self._base = base

    def fill(self, colour: str) -> Any:
        """A conditional format's fill, one per colour."""
        if colour not in self._fills:
            self._fills[colour] = self.wb.add_format({"bg_color": colour, "font_color": "#000000"})
        return self._fills[colour]

    def cell(self, computed: bool, ctype: str = "text", wrap: bool = True, left: bool = False) -> Any:
        """The format of a data cell of a column (`left`: a form's value, aligned to its label)."""
        key = (computed, ctype, wrap, left)
        if key not in self._cells:
            props: dict[str, Any] = dict(self._base)
            if left:
                props["align"] = "left"
            if wrap:
                props["text_wrap"] = True
            if computed:
                props.update(bg_color=GREY_FILL, font_color="#262626")
            if ctype == "date":
                props["num_format"] = DATE_FORMAT
            elif ctype == "percent":
                props["num_format"] = "0%"
            elif ctype in ("int", "number"):
                props["num_format"] = "0" if ctype == "int" else "#,##0.00"
                props["align"] = "left" if left else "center"
            elif ctype == "text" or ctype.endswith("_list"):
                props["num_format"] = "@"
            self._cells[key] = self.wb.add_format(props)
        return self._cells[key]


#: Writes a sheet the declaration cannot describe (a summary, a chart, a Gantt view).
SheetWriter = Callable[["Workbook", "Worksheet", Styles], None]


@dataclass
class Table:
    """The rows of one table sheet: declared columns by name, plus any extra columns to keep."""

    records: Sequence[Mapping[str, Any]]
    extra_columns: Sequence[str] = ()


@dataclass
class Form:
    """The fields of a form sheet and the rows of each of its blocks, by block title."""

    fields: Mapping[str, Any]
    blocks: Mapping[str, Sequence[Mapping[str, Any]]] = field(default_factory=dict)


@dataclass
class ExtraSheet:
    """A sheet the client added: kept, values only."""

    name: str
    rows: Sequence[Sequence[Any]]


@dataclass
class Book:
    """Everything one workbook holds, by sheet name."""

    tables: dict[str, Table] = field(default_factory=dict)
    forms: dict[str, Form] = field(default_factory=dict)
    custom: dict[str, SheetWriter] = field(default_factory=dict)
    extra_sheets: list[ExtraSheet] = field(default_factory=list)
    subject: str = ""
    #: Whose deliverable it is and which issue (the cover, the footer, the document properties).
    identity: Identity = NEUTRAL
    #: Where form blocks landed, `Sheet:Block:Column` -> absolute range, for formulas to cite.
    positions: dict[str, str] = field(default_factory=dict)
    #: What the user should know about the inputs it was built from (shown as warnings, not written).
    notes: list[str] = field(default_factory=list)


def cannot_write(path: str | os.PathLike[str], exc: OSError) -> CtkError:
    """An output that cannot be written, as one line: `ctk: out/gap.xlsx: cannot write here (read-only file system)`."""
    reason = (exc.strerror or type(exc).__name__).lower()
    return CtkError(f"cannot write here ({reason})", str(path))


@contextmanager
def atomic_output(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside `path`; rename it over `path` only once fully written.

    The folder must exist (a typo in a folder name does not make a new folder). What cannot be
    written is a CtkError naming the output, never a traceback."""
    target = Path(path)
    if not target.parent.is_dir():
        what = "is not a folder" if target.parent.exists() else "does not exist"
        raise CtkError(f"cannot write here: the folder {str(target.parent)!r} {what}; create it first", str(target))
    if target.is_dir():
        raise CtkError("cannot write here: it is a folder; give a file name", str(target))
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise cannot_write(target, exc) from None
    os.close(fd)
    # mkstemp makes the file private (0600); an output is an ordinary file, as the umask says.
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    try:
        yield Path(tmp)
        os.replace(tmp, target)
    except OSError as exc:
        raise cannot_write(target, exc) from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def cached(value: Any) -> Any:
    """A formula's cached result as a spreadsheet stores it: dates as serial numbers, numbers to
    15 significant digits (so a recalculation gives exactly the cached value)."""
    if isinstance(value, float):
        return float(f"{value:.15g}")
    if isinstance(value, dt.datetime):
        return (value - dt.datetime(1899, 12, 30)).total_seconds() / 86400
    if isinstance(value, dt.date):
        return float((value - dt.date(1899, 12, 30)).days)
    return "" if value is None else value


def _formula_maker(template: str, columns: Mapping[str, int], positions: Mapping[str, str]) -> Callable[[int], str]:
    """`{Column}` is that column's cell in the row; `{Sheet:Block:Column}` a block's range.

    The template is parsed once per column; each row only fills in its row number.
    """
    pieces = _PLACEHOLDER.split(template)  # literal, name, literal, name, ..., literal
    parts: list[str | int] = []
    for i, piece in enumerate(pieces):
        if i % 2 == 0:
            parts.append(piece.replace("{", "{{").replace("}", "}}"))
        elif piece in positions:
            parts.append(positions[piece].replace("{", "{{").replace("}", "}}"))
        else:
            parts.append(col_letter(columns[piece]) + "{0}")
    pattern = "".join(str(p) for p in parts)
    return lambda row: pattern.format(row + 1)


#: Excel keeps at most this many characters in a cell; longer text is cut, and said so.
CELL_LIMIT = 32_767
_CUT: ContextVar[list[str] | None] = ContextVar("ctk_cut_texts", default=None)


def _string(ws: Worksheet, row: int, col: int, text: str, fmt: Any) -> None:
    if len(text) > CELL_LIMIT:
        notes = _CUT.get()
        if notes is not None:
            notes.append(
                f"{ws.name}!{cell_ref(row, col)}: a text of {len(text):,} characters was cut to Excel's limit of "
                f"{CELL_LIMIT:,}; its last {len(text) - CELL_LIMIT:,} characters are not in the workbook"
            )
        text = text[:CELL_LIMIT]
    ws.write_string(row, col, text, fmt)


def _write_value(ws: Worksheet, row: int, col: int, value: Any, fmt: Any) -> None:
    if value is None or value == "":
        ws.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value, fmt)
    elif isinstance(value, (int, float)):
        ws.write_number(row, col, value, fmt)
    elif isinstance(value, dt.datetime):
        ws.write_datetime(row, col, value, fmt)
    elif isinstance(value, dt.date):
        ws.write_datetime(row, col, dt.datetime(value.year, value.month, value.day), fmt)
    elif isinstance(value, (list, tuple)):
        _string(ws, row, col, "; ".join(str(v) for v in value), fmt)
    else:
        _string(ws, row, col, str(value), fmt)


def row_height(record: Mapping[str, Any], columns: Sequence[Column], widths: Mapping[str, float] | None = None) -> float:
    """A row tall enough for its wrapped text (spreadsheets do not grow rows a program wrote), and
    never taller than `layout.MAX_ROW_HEIGHT`: a longer text is still all in its cell."""
    count = 1
    for col in columns:
        value = record.get(col.name)
        if not col.wrap or value is None or value == "":
            continue
        text = "; ".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)
        count = max(count, layout.lines(text, (widths or {}).get(col.name, col.width)))
    return layout.height(count)


def column_width(col: Column) -> float:
    """A column's width: as declared, widened so that no word of its header breaks."""
    return layout.fit_words(col.name, col.width, bold=True)


def header_height(names: Sequence[str], widths: Sequence[float]) -> float:
    """The header row's height: every header wrapped at its words, none cut off."""
    return layout.LINE * max((layout.lines(n, w, bold=True) for n, w in zip(names, widths, strict=True)), default=1) + 4


def _validation(col: Column) -> dict[str, Any] | None:
    if col.type == "enum" and col.values:
        return {
            "validate": "list",
            "source": list(col.values),
            "error_title": col.name,
            "error_message": "Choose one of: " + ", ".join(col.values),
        }
    if col.type == "date":
        return {
            "validate": "date",
            "criteria": "between",
            "minimum": dt.date(1990, 1, 1),
            "maximum": dt.date(2100, 12, 31),
            "error_type": "warning",
            "error_message": "Enter a date, for example 2027-01-31.",
        }
    if col.type == "int" and col.values:
        low, high = int(col.values[0]), int(col.values[-1])
        if high - low < 10:  # a short scale (1-5): a drop-down to pick from, as every other list
            return {
                "validate": "list",
                "source": [str(n) for n in range(low, high + 1)],
                "error_title": col.name,
                "error_message": f"Enter a whole number from {low} to {high}.",
            }
        return {
            "validate": "integer",
            "criteria": "between",
            "minimum": low,
            "maximum": high,
            "error_title": col.name,
            "error_message": f"Enter a whole number from {low} to {high}.",
        }
    return None


_SENTENCE_END = re.compile(r"(?<!\be\.g)(?<!\bi\.e)(?<!\betc)\.\s")


def first_sentence(text: str) -> str:
    """The first sentence of `text`, ending with its full stop (an `e.g.` or `i.e.` does not end one)."""
    text = text.strip()
    found = _SENTENCE_END.search(text)
    head = text[: found.start()] if found else text.rstrip(".")
    return head + "." if head else ""


def _escape(text: str) -> str:
    return text.replace("&", "&&")


# A size code (`&10`) swallows the digits after it: every text after one starts with a space.
def page_header(title: str) -> str:
    """The page header's codes: the document title left (bold), the sheet's name right."""
    return f'&L&"{FONT},Bold"&10 {_escape(title)}&R&"{FONT},Regular"&10 &A'


def page_footer(identity: Identity) -> str:
    """The page footer's codes: the firm and classification, the page of pages, the issue date."""
    left = _escape(identity.footer_left())
    day = identity.day
    return f'&L&"{FONT},Regular"&10 {left}&C&"{FONT},Regular"&10 Page &P of &N&R&"{FONT},Regular"&10 {day.day} {day:%B %Y}'


def header_footer(ws: Worksheet, title: str, identity: Identity) -> None:
    """The same header and footer on every sheet: title and sheet name; firm, classification, page, date.

    Printed at their own size whatever the sheet's scale, so they stay legible on a split sheet.
    """
    options = {"scale_with_doc": False, "align_with_margins": True, "margin": layout.HEADER_MARGIN}
    ws.set_header(page_header(title), options)
    ws.set_footer(page_footer(identity), options)
    ws.set_paper(9)  # A4; layouts are planned to fit Letter too
    ws.set_margins(**layout.MARGINS)


def print_setup(ws: Worksheet, plan: layout.PrintPlan, last_row: int, orientation: str = "landscape") -> None:
    """Scale, page breaks and repeated columns as `layout.plan` chose them."""
    if orientation == "portrait":
        ws.set_portrait()
    else:
        ws.set_landscape()
    ws.print_area(0, 0, max(last_row, 0), plan.last_col)
    if plan.scale is None:
        ws.fit_to_pages(1, 0)
        return
    ws.set_print_scale(plan.scale)
    if plan.breaks:
        ws.set_v_pagebreaks(list(plan.breaks))
    if plan.repeat:
        ws.repeat_columns(0, plan.repeat - 1)


def undeclared(where: str, declared: Iterable[str], records: Iterable[Mapping[str, Any]]) -> None:
    """Refuse values under names the declaration does not have: a renamed column fails loudly."""
    names = set(declared)
    unknown = set().union(*(r.keys() for r in records)) - names
    if unknown:
        raise DeclarationError(
            f"{where}: no declared column {', '.join(sorted(map(repr, unknown)))} (declared: {', '.join(sorted(names))})"
        )


def _write_fields_above(ws: Worksheet, styles: Styles, sheet: Sheet, form: Form, positions: dict[str, str]) -> int:
    """A table's form lines (title, description, label/value lines) above its header; the header's row."""
    undeclared(f"sheet {sheet.name!r} fields", [c.name for c in sheet.fields], [form.fields])
    ws.write_string(0, 0, sheet.name, styles.title)
    if sheet.description:
        ws.write_string(1, 0, sheet.description, styles.italic)
    # The value spans the columns after the label until it is about as wide as a form's value.
    widths = [c.width for c in sheet.columns]
    span = 1
    while span < len(widths) - 1 and sum(widths[1 : span + 1]) < 60:
        span += 1
    row = 3
    # The label column is the table's first, often narrow: labels wrap (a format only these lines use).
    label = styles.wb.add_format({**styles._base, "bold": True, "bg_color": GREY_FILL, "text_wrap": True})
    for col in sheet.fields:
        ws.write_string(row, 0, col.name, label)
        fmt = styles.cell(col.computed, col.type)
        if span > 1:
            ws.merge_range(row, 1, row, span, None, fmt)
        _write_value(ws, row, 1, form.fields.get(col.name), fmt)
        rule = _validation(col) if not col.computed else None
        if col.note:
            rule = {**(rule or {"validate": "any"}), "input_title": col.name[:32], "input_message": col.note[:255]}
        if rule:
            ws.data_validation(row, 1, row, 1, rule)
        value = form.fields.get(col.name)
        lines = max(
            -(-len(col.name) // max(int(widths[0] * 1.1), 1)),
            -(-len(str(value or "")) // max(int(sum(widths[1 : span + 1]) * 1.1), 1)),
        )
        ws.set_row(row, min(13.5 * max(lines, 1) + 3, 200))
        positions[f"{sheet.name}:{col.name}"] = f"'{sheet.name}'!$B${row + 1}"
        row += 1
    return row + 1


def write_table(
    wb: Workbook,
    styles: Styles,
    sheet: Sheet,
    table: Table,
    title: str,
    positions: dict[str, str],
    form: Form | None = None,
) -> Worksheet:
    undeclared(f"sheet {sheet.name!r}", [c.name for c in sheet.columns] + list(table.extra_columns), table.records)
    ws = wb.add_worksheet(sheet.name)
    top = _write_fields_above(ws, styles, sheet, form or Form({}), positions) if sheet.fields else 0
    names = [c.name for c in sheet.columns] + list(table.extra_columns)
    index = {name: i for i, name in enumerate(names)}
    widths = {c.name: column_width(c) for c in sheet.columns}
    widths.update({name: layout.fit_words(name, 18, bold=True) for name in table.extra_columns})
    printed = [c.name for c in sheet.columns]
    if sheet.print.last is not None:
        printed = printed[: printed.index(sheet.print.last) + 1]
    else:
        printed += list(table.extra_columns)
    for i, col in enumerate(sheet.columns):
        ws.write_string(top, i, col.name, styles.header_computed if col.computed else styles.header_input)
        # The reference trail after the printed columns is grouped, so a reader can fold it away.
        trail = {"level": 1} if col.name not in printed else None
        ws.set_column(i, i, widths[col.name], styles.cell(col.computed, col.type, col.wrap), trail)
        note = col.note or (COMPUTED_NOTE if col.computed else "")
        if note:
            # A prompt shown when the header is selected: unlike a comment, it survives a merge.
            ws.data_validation(top, i, top, i, {"validate": "any", "input_title": col.name[:32], "input_message": note[:255]})
    extra_fmt = styles.cell(False)
    for j, name in enumerate(table.extra_columns, start=len(sheet.columns)):
        ws.write_string(top, j, name, styles.header_input)
        ws.set_column(j, j, widths[name], extra_fmt)
    plan = [
        (
            col.name,
            index[col.name],
            styles.cell(col.computed, col.type, col.wrap),
            _formula_maker(col.formula, index, positions) if col.formula else None,
        )
        for col in sheet.columns
    ]
    wrapped = [c for c in sheet.columns if c.wrap]
    heights = [header_height(names, [widths[n] for n in names])]
    for r, record in enumerate(table.records, start=top + 1):
        for name, c, fmt, formula in plan:
            value = record.get(name)
            if formula is not None:
                ws.write_formula(r, c, formula(r), fmt, cached(value))
            else:
                _write_value(ws, r, c, value, fmt)
        for name in table.extra_columns:
            _write_value(ws, r, index[name], record.get(name), extra_fmt)
        heights.append(row_height(record, wrapped, widths))
        ws.set_row(r, heights[-1])
    last = top + max(len(table.records), 1)
    # The rows a client will fill carry the computed columns' formulas too (blank until filled),
    # so a risk typed into a blank register is scored like the others.
    spare = [(c, fmt, formula) for _, c, fmt, formula in plan if formula is not None]
    for r in range(top + len(table.records) + 1, last + SPARE_ROWS + 1):
        for c, fmt, formula in spare:
            ws.write_formula(r, c, formula(r), fmt, "")
    for col in sheet.columns:
        c = index[col.name]
        rule = _validation(col)
        if rule and not col.computed:
            ws.data_validation(top + 1, c, last + SPARE_ROWS, c, rule)
        for value, colour in col.colors:
            ws.conditional_format(
                top + 1,
                c,
                last + SPARE_ROWS,
                c,
                {"type": "cell", "criteria": "==", "value": f'"{value}"', "format": styles.fill(colour)},
            )
    ws.freeze_panes(top + 1, sheet.freeze_cols)
    if sheet.filter:
        ws.autofilter(top, 0, last, len(names) - 1)
    ws.set_row(top, heights[0])
    header_footer(ws, title, styles.identity)
    pages = layout.plan([widths[n] for n in printed], sheet.print.repeat, sheet.print.orientation, heights)
    if not table.records and pages.breaks:  # an empty table prints its first page of headers, not one per band
        pages = replace(pages, last_col=pages.breaks[0] - 1, breaks=())
    print_setup(ws, pages, top + len(table.records), sheet.print.orientation)
    ws.repeat_rows(top)
    return ws


#: The fill of a form field still to complete.
TO_COMPLETE = "#FFF2CC"


def _fill(styles: Styles, colour: str) -> Any:
    return styles.fill(colour)


def _block_widths(sheet: Sheet, span: int) -> list[float]:
    """Column widths of a form: the labels in A, then each block column. A block narrower than the
    sheet lets its last column run to the right edge, so it does not set that column's width."""
    widths = [26.0] + [14.0] * (span - 1)
    for block in sheet.blocks:
        for i, col in enumerate(block.columns):
            spans = i == len(block.columns) - 1 and len(block.columns) < span
            if not spans:
                widths[i] = max(widths[i], column_width(col))
    return widths


def write_form(wb: Workbook, styles: Styles, sheet: Sheet, form: Form, title: str, positions: dict[str, str]) -> Worksheet:
    """Label/value fields, then titled blocks (tables) below them, every block from column A."""
    undeclared(f"sheet {sheet.name!r}", [c.name for c in sheet.columns], [form.fields])
    for block in sheet.blocks:
        undeclared(
            f"sheet {sheet.name!r} block {block.title!r}", [c.name for c in block.columns], form.blocks.get(block.title, ())
        )
    undeclared(f"sheet {sheet.name!r} blocks", [b.title for b in sheet.blocks], [form.blocks])
    ws = wb.add_worksheet(sheet.name)
    span = max([len(b.columns) for b in sheet.blocks] + [4])
    widths = _block_widths(sheet, span)
    for i, w in enumerate(widths):
        ws.set_column(i, i, w)
    value_width = sum(widths[1:])
    ws.write_string(0, 0, sheet.name, styles.title)
    if sheet.description:
        ws.merge_range(1, 0, 1, span - 1, sheet.description, styles.italic_wrap)
        ws.set_row(1, layout.height(layout.lines(sheet.description, sum(widths))))
    row = 3
    for col in sheet.columns:
        ws.write_string(row, 0, col.name, styles.label)
        fmt = styles.cell(col.computed, col.type, left=True)
        value = form.fields.get(col.name)
        if span > 1:
            ws.merge_range(row, 1, row, span - 1, None, fmt)
        _write_value(ws, row, 1, value, fmt)
        if isinstance(value, str) and value:
            # Nobody grows a merged cell to its text: size it here, or the second line is cut off.
            ws.set_row(row, layout.height(max(layout.lines(value, value_width), layout.lines(col.name, widths[0], True))))
        rule = _validation(col)
        if rule and not col.computed:
            ws.data_validation(row, 1, row, 1, rule)
        if not col.computed:  # a field still to complete is marked so, without text that would read back
            ws.conditional_format(row, 1, row, span - 1, {"type": "blanks", "format": _fill(styles, TO_COMPLETE)})
        row += 1
    # Where each block starts on the page: a block that would straddle a page break starts a new page.
    used = sum(layout.LINE + 1.5 for _ in range(row))
    room = layout.PAGE_HEIGHT[sheet.print.orientation]
    breaks: list[int] = []
    for block in sheet.blocks:
        row += 1
        entries_count = len(form.blocks.get(block.title, ())) + block.blank_rows
        need = (2 + entries_count) * (layout.LINE + 3) + 15
        if used + need > room and used > 0 and need <= room:
            breaks.append(row)
            used = 0.0
        used += need + 15
        ws.write_string(row, 0, block.title, styles.subtitle)
        row += 1
        last = len(block.columns) - 1
        for i, col in enumerate(block.columns):
            head = styles.header_computed if col.computed else styles.header_input
            if i == last and i < span - 1:
                ws.merge_range(row, i, row, span - 1, col.name, head)
            else:
                ws.write_string(row, i, col.name, head)
        ws.set_row(row, header_height([c.name for c in block.columns], widths[: len(block.columns)]))
        entries = list(form.blocks.get(block.title, ())) + [{}] * block.blank_rows
        for i, col in enumerate(block.columns):
            letter = col_letter(i)
            positions[f"{sheet.name}:{block.title}:{col.name}"] = (
                f"'{sheet.name}'!${letter}${row + 2}:${letter}${row + 1 + len(entries)}"
            )
        block_widths = {
            c.name: widths[i] if i < last or last == span - 1 else sum(widths[i:]) for i, c in enumerate(block.columns)
        }
        for i, col in enumerate(block.columns):
            for value, colour in col.colors:  # a legend coloured as the register it explains
                rule = {"type": "cell", "criteria": "==", "value": f'"{value}"', "format": styles.fill(colour)}
                ws.conditional_format(row + 1, i, row + len(entries), i, rule)
        for entry in entries:
            row += 1
            for i, col in enumerate(block.columns):
                fmt = styles.cell(col.computed, col.type)
                if i == last and i < span - 1:
                    ws.merge_range(row, i, row, span - 1, None, fmt)
                _write_value(ws, row, i, entry.get(col.name), fmt)
            ws.set_row(row, row_height(entry, block.columns, block_widths))
        row += 1
    positions[f"{sheet.name}:next_row"] = str(row + 1)
    for col_index, col in enumerate(sheet.columns):
        positions[f"{sheet.name}:{col.name}"] = f"'{sheet.name}'!$B${4 + col_index}"
    header_footer(ws, title, styles.identity)
    print_setup(ws, layout.plan(widths, 1, sheet.print.orientation), row, sheet.print.orientation)
    if breaks:
        ws.set_h_pagebreaks(breaks)
    ws.hide_gridlines(2)
    return ws


def write_text_sheet(ws: Worksheet, styles: Styles, lines: Sequence[tuple[str, str]]) -> None:
    """A sheet of prose (`How to read`): lines of kind `title`, `subtitle` or `text`, print-ready.

    Narrow enough for a portrait A4 or Letter page at 100 %.
    """
    width = 90.0
    ws.set_column(0, 0, width, styles.text)
    kinds = {"title": styles.title, "subtitle": styles.subtitle, "text": styles.text}
    for r, (text, kind) in enumerate(lines):
        ws.write_string(r, 0, text, kinds[kind])
        if kind == "text":
            ws.set_row(r, layout.LINE * layout.lines(text, width) + 6)
        elif kind == "subtitle":
            ws.set_row(r, 24)
        else:
            ws.set_row(r, 26)
    ws.set_portrait()
    ws.fit_to_pages(1, 0)
    ws.hide_gridlines(2)


def write_extra(wb: Workbook, styles: Styles, extra: ExtraSheet) -> None:
    ws = wb.add_worksheet(extra.name)
    for r, values in enumerate(extra.rows):
        for c, value in enumerate(values):
            if value is not None and value != "":
                _write_value(ws, r, c, value, None)


#: What every workbook's cover tells the client, before what the kind's declaration adds.
HOW_TO_USE = (
    "White cells under a coloured header are yours: fill them in or change them. Grey cells are calculated: do not edit them.",
    "Pick from the drop-down wherever a cell offers one; dates as dates (for example 31/01/2027).",
    "Keep the sheet names and the header rows as they are; add columns or sheets of your own if you need them: they are kept.",
)


def write_cover(wb: Workbook, ws: Worksheet, styles: Styles, spec: Spec, sheet: Sheet, form: Form, title: str) -> None:
    """The first sheet of every workbook: whose, for whom, which issue, how to use it, what it holds.

    Laid out as a form (a label in A, its value in B) with the change history as its only block,
    last on the sheet, so it reads back like any form and the history is kept from issue to issue.
    """
    ident = styles.identity
    firm, issue = ident.firm, ident.issue
    block = sheet.blocks[0]
    widths = _block_widths(sheet, len(block.columns))
    widths[0] = 20.0
    for i, w in enumerate(widths):
        ws.set_column(i, i, w)
    span = len(widths) - 1
    big = wb.add_format({"bold": True, "font_size": 20, "font_color": firm.primary, "text_wrap": True, "valign": "top"})
    firm_fmt = wb.add_format({"bold": True, "font_size": 14, "font_color": firm.primary})
    rule = wb.add_format({"bottom": 2, "bottom_color": firm.accent})
    row = 0
    if firm.logo is not None:
        size = image_size(firm.logo) or (200, 60)
        scale = min(60 / max(size[1], 1), 300 / max(size[0], 1), 1.0)
        ws.set_row(0, 48)
        ws.insert_image(0, 0, str(firm.logo), {"x_scale": scale, "y_scale": scale, "object_position": 3})
        row = 1
    if firm.name:
        ws.write_string(row, 0, firm.name, firm_fmt)
        row += 1
    if firm.contact:
        ws.write_string(row, 0, firm.contact, styles.italic)
        row += 1
    for c in range(span + 1):
        ws.write_blank(row, c, None, rule)
    row += 2
    ws.merge_range(row, 0, row, span, spec.title, big)
    ws.set_row(row, 30 * layout.lines(spec.title, sum(widths) / 2))
    row += 1
    if issue.client:
        ws.write_string(row, 0, f"Prepared for {issue.client}", styles.subtitle)
        row += 1
    row += 1
    values = {
        "Client": issue.client,
        "Engagement": issue.engagement,
        "Document": title,
        "Version": issue.version,
        "Status": issue.status,
        "Date": ident.day,
        "Prepared By": ident.author,
        "Reviewed By": issue.reviewed_by,
        "Classification": issue.classification,
    }
    value_fmt = {False: styles.cell(True, "text", left=True), True: styles.cell(True, "date", left=True)}
    for col in sheet.columns:
        ws.write_string(row, 0, col.name, styles.label)
        ws.merge_range(row, 1, row, span, None, value_fmt[col.type == "date"])
        _write_value(ws, row, 1, values.get(col.name, form.fields.get(col.name)), value_fmt[col.type == "date"])
        row += 1
    row += 1
    ws.write_string(row, 0, "How to use this workbook", styles.subtitle)
    row += 1
    lines = [*HOW_TO_USE, *spec.instructions]
    if firm.contact or firm.name:
        lines.append(f"Questions, and the completed workbook, to {firm.contact or firm.name}.")
    for text in lines:
        ws.merge_range(row, 0, row, span, "\u2022 " + text, styles.text)
        ws.set_row(row, layout.LINE * layout.lines("- " + text, sum(widths) * 0.95) + 3)
        row += 1
    row += 1
    ws.write_string(row, 0, "Your input", styles.header_input)
    ws.merge_range(row, 1, row, span, "white cells, under a header in this colour: yours to fill in", styles.text)
    row += 1
    ws.write_string(row, 0, "Calculated", styles.header_computed)
    ws.merge_range(row, 1, row, span, "grey cells, under a dark grey header: calculated, do not edit", styles.text)
    row += 2
    ws.write_string(row, 0, "Contents", styles.subtitle)
    row += 1
    link = wb.add_format({"font_color": "#0563C1", "underline": 1, "font_size": 10, "valign": "top"})
    for other in spec.sheets:
        if other.shared:
            continue
        name = other.name.replace("'", "''")
        ws.write_url(row, 0, f"internal:'{name}'!A1", link, other.name)
        # The first sentence: the contents list stays one page, the sheet itself says the rest.
        about = first_sentence(other.description or "")
        ws.merge_range(row, 1, row, span, about, styles.text)
        # 5 % spare: a merged cell's text wraps a little earlier than the estimate (a last word cut, measured)
        ws.set_row(row, layout.height(max(layout.lines(about, sum(widths[1:]) * 0.95), layout.lines(other.name, widths[0]))))
        row += 1
    row += 1
    ws.write_string(row, 0, block.title, styles.subtitle)
    row += 1
    for i, col in enumerate(block.columns):
        ws.write_string(row, i, col.name, styles.header_input)
    history = with_issue(
        form.blocks.get(block.title, ()),
        issue.version,
        ident.day,
        ident.author,
        issue.description or ("First issue" if issue.version in ("0.1", "1.0") else f"Version {issue.version}"),
    )
    for entry in history:
        row += 1
        for i, col in enumerate(block.columns):
            _write_value(ws, row, i, entry.get(col.name), styles.cell(False, col.type))
        ws.set_row(row, row_height(entry, block.columns, {c.name: widths[i] for i, c in enumerate(block.columns)}))
    header_footer(ws, title, ident)
    ws.set_portrait()
    ws.print_area(0, 0, row, span)
    ws.fit_to_pages(1, 1)  # a cover is one page, the firm's lines and a long contents list included
    ws.hide_gridlines(2)
    ws.activate()


def written_sheets(spec: Spec, book: Book) -> list[str]:
    """The sheets `write_book` writes for `book`, in order."""
    names = [s.name for s in spec.sheets if s.layout != "custom" or s.name in book.custom]
    return names + [e.name for e in book.extra_sheets]


def write_book(
    spec: Spec,
    book: Book,
    path: str | os.PathLike[str],
    title: str | None = None,
    properties: Sequence[tuple[str, str]] = (),
) -> list[str]:
    """Write `book` as a workbook of kind `spec` to `path`, atomically; `properties` are extra
    custom document properties (the record of what ctk wrote). Returns what to warn about
    (texts cut to Excel's cell limit)."""
    title = title or spec.title
    notes: list[str] = []
    token = _CUT.set(notes)
    try:
        _write(spec, book, path, title, properties)
    finally:
        _CUT.reset(token)
    return notes


def _write(spec: Spec, book: Book, path: str | os.PathLike[str], title: str, properties: Sequence[tuple[str, str]]) -> None:
    identity = book.identity
    with atomic_output(path) as tmp:
        import xlsxwriter  # only when writing: the validate path never loads it

        wb = xlsxwriter.Workbook(
            str(tmp),
            {
                "strings_to_numbers": False,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "nan_inf_to_errors": True,
            },
        )
        day = identity.day
        wb.set_properties(
            {
                "title": title,
                "subject": book.subject or spec.title,
                "author": identity.author,
                "company": identity.firm.name,
                "manager": identity.issue.reviewed_by,
                "status": identity.issue.status,
                "comments": f"ctk {__version__} workbook: kind={spec.kind} schema={spec.schema_version}",
                "created": dt.datetime(day.year, day.month, day.day),
            }
        )
        wb.set_custom_property("ctk_kind", spec.kind)
        wb.set_custom_property("ctk_schema_version", spec.schema_version)
        wb.set_custom_property("ctk_version", __version__)
        for name, value in properties:
            wb.set_custom_property(name, value)
        styles = Styles(wb, identity)
        for sheet in spec.sheets:
            if sheet.shared:
                ws = wb.add_worksheet(sheet.name)
                write_cover(wb, ws, styles, spec, sheet, book.forms.get(sheet.name, Form({})), title)
            elif sheet.layout == "table":
                ws = write_table(
                    wb, styles, sheet, book.tables.get(sheet.name, Table([])), title, book.positions, book.forms.get(sheet.name)
                )
                if sheet.name in book.custom:  # what the declaration cannot say: live formulas, a chart
                    book.custom[sheet.name](wb, ws, styles)
            elif sheet.layout == "form":
                ws = write_form(wb, styles, sheet, book.forms.get(sheet.name, Form({})), title, book.positions)
                if sheet.name in book.custom:  # more below the form, e.g. the roadmap's Gantt view
                    book.custom[sheet.name](wb, ws, styles)
            elif sheet.name in book.custom:
                ws = wb.add_worksheet(sheet.name)
                book.custom[sheet.name](wb, ws, styles)
                header_footer(ws, title, identity)
        for extra in book.extra_sheets:
            write_extra(wb, styles, extra)
        wb.close()
