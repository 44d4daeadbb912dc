"""One generic reader: any declared workbook kind, read with python-calamine (.xlsx, .ods) or as CSV.

Forgiving of what clients and other tools do (see `toolkit.workbook.tables`): the kind comes from
the headers on any sheet (sheet names are a hint), the header need not be row 1 and may span two
rows, headers are named as the client likes (English variants, German, French), the key column is
told by its values, ids are read as clients write them, rows that are not records are passed
over, merged cells give their value to every row they span, extra columns are kept. Strict about
what matters: every record keeps its sheet and 1-based row, so every finding can point at a cell,
and everything the reader forgave that changes a value (an id resolved by its title, a date that
was an id, a ragged CSV row, rows it did not read) is kept for a rule to say.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, cached_property, lru_cache
from pathlib import Path
from typing import Any

from toolkit.data import catalog, ids
from toolkit.data.fold import header_fold, title_similarity
from toolkit.workbook import csvfile, tables
from toolkit.workbook.cells import cell_ref
from toolkit.workbook.guard import DEFAULT_LIMITS, Limits, ReadError, inspect
from toolkit.workbook.schema import Column, Sheet, Spec, all_specs, declared_kinds, header_key, load_spec

HEADER_SCAN_ROWS = tables.HEADER_SCAN_ROWS
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_EXCEL_EPOCH_1904 = dt.date(1904, 1, 1)
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%d/%m/%Y", "%d.%m.%Y", "%d %b %Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y")
#: Below this score no table is taken for a kind's (a sheet that merely says `Owner` and `Status`).
FIT = 4.0


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


@dataclass(frozen=True)
class Resolved:
    """A key read otherwise than it is written, and why (`5.2` titled as A.5.20)."""

    row: int  # 1-based
    cell: str
    written: str
    read_as: str
    why: str


@dataclass
class TableData:
    spec: Sheet
    sheet: str | None  # the sheet's name in the file; None when not found
    header_row: int | None = None  # 1-based (the last row of a two-row header)
    columns: dict[str, int] = field(default_factory=dict)  # declared name -> 0-based column
    extra_columns: dict[str, int] = field(default_factory=dict)
    records: list[Record] = field(default_factory=list)
    #: ISO/IEC 27001 edition of a control column's ids: "2013" (A.9.2.1) or "2022"; None otherwise.
    scheme: str | None = None
    #: A header naming two declared columns at once (`Treatment / Owner`), and which.
    combined: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    #: 1-based first and last row of what follows the table without fitting it (not read).
    tail: tuple[int, int] | None = None
    #: CSV rows with more filled fields than the header: (1-based row, fields, header fields).
    ragged: list[tuple[int, int, int]] = field(default_factory=list)
    #: Keys resolved by their title (a number that lost its trailing zero).
    resolved: list[Resolved] = field(default_factory=list)
    #: Key cells a spreadsheet had turned into dates, read back as ids: (cell, id).
    dated: list[tuple[str, str]] = field(default_factory=list)
    #: Whether the sheet was found by its headers (not its name).
    by_headers: bool = False
    #: How many rows the header spans (2 under merged group cells).
    header_rows: int = 1

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
    #: "xlsx", "xlsm", "ods" or "csv".
    format: str = "xlsx"
    #: The kind ctk recorded in the file when it wrote it (None: a workbook ctk did not write).
    recorded: str | None = None
    #: What rules derive once per workbook and share (the risks with their ids, the methodology).
    memo: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def kind(self) -> str:
        return self.spec.kind

    @property
    def written_by_ctk(self) -> bool:
        return self.recorded == self.spec.kind

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


_text = tables.cell_text


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


def _int(value: Any, col: Column | None = None) -> Any:
    kind = value.__class__
    if kind is float:
        return int(value) if value.is_integer() else value
    if kind is int:
        return value
    if kind is bool:
        return _text(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    text = _text(value)
    try:
        number = float(text)
    except ValueError:
        # A qualitative scale the vocabulary knows (`Likely`, `Major`) reads as its number.
        spelled = col.canonical(text) if col is not None and col.aliases else None
        return int(spelled) if spelled is not None and spelled.lstrip("-").isdigit() else text
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


def _control_id(value: Any) -> Any:
    if value.__class__ is str:
        plain = ids.normalize_control_id(value)  # `A.5.1`, `5.1`: the usual spelling, read at once
        if plain is not None:
            return plain
    found = tables.control_key(value)
    return found.id if found is not None else _text(value)


_PLAIN_CONTROLS = re.compile(r"^\s*(?:A\.[5-8]\.\d{1,2}\s*(?:[;,\n]\s*|$))+$")


def _controls(value: Any) -> list[str]:
    text = _text(value)
    if _PLAIN_CONTROLS.match(text):  # `A.5.1; A.8.2`, as ctk writes them: split at once
        return [part for part in ids.split_list(text) if part]
    return _listed(*ids.control_ids_in(text))


_PLAIN_CRITERIA = re.compile(r"^\s*(?:(?:CC|PI|A|C|P)\d{1,2}\.\d{1,2}\s*(?:[;,\n]\s*|$))+$")


def _criteria(value: Any) -> list[str]:
    text = _text(value)
    if _PLAIN_CRITERIA.match(text):  # `CC6.1; CC6.2`, as ctk writes them: split at once
        return [part for part in ids.split_list(text) if part]
    return _listed(*ids.soc2_ids_in(text))


def _clause_id(value: Any) -> Any:
    found = tables.clause_key(value)
    return found if found is not None else ids.normalize_clause_id(_text(value)) or _text(value)


def _listed(found: list[str], leftover: list[str]) -> list[str]:
    """The ids a cell names, then what in it names none (kept as written, for a rule to report)."""
    return [*found, *leftover]


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
        return _control_id
    if t == "clause_id":
        return _clause_id
    if t == "ref_list":
        return lambda v: [ids.normalize_reference(part) for part in ids.split_list(_text(v))]
    if t == "risk_id":
        return lambda v: ids.normalize_risk_id(_text(v))
    if t == "control_list":
        return _controls
    if t == "soc2_list":
        return _criteria
    if t == "risk_list":
        return lambda v: _ids(v, ids.normalize_risk_id)
    if t == "int":
        if not col.aliases:
            return _int

        def scaled(v: Any) -> Any:
            kind = v.__class__
            if kind is float:
                return int(v) if v.is_integer() else v
            return v if kind is int else _int(v, col)

        return scaled
    if t in ("number", "percent"):
        return _number
    if t == "date":
        return lambda v: _date(v, date1904)
    return _text


@lru_cache(maxsize=512)
def converter(col: Column, date1904: bool = False) -> Callable[[Any], Any]:
    """A cell's value as the column's type; None for a blank cell or a dash that stands for one."""
    typed = _typed(col, date1904)

    def convert_cell(value: Any) -> Any:
        if value is None or value == "":
            return None
        if value.__class__ is str:
            value = value.strip()
            if not value or (value[0] in "-–—" and not value.strip("-–— ")):
                return None
        return typed(value)

    return convert_cell


def convert(col: Column, value: Any, date1904: bool = False) -> Any:
    """A cell's value as the column's type, or the cleaned text when it is not of that type."""
    return converter(col, date1904)(value)


def _fits(col: Column) -> Callable[[Any], bool] | None:
    """Whether a cell holds a value of a typed column (what a header matched on its leading words
    must show before the column is taken)."""
    t = col.type
    if t == "enum":
        return lambda v: col.canonical(_text(v)) is not None
    if t == "int":
        return lambda v: isinstance(_int(v, col), int)
    if t in ("number", "percent"):
        return lambda v: isinstance(_number(v), (int, float))
    if t == "date":
        return lambda v: isinstance(_date(v, False), dt.date)
    if t == "control_list":
        return lambda v: bool(ids.control_ids_in(_text(v))[0])
    if t == "soc2_list":
        return lambda v: bool(ids.soc2_ids_in(_text(v))[0])
    return None


@cache
def _named(spec: Sheet) -> tuple[tables.Named, ...]:
    return tuple(tables.Named(c.name, c.headers, c.strong, _fits(c)) for c in spec.columns)


def _key_type(spec: Sheet) -> str:
    return spec.column(spec.key).type if spec.key else "text"


# --- locating a table ---------------------------------------------------------------------


@dataclass
class _Found:
    """A table's layout on one sheet, and how well the sheet fits the table (worked out when asked:
    a workbook ctk wrote is read by its sheet names and never needs it)."""

    sheet: str
    layout: tables.Layout
    by_name: bool
    grid: list[list[Any]] = field(repr=False)
    spec: Sheet = field(repr=False)
    trusted: bool = False  # located in a workbook ctk wrote

    @cached_property
    def score(self) -> float:
        return _score(self.grid, self.spec, self.layout) + (2.0 if self.by_name else 0.0)


def _score(grid: list[list[Any]], spec: Sheet, layout: tables.Layout) -> float:
    """How well a located header fits a table: the key (by its values) counts most, typed columns
    by how much of their content is of their type, the rest one each (half when matched only by
    their leading words)."""
    by_name = {c.name: c for c in spec.columns}
    fits = {c.name: c.fits for c in _named(spec)}
    sample = grid[layout.body : layout.body + 60]
    score = 0.0
    for name, c in layout.columns.items():
        if name == spec.key:
            score += 1.0 if layout.key_fit is None and layout.key_by_value else 3.0
            continue
        test = fits.get(name)
        strength = layout.strength.get(name, tables.EXACT)
        base = 1.0 if strength >= tables.EXACT else 0.5
        if test is not None:
            vals = [row[c] for row in sample if c < len(row) and not tables.placeholder(row[c])]
            if vals:
                share = sum(1 for v in vals if test(v)) / len(vals)
                base = 0.5 + share if strength >= tables.EXACT else share
        if by_name[name].computed:
            base *= 0.75
        score += base
    return score


class _Sheets:
    """Lazy access to a workbook's sheets as grids of Python values (merged cells filled down)."""

    def __init__(self, path: Path, fmt: str, limits: Limits) -> None:
        self.fmt = fmt
        self._grids: dict[str, list[list[Any]]] = {}
        self._merged: dict[str, list[tables.Merged]] = {}
        self._found: dict[tuple[str, str, str], _Found | None] = {}
        self.hidden: list[str] = []
        self.csv: csvfile.CsvTable | None = None
        #: A workbook ctk wrote (its kind recorded): its headers are taken at their word.
        self.trusted = False
        if fmt == "csv":
            try:
                self.csv = csvfile.read_csv(path.read_bytes(), limits.max_cells)
            except csvfile.CsvError as exc:
                raise ReadError(str(exc)) from None
            self.names = [path.stem]
            self._grids[path.stem] = [list(r) for r in self.csv.rows]
            self._merged[path.stem] = []
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
                merged = list(sheet.merged_cell_ranges or ())
            except (KeyboardInterrupt, SystemExit):
                raise
            except BaseException as exc:  # noqa: BLE001 - a Rust panic in calamine is a BaseException
                raise ReadError(f"sheet {name!r} cannot be read ({_one_line(exc)})") from None
            tables.fill_merged(rows, merged)
            self._grids[name] = rows
            self._merged[name] = merged
        return self._grids[name]

    def merged(self, name: str) -> list[tables.Merged]:
        self.grid(name)
        return self._merged[name]

    def find(self, wanted: str) -> str | None:
        key = header_fold(wanted)
        for name in self.names:
            if header_fold(name) == key:
                return name
        return None

    def locate(self, name: str, spec: Sheet, key_column: int | None = None) -> _Found | None:
        """The table's layout on sheet `name`, if its header is there."""
        memo = (name, spec.name, str(key_column))
        if memo not in self._found:
            grid = self.grid(name)
            layout = tables.locate(
                grid,
                _named(spec),
                spec.key,
                _key_type(spec),
                self.merged(name),
                spec.title,
                key_column=key_column,
                trusted=self.trusted,
            )
            found = None
            if layout is not None:
                by_name = header_fold(name) == header_fold(spec.name)
                found = _Found(name, layout, by_name, grid, spec, self.trusted)
            self._found[memo] = found
        return self._found[memo]


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:160]


