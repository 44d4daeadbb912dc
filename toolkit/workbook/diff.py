"""`diff`: what changed between two versions of a workbook, record by record.

Records are paired by their key (Control ID, Clause, Risk ID, Task ID: each table's declared
`key`), never by position, so moved rows, reordered columns, blank rows and formatting make no
difference. Values are compared as the reader normalises them (`5.1` is `A.5.1`, `yes` is `Yes`,
a date is a date however it is formatted); extra columns are compared by header. Form sheets
are compared field by field, and the tables inside them (a change history) by their first
column. A key that appears more than once is paired in order of appearance, and said so.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from toolkit.errors import CtkError
from toolkit.workbook.cells import cell_ref
from toolkit.workbook.guard import DEFAULT_LIMITS, Limits, ReadError
from toolkit.workbook.reader import Record, TableData, WorkbookData, convert, read_grid, read_workbook
from toolkit.workbook.schema import Column, Sheet, header_key

ADDED, REMOVED, CHANGED = "added", "removed", "changed"
_TEXT = Column("text")


class KindMismatch(CtkError):
    """The two workbooks are not of the same kind: there is nothing to pair."""


@dataclass(frozen=True)
class Change:
    """One difference. `column` None: a whole record added or removed. `key` None: a change to the
    sheet itself (`scope` "column": a column added or removed; "field": a form's field)."""

    sheet: str
    key: str | None
    change: str  # added, removed, changed
    column: str | None
    old: Any
    new: Any
    old_row: int | None
    new_row: int | None
    scope: str = field(default="record", compare=False)  # record, column or field; not part of the JSON

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        del out["scope"]
        return out


@dataclass
class Diff:
    old: str
    new: str
    kind: str
    title: str
    changes: list[Change] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: values not compared because a formula cell had no calculated result in one of the files
    unknown: int = 0

    @property
    def summary(self) -> dict[str, int]:
        """How many changes of each type (`changed` counts values, `added`/`removed` records and columns)."""
        return {kind: sum(1 for c in self.changes if c.change == kind) for kind in (ADDED, REMOVED, CHANGED)}

    def count(self, scope: str, change: str) -> int:
        return sum(1 for c in self.changes if c.scope == scope and c.change == change)

    @property
    def changed_records(self) -> int:
        return len({(c.sheet, c.key) for c in self.changes if c.scope == "record" and c.change == CHANGED})

    @property
    def exit_code(self) -> int:
        """Like diff(1): 0 identical, 1 different."""
        return 1 if self.changes else 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "old": self.old,
            "new": self.new,
            "kind": self.kind,
            "changes": [c.as_dict() for c in self.changes],
            "summary": self.summary,
            "notes": list(self.notes),
        }


def article(title: str) -> str:
    """`a` or `an` before a workbook's title (`an Information Security Risk Register`)."""
    return "an" if title[:1].lower() in "aeiou" else "a"


def plain(value: Any) -> Any:
    """A value as JSON, text and a spreadsheet show it: lists joined, dates as ISO text."""
    if isinstance(value, (list, tuple)):
        return "; ".join(str(v) for v in value) if value else None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def natural_key(text: str | None) -> tuple[Any, ...]:
    """`A.5.9` before `A.5.10`, `R-2` before `R-10`; keys without a value last."""
    if text is None:
        return ((2, ""),)
    return tuple((0, int(p)) if p.isdigit() else (1, p.casefold()) for p in re.split(r"(\d+)", text) if p)


def diff_files(
    old: str | os.PathLike[str], new: str | os.PathLike[str], *, limits: Limits = DEFAULT_LIMITS, kind: str | None = None
) -> Diff:
    """Read both workbooks (ReadError when one cannot be read) and compare them; `kind` reads both
    as that kind whatever their headers resemble (`--kind`)."""
    force = kind is not None
    return diff_books(read_workbook(old, kind, limits, force=force), read_workbook(new, kind, limits, force=force))


def diff_books(old: WorkbookData, new: WorkbookData) -> Diff:
    """Compare two versions of the same kind of workbook; raise KindMismatch otherwise."""
    if old.kind != new.kind:
        raise KindMismatch(
            f"{old.path} is {article(old.spec.title)} {old.spec.title} ({old.kind}) but {new.path} is "
            f"{article(new.spec.title)} {new.spec.title} ({new.kind}); "
            "diff compares two versions of the same workbook"
        )
    result = Diff(old.path, new.path, old.kind, old.spec.title)
    _diff_sheets(result, old, new)
    for sheet in old.spec.sheets:
        if sheet.layout == "table":
            if sheet.fields_form is not None:  # the form lines above the table first
                _diff_form(result, sheet.fields_form, old, new)
            _diff_table(result, sheet, (old, old.tables[sheet.name]), (new, new.tables[sheet.name]))
        elif sheet.layout == "form":
            _diff_form(result, sheet, old, new)
    if result.unknown:
        result.notes.append(
            f"{result.unknown} value(s) not compared: formula cells with no calculated result (saved by a program that "
            "does not calculate); open and save the workbook in Excel or LibreOffice, then compare again"
        )
    return result


