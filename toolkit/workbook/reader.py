"""One generic reader: any declared workbook kind, read with python-calamine (or CSV).

Forgiving of what clients do: the header row need not be row 1, headers match case- and
space-insensitively in any order, extra columns are kept, blank rows are skipped, sheets may be
in any order, and `5.1` means `A.5.1`. Strict about what matters: every record keeps its sheet
and 1-based row, so every finding can point at a cell.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from toolkit.data import ids
from toolkit.workbook.cells import cell_ref
from toolkit.workbook.guard import DEFAULT_LIMITS, Limits, ReadError, inspect
from toolkit.workbook.schema import Column, Sheet, Spec, all_specs, declared_kinds, header_key, load_spec

HEADER_SCAN_ROWS = 30
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_EXCEL_EPOCH_1904 = dt.date(1904, 1, 1)
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%d/%m/%Y", "%d.%m.%Y", "%d %b %Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y")


@dataclass
class Record:
    """One row of a table: declared columns (normalised) and extra columns, with their cells.

    `values` holds every column the sheet declares (None where the cell is blank or the column
    is not in the workbook); asking for a name the sheet does not declare raises KeyError, so
    code that names a column the declaration no longer has fails loudly instead of seeing blanks.
    """

    sheet: str
    row: int  # 1-based, as Excel shows it
    values: dict[str, Any]
    extra: dict[str, Any]
    columns: dict[str, int]  # declared column -> 0-based column; shared by the table's records

    def __post_init__(self) -> None:
        # Rules ask for values millions of times on a big register: the dict's own lookup, bound once.
        self.get = self.values.__getitem__  # type: ignore[method-assign,assignment]

    def get(self, column: str) -> Any:
        return self.values[column]

    def has(self, column: str) -> bool:
        """Whether the workbook has this declared column at all."""
        if column not in self.values:
            raise KeyError(f"sheet {self.sheet!r} declares no column {column!r}")
        return column in self.columns

    def cell(self, column: str) -> str | None:
        c = self.columns.get(column)
        return None if c is None else cell_ref(self.row - 1, c)

    @property
    def cells(self) -> dict[str, str]:
        return {name: cell_ref(self.row - 1, c) for name, c in self.columns.items()}


@dataclass
class TableData:
    spec: Sheet
    sheet: str | None  # the sheet's name in the file; None when not found
    header_row: int | None = None  # 1-based
    columns: dict[str, int] = field(default_factory=dict)  # declared name -> 0-based column
    extra_columns: dict[str, int] = field(default_factory=dict)
    records: list[Record] = field(default_factory=list)

    @property
    def missing_columns(self) -> list[str]:
        """Declared columns the sheet's header row lacks, optional ones left out."""
        return [c.name for c in self.spec.columns if c.name not in self.columns and not c.optional]

    @property
    def absent_optional(self) -> list[str]:
        """Optional columns the header row lacks (a rule needing one says it did not run)."""
        return [c.name for c in self.spec.columns if c.name not in self.columns and c.optional]


class Fields(dict[str, Any]):
    """A form's values by field name. Every declared field is present (None when blank or absent);
    asking for one the form does not declare raises KeyError, like a record's columns."""

    def get(self, key: str, default: Any = None) -> Any:
        return self[key]