def _fit(found: _Found | None, spec: Sheet) -> bool:
    """Whether a located header is this table's: its key column, or enough of its columns."""
    if found is None:
        return False
    layout = found.layout
    if spec.key is not None and spec.key in layout.columns:
        return found.score >= FIT or found.by_name
    return layout.hits >= 4 and found.score >= FIT + 1


def _best(sheets: _Sheets, spec: Sheet, taken: set[str]) -> _Found | None:
    """The sheet that holds a table: one named after it whose header fits, else the untaken sheet
    whose header fits best."""
    named = sheets.find(spec.name)
    if named is not None:
        found = sheets.locate(named, spec)
        if found is not None and (found.layout.hits >= 2 or not taken):
            return found
    best: _Found | None = None
    for name in sheets.names:
        if name in taken:
            continue
        found = sheets.locate(name, spec)
        if _fit(found, spec) and (best is None or found.score > best.score):  # type: ignore[union-attr]
            best = found
    return best


@dataclass
class _Candidate:
    spec: Spec
    score: float
    fits: bool
    tables: dict[str, _Found]
    missed: list[str]
    sheets: _Sheets | None = None


def _own_tables(spec: Spec) -> list[Sheet]:
    """The tables a kind is recognised by (a sheet copied from another kind is not its own)."""
    return [t for t in spec.tables if t.copy_of is None]


