"""One generic writer: any declared workbook kind, written with xlsxwriter.

Input columns look like input (white, dark blue header), computed columns look computed (grey,
dark grey header, a note saying so). Enumerated columns get a drop-down, headers are frozen,
filters on, the sheet prints landscape, fit to width, with the header row repeated. The same
records always give the same bytes: the creation date is fixed and nothing else varies.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from toolkit._version import __version__
from toolkit.errors import CtkError
from toolkit.workbook.cells import cell_ref, col_letter
from toolkit.workbook.schema import Column, DeclarationError, Sheet, Spec

if TYPE_CHECKING:
    from xlsxwriter.workbook import Workbook
    from xlsxwriter.worksheet import Worksheet

#: Fixed document creation date, so identical inputs give byte-identical files.
CREATED = dt.datetime(2024, 1, 1, 0, 0, 0)
#: Rows below the last record that still carry drop-downs and formats, for rows clients add.
SPARE_ROWS = 200
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")

NAVY = "#1F3864"
GREY_HEAD = "#595959"
GREY_FILL = "#EDEDED"
BORDER = "#BFBFBF"


class Styles:
    """The workbook's formats, created once and shared by every sheet."""

    def __init__(self, wb: Workbook) -> None:
        base = {"valign": "top", "border": 1, "border_color": BORDER, "font_size": 10}
        head = {"bold": True, "font_color": "#FFFFFF", "valign": "top", "text_wrap": True, "border": 1}
        self.wb = wb
        self.header_input = wb.add_format({**head, "bg_color": NAVY})
        self.header_computed = wb.add_format({**head, "bg_color": GREY_HEAD})
        self.title = wb.add_format({"bold": True, "font_size": 16, "font_color": NAVY})
        self.subtitle = wb.add_format({"bold": True, "font_size": 12, "font_color": NAVY})
        self.italic = wb.add_format({"italic": True, "font_color": "#595959", "font_size": 10})
        self.text = wb.add_format({"font_size": 10, "valign": "top", "text_wrap": True})
        self.label = wb.add_format({**base, "bold": True, "bg_color": GREY_FILL})
        self.pct = wb.add_format({**base, "num_format": "0.0%", "bg_color": GREY_FILL})
        self.int_computed = wb.add_format({**base, "num_format": "0", "bg_color": GREY_FILL})
        self._cells: dict[tuple[bool, str, bool], Any] = {}
        self._base = base

    def cell(self, computed: bool, ctype: str = "text", wrap: bool = True) -> Any:
        """The format of a data cell of a column."""
        key = (computed, ctype, wrap)
        if key not in self._cells:
            props: dict[str, Any] = dict(self._base)
            if wrap:
                props["text_wrap"] = True
            if computed:
                props.update(bg_color=GREY_FILL, font_color="#262626")
            if ctype == "date":
                props["num_format"] = "yyyy-mm-dd"
            elif ctype == "percent":
                props["num_format"] = "0%"
            elif ctype in ("int", "number"):
                props["num_format"] = "0" if ctype == "int" else "#,##0.00"
                props["align"] = "center"
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


