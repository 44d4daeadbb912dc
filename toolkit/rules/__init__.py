"""The rule registry. A rule is one function that yields findings, with a permanent code.

Codes never change meaning and are never reused; `ctk rules` lists them. Each rule's docstring
shows a bad and a good example.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from toolkit.cells import cell_ref
from toolkit.findings import ERROR, WARNING, Finding
from toolkit.reader import FormData, Record, TableData, WorkbookData


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

    @property
    def example(self) -> str:
        return (self.func.__doc__ or "").strip()


RULES: dict[str, Rule] = {}


def rule(
    code: str, kind: str, summary: str, severity: str = ERROR
) -> Callable[[Callable[..., Iterable[Any]]], Callable[..., Iterable[Any]]]:
    def register(func: Callable[..., Iterable[Any]]) -> Callable[..., Iterable[Any]]:
        if code in RULES:
            raise ValueError(f"rule code {code} registered twice")
        RULES[code] = Rule(code, kind, severity, summary, func)
        return func

    return register


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


def table_ok(table: TableData | None) -> bool:
    return table is not None and table.sheet is not None and table.header_row is not None


#: The module holding each kind's rules: a command loads only what the workbooks in hand need.
MODULES = {
    "any": "workbook",
    "soa": "soa",
    "gap": "gap",
    "soc2": "gap",
    "risk": "risk",
    "roadmap": "roadmap",
    "savings": "savings",
    "cross": "cross",
}


def load(kind: str) -> None:
    import_module(f"toolkit.rules.{MODULES[kind]}")


def load_all() -> dict[str, Rule]:
    """Import every rule module so the registry is complete."""
    for kind in MODULES:
        load(kind)
    return RULES


def rules_for(kind: str) -> Iterator[Rule]:
    load("any")
    if kind in MODULES:
        load(kind)
    for r in sorted(RULES.values(), key=lambda r: r.code):
        if r.kind in (kind, "any"):
            yield r


__all__ = [
    "ERROR",
    "RULES",
    "WARNING",
    "Context",
    "Rule",
    "WorkbookData",
    "at",
    "at_form",
    "load_all",
    "missing",
    "rule",
    "rules_for",
]