def _candidate(sheets: _Sheets, spec: Spec) -> _Candidate:
    taken: set[str] = set()
    found: dict[str, _Found] = {}
    score = 0.0
    own = _own_tables(spec)
    for table in own:
        best = _best(sheets, table, taken)
        if best is not None and _fit(best, table):
            found[table.name] = best
            taken.add(best.sheet)
            score += best.score
    for form in spec.sheets:
        # The Cover is every kind's: a sheet of that name says nothing about which kind this is.
        if form.layout == "form" and not form.shared and sheets.find(form.name):
            score += 1.0
    first = own[0] if own else None
    fits = first is not None and first.name in found
    missed: list[str] = []
    if first is not None:
        located = [f for f in (sheets.locate(n, first) for n in sheets.names) if f is not None]
        closest = max(located, key=lambda f: f.score, default=None)
        if closest is not None and not fits:
            score = max(score, closest.score)
        have = closest.layout.columns if closest is not None else {}
        missed = [c.name for c in first.columns if not c.computed and c.name not in have]
    return _Candidate(spec, score, fits, found, missed, sheets)


def _detect(sheets: _Sheets) -> tuple[_Candidate | None, list[_Candidate]]:
    """The kind whose tables the sheets hold best, and every kind's candidate (for the message)."""
    candidates = [_candidate(sheets, spec) for spec in all_specs()]
    fitting = [c for c in candidates if c.fits]
    best = max(fitting, key=lambda c: c.score, default=None)
    return best, candidates


