"""Regeneration: a new workbook from the new inputs, merged three ways with the client's copy.

Each input cell is compared in three versions: what ctk sent (the record the client's copy
carries, `toolkit.workbook.record`), what the client returned, and what the new inputs give.

- the client left it as sent: it is refreshed from the new inputs;
- the client changed it: the client's value is kept;
- both changed it (to different values): the client's value is kept and the cell is a conflict,
  reported at its cell and recorded in the new workbook (`ctk validate` reports it too).

Rows ctk generates are paired by their subject (`subject` in the declaration: a roadmap task by
its Reference; else the key: an SoA row by its control), never by position. A row the client
added is kept; a row the client deleted stays deleted; a row ctk no longer generates (a closed
gap's task) is kept and marked, never silently dropped. Where the key is an ID ctk hands out
(a task's `Task ID`), a row keeps its ID once sent; new rows get free IDs, and the columns that
cite IDs (`refers`) follow. Rows the client owns (`rows = "client"`) are compared row by row.

Computed columns are always refreshed. Every extra column, row and sheet of the client's is
kept; what cannot be carried (images, comments...) is named in a warning. A workbook with no
record (from before the record existed, or saved by a program that drops document properties)
is merged as before: every input value in it counts as the client's, with one warning. The
client's file is only read.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from toolkit.findings import REVIEW_SHEET
from toolkit.workbook import record as rec
from toolkit.workbook.guard import DEFAULT_LIMITS, Limits
from toolkit.workbook.package import uncarried
from toolkit.workbook.reader import FormData, Record, TableData, WorkbookData, read_grid, read_workbook
from toolkit.workbook.record import Conflict, FormRecord, SentRecord, TableRecord
from toolkit.workbook.schema import Column, Sheet, Spec, load_spec
from toolkit.workbook.writer import Book, ExtraSheet, Form, Table

#: Conflict texts (what the new inputs give) are cut to this length in the record and messages.
SHOWN = 160
_NUMBERED = re.compile(r"^(.*?)(\d+)$")
_TOKENS = re.compile(r"\s*[,;\n]\s*")


@dataclass
class Merged:
    """What a merge did: the record to write with the new workbook, and what to tell the user."""

    record: SentRecord
    notes: list[str] = field(default_factory=list)
    #: Rows kept although ctk no longer generates them, by sheet (their subjects).
    orphans: dict[str, list[str]] = field(default_factory=dict)
    #: Rows the client deleted that stay deleted, by sheet (their subjects).
    deleted: dict[str, list[str]] = field(default_factory=dict)

    @property
    def conflicts(self) -> list[Conflict]:
        return self.record.conflicts


def shown(value: Any) -> str:
    text = rec.canon(value).replace("\x1f", "; ")
    return text if len(text) <= SHOWN else text[: SHOWN - 3] + "..."


display = rec.display


# --- the record of a workbook as generated ------------------------------------------------------


def table_record(sheet: Sheet, records: Iterable[Mapping[str, Any]]) -> TableRecord:
    columns = rec.recorded_columns(sheet)
    mode = "rows" if sheet.rows == "client" else "cells"
    out = TableRecord([c.name for c in columns], mode)
    rows = rec.Rows(columns)
    digest = rows.whole if mode == "rows" else rows.cells
    for subject, row in _subjects(sheet, records):
        if subject is not None:
            out.rows[subject] = digest(row)
    return out


def form_record(sheet: Sheet, form: Form) -> FormRecord:
    out = FormRecord()
    for col in sheet.columns:
        if not col.computed:
            out.fields[col.name] = rec.cell_digest(col, form.fields.get(col.name))
    for block in sheet.blocks:
        if any(not c.computed for c in block.columns):
            out.blocks[block.title] = rec.block_digest(block.columns, form.blocks.get(block.title, ()))
    return out


def record_of(spec: Spec, book: Book) -> SentRecord:
    """The record of `book` as ctk generates it (no client copy to merge)."""
    out = SentRecord(spec.kind, spec.schema_version)
    for sheet in spec.sheets:
        if sheet.layout == "table":
            out.tables[sheet.name] = table_record(sheet, book.tables.get(sheet.name, Table([])).records)
        form = _form_of(sheet)
        if form is not None:
            out.forms[sheet.name] = form_record(form, book.forms.get(sheet.name, Form({})))
    return out


def _form_of(sheet: Sheet) -> Sheet | None:
    """The form part of a sheet: a form sheet itself, or a table's form lines above its header."""
    return sheet if sheet.layout == "form" else sheet.fields_form if sheet.layout == "table" else None