# --- sheets ----------------------------------------------------------------------------------


def _found(book: WorkbookData, name: str) -> str | None:
    """The name a declared table or form sheet has in `book` (None: not there)."""
    data = book.tables.get(name) or book.forms.get(name)
    return data.sheet if data is not None else None


def _same_content(old: WorkbookData, a: str, new: WorkbookData, b: str) -> bool:
    try:
        return read_grid(old.path, a)[:200] == read_grid(new.path, b)[:200]
    except (ReadError, OSError):
        return False


def _diff_sheets(out: Diff, old: WorkbookData, new: WorkbookData) -> None:
    """Sheets added, removed and renamed (a declared sheet found under another name, or a sheet
    whose content reappears under another name)."""
    renamed: dict[str, str] = {}
    for sheet in old.spec.sheets:
        a, b = _found(old, sheet.name), _found(new, sheet.name)
        if a is not None and b is not None and a != b:
            renamed[a] = b
    gone = [n for n in old.sheet_names if n not in new.sheet_names and n not in renamed]
    came = [n for n in new.sheet_names if n not in old.sheet_names and n not in renamed.values()]
    for a in list(gone):
        match = next((b for b in came if _same_content(old, a, new, b)), None)
        if match is not None:
            renamed[a] = match
            gone.remove(a)
            came.remove(match)
    for a, b in renamed.items():
        out.changes.append(Change(a, None, CHANGED, None, a, b, None, None, "sheet"))
    for name in gone:
        out.changes.append(Change(name, None, REMOVED, None, name, None, None, None, "sheet"))
    for name in came:
        out.changes.append(Change(name, None, ADDED, None, None, name, None, None, "sheet"))


# --- tables ----------------------------------------------------------------------------------


def _key_text(value: Any) -> str | None:
    value = plain(value)
    return None if value is None else str(value)


def _columns(table: TableData) -> dict[str, str]:
    """Comparable columns: folded header -> shown name (declared first, then extra)."""
    out = {header_key(c.name): c.name for c in table.spec.columns if c.name in table.columns}
    for label in table.extra_columns:
        out.setdefault(header_key(label), label)
    return out


def _value(rec: Record, folded: str) -> Any:
    for name in rec.values:
        if header_key(name) == folded:
            return plain(rec.values[name])
    for label, raw in rec.extra.items():
        if header_key(label) == folded:
            return plain(convert(_TEXT, raw))
    return None


def _cell_of(rec: Record, folded: str, table: TableData | None) -> str | None:
    for name, ref in rec.cells.items():
        if header_key(name) == folded:
            return ref
    if table is not None:
        for label, col in table.extra_columns.items():
            if header_key(label) == folded:
                return cell_ref(rec.row - 1, col)
    return None


def _unknown(book: WorkbookData, table: TableData | None = None) -> Callable[[Record, str], bool]:
    """Whether a record's value in a column is a formula no spreadsheet has calculated.

    The reader lists such cells (up to a limit); beyond it, a blank in a declared formula column of
    a workbook known to hold uncalculated formulas counts as unknown too.
    """
    cells = set(book.uncalculated)
    formulas = {header_key(c.name) for c in table.spec.columns if c.formula} if table is not None else set()

    def check(rec: Record, folded: str) -> bool:
        if not cells:
            return False
        if (rec.sheet, _cell_of(rec, folded, table)) in cells:
            return True
        return folded in formulas and _value(rec, folded) is None

    return check


def _times(n: int) -> str:
    return {0: "not at all", 1: "once", 2: "twice"}.get(n, f"{n} times")


def _pairs(
    sheet: str, old: Sequence[Record], new: Sequence[Record], key_of: Callable[[Record], str | None], notes: list[str]
) -> Iterator[tuple[str | None, Record | None, Record | None]]:
    """(key, old record, new record) paired by key; a repeated key is paired in order of appearance."""
    olds: dict[str | None, list[Record]] = {}
    news: dict[str | None, list[Record]] = {}
    for rec in old:
        olds.setdefault(key_of(rec), []).append(rec)
    for rec in new:
        news.setdefault(key_of(rec), []).append(rec)
    for key in sorted(set(olds) | set(news), key=natural_key):
        a, b = olds.get(key, []), news.get(key, [])
        if len(a) > 1 or len(b) > 1:
            shown = "rows without a key" if key is None else key
            notes.append(
                f"{sheet}: {shown} appears {_times(len(a))} in the old and {_times(len(b))} in the new workbook "
                f"(old rows {', '.join(str(r.row) for r in a) or '-'}; new rows {', '.join(str(r.row) for r in b) or '-'}); "
                "paired in order of appearance"
            )
        for i in range(max(len(a), len(b))):
            yield key, (a[i] if i < len(a) else None), (b[i] if i < len(b) else None)