def row_height(record: Mapping[str, Any], columns: Sequence[Column]) -> float:
    """A row tall enough for its wrapped text: spreadsheets do not grow rows written by a program."""
    lines = 1
    for col in columns:
        value = record.get(col.name)
        if not col.wrap or value is None:
            continue
        text = "; ".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)
        per_line = max(int(col.width * 1.15), 1)
        lines = max(lines, sum(-(-max(len(part), 1) // per_line) for part in text.split("\n")))
    return min(13.5 * lines + 3, 400)


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
        return {
            "validate": "integer",
            "criteria": "between",
            "minimum": low,
            "maximum": high,
            "error_title": col.name,
            "error_message": f"Enter a whole number from {low} to {high}.",
        }
    return None


def _page_setup(ws: Worksheet, title: str, repeat_header: int | None) -> None:
    ws.set_landscape()
    ws.set_paper(9)  # A4; Excel maps it to Letter where that is the local default
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.set_header(f'&L&"-,Bold"{title.replace("&", "&&")}&R&A')
    ws.set_footer("&LGenerated by ctk&CPage &P of &N")
    if repeat_header is not None:
        ws.repeat_rows(repeat_header)


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
    for i, col in enumerate(sheet.columns):
        ws.write_string(top, i, col.name, styles.header_computed if col.computed else styles.header_input)
        ws.set_column(i, i, col.width, styles.cell(col.computed, col.type, col.wrap))
        note = col.note or ("Computed by ctk: refreshed each time the workbook is regenerated." if col.computed else "")
        if note:
            # A prompt shown when the header is selected: unlike a comment, it survives a merge.
            ws.data_validation(top, i, top, i, {"validate": "any", "input_title": col.name[:32], "input_message": note[:255]})
    extra_fmt = styles.cell(False)
    for j, name in enumerate(table.extra_columns, start=len(sheet.columns)):
        ws.write_string(top, j, name, styles.header_input)
        ws.set_column(j, j, 18, extra_fmt)
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
    for r, record in enumerate(table.records, start=top + 1):
        for name, c, fmt, formula in plan:
            value = record.get(name)
            if formula is not None:
                ws.write_formula(r, c, formula(r), fmt, cached(value))
            else:
                _write_value(ws, r, c, value, fmt)
        for name in table.extra_columns:
            _write_value(ws, r, index[name], record.get(name), extra_fmt)
        ws.set_row(r, row_height(record, wrapped))
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
            fmt = styles.wb.add_format({"bg_color": colour, "font_color": "#000000"})
            ws.conditional_format(
                top + 1, c, last + SPARE_ROWS, c, {"type": "cell", "criteria": "==", "value": f'"{value}"', "format": fmt}
            )
    ws.freeze_panes(top + 1, sheet.freeze_cols)
    ws.autofilter(top, 0, last, len(names) - 1)
    ws.set_row(top, 30)
    _page_setup(ws, title, top)
    return ws


def write_form(wb: Workbook, styles: Styles, sheet: Sheet, form: Form, title: str, positions: dict[str, str]) -> Worksheet:
    """Label/value fields, then titled blocks (tables) below them."""
    undeclared(f"sheet {sheet.name!r}", [c.name for c in sheet.columns], [form.fields])
    for block in sheet.blocks:
        undeclared(
            f"sheet {sheet.name!r} block {block.title!r}", [c.name for c in block.columns], form.blocks.get(block.title, ())
        )
    undeclared(f"sheet {sheet.name!r} blocks", [b.title for b in sheet.blocks], [form.blocks])
    ws = wb.add_worksheet(sheet.name)
    span = max([len(b.columns) for b in sheet.blocks] or [4])
    ws.set_column(0, 0, 26)
    for i in range(1, span + 1):
        widths = [b.columns[i - 1].width for b in sheet.blocks if len(b.columns) >= i] or [60]
        ws.set_column(i, i, max(max(widths), 14))
    ws.write_string(0, 0, sheet.name, styles.title)
    if sheet.description:
        ws.write_string(1, 0, sheet.description, styles.italic)
    row = 3
    for col in sheet.columns:
        ws.write_string(row, 0, col.name, styles.label)
        fmt = styles.cell(col.computed, col.type)
        if span > 1:
            ws.merge_range(row, 1, row, span, None, fmt)
        _write_value(ws, row, 1, form.fields.get(col.name), fmt)
        rule = _validation(col)
        if rule and not col.computed:
            ws.data_validation(row, 1, row, 1, rule)
        row += 1
    for block in sheet.blocks:
        row += 1
        ws.write_string(row, 0, block.title, styles.subtitle)
        row += 1
        ws.write_blank(row, 0, None, styles.header_input)
        for i, col in enumerate(block.columns, start=1):
            ws.write_string(row, i, col.name, styles.header_computed if col.computed else styles.header_input)
        entries = list(form.blocks.get(block.title, ())) + [{}] * block.blank_rows
        for i, col in enumerate(block.columns, start=1):
            letter = col_letter(i)
            positions[f"{sheet.name}:{block.title}:{col.name}"] = (
                f"'{sheet.name}'!${letter}${row + 2}:${letter}${row + 1 + len(entries)}"
            )
        for entry in entries:
            row += 1
            ws.write_blank(row, 0, None, styles.label)
            for i, col in enumerate(block.columns, start=1):
                _write_value(ws, row, i, entry.get(col.name), styles.cell(col.computed, col.type))
            ws.set_row(row, row_height(entry, block.columns))
        row += 1
    positions[f"{sheet.name}:next_row"] = str(row + 1)
    for col_index, col in enumerate(sheet.columns):
        positions[f"{sheet.name}:{col.name}"] = f"'{sheet.name}'!$B${4 + col_index}"
    _page_setup(ws, title, None)
    ws.set_portrait()
    ws.print_area(0, 0, row, span)
    return ws


def write_text_sheet(ws: Worksheet, styles: Styles, lines: Sequence[tuple[str, str]]) -> None:
    """A sheet of prose (`How to read`): lines of kind `title`, `subtitle` or `text`, print-ready.

    Narrow enough for a portrait A4 or Letter page at 100 % even where Calibri is replaced by a
    wider font (LibreOffice does not scale a single over-wide column down to fit).
    """
    ws.set_column(0, 0, 72, styles.text)
    kinds = {"title": styles.title, "subtitle": styles.subtitle, "text": styles.text}
    for r, (text, kind) in enumerate(lines):
        ws.write_string(r, 0, text, kinds[kind])
        if kind == "text":
            ws.set_row(r, 13.5 * (1 + len(text) // 80) + 4)
    ws.set_portrait()
    ws.set_paper(9)
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    ws.fit_to_pages(1, 0)
    ws.hide_gridlines(2)


def write_extra(wb: Workbook, styles: Styles, extra: ExtraSheet) -> None:
    ws = wb.add_worksheet(extra.name)
    for r, values in enumerate(extra.rows):
        for c, value in enumerate(values):
            if value is not None and value != "":
                _write_value(ws, r, c, value, None)


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
        wb.set_properties(
            {
                "title": title,
                "subject": book.subject or spec.title,
                "author": "ctk",
                "company": "",
                "comments": f"ctk workbook: kind={spec.kind} schema={spec.schema_version}",
                "created": CREATED,
            }
        )
        wb.set_custom_property("ctk_kind", spec.kind)
        wb.set_custom_property("ctk_schema_version", spec.schema_version)
        wb.set_custom_property("ctk_version", __version__)
        for name, value in properties:
            wb.set_custom_property(name, value)
        styles = Styles(wb)
        for sheet in spec.sheets:
            if sheet.layout == "table":
                write_table(
                    wb, styles, sheet, book.tables.get(sheet.name, Table([])), title, book.positions, book.forms.get(sheet.name)
                )
            elif sheet.layout == "form":
                ws = write_form(wb, styles, sheet, book.forms.get(sheet.name, Form({})), title, book.positions)
                if sheet.name in book.custom:  # more below the form, e.g. the roadmap's Gantt view
                    book.custom[sheet.name](wb, ws, styles)
            elif sheet.name in book.custom:
                ws = wb.add_worksheet(sheet.name)
                book.custom[sheet.name](wb, ws, styles)
        for extra in book.extra_sheets:
            write_extra(wb, styles, extra)
        wb.close()
