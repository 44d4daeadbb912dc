"""The risk register workbook assembled: Methodology, Risk Register with its computed columns, Heat Map."""

from __future__ import annotations

import os
from typing import Any

from toolkit.kinds.risk.model import HEAT, METHOD, REGISTER, Method, computed, import_risks, method_from, methodology_form
from toolkit.kinds.risk.sheets import heat_map
from toolkit.workbook.guard import DEFAULT_LIMITS, Limits
from toolkit.workbook.schema import load_spec
from toolkit.workbook.writer import Book, Table


def build_register(
    risks: list[dict[str, Any]], org: str | None = None, method: Method | None = None, approval: dict[str, Any] | None = None
) -> Book:
    """The register of `risks`; `approval` gives the Methodology's Version, Approved By and Approval Date."""
    method = method or Method()
    rows = [computed(r, method) for r in risks]
    declared = {c.name for c in load_spec("risk").sheet(REGISTER).columns}
    extra = list(dict.fromkeys(k for r in risks for k in r if k not in declared))
    return Book(
        tables={REGISTER: Table(rows, extra)},
        forms={METHOD: methodology_form(method, org, approval)},
        custom={HEAT: heat_map(rows, method)},
    )


def refresh(book: Book) -> None:
    """Recompute the computed columns and heat map after a merge, against the merged methodology."""
    form = book.forms[METHOD]
    method = method_from(form.fields, form.blocks.get("Risk levels", []))
    table = book.tables[REGISTER]
    rows = [computed(dict(r), method) for r in table.records]
    book.tables[REGISTER] = Table(rows, table.extra_columns)
    book.custom[HEAT] = heat_map(rows, method)


def from_source(
    source: str | os.PathLike[str] | None,
    org: str | None = None,
    method: Method | None = None,
    limits: Limits = DEFAULT_LIMITS,
    approval: dict[str, Any] | None = None,
) -> Book:
    """A register of the risks in `source` (.csv or .xlsx with the register's headers), or a blank one."""
    return build_register(import_risks(source, limits) if source is not None else [], org, method, approval)