@dataclass
class FormData:
    spec: Sheet
    sheet: str | None
    fields: Fields = field(default_factory=Fields)
    cells: dict[str, str] = field(default_factory=dict)  # field -> the cell its value belongs in
    rows: dict[str, int] = field(default_factory=dict)
    blocks: dict[str, list[Record]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for col in self.spec.columns:
            self.fields.setdefault(col.name, None)


@dataclass
class WorkbookData:
    path: str
    spec: Spec
    tables: dict[str, TableData] = field(default_factory=dict)
    forms: dict[str, FormData] = field(default_factory=dict)
    sheet_names: list[str] = field(default_factory=list)
    extra_sheets: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # warnings about the file as a whole
    uncalculated: list[tuple[str, str]] = field(default_factory=list)  # (sheet, cell)
    #: What rules derive once per workbook and share (the risks with their ids, the methodology).
    memo: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def kind(self) -> str:
        return self.spec.kind

    def calculated(self, record: Record, column: str) -> bool:
        """False when the cell is a formula no spreadsheet has calculated (its value is unknown)."""
        return not self._uncalculated or (record.sheet, record.cell(column)) not in self._uncalculated

    @cached_property
    def _uncalculated(self) -> set[tuple[str, str | None]]:
        return {(sheet, cell) for sheet, cell in self.uncalculated}

    def table(self, name: str | None = None) -> TableData:
        if name is None:
            name = self.spec.tables[0].name
        return self.tables[name]

    def records(self, name: str | None = None) -> list[Record]:
        return self.table(name).records


# --- values -------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return str(value).strip()


def _date(value: Any, date1904: bool) -> Any:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 1 <= value < 2958466:
        epoch = _EXCEL_EPOCH_1904 if date1904 else _EXCEL_EPOCH
        return epoch + dt.timedelta(days=int(value))
    text = _text(value)
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    try:
        return dt.datetime.fromisoformat(text).date()
    except ValueError:
        return text


def _int(value: Any) -> Any:
    if isinstance(value, bool):
        return _text(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    text = _text(value)
    try:
        number = float(text)
    except ValueError:
        return text
    return int(number) if number.is_integer() else number


def _number(value: Any) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = _text(value).replace(",", "")
    pct = text.endswith("%")
    try:
        number = float(text.rstrip("%"))
    except ValueError:
        return _text(value)
    return number / 100 if pct else number


def _ids(value: Any, normalise: Any) -> list[str]:
    return [normalise(part) or part for part in ids.split_list(_text(value))]


def _typed(col: Column, date1904: bool) -> Callable[[Any], Any]:
    """How a non-blank cell becomes the column's type (or stays the cleaned text)."""
    t = col.type
    if t == "enum":
        seen: dict[Any, Any] = {}  # a column holds few distinct spellings: fold each once

        def enum(v: Any) -> Any:
            folded = seen.get(v)
            if folded is None:
                folded = col.canonical(_text(v)) or _text(v)
                if len(seen) < 1000:
                    seen[v] = folded
            return folded

        return enum
    if t == "text":
        return lambda v: v if v.__class__ is str else _text(v)
    if t == "control_id":
        return lambda v: ids.normalize_control_id(_text(v)) or _text(v)
    if t == "clause_id":
        return lambda v: ids.normalize_clause_id(_text(v)) or _text(v)
    if t == "ref_list":
        return lambda v: [ids.normalize_reference(part) for part in ids.split_list(_text(v))]
    if t == "risk_id":
        return lambda v: ids.normalize_risk_id(_text(v))
    if t == "control_list":
        return lambda v: _ids(v, ids.normalize_control_id)
    if t == "soc2_list":
        return lambda v: _ids(v, ids.normalize_soc2_id)
    if t == "risk_list":
        return lambda v: _ids(v, ids.normalize_risk_id)
    if t == "int":
        return _int
    if t in ("number", "percent"):
        return _number
    if t == "date":
        return lambda v: _date(v, date1904)
    return _text


@lru_cache(maxsize=512)
def converter(col: Column, date1904: bool = False) -> Callable[[Any], Any]:
    """A cell's value as the column's type; None for a blank cell."""
    typed = _typed(col, date1904)

    def convert_cell(value: Any) -> Any:
        if value is None or value == "":
            return None
        if value.__class__ is str:
            value = value.strip()
            if not value:
                return None
        return typed(value)

    return convert_cell


def convert(col: Column, value: Any, date1904: bool = False) -> Any:
    """A cell's value as the column's type, or the cleaned text when it is not of that type."""
    return converter(col, date1904)(value)


# --- grids ----------------------------------------------------------------------------------


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def find_header(
    grid: list[list[Any]], columns: tuple[Column, ...], key: str | None
) -> tuple[int, dict[str, int], dict[str, int]] | None:
    """The header row (0-based) among the first rows, with declared and extra column positions."""
    wanted = {k: c.name for c in reversed(columns) for k in reversed(c.keys)}  # a column's own name wins
    best: tuple[int, tuple[bool, int]] | None = None
    for r, row in enumerate(grid[:HEADER_SCAN_ROWS]):
        names = [wanted[header_key(v)] for v in row if not _blank(v) and header_key(v) in wanted]
        # A row holding the key column beats one with more hits but no key (a sub-header row of
        # reasons under a merged group cell, say): without the key no record could be read.
        rank = (key is None or key in names, len(names))
        if rank[1] >= 2 and (best is None or rank > best[1]):
            best = (r, rank)
    if best is None:
        return None
    r = best[0]
    found: dict[str, int] = {}
    extra: dict[str, int] = {}
    for c, v in enumerate(grid[r]):
        if _blank(v):
            continue
        name = wanted.get(header_key(v))
        if name and name not in found:
            found[name] = c
        elif not name:
            label = _text(v)
            if label not in extra:
                extra[label] = c
    if key and key not in found:
        return None
    return r, found, extra


def read_table(grid: list[list[Any]], spec: Sheet, sheet_name: str, date1904: bool = False) -> TableData:
    located = find_header(grid, spec.columns, spec.key)
    table = TableData(spec, sheet_name)
    if located is None:
        return table
    r0, found, extra = located
    table.header_row, table.columns, table.extra_columns = r0 + 1, found, extra
    by_name = {c.name: c for c in spec.columns}
    # One converter per column, chosen once: the loop below runs for every cell of the sheet.
    plan = [(name, c, converter(by_name[name], date1904)) for name, c in found.items()]
    absent = dict.fromkeys(c.name for c in spec.columns if c.name not in found)
    extras = list(extra.items())
    width = max([c for _, c, _ in plan] + [c for _, c in extras] + [0]) + 1
    records = table.records
    for r in range(r0 + 1, len(grid)):
        row = grid[r]
        if len(row) < width:
            row = row + [None] * (width - len(row))
        values = {name: conv(row[c]) for name, c, conv in plan}
        others = {label: row[c] for label, c in extras}
        if not any(v is not None for v in values.values()) and all(_blank(v) for v in others.values()):
            continue
        if absent:
            values.update(absent)
        records.append(Record(sheet_name, r + 1, values, others, found))
    return table


def read_form(grid: list[list[Any]], spec: Sheet, sheet_name: str, date1904: bool = False) -> FormData:
    """Fields (a label, its value to the right) above the first block; each block under its title."""
    form = FormData(spec, sheet_name)
    found: dict[str, int] = {}
    for block in spec.blocks:
        title = header_key(block.title)
        at = next((r for r, row in enumerate(grid) if any(not _blank(v) and header_key(v) == title for v in row[:3])), None)
        if at is not None:
            found[block.title] = at
    starts = sorted(found.values())
    for block in spec.blocks:
        if block.title not in found:
            continue
        at = found[block.title]
        end = next((r for r in starts if r > at), len(grid))
        part = read_table(grid[at + 1 : end], Sheet(spec.name, "table", block.columns), sheet_name, date1904)
        for rec in part.records:
            rec.row += at + 1
        form.blocks[block.title] = part.records
    fields_end = min(starts) if starts else len(grid)
    wanted = {k: c for c in reversed(spec.columns) for k in reversed(c.keys)}
    for r in range(min(fields_end, len(grid))):
        row = grid[r]
        for c, v in enumerate(row[:4]):
            label = header_key(_text(v).rstrip(":")) if not _blank(v) else ""
            if label not in wanted:
                continue
            col = wanted[label]
            if col.name in form.cells:
                break
            target = c + 1
            for k in range(c + 1, min(len(row), c + 6)):
                if not _blank(row[k]):
                    target = k
                    break
            value = row[target] if target < len(row) else None
            form.fields[col.name] = convert(col, value, date1904)
            form.cells[col.name] = cell_ref(r, target)
            form.rows[col.name] = r + 1
            break
    return form


# --- files ----------------------------------------------------------------------------------


def _csv_grid(path: Path) -> list[list[Any]]:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    try:
        dialect: Any = csv.Sniffer().sniff(text[:8192], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [list(row) for row in csv.reader(io.StringIO(text), dialect)]


_KIND_PROPERTY = re.compile(rb'name="ctk_kind"[^>]*>\s*<(?:\w+:)?lpwstr>\s*([a-z0-9_]{1,32})\s*<')


def _custom_kind(path: Path) -> str | None:
    """The kind recorded in the document's custom properties (survives Excel and LibreOffice).

    The guard has already checked the part (no DTD, bounded size), so a pattern reads it.
    """
    try:
        with zipfile.ZipFile(path) as zf:
            if "docProps/custom.xml" not in zf.namelist():
                return None
            match = _KIND_PROPERTY.search(zf.read("docProps/custom.xml"))
    except (zipfile.BadZipFile, OSError, KeyError, ValueError):  # a damaged property part: look at the sheets
        return None
    return match.group(1).decode("ascii") if match else None


class _Sheets:
    """Lazy access to a workbook's sheets as grids of Python values."""

    def __init__(self, path: Path, fmt: str) -> None:
        self.fmt = fmt
        self._grids: dict[str, list[list[Any]]] = {}
        self.hidden: list[str] = []
        if fmt == "csv":
            self.names = [path.stem]
            self._grids[path.stem] = _csv_grid(path)
            self._wb = None
            return
        from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

        try:
            self._wb = CalamineWorkbook.from_path(str(path))
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # noqa: BLE001 - calamine raises many kinds, panics included; all mean "unreadable"
            raise ReadError(f"the workbook cannot be read ({_one_line(exc)})") from None
        self.names = []
        for meta in self._wb.sheets_metadata:
            if meta.typ != SheetTypeEnum.WorkSheet:
                continue
            self.names.append(meta.name)
            if meta.visible != SheetVisibleEnum.Visible:
                self.hidden.append(meta.name)

    def grid(self, name: str) -> list[list[Any]]:
        if name not in self._grids:
            assert self._wb is not None
            try:
                sheet = self._wb.get_sheet_by_name(name)
                start = sheet.start
                # iter_rows counts rows from the top of the sheet but columns from the first used
                # one: pad them back so positions are the sheet's own (and every finding's cell).
                pad = [None] * start[1] if start and start[1] else None
                rows = [pad + r for r in sheet.iter_rows()] if pad else list(sheet.iter_rows())
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException as exc:  # noqa: BLE001 - a Rust panic in calamine is a BaseException
                raise ReadError(f"sheet {name!r} cannot be read ({_one_line(exc)})") from None
            self._grids[name] = rows
        return self._grids[name]

    def find(self, wanted: str) -> str | None:
        key = header_key(wanted)
        for name in self.names:
            if header_key(name) == key:
                return name
        return None


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:160]


def _detect(path: Path, sheets: _Sheets) -> Spec | None:
    recorded = _custom_kind(path) if sheets.fmt != "csv" else None
    if recorded in declared_kinds():
        return load_spec(recorded)
    specs = all_specs()
    best: tuple[int, Spec] | None = None
    for spec in specs:
        # The Cover is every kind's: a sheet of that name says nothing about which kind this is.
        score = sum(2 for s in spec.sheets if not s.shared and sheets.find(s.name))
        if score == 0 and sheets.fmt != "csv":
            continue
        for table in spec.tables:
            name = sheets.find(table.name) or (sheets.names[0] if len(sheets.names) == 1 else None)
            if name is None:
                continue
            located = find_header(sheets.grid(name), table.columns, table.key)
            if located:
                score += len(located[1])
        if score and (best is None or score > best[0]):
            best = (score, spec)
    return best[1] if best else None


def _locate_table(sheets: _Sheets, spec: Sheet, taken: set[str]) -> str | None:
    """The sheet holding a table: by name, else the untaken sheet whose headers fit best."""
    name = sheets.find(spec.name)
    if name:
        return name
    best: tuple[int, str] | None = None
    for candidate in sheets.names:
        if candidate in taken:
            continue
        located = find_header(sheets.grid(candidate), spec.columns, spec.key)
        # Half the columns other tools are expected to have: optional ones do not raise the bar.
        expected = sum(1 for c in spec.columns if not c.optional)
        if located and len(located[1]) * 2 >= expected and (best is None or len(located[1]) > best[0]):
            best = (len(located[1]), candidate)
    return best[1] if best else None


def read_workbook(path: str | os.PathLike[str], kind: str | None = None, limits: Limits = DEFAULT_LIMITS) -> WorkbookData:
    """Read any ctk workbook (or the SOC 2 control matrix as .xlsx or .csv) into records.

    Raises ReadError with a one-line cause when the file cannot or must not be read.
    """
    try:
        return _read(Path(path), kind, limits)
    except ReadError as exc:
        raise ReadError(str(exc), str(path)) from None
    except (MemoryError, RecursionError):
        raise ReadError("the workbook is too large or too deeply nested to read", str(path)) from None


def _read(p: Path, kind: str | None, limits: Limits) -> WorkbookData:
    info = inspect(p, limits)
    sheets = _Sheets(p, info.format)
    spec = load_spec(kind) if kind else _detect(p, sheets)
    if spec is None:
        raise ReadError(
            "not a ctk workbook: no sheet has the headers of a SOC 2 control matrix, gap assessment, "
            "risk register, Statement of Applicability, roadmap or cost summary"
        )
    book = WorkbookData(str(p), spec, sheet_names=list(sheets.names))
    book.notices.extend(info.warnings)
    book.uncalculated.extend(info.uncalculated)
    for name in sheets.hidden:
        book.notices.append(f"sheet {name!r} is hidden; it was read like any other sheet")
    taken: set[str] = set()
    for sheet_spec in spec.sheets:
        if sheet_spec.layout == "custom":
            found = sheets.find(sheet_spec.name)
            if found:
                taken.add(found)
            continue
        if sheet_spec.layout == "table":
            found = _locate_table(sheets, sheet_spec, taken)
            if found is None:
                book.tables[sheet_spec.name] = TableData(sheet_spec, None)
                if sheet_spec.fields_form is not None:
                    book.forms[sheet_spec.name] = FormData(sheet_spec.fields_form, None)
                continue
            taken.add(found)
            grid = sheets.grid(found)
            table = book.tables[sheet_spec.name] = read_table(grid, sheet_spec, found, info.date1904)
            above = sheet_spec.fields_form
            if above is not None:
                # The form lines above the header row (or, with no header found, the rows it is looked for in).
                end = table.header_row - 1 if table.header_row is not None else HEADER_SCAN_ROWS
                book.forms[sheet_spec.name] = read_form(grid[:end], above, found, info.date1904)
        else:
            found = sheets.find(sheet_spec.name)
            if found is None:
                book.forms[sheet_spec.name] = FormData(sheet_spec, None)
                continue
            taken.add(found)
            book.forms[sheet_spec.name] = read_form(sheets.grid(found), sheet_spec, found, info.date1904)
    book.extra_sheets = [n for n in sheets.names if n not in taken]
    return book


def read_grid(path: str | os.PathLike[str], sheet: str, limits: Limits = DEFAULT_LIMITS) -> list[list[Any]]:
    """The raw values of one sheet (for copying a client's extra sheets)."""
    p = Path(path)
    info = inspect(p, limits)
    return _Sheets(p, info.format).grid(sheet)
