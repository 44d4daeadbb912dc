"""Rules about the round trip: what the last regeneration could not settle on its own.

Both read the record the workbook carries of what ctk wrote (`toolkit.workbook.record`), so
they point at the cell in the workbook as it is now, wherever its rows moved.
"""

from __future__ import annotations

from collections.abc import Iterator

from toolkit.findings import Finding
from toolkit.rules import RULES, WARNING, Context, rule
from toolkit.workbook import record as sent
from toolkit.workbook.cells import cell_ref
from toolkit.workbook.reader import Record, WorkbookData

_MEMO = "sent record"


def _record(book: WorkbookData) -> sent.SentRecord | None:
    if _MEMO not in book.memo:
        try:
            found = sent.read(book.path) if book.path.lower().endswith((".xlsx", ".xlsm")) else None
        except sent.RecordError:
            found = None  # the next regeneration says so; nothing here can point at a cell
        book.memo[_MEMO] = found if found is not None and found.kind == book.kind else None
    result = book.memo[_MEMO]
    assert result is None or isinstance(result, sent.SentRecord)
    return result


def _rows(book: WorkbookData, sheet: str) -> dict[str, Record]:
    table = book.tables.get(sheet)
    if table is None or table.sheet is None:
        return {}
    by_values = {id(r.values): r for r in table.records}
    return {
        subject: by_values[id(values)]
        for subject, values in sent.indexed_subjects(table.spec, (r.values for r in table.records))
        if subject is not None
    }


def _finding(code: str, rec: Record, column: str | None, subject: str, message: str) -> Finding:
    cell = rec.cell(column) if column is not None else None
    if cell is None and rec.columns:
        cell = cell_ref(rec.row - 1, min(rec.columns.values()))
    return Finding(code, RULES[code].severity, rec.sheet, cell, rec.row, column, sent.display(subject), message)


def conflicts(book: WorkbookData, record: sent.SentRecord) -> Iterator[Finding]:
    code = "MRG001"
    for c in record.conflicts:
        ours = f"'{c.ours}'" if c.ours else "a blank"
        message = (
            f"{c.column}: the client changed this value and the new inputs changed it too; the client's value was kept "
            f"(the regenerated value is {ours}); check which one is right"
        )
        if c.subject is not None:
            found = _rows(book, c.sheet).get(c.subject)
            if found is not None:
                yield _finding(code, found, c.column, c.subject, message)
            continue
        form = book.forms.get(c.sheet)
        if form is None or form.sheet is None:
            continue
        if c.column in form.cells:
            yield Finding(
                code, RULES[code].severity, form.sheet, form.cells[c.column], form.rows.get(c.column), c.column, None, message
            )
        elif form.blocks.get(c.column):
            first = form.blocks[c.column][0]
            yield _finding(
                code,
                first,
                None,
                c.column,
                f"block '{c.column}': the client changed its rows and so did the new inputs; the client's rows were kept; check which are right",
            )


def orphans(book: WorkbookData, record: sent.SentRecord) -> Iterator[Finding]:
    code = "MRG002"
    for name, table in record.tables.items():
        if not table.orphans:
            continue
        rows = _rows(book, name)
        spec = book.tables[name].spec if name in book.tables else None
        column = spec.subject or spec.key if spec is not None else None
        for subject in table.orphans:
            found = rows.get(subject)
            if found is not None:
                yield _finding(
                    code,
                    found,
                    column,
                    subject,
                    f"this row ({sent.display(subject)}) is no longer generated: the inputs no longer call for it; "
                    "it was kept with everything typed in it; delete the row if it is no longer needed",
                )


def merge_findings(book: WorkbookData, record: sent.SentRecord) -> list[Finding]:
    """The conflicts and kept rows of `record`, at their cells in `book` (the workbook just written)."""
    return [*conflicts(book, record), *orphans(book, record)]


@rule("MRG001", "any", "The client and the new inputs both changed a cell at the last regeneration", WARNING)
def conflict(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: the client retyped a Justification that ctk generated, and the new risk register changed
    it too; the client's text was kept. Good: the consultant checked it (the warning goes with the
    next regeneration)."""
    record = _record(book)
    if record is not None:
        yield from conflicts(book, record)


@rule("MRG002", "any", "A row ctk no longer generates was kept for review", WARNING)
def orphan(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: a roadmap task for A.5.3, kept after the gap assessment rated A.5.3 fully addressed.
    Good: the row deleted (or its subject still calls for it)."""
    record = _record(book)
    if record is not None:
        yield from orphans(book, record)


@rule("MRG003", "any", "A sheet ctk wrote (one no other rule requires) is gone", WARNING)
def sheet_gone(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: the risk register's `Heat Map` deleted by the client. Good: the sheet kept (a regeneration
    writes it again; nothing the client typed is in it)."""
    record = _record(book)
    if record is None:
        return
    present = {n.casefold() for n in book.sheet_names}
    for sheet in book.spec.sheets:
        if sheet.layout != "custom" and sheet.required:
            continue  # WB001 reports those
        found = book.tables.get(sheet.name) or book.forms.get(sheet.name)
        if found is not None and found.sheet is not None:
            continue
        if sheet.name in record.sheets and sheet.name.casefold() not in present:
            yield Finding(
                "MRG003",
                RULES["MRG003"].severity,
                None,
                None,
                None,
                None,
                None,
                f"sheet '{sheet.name}', as sent, is gone; the next regeneration writes it again",
            )
