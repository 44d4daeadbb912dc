"""`--merge`: a regenerated workbook keeps everything the client typed.

Every value in an input column, every extra column, row and sheet of the client's workbook is
carried into the new one; only computed columns are refreshed. What cannot be carried (images,
drawings, comments, formatting of their own sheets...) is named in a warning, never dropped
silently. The client's file is only read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from toolkit.findings import REVIEW_SHEET
from toolkit.workbook.guard import DEFAULT_LIMITS, Limits
from toolkit.workbook.package import uncarried
from toolkit.workbook.reader import Record, WorkbookData, read_grid, read_workbook
from toolkit.workbook.schema import Sheet, load_spec
from toolkit.workbook.writer import Book, ExtraSheet, Form, Table


def _record_values(rec: Record, sheet: Sheet) -> dict[str, Any]:
    return {name: rec.values.get(name) for name in rec.values if name in {c.name for c in sheet.columns}}


def merge_tables(book: Book, old: WorkbookData, notes: list[str]) -> None:
    for sheet in old.spec.tables:
        old_table = old.tables.get(sheet.name)
        new_table = book.tables.get(sheet.name)
        if old_table is None or old_table.sheet is None or new_table is None:
            continue
        key = sheet.key
        records = [dict(r) for r in new_table.records]
        index = {r.get(key): i for i, r in enumerate(records) if key}
        inputs = [c.name for c in sheet.input_columns if c.name in old_table.columns]
        extra = list(new_table.extra_columns) + [c for c in old_table.extra_columns if c not in new_table.extra_columns]
        added = 0
        for rec in old_table.records:
            k = rec.get(key) if key else None
            if k is not None and k in index:
                target = records[index[k]]
                for name in inputs:
                    target[name] = rec.values.get(name)
                target.update(rec.extra)
                del index[k]  # a second row with the same key is the client's own: kept below
            else:
                records.append({**_record_values(rec, sheet), **rec.extra})
                added += 1
        key_column = next((c for c in sheet.columns if c.name == key), None)
        if added and key_column is not None and key_column.computed:
            # Only where ctk owns the list of rows (the 93 controls, the clauses) is a row "added".
            notes.append(f"{sheet.name}: kept {added} row(s) the client added")
        book.tables[sheet.name] = Table(records, extra)


def merge_forms(book: Book, old: WorkbookData) -> None:
    for name, form in old.forms.items():
        if form.sheet is None:
            continue
        current = book.forms.get(name, Form({}))
        computed = {c.name for c in form.spec.columns if c.computed}  # refreshed, like computed columns
        fields = {**current.fields, **{k: v for k, v in form.fields.items() if k in form.cells and k not in computed}}
        blocks = dict(current.blocks)
        for title, records in form.blocks.items():
            if records:
                blocks[title] = [r.values for r in records]
        book.forms[name] = Form(fields, blocks)


def merge_into(book: Book, kind: str, path: Path | None, limits: Limits = DEFAULT_LIMITS) -> list[str]:
    """Carry the client's inputs from `path` into `book`; return the warnings to show."""
    if path is None:
        return []
    old = read_workbook(path, kind=kind, limits=limits)
    notes: list[str] = []
    merge_tables(book, old, notes)
    merge_forms(book, old)
    spec = load_spec(kind)
    generated = {s.name for s in spec.sheets}
    for name in old.extra_sheets:
        if name in generated or name == REVIEW_SHEET:  # our own review notes are not the client's sheet
            continue
        book.extra_sheets.append(ExtraSheet(name, read_grid(path, name, limits)))
        notes.append(f"sheet '{name}' kept with its values; its formatting, formulas and drop-downs are not carried")
    lost = uncarried(Path(path), frozenset(generated))
    if lost:
        notes.append(
            f"{path} holds {', '.join(lost)}, which the regenerated workbook does not carry; copy them over by hand if needed"
        )
    return notes
