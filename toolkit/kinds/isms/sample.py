"""The demo's second turn: the sample company's edits made in its returned isms.xlsx.

The edits (sample_data/isms_client_edits.toml) are made the way a client makes them, cell by
cell in the workbook as sent (with openpyxl, which keeps what a spreadsheet program keeps), so
the rebuild that follows treats them as the client's own values.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from typing import Any

from toolkit.kinds.isms import model as m
from toolkit.workbook.cells import col_letter
from toolkit.workbook.reader import read_workbook


def load_edits(text: str) -> dict[str, Any]:
    return tomllib.loads(text)


def _confirmed(value: Any) -> Any:
    """A proposal accepted as written: the marker removed."""
    if isinstance(value, str) and m.unconfirmed(value):
        return value.split(":", 1)[1].strip() if ":" in value else value
    return value


def _cell_value(value: Any) -> Any:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day)
    return value


def apply_edits(workbook: Path, edits: dict[str, Any]) -> None:
    """Make the client's edits in `workbook` (in place: it is the demo's own returned copy)."""
    import openpyxl

    book = read_workbook(workbook, kind=m.KIND)
    wb = openpyxl.load_workbook(workbook)
    for sheet, fields in edits.get("fields", {}).items():
        form = book.forms[sheet]
        ws = wb[form.sheet or sheet]
        for name, value in fields.items():
            ws[form.cells[name]] = _cell_value(value)
            if isinstance(value, dt.date):
                ws[form.cells[name]].number_format = "yyyy-mm-dd"
    for sheet, blocks in edits.get("blocks", {}).items():
        ws = wb[book.forms[sheet].sheet or sheet]
        for title, entries in blocks.items():
            _append_block_rows(ws, title, entries)
    for sheet, rows in edits.get("rows", {}).items():
        table = book.tables[sheet]
        ws = wb[table.sheet or sheet]
        key = table.spec.key
        assert key is not None
        by_key = {str(r.get(key)): r for r in table.records}
        next_row = max([r.row for r in table.records] + [table.header_row or 1]) + 1
        for ident, values in rows.items():
            rec = by_key.get(ident)
            if rec is None and not values.get("new"):
                continue  # an answer for a row this pack does not propose
            if rec is None:
                row, current = next_row, {}
                next_row += 1
                values = {key: ident, **values}
            else:
                row, current = rec.row, rec.values
            for column in values.get("confirm", []):
                ws[f"{col_letter(table.columns[column])}{row}"] = _confirmed(current.get(column))
            for column, value in values.items():
                if column in ("confirm", "new"):
                    continue
                cell = ws[f"{col_letter(table.columns[column])}{row}"]
                cell.value = _cell_value(value)
                if isinstance(value, dt.date):
                    cell.number_format = "yyyy-mm-dd"
    wb.save(workbook)


def _append_block_rows(ws: Any, title: str, entries: list[dict[str, Any]]) -> None:
    """Fill a form's titled block (a change history) from its first empty line, as a client would."""
    start = next(r for r in range(1, ws.max_row + 1) if ws.cell(row=r, column=1).value == title)
    header = {
        ws.cell(row=start + 1, column=c).value: c for c in range(1, ws.max_column + 1) if ws.cell(row=start + 1, column=c).value
    }
    row = start + 2
    while any(ws.cell(row=row, column=c).value not in (None, "") for c in header.values()):
        row += 1
    for entry in entries:
        for name, value in entry.items():
            cell = ws.cell(row=row, column=header[name], value=_cell_value(value))
            if isinstance(value, dt.date):
                cell.number_format = "yyyy-mm-dd"
        row += 1