def _closest_by_headers(pool: list[_Candidate]) -> _Candidate | None:
    """The kind whose first table's headers a sheet names most, even one header: for the message."""
    best: tuple[int, _Candidate] | None = None
    for cand in pool:
        own = _own_tables(cand.spec)
        if not own or cand.sheets is None:
            continue
        spell = tables.spellings(_named(own[0]))
        for name in cand.sheets.names:
            rows = cand.sheets.grid(name)[: tables.HEADER_SCAN_ROWS]
            for row in rows:
                named = {
                    tables.candidates(v, spell)[1][0]
                    for v in row
                    if isinstance(v, str) and tables.candidates(v, spell)[0] >= tables.EXACT
                }
                weight = len(named) + (1 if own[0].key in named else 0)  # the key says most
                if named and (best is None or weight > best[0]):
                    missed = [c.name for c in own[0].columns if not c.computed and c.name not in named]
                    best = (weight, _Candidate(cand.spec, 0.5, False, {}, missed, cand.sheets))
    return best[1] if best else None


def _not_this(candidates: list[_Candidate], wanted: str | None = None) -> str:
    """Why no kind was taken: the closest kind, and the headers it missed."""
    pool = [c for c in candidates if wanted is None or c.spec.kind == wanted]
    closest = max(pool, key=lambda c: c.score, default=None)
    if closest is not None and closest.score <= 0:
        closest = _closest_by_headers(pool)
    if closest is None:
        if wanted is not None:
            return f"not {load_spec(wanted).a}: no sheet has its headers"
        return (
            "not a ctk workbook: no sheet has the headers of a SOC 2 control matrix, gap assessment, risk register, "
            "Statement of Applicability, roadmap or cost summary"
        )
    table = _own_tables(closest.spec)[0]
    missing = ", ".join(f"'{m}'" for m in closest.missed[:6])
    more = f" and {len(closest.missed) - 6} more" if len(closest.missed) > 6 else ""
    if wanted is not None:
        return f"not {closest.spec.a}: no sheet has its '{table.name}' headers (missing {missing}{more})"
    return (
        f"not a ctk workbook: the closest is {closest.spec.a}, but no sheet has enough of its '{table.name}' "
        f"headers (missing {missing}{more}); rename the headers, or give --kind"
    )


# --- reading a table --------------------------------------------------------------------------