_subjects = rec.indexed_subjects


def _record_subjects(sheet: Sheet, records: Iterable[Record]) -> list[tuple[str | None, Record]]:
    by_id = {id(r.values): r for r in records}
    return [(subject, by_id[id(values)]) for subject, values in _subjects(sheet, (r.values for r in by_id.values()))]


# --- stable keys ----------------------------------------------------------------------------------


def _stable_keys(spec: Spec, book: Book, old: WorkbookData, base: SentRecord | None) -> dict[str, str | None]:
    """Give each generated row the key it was sent with; new rows a free key. Returns new key -> kept key
    (None: the row was deleted by the client), for the columns that cite keys to follow."""
    mapping: dict[str, str | None] = {}
    for sheet in spec.tables:
        key = sheet.key
        if sheet.subject is None or key is None or sheet.column(key).computed:
            continue
        table = book.tables.get(sheet.name)
        theirs = old.tables.get(sheet.name)
        if table is None or theirs is None or theirs.sheet is None:
            continue
        by_subject = {s: v for s, v in _subjects(sheet, (r.values for r in theirs.records)) if s is not None}
        known = base.tables.get(sheet.name) if base is not None else None
        taken = {rec.canon(r.values.get(key)) for r in theirs.records} - {""}
        rows = [dict(r) for r in table.records]
        fresh: list[dict[str, Any]] = []
        for subject, seen in _subjects(sheet, rows):
            row = seen
            assert isinstance(row, dict)  # the row itself, from `rows`: changed in place
            ours = rec.canon(row.get(key))
            if subject is None or subject.startswith("#"):
                continue  # a row known by its key keeps it: the key is what it is about
            mine = by_subject.get(subject)
            if mine is not None:
                kept = rec.canon(mine.get(key)) or ours
                mapping[ours] = kept
                row[key] = kept
            elif known is not None and (subject in known.rows or subject in known.orphans):
                mapping[ours] = None  # the client deleted it: it stays deleted (see merge_table)
            else:
                fresh.append(row)
        for row in fresh:
            ours = rec.canon(row.get(key))
            kept = ours if ours and ours not in taken else _free(ours, taken)
            taken.add(kept)
            mapping[ours] = kept
            row[key] = kept
        book.tables[sheet.name] = Table(rows, table.extra_columns)
    return mapping


def _free(key: str, taken: set[str]) -> str:
    """The next key of the same pattern (`P3-07` -> `P3-12` when P3-11 is the highest taken)."""
    m = _NUMBERED.match(key)
    if m is None:
        n = 2
        while f"{key}-{n}" in taken:
            n += 1
        return f"{key}-{n}"
    prefix, digits = m.group(1), m.group(2)
    used = [int(hit.group(2)) for t in taken if (hit := _NUMBERED.match(t)) and hit.group(1) == prefix]
    return f"{prefix}{max([*used, 0]) + 1:0{len(digits)}d}"


