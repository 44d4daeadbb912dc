"""Rules every workbook kind shares: structure, enumerated values, dates, file-level notices."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from toolkit.findings import WARNING, Finding
from toolkit.rules import Context, at, at_form, missing, rule
from toolkit.workbook.reader import WorkbookData


@rule("WB001", "any", "A sheet the workbook kind requires is missing")
def sheet_missing(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: a Statement of Applicability workbook without its `Document Control` sheet.
    Good: every declared sheet present, in any order, under its declared name."""
    for sheet in book.spec.sheets:
        if not sheet.required or sheet.layout == "custom":
            continue
        data = book.tables.get(sheet.name) or book.forms.get(sheet.name)
        if data is None or data.sheet is None:
            yield missing(
                "WB001", sheet.name, None, f"sheet '{sheet.name}' is missing; add it back (`ctk {book.kind}` writes it)"
            )


@rule("WB002", "any", "A column the sheet requires is missing from its header row")
def column_missing(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: the `Applicable` header deleted or renamed to `In scope?`.
    Good: every declared header present once, in any order, in any case."""
    for table in book.tables.values():
        if table.sheet is None:
            continue
        if table.header_row is None:
            yield missing(
                "WB002",
                table.sheet,
                None,
                f"no header row found in the first rows of '{table.sheet}' (looked for {', '.join(c.name for c in table.spec.columns[:4])} ...)",
            )
            continue
        for name in table.missing_columns:
            yield missing(
                "WB002",
                table.sheet,
                None,
                f"column '{name}' is missing from the header row (row {table.header_row})",
                column=name,
            )


@rule("WB003", "any", "A value in an enumerated column is not one of the allowed values")
def enum_value(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: `Applicable` = `Maybe`. Good: `Yes` or `No` (case and spacing are forgiven)."""
    for table in book.tables.values():
        key_col = table.spec.key
        for col in table.spec.columns:
            if col.type != "enum" or col.name not in table.columns:
                continue
            for rec in table.records:
                value = rec.get(col.name)
                if value is not None and value not in col.values:
                    key = str(rec.get(key_col)) if key_col and rec.get(key_col) is not None else None
                    yield at("WB003", rec, col.name, key, f"{col.name} '{value}' is not one of: {', '.join(col.values)}")
    for form in book.forms.values():
        for col in form.spec.columns:
            value = form.fields.get(col.name)
            if col.type == "enum" and value is not None and value not in col.values:
                yield at_form("WB003", form, col.name, f"{col.name} '{value}' is not one of: {', '.join(col.values)}")


@rule("WB004", "any", "A value in a date column is not a date")
def date_value(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: `Last Reviewed` = `last spring`. Good: a date cell, or text like `2026-11-02`."""
    for table in book.tables.values():
        key_col = table.spec.key
        for col in table.spec.columns:
            if col.type != "date" or col.name not in table.columns:
                continue
            for rec in table.records:
                value = rec.get(col.name)
                if value is not None and not isinstance(value, dt.date):
                    key = str(rec.get(key_col)) if key_col and rec.get(key_col) is not None else None
                    yield at("WB004", rec, col.name, key, f"{col.name} '{value}' is not a date (write it as YYYY-MM-DD)")
    for form in book.forms.values():
        for col in form.spec.columns:
            value = form.fields.get(col.name)
            if col.type == "date" and value is not None and not isinstance(value, dt.date):
                yield at_form("WB004", form, col.name, f"{col.name} '{value}' is not a date (write it as YYYY-MM-DD)")


@rule("WB005", "any", "Something about the file as a whole deserves a look (macros, links, hidden sheets, 1904 dates)", WARNING)
def file_notice(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: a macro-enabled workbook, a hidden sheet, links to other files.
    Good: a plain .xlsx with every sheet visible."""
    for notice in book.notices:
        yield missing("WB005", None, None, notice)


@rule("WB006", "any", "A formula cell has no calculated value (the file was never opened in a spreadsheet)")
def uncalculated(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: a workbook written by a script with formulas but no cached results.
    Good: open it in Excel or LibreOffice and save, so every formula has its value."""
    for sheet, cell in book.uncalculated:
        yield Finding(
            "WB006",
            "error",
            sheet,
            cell,
            int("".join(ch for ch in cell if ch.isdigit())),
            None,
            None,
            "formula has no calculated value; open and save the file in a spreadsheet program",
        )


@rule("WB007", "any", "A field or column the declaration marks required is blank")
def required_blank(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: a form field declared `required = true` left empty, or a row with that column blank.
    Good: every required field and cell filled in (fields checked by a rule of their own name it instead)."""
    for form in book.forms.values():
        if form.sheet is None:
            continue
        for col in form.spec.columns:
            if not col.required or col.required_by is not None:
                continue
            if col.name not in form.cells:
                yield missing(
                    "WB007", form.sheet, None, f"{form.sheet} has no '{col.name}' line; add it and fill it in", column=col.name
                )
            elif form.fields.get(col.name) is None:
                yield at_form("WB007", form, col.name, f"{form.sheet}: {col.name} is required but empty")
    for table in book.tables.values():
        key_col = table.spec.key
        for col in table.spec.columns:
            if not col.required or col.required_by is not None or col.computed or col.name not in table.columns:
                continue
            for rec in table.records:
                if rec.get(col.name) is None:
                    key = str(rec.get(key_col)) if key_col and rec.get(key_col) is not None else None
                    yield at("WB007", rec, col.name, key, f"{col.name} is required but empty")