def _scheme(grid: list[list[Any]], layout: tables.Layout, kc: int) -> str:
    """The edition of a control column's ids, by most of its first cells: 2013 (`A.9.2.1`) or 2022."""
    counts = {"2013": 0, "2022": 0}
    for row in tables.first_block(grid, layout.body):
        if kc < len(row):
            found = tables.control_key(row[kc])
            if found is not None:
                counts[found.scheme] += 1
    return "2013" if counts["2013"] > counts["2022"] else "2022"


def read_table(
    grid: list[list[Any]],
    spec: Sheet,
    sheet_name: str,
    date1904: bool = False,
    found: _Found | None = None,
    keep: Callable[[Any], bool] | None = None,
) -> TableData:
    """The records of one table on one sheet (`keep`: which key cells belong to it, when two tables
    share the sheet)."""
    table = TableData(spec, sheet_name)
    layout = found.layout if found is not None else tables.locate(grid, _named(spec), spec.key, _key_type(spec), title=spec.title)
    if layout is None:
        return table
    table.header_row, table.columns, table.extra_columns = layout.header_rows[-1] + 1, dict(layout.columns), dict(layout.extra)
    table.combined = list(layout.combined)
    table.header_rows = len(layout.header_rows)
    table.by_headers = found is not None and not found.by_name
    key_type = _key_type(spec)
    kc = table.columns.get(spec.key) if spec.key else None
    if kc is not None and key_type == "control_id":
        trusted = found is not None and found.trusted
        table.scheme = "2022" if trusted else _scheme(grid, layout, kc)
    by_name = {c.name: c for c in spec.columns}
    # One converter per column, chosen once: the loop below runs for every cell of the sheet.
    plan = [(name, c, converter(by_name[name], date1904)) for name, c in table.columns.items()]
    absent = dict.fromkeys(c.name for c in spec.columns if c.name not in table.columns)
    extras = list(table.extra_columns.items())
    width = max([c for _, c, _ in plan] + [c for _, c in extras] + [0]) + 1
    rows = tables.RowFilter(grid, layout, spec.key, key_type, scheme_2013=table.scheme == "2013")
    header_raw, probe = rows.header_raw, rows.probe
    fast = key_type != "control_id"  # short tables of controls go through every check
    records = table.records
    columns = table.columns
    blank = tables.blank
    for r in range(layout.body, len(grid)):
        row = grid[r]
        if len(row) < width:
            row = row + [None] * (width - len(row))
        values = {name: conv(row[c]) for name, c, conv in plan}
        filled = len(values) - list(values.values()).count(None)
        for _, c in extras:
            if not blank(row[c]):
                filled += 1
        key_filled = kc is not None and values[spec.key] is not None  # type: ignore[index]
        if fast and filled > 1 and not rows.after_blank:
            p = row[probe]
            verdict = tables.RECORD
            if p.__class__ is str and p.strip().casefold() in header_raw:
                verdict = rows.classify(r, row, filled, key_filled)
        else:
            verdict = rows.classify(r, row, filled, key_filled)
        if verdict == tables.STOP:
            break
        if verdict != tables.RECORD:
            continue
        if keep is not None and kc is not None and not keep(row[kc]):
            continue
        if absent:
            values.update(absent)
        records.append(Record(sheet_name, r + 1, values, {label: row[c] for label, c in extras}, columns))
    table.tail = rows.tail
    if kc is not None and key_type == "control_id":
        _read_keys(table, grid, kc, spec)
    return table


def _read_keys(table: TableData, grid: list[list[Any]], kc: int, spec: Sheet) -> None:
    """Keys a spreadsheet changed, read back: dates that were ids, and numbers whose trailing zero
    fell off (`5.2` for A.5.20), told by the row's title."""
    titles = table.columns.get(spec.title) if spec.title else None
    annex = catalog.annex_a()
    for rec in table.records:
        raw = grid[rec.row - 1][kc] if kc < len(grid[rec.row - 1]) else None
        cid = rec.values[spec.key]  # type: ignore[index]
        if isinstance(raw, dt.date) and isinstance(cid, str) and cid.startswith("A."):
            table.dated.append((cell_ref(rec.row - 1, kc), cid))
            continue
        if titles is None or not isinstance(cid, str) or table.scheme == "2013":
            continue
        other = ids.lost_zero(cid)
        if other is None or cid not in annex or other not in annex:
            continue
        written = _text(raw)
        if not re.fullmatch(r"\s*A?\.?\s*\d\s*\.\s*\d\s*", written):
            continue  # written out in full (`A.5.2`, `5.20`): nothing fell off
        title = grid[rec.row - 1][titles] if titles < len(grid[rec.row - 1]) else None
        if tables.blank(title):
            continue
        mine, theirs = title_similarity(title, annex[cid].title), title_similarity(title, annex[other].title)
        if theirs >= 0.5 and theirs > mine:
            rec.values[spec.key] = other  # type: ignore[index]
            why = f"its title is {other}'s ({annex[other].title})"
            table.resolved.append(Resolved(rec.row, cell_ref(rec.row - 1, kc), written, other, why))