def _follow(spec: Spec, book: Book, mapping: Mapping[str, str | None]) -> None:
    """Columns that cite keys (`Depends On`) follow the kept keys; citations of deleted rows go."""
    if not mapping:
        return
    for sheet in spec.tables:
        citing = [c.name for c in sheet.columns if c.refers is not None]
        table = book.tables.get(sheet.name)
        if not citing or table is None:
            continue
        rows = []
        for row in table.records:
            row = dict(row)
            for name in citing:
                value = row.get(name)
                if isinstance(value, str) and value.strip():
                    tokens = [t for t in _TOKENS.split(value.strip()) if t]
                    kept = [mapping.get(t, t) for t in tokens]
                    row[name] = ", ".join(t for t in kept if t) or None
            rows.append(row)
        book.tables[sheet.name] = Table(rows, table.extra_columns)


# --- tables -----------------------------------------------------------------------------------


def _values(record: Record, sheet: Sheet) -> dict[str, Any]:
    declared = {c.name for c in sheet.columns}
    return {name: value for name, value in record.values.items() if name in declared}


@dataclass
class _Side:
    """The three versions of one table."""

    sheet: Sheet
    theirs: TableData
    base: TableRecord | None
    legacy: bool
    #: The new rows' own record (its digests are what the new inputs give).
    ours: TableRecord
    rows: rec.Rows


def _merge_cells(side: _Side, subject: str, ours: dict[str, Any], mine: Record, out: SentRecord) -> dict[str, Any]:
    sheet, theirs = side.sheet, side.theirs
    columns = [c for c in rec.recorded_columns(sheet) if c.name in theirs.columns and c.name != _stable(sheet)]
    merged = dict(ours)
    if side.legacy:
        for col in columns:
            merged[col.name] = mine.values.get(col.name)
        return merged
    base = side.base.cells(subject) if side.base is not None else None
    for col in columns:
        value = mine.values.get(col.name)
        sent = base.get(col.name) if base is not None else None  # None: a column added since the record was written
        kept, conflict = _three_way(col, ours.get(col.name), value, sent, sent is not None)
        merged[col.name] = value if kept else ours.get(col.name)
        if conflict:
            out.conflicts.append(Conflict(sheet.name, subject, col.name, shown(rec.as_read(col, ours.get(col.name)))))
    return merged


def _three_way(col: Column, ours: Any, theirs: Any, base: str | None, recorded: bool) -> tuple[bool, bool]:
    """(keep the client's value, it is a conflict) for one cell."""
    t = rec.read_digest(theirs)
    o = rec.cell_digest(col, ours)
    if not recorded:  # a row the record does not know: the client's non-blank values win
        if theirs is None or t == o:
            return False, False
        return True, rec.canon(rec.as_read(col, ours)) != ""
    if t == base:
        return False, False
    if o == base or t == o:
        return True, False
    return True, True


def _merge_row(side: _Side, subject: str, ours: dict[str, Any], mine: Record, out: SentRecord) -> dict[str, Any]:
    """Rows the client owns: a row the client edited is theirs, an untouched one is refreshed."""
    sheet, theirs = side.sheet, side.theirs
    columns = [c for c in rec.recorded_columns(sheet) if c.name in theirs.columns]
    merged = dict(ours)
    base = side.base.rows.get(subject) if side.base is not None and not side.legacy else None
    if not side.legacy and base is not None:
        if side.rows.whole(mine.values, written=False) == base:
            return merged
        if side.ours.rows.get(subject) == base:
            for col in columns:
                merged[col.name] = mine.values.get(col.name)
            return merged
    for col in columns:
        value = mine.values.get(col.name)
        if side.legacy or value is not None or base is not None:
            mine_text, ours_text = rec.canon(value), rec.canon(rec.as_read(col, ours.get(col.name)))
            if not side.legacy and mine_text != ours_text and ours_text and (base is not None or mine_text):
                out.conflicts.append(Conflict(sheet.name, subject, col.name, shown(rec.as_read(col, ours.get(col.name)))))
            merged[col.name] = value
    return merged