def _diff_records(
    out: Diff,
    sheet: str,
    pairs: Iterator[tuple[str | None, Record | None, Record | None]],
    columns: dict[str, str],
    values: Callable[[Record, str], Any],
    unknown: tuple[Callable[[Record, str], bool], Callable[[Record, str], bool]],
) -> None:
    for key, a, b in pairs:
        if a is None and b is not None:
            out.changes.append(Change(sheet, key, ADDED, None, None, None, None, b.row))
        elif b is None and a is not None:
            out.changes.append(Change(sheet, key, REMOVED, None, None, None, a.row, None))
        elif a is not None and b is not None:
            for folded, name in columns.items():
                before, after = values(a, folded), values(b, folded)
                if before == after:
                    continue
                if unknown[0](a, folded) or unknown[1](b, folded):
                    out.unknown += 1
                else:
                    out.changes.append(Change(sheet, key, CHANGED, name, before, after, a.row, b.row))


def _diff_table(
    out: Diff, sheet: Sheet, old_side: tuple[WorkbookData, TableData], new_side: tuple[WorkbookData, TableData]
) -> None:
    (old_book, old), (new_book, new) = old_side, new_side
    shown = new.sheet or old.sheet or sheet.name  # where the consultant will look: the newer file
    for label, table in (("old", old), ("new", new)):
        if table.sheet is None or table.header_row is None:
            out.notes.append(
                f"{sheet.name}: not found in the {label} workbook; its records count as {'removed' if label == 'new' else 'added'}"
            )
    old_cols, new_cols = _columns(old), _columns(new)
    for folded, name in old_cols.items():
        if folded not in new_cols and new.header_row is not None:
            out.changes.append(Change(shown, None, REMOVED, name, None, None, old.header_row, None, "column"))
    for folded, name in new_cols.items():
        if folded not in old_cols and old.header_row is not None:
            out.changes.append(Change(shown, None, ADDED, name, None, None, None, new.header_row, "column"))
    columns = {**old_cols, **new_cols}
    key = sheet.key

    def key_of(rec: Record) -> str | None:
        return _key_text(rec.values.get(key)) if key else None

    pairs = _pairs(shown, old.records, new.records, key_of, out.notes)
    _diff_records(out, shown, pairs, columns, _value, (_unknown(old_book, old), _unknown(new_book, new)))


# --- forms -----------------------------------------------------------------------------------


def _diff_form(out: Diff, sheet: Sheet, old: WorkbookData, new: WorkbookData) -> None:
    a, b = old.forms[sheet.name], new.forms[sheet.name]
    old_unc, new_unc = set(old.uncalculated), set(new.uncalculated)
    if (a.sheet is None) != (b.sheet is None):
        which = "old" if a.sheet is None else "new"
        out.notes.append(f"{sheet.name}: not found in the {which} workbook; its fields are compared as blank")
    for col in sheet.columns:
        in_a, in_b = col.name in a.cells, col.name in b.cells
        before, after = plain(a.fields.get(col.name)), plain(b.fields.get(col.name))
        if in_a and not in_b and b.sheet is not None:
            out.changes.append(Change(sheet.name, None, REMOVED, col.name, before, None, a.rows.get(col.name), None, "field"))
        elif in_b and not in_a and a.sheet is not None:
            out.changes.append(Change(sheet.name, None, ADDED, col.name, None, after, None, b.rows.get(col.name), "field"))
        elif before != after and ((a.sheet, a.cells.get(col.name)) in old_unc or (b.sheet, b.cells.get(col.name)) in new_unc):
            out.unknown += 1
        elif before != after:
            out.changes.append(
                Change(sheet.name, None, CHANGED, col.name, before, after, a.rows.get(col.name), b.rows.get(col.name), "field")
            )
    for block in sheet.blocks:
        first = block.columns[0].name
        columns = {header_key(c.name): c.name for c in block.columns}

        def key_of(rec: Record, title: str = block.title, first: str = first) -> str | None:
            value = _key_text(rec.values.get(first))
            return f"{title}: {value}" if value is not None else f"{title}: (no {first})"

        pairs = _pairs(sheet.name, a.blocks.get(block.title, []), b.blocks.get(block.title, []), key_of, out.notes)
        _diff_records(out, sheet.name, pairs, columns, _value, (_unknown(old), _unknown(new)))