def read_form(grid: list[list[Any]], spec: Sheet, sheet_name: str, date1904: bool = False) -> FormData:
    """Fields (a label, its value to the right) above the first block; each block under its title."""
    form = FormData(spec, sheet_name)
    found: dict[str, int] = {}
    for block in spec.blocks:
        title = header_fold(block.title)
        at = next(
            (r for r, row in enumerate(grid) if any(not tables.blank(v) and header_fold(v) == title for v in row[:3])), None
        )
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
            label = header_fold(_text(v)) if not tables.blank(v) else ""
            if label not in wanted:
                continue
            col = wanted[label]
            if col.name in form.cells:
                break
            target = c + 1
            for k in range(c + 1, min(len(row), c + 6)):
                if not tables.blank(row[k]):
                    target = k
                    break
            value = row[target] if target < len(row) else None
            form.fields[col.name] = convert(col, value, date1904)
            form.cells[col.name] = cell_ref(r, target)
            form.rows[col.name] = r + 1
            break
    return form


# --- files ----------------------------------------------------------------------------------


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


def read_workbook(
    path: str | os.PathLike[str], kind: str | None = None, limits: Limits = DEFAULT_LIMITS, *, force: bool = False
) -> WorkbookData:
    """Read any workbook ctk knows (or a SOC 2 matrix, an SoA or a register from elsewhere, as
    .xlsx, .ods or .csv) into records.

    `kind` is the kind the caller expects: a workbook that is plainly another kind is refused
    ("a risk register, not a gap assessment"). With `force` (the user's `--kind`) it is read as
    `kind` whatever else it resembles. Raises ReadError with a one-line cause when the file cannot
    or must not be read.
    """
    try:
        return _read(Path(path), kind, limits, force)
    except ReadError as exc:
        raise ReadError(str(exc), str(path)) from None
    except (MemoryError, RecursionError):
        raise ReadError("the workbook is too large or too deeply nested to read", str(path)) from None


def _read(p: Path, kind: str | None, limits: Limits, force: bool) -> WorkbookData:
    info = inspect(p, limits)
    sheets = _Sheets(p, info.format, limits)
    recorded = _custom_kind(p) if info.format in ("xlsx", "xlsm") else None
    if recorded not in declared_kinds():
        recorded = None
    spec = _choose(sheets, kind, recorded, force)
    sheets.trusted = recorded == spec.kind
    book = WorkbookData(str(p), spec, sheet_names=list(sheets.names), format=info.format, recorded=recorded)
    book.notices.extend(info.warnings)
    book.uncalculated.extend(info.uncalculated)
    for name in sheets.hidden:
        book.notices.append(f"sheet {name!r} is hidden; it was read like any other sheet")
    taken: set[str] = set()
    keys: dict[str, tuple[str, int]] = {}  # table -> (sheet, key column) it was read from
    for sheet_spec in spec.sheets:
        if sheet_spec.layout == "custom":
            found_name = sheets.find(sheet_spec.name)
            if found_name:
                taken.add(found_name)
            continue
        if sheet_spec.layout == "table":
            table, shared = _read_one(sheets, sheet_spec, taken, keys, info.date1904)
            book.tables[sheet_spec.name] = table
            above = sheet_spec.fields_form
            if above is not None:
                if table.sheet is None:
                    book.forms[sheet_spec.name] = FormData(above, None)
                else:
                    # The form lines above the header row (or, with no header found, the rows it is looked for in).
                    first = table.header_row - table.header_rows if table.header_row is not None else HEADER_SCAN_ROWS
                    book.forms[sheet_spec.name] = read_form(sheets.grid(table.sheet)[:first], above, table.sheet, info.date1904)
            if shared is not None:  # the rows this table took are not the other one's
                kc = keys[shared][1]
                grid = sheets.grid(keys[shared][0])
                own = _key_type(sheet_spec)
                book.tables[shared].records = [
                    r
                    for r in book.tables[shared].records
                    if not (kc < len(grid[r.row - 1]) and _shared_key(grid[r.row - 1][kc], own))
                ]
        else:
            found_name = sheets.find(sheet_spec.name)
            if found_name is None:
                book.forms[sheet_spec.name] = FormData(sheet_spec, None)
                continue
            taken.add(found_name)
            book.forms[sheet_spec.name] = read_form(sheets.grid(found_name), sheet_spec, found_name, info.date1904)
    if force and not any(t.sheet is not None for t in book.tables.values() if t.spec.copy_of is None):
        raise ReadError(_not_this([_candidate(sheets, spec)], spec.kind))
    if sheets.csv is not None:
        for table in book.tables.values():
            if table.sheet is not None and table.header_row is not None:
                last = table.tail[0] - 1 if table.tail else len(sheets.csv.rows)
                rows = {rec.row for rec in table.records}
                table.ragged = [r for r in csvfile.ragged(sheets.csv.rows[:last], table.header_row - 1) if r[0] in rows]
    book.extra_sheets = [n for n in sheets.names if n not in taken]
    return book