def _stable(sheet: Sheet) -> str | None:
    """The key column ctk keeps stable itself (not merged cell by cell), if any."""
    return sheet.key if sheet.subject is not None and sheet.key is not None else None


def merge_table(sheet: Sheet, table: Table, theirs: TableData, base: TableRecord | None, legacy: bool, result: Merged) -> Table:
    """The merged rows of one table; `result` gets its record, conflicts, orphans and deletions."""
    record = table_record(sheet, table.records)
    if base is not None and not legacy and record.mode == "rows" and base.columns != record.columns:
        # Whole-row digests over other columns (a declaration that changed since) cannot be compared.
        result.notes.append(
            f"{sheet.name}: its record of what ctk sent is over other columns (an earlier ctk); "
            "every value in it counts as the client's"
        )
        legacy = True
    side = _Side(sheet, theirs, base, legacy, record, rec.Rows(rec.recorded_columns(sheet)))
    mine_rows = _record_subjects(sheet, theirs.records)
    mine_by_subject = {subject: mine for subject, mine in mine_rows if subject is not None}
    result.record.tables[sheet.name] = record
    merge = _merge_row if record.mode == "rows" else _merge_cells
    rows: list[dict[str, Any]] = []
    paired: set[str] = set()
    for subject, ours in _subjects(sheet, table.records):
        mine = mine_by_subject.get(subject) if subject is not None else None
        if subject is None or mine is None:
            known = base is not None and not legacy and subject is not None and (subject in base.rows or subject in base.orphans)
            if known:
                assert subject is not None
                result.deleted.setdefault(sheet.name, []).append(subject)
            else:
                rows.append(dict(ours))
            continue
        paired.add(subject)
        row = merge(side, subject, dict(ours), mine, result.record)
        row.update(mine.extra)
        rows.append(row)
    added = 0
    for subject, mine in mine_rows:
        if subject is not None and subject in paired:
            continue
        rows.append({**_values(mine, sheet), **mine.extra})
        earlier = None
        if subject is not None and base is not None and not legacy:
            earlier = base.rows.get(subject, base.orphans.get(subject))
        if earlier is None or subject is None:
            added += 1
        elif sheet.rows == "client":
            record.rows[subject] = earlier  # a row ctk seeded once: still the client's, and still known
        else:
            record.orphans[subject] = earlier
            result.orphans.setdefault(sheet.name, []).append(subject)
    extra = list(table.extra_columns) + [c for c in theirs.extra_columns if c not in table.extra_columns]
    key_column = next((c for c in sheet.columns if c.name == sheet.key), None)
    if added and key_column is not None and key_column.computed:
        # Only where ctk owns the list of rows (the 93 controls, the clauses) is a row "added".
        result.notes.append(f"{sheet.name}: kept {added} row(s) the client added")
    return Table(rows, extra)


# --- forms ------------------------------------------------------------------------------------


def merge_form(sheet: Sheet, form: Form, theirs: FormData, base: FormRecord | None, legacy: bool, result: Merged) -> Form:
    result.record.forms[sheet.name] = form_record(sheet, form)
    fields = dict(form.fields)
    for col in sheet.columns:
        if col.computed or col.name not in theirs.cells:
            continue
        value = theirs.fields.get(col.name)
        if legacy:
            fields[col.name] = value
            continue
        recorded = base is not None and col.name in base.fields
        kept, conflict = _three_way(col, form.fields.get(col.name), value, base.fields.get(col.name) if base else None, recorded)
        if kept:
            fields[col.name] = value
        if conflict:
            result.record.conflicts.append(
                Conflict(sheet.name, None, col.name, shown(rec.as_read(col, form.fields.get(col.name))))
            )
    blocks: dict[str, Any] = dict(form.blocks)
    for block in sheet.blocks:
        found = theirs.blocks.get(block.title)
        if not found or all(c.computed for c in block.columns):
            continue
        mine = [r.values for r in found]
        if legacy:
            blocks[block.title] = mine
            continue
        t = rec.block_digest(block.columns, mine, written=False)
        o = rec.block_digest(block.columns, form.blocks.get(block.title, ()))
        b = base.blocks.get(block.title) if base is not None else None
        if t in (b, o):
            continue
        blocks[block.title] = mine
        if b is not None and o != b:
            result.record.conflicts.append(Conflict(sheet.name, None, block.title, "(the regenerated rows)"))
    return Form(fields, blocks)


