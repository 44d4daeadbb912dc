"""The rule registry. A rule is one function that yields findings, with a permanent code.

Codes never change meaning and are never reused; `ctk rules` lists them. Each rule's docstring
shows a bad and a good example.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from toolkit.findings import ERROR, WARNING, Finding
from toolkit.workbook.cells import cell_ref
from toolkit.workbook.reader import FormData, Record, TableData, WorkbookData
from toolkit.workbook.schema import Column


@dataclass
class Context:
    """What rules may need beyond the workbook: the date to judge "overdue" against."""

    as_of: dt.date = field(default_factory=dt.date.today)


@dataclass(frozen=True)
class Rule:
    code: str
    kind: str  # a workbook kind, "any", or "cross" for rules over workbooks given together
    severity: str
    summary: str
    func: Callable[..., Iterable[Any]]
    #: What the rule reads: `Sheet:Column` (a column of a table) or `Sheet` (a sheet or form).
    #: When one is not in the workbook the rule does not run, and WB008 says so.
    needs: tuple[str, ...] = ()

    @property
    def example(self) -> str:
        return (self.func.__doc__ or "").strip()


RULES: dict[str, Rule] = {}


def rule(
    code: str, kind: str, summary: str, severity: str = ERROR, needs: tuple[str, ...] = ()
) -> Callable[[Callable[..., Iterable[Any]]], Callable[..., Iterable[Any]]]:
    def register(func: Callable[..., Iterable[Any]]) -> Callable[..., Iterable[Any]]:
        if code in RULES:
            raise ValueError(f"rule code {code} registered twice")
        RULES[code] = Rule(code, kind, severity, summary, func, tuple(needs))
        return func

    return register


def unmet(book: WorkbookData, needs: Iterable[str]) -> list[str]:
    """What of `needs` the workbook lacks, each said plainly (`no 'Evidence Reference' column in
    'Statement of Applicability'`); a need whose table is itself absent is left to WB001/WB002."""
    out: list[str] = []
    for need in needs:
        sheet, _, column = need.partition(":")
        table = book.tables.get(sheet)
        form = book.forms.get(sheet)
        if table is None and form is None:
            raise KeyError(f"rule needs {need!r}, but the {book.kind} declaration has no sheet {sheet!r}")
        data = table if table is not None else form
        if data is None or data.sheet is None:
            if not column:
                out.append(f"no '{sheet}' sheet")
            continue
        if table is not None and column:
            table.spec.column(column)  # a need naming no declared column is a bug: fail loudly
            if table.header_row is not None and column not in table.columns:
                out.append(f"no '{column}' column in '{table.sheet}'")
    return out


def at(code: str, record: Record, column: str, key: str | None, message: str) -> Finding:
    """A finding at one cell of a record (the column's cell, or the row's first cell)."""
    rule_ = RULES[code]
    cell = record.cell(column)
    if cell is None and record.columns:
        # The column is missing: point at the row's first cell instead.
        cell = cell_ref(record.row - 1, min(record.columns.values()))
    return Finding(code, rule_.severity, record.sheet, cell, record.row, column, key, message)


def at_form(code: str, form: FormData, field_name: str, message: str) -> Finding:
    rule_ = RULES[code]
    return Finding(
        code,
        rule_.severity,
        form.sheet or form.spec.name,
        form.cells.get(field_name),
        form.rows.get(field_name),
        field_name,
        None,
        message,
    )


def missing(code: str, sheet: str | None, key: str | None, message: str, column: str | None = None) -> Finding:
    """A finding about something absent: no cell to point at."""
    rule_ = RULES[code]
    return Finding(code, rule_.severity, sheet, None, None, column, key, message)


def not_run(code: str, table: TableData, column: str, what: str) -> Finding:
    """One warning that a rule did not run because the optional column it needs is not in the sheet
    (another tool's workbook): the check never passes silently."""
    return Finding(
        code,
        WARNING,
        table.sheet,
        None,
        table.header_row,
        column,
        None,
        f"'{column}' is not a column of this sheet, so {code} ({what}) did not run; add the column to have it checked",
    )


def required_by(form: FormData, code: str) -> Iterator[Column]:
    """The form's fields the declaration says rule `code` checks (`required = "SOA010"`)."""
    return (c for c in form.spec.columns if c.required_by == code)


def table_ok(table: TableData | None) -> bool:
    """Whether a table was found and can be checked (a table in 2013 numbering is left to WB013)."""
    return table is not None and table.sheet is not None and table.header_row is not None and table.scheme != "2013"


__all__ = [
    "ERROR",
    "RULES",
    "WARNING",
    "Context",
    "Rule",
    "WorkbookData",
    "at",
    "at_form",
    "missing",
    "not_run",
    "rule",
    "unmet",
]