def _choose(sheets: _Sheets, kind: str | None, recorded: str | None, force: bool) -> Spec:
    """The kind to read the file as: the recorded one, the one asked for, or the one its headers show."""
    if kind is not None and (force or recorded == kind):
        return load_spec(kind)
    if recorded is not None:
        if kind is not None and kind != recorded:
            raise ReadError(f"{load_spec(recorded).a} (ctk wrote it as one), not {load_spec(kind).a}")
        return load_spec(recorded)
    best, candidates = _detect(sheets)
    if kind is None:
        if best is None:
            raise ReadError(_not_this(candidates))
        return best.spec
    wanted = next(c for c in candidates if c.spec.kind == kind)
    if best is not None and best.spec.kind != kind and (not wanted.fits or best.score > wanted.score * 1.5):
        raise ReadError(f"{best.spec.a}, not {load_spec(kind).a}: its headers are those of {best.spec.a}")
    if not wanted.fits:
        raise ReadError(_not_this(candidates, kind))
    return wanted.spec


def _read_one(
    sheets: _Sheets, spec: Sheet, taken: set[str], keys: dict[str, tuple[str, int]], date1904: bool
) -> tuple[TableData, str | None]:
    """One table, and the table it shares its sheet with (if it does)."""
    found = _best(sheets, spec, taken)
    if found is not None:
        taken.add(found.sheet)
        table = read_table(sheets.grid(found.sheet), spec, found.sheet, date1904, found)
        if spec.key and spec.key in table.columns:
            keys[spec.name] = (found.sheet, table.columns[spec.key])
        return table, None
    # A client's one table may hold two of the kind's tables (a gap list of clauses and controls
    # together): the sheet and key column of a table already read, its rows shared by key.
    own = _key_type(spec)
    if own not in ("clause_id", "control_id"):
        return TableData(spec, None), None
    for other, (sheet, kc) in keys.items():
        grid = sheets.grid(sheet)
        if not any(kc < len(row) and _shared_key(row[kc], own) for row in grid[:2000]):
            continue
        shared = sheets.locate(sheet, spec, key_column=kc)
        if shared is not None:
            return read_table(grid, spec, sheet, date1904, shared, keep=lambda v: _shared_key(v, own)), other
    return TableData(spec, None), None


def _shared_key(value: Any, key_type: str) -> bool:
    """In a list of clauses and controls together, whether a key is of this table's type: a clause
    is one written `Clause 9` or not shaped like a control (`9.2`)."""
    if key_type == "clause_id":
        return tables.control_key(value) is None and tables.clause_key(value) is not None
    if key_type == "control_id":
        return tables.control_key(value) is not None
    return tables.free_key(value)


def read_grid(path: str | os.PathLike[str], sheet: str, limits: Limits = DEFAULT_LIMITS) -> list[list[Any]]:
    """The raw values of one sheet (for copying a client's extra sheets)."""
    p = Path(path)
    info = inspect(p, limits)
    return _Sheets(p, info.format, limits).grid(sheet)


__all__ = ["FormData", "Record", "TableData", "WorkbookData", "convert", "converter", "header_key", "read_workbook"]