# --- the whole workbook -----------------------------------------------------------------------


def _base(path: Path, kind: str, notes: list[str]) -> SentRecord | None:
    try:
        found = rec.read(path)
    except rec.RecordError as exc:
        notes.append(f"{path}: {exc}, so every value in it counts as the client's and none is refreshed from the new inputs")
        return None
    if found is None:
        notes.append(
            f"{path} carries no record of what ctk sent (written before ctk recorded it, or saved by a program that drops "
            "document properties): every value in it counts as the client's, so none is refreshed from the new inputs"
        )
        return None
    if found.kind != kind:
        notes.append(f"{path}: its record is of a {found.kind} workbook, not {kind}; every value in it counts as the client's")
        return None
    return found


def merge_into(book: Book, kind: str, path: Path | None, limits: Limits = DEFAULT_LIMITS) -> Merged:
    """Merge the client's copy at `path` into the newly built `book` (in place); what was done.

    With no `path`, only the record of `book` is made."""
    spec = load_spec(kind)
    if path is None:
        return Merged(record_of(spec, book))
    old = read_workbook(path, kind=kind, limits=limits)
    result = Merged(SentRecord(kind, spec.schema_version))
    base = _base(Path(path), kind, result.notes)
    legacy = base is None
    _follow(spec, book, _stable_keys(spec, book, old, base))
    for sheet in spec.sheets:
        if sheet.layout == "table":
            table = book.tables.get(sheet.name, Table([]))
            theirs = old.tables.get(sheet.name)
            if theirs is None or theirs.sheet is None:
                result.record.tables[sheet.name] = table_record(sheet, table.records)
            else:
                known = base.tables.get(sheet.name) if base is not None else None
                book.tables[sheet.name] = merge_table(sheet, table, theirs, known, legacy, result)
        form_sheet = _form_of(sheet)
        if form_sheet is not None:
            form = book.forms.get(sheet.name, Form({}))
            mine = old.forms.get(sheet.name)
            if mine is None or mine.sheet is None:
                result.record.forms[sheet.name] = form_record(form_sheet, form)
                continue
            known_form = base.forms.get(sheet.name) if base is not None else None
            book.forms[sheet.name] = merge_form(form_sheet, form, mine, known_form, legacy, result)
    for name, subjects in result.orphans.items():
        result.notes.append(
            f"{name}: kept {len(subjects)} row(s) ctk no longer generates ({', '.join(map(display, subjects[:5]))}"
            f"{' ...' if len(subjects) > 5 else ''}), marked for review: delete them if they are no longer needed"
        )
    for name, subjects in result.deleted.items():
        result.notes.append(
            f"{name}: {len(subjects)} row(s) the client deleted stay deleted ({', '.join(map(display, subjects[:5]))}"
            f"{' ...' if len(subjects) > 5 else ''})"
        )
    generated = {s.name for s in spec.sheets}
    for name in old.extra_sheets:
        if name in generated or name == REVIEW_SHEET:  # our own review notes are not the client's sheet
            continue
        book.extra_sheets.append(ExtraSheet(name, read_grid(path, name, limits)))
        result.notes.append(f"sheet '{name}' kept with its values; its formatting, formulas and drop-downs are not carried")
    lost = uncarried(Path(path), frozenset(generated))
    if lost:
        result.notes.append(
            f"{path} holds {', '.join(lost)}, which the regenerated workbook does not carry; copy them over by hand if needed"
        )
    return result
