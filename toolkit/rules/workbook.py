"""Rules every workbook kind shares: structure, enumerated values, dates, file-level notices."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

from toolkit.findings import WARNING, Finding
from toolkit.rules import RULES, Context, at, at_form, missing, rule, unmet
from toolkit.workbook.cells import cell_ref
from toolkit.workbook.reader import WorkbookData


@rule("WB001", "any", "A sheet the workbook kind requires is missing")
def sheet_missing(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: a Statement of Applicability that ctk wrote, its `Document Control` sheet deleted.
    Good: every declared sheet present, in any order, under its declared name. (A workbook ctk did
    not write is not held to ctk's sheets: WB008 says which checks could not run without them.)"""
    if not book.written_by_ctk:
        return
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
    """Bad: the key column (`Control ID`, `Risk ID`) not found; in a workbook ctk wrote, the
    `Applicable` header deleted or renamed to `In scope?`. Good: every declared header present
    once, in any order, in any case, in the words clients use. A column ctk computes (`Theme`,
    `Inherent Score`) is never required: ctk fills it in."""
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
            col = table.spec.column(name)
            if col.computed:
                continue
            if name == table.spec.key:
                yield missing(
                    "WB002",
                    table.sheet,
                    None,
                    f"no '{name}' column in '{table.sheet}' (header row {table.header_row}): its records cannot be told apart; "
                    f"add a column headed '{name}'",
                    column=name,
                )
            elif book.written_by_ctk or col.required:
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


@rule("WB008", "any", "A check could not run: a sheet or column it reads is not in the workbook", WARNING)
def not_run(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: an SoA with no evidence column, so SOA007 (applicable controls cite evidence) could
    not look at anything. Good: the column there, under any of its names (`Evidence`,
    `Evidence / Notes`, `Nachweis`), and the check run."""
    by_gap: dict[str, list[str]] = {}
    for r in sorted(RULES.values(), key=lambda r: r.code):
        if r.kind == book.kind and r.needs:
            for gap in unmet(book, r.needs):
                by_gap.setdefault(gap, []).append(r.code)
    for gap, codes in by_gap.items():
        sheet = gap.rsplit(" in '", 1)[1].rstrip("'") if " in '" in gap else None
        column = gap.split("'")[1] if gap.endswith("'") and " column " in gap else None
        what = ", ".join(f"{c} ({RULES[c].summary})" for c in codes)
        yield missing("WB008", sheet, None, f"{gap}, so this check did not run: {what}", column=column)


@rule("WB009", "any", "Rows below a table do not fit it and were not read", WARNING)
def tail_not_read(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: a markdown table or document-control lines pasted under the SoA after blank rows.
    Good: only records under the header (notes on a sheet of their own)."""
    for table in book.tables.values():
        if table.tail is not None:
            first, last = table.tail
            rows = f"row {first}" if first == last else f"rows {first}-{last}"
            yield Finding(
                "WB009",
                WARNING,
                table.sheet,
                cell_ref(first - 1, 0),
                first,
                None,
                None,
                f"{rows} below the table, after blank rows, do not fit it and were not read; "
                "move them to a sheet of their own if they are records",
            )


@rule("WB010", "any", "A CSV row has more fields than its header (an unquoted comma shifted its values)")
def ragged_row(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: `A.8.12,...,Email DLP in place, endpoint DLP planned,POL-018` under 8 headers: 9 fields.
    Good: the value with a comma in quotes (`"Email DLP in place, endpoint DLP planned"`)."""
    for table in book.tables.values():
        key_col = table.spec.key
        by_row = {rec.row: rec for rec in table.records}
        for row, fields, width in table.ragged:
            rec = by_row.get(row)
            key = str(rec.get(key_col)) if rec is not None and key_col and rec.get(key_col) is not None else None
            yield Finding(
                "WB010",
                "error",
                table.sheet,
                cell_ref(row - 1, width),
                row,
                None,
                key,
                f"row {row} has {fields} fields but the header has {width}: a value holds a comma without quotes, so the "
                f"values after it are shifted and the last ones not read; put that value in double quotes",
            )


@rule("WB011", "any", "A header names two columns at once, so neither is read", WARNING)
def combined_header(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: one column `Treatment / Owner` holding `Mitigate / CISO`.
    Good: a `Treatment` column and a `Risk Owner` column, so each is checked."""
    for table in book.tables.values():
        for label, columns in table.combined:
            names = " and ".join(f"'{c}'" for c in columns)
            yield missing(
                "WB011",
                table.sheet,
                None,
                f"column '{' '.join(label.split())}' holds {names} in one; split it into one column each so both are checked",
            )


@rule("WB012", "any", "An ID was read as another: a number that lost its trailing zero, or a date that was an ID", WARNING)
def key_read_otherwise(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: `5.2` typed as a number beside the title of A.5.20 (Excel drops the zero), `17.1.1`
    turned into 2017-01-01. Good: ids as text (`A.5.20`; format the column as Text first)."""
    for table in book.tables.values():
        key_col = table.spec.key
        for res in table.resolved:
            yield Finding(
                "WB012",
                WARNING,
                table.sheet,
                res.cell,
                res.row,
                key_col,
                res.read_as,
                f"'{res.written}' read as {res.read_as}: {res.why}; a number cell drops the trailing zero, so write the id "
                f"as text ({res.read_as})",
            )
        if table.dated:
            cells = ", ".join(cell for cell, _ in table.dated[:6]) + (" ..." if len(table.dated) > 6 else "")
            first_cell, first_id = table.dated[0]
            yield Finding(
                "WB012",
                WARNING,
                table.sheet,
                first_cell,
                int("".join(ch for ch in first_cell if ch.isdigit())),
                key_col,
                None,
                f"{len(table.dated)} ids were dates (a spreadsheet turns `{first_id.removeprefix('A.')}` into a date), read back "
                f"as ids: {cells}; format the column as Text and type them again",
            )


@rule("WB013", "any", "The workbook uses ISO/IEC 27001:2013 control numbers")
def numbering_2013(book: WorkbookData, ctx: Context) -> Iterator[Finding]:
    """Bad: an SoA listing A.5.1.1 ... A.18.2.3 (the 114 controls of 2013).
    Good: the 93 controls of ISO/IEC 27001:2022, A.5.1 ... A.8.34 (`ctk migrate` carries a 2013 SoA over)."""
    for table in book.tables.values():
        if table.scheme != "2013":
            continue
        key_col = table.spec.key
        keys = [rec.get(key_col) for rec in table.records if key_col and isinstance(rec.get(key_col), str)]
        span = (
            f" ({len(keys)} control{'s' if len(keys) != 1 else ''}, {keys[0]}{'-' + keys[-1] if len(keys) > 1 else ''})"
            if keys
            else ""
        )
        how = (
            f"`ctk migrate {Path(book.path).name} -o soa_2022.xlsx` carries applicability, justification, status and "
            "evidence onto the 2022 controls"
            if book.kind == "soa"
            else "the 2013 to 2022 transition table (`ctk migrate` carries an SoA) maps each control"
        )
        yield missing(
            "WB013",
            table.sheet,
            None,
            f"'{table.sheet}' uses ISO/IEC 27001:2013 numbering{span}; certification is against the 2022 edition "
            f"(93 controls, A.5.1-A.8.34): {how}",
        )
