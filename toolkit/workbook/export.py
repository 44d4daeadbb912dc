"""Records read back from a workbook, as rows for CSV, JSON or pandas."""

from __future__ import annotations

import os
from typing import Any

from toolkit.errors import CtkError
from toolkit.workbook.guard import DEFAULT_LIMITS, Limits
from toolkit.workbook.reader import read_workbook
from toolkit.workbook.schema import header_key


def table_rows(
    path: str | os.PathLike[str], sheet: str | None = None, limits: Limits = DEFAULT_LIMITS, kind: str | None = None
) -> tuple[list[str], list[list[Any]]]:
    """Header and rows: `Sheet`, `Row`, the declared columns, then extra columns.

    Without `sheet`, the records of every table the workbook holds, one after the other (a
    roadmap's five phases, a gap assessment's controls and clauses); a copy of another kind's
    table (the gap's SOC 2 matrix) only by name. `kind` reads the file as that kind (`--kind`).
    """
    book = read_workbook(path, kind=kind, limits=limits, force=kind is not None)
    names = [t.name for t in book.spec.tables]
    if sheet is None:
        chosen = [t.name for t in book.spec.tables if t.copy_of is None and book.tables[t.name].sheet is not None]
        chosen = chosen or names[:1]
    else:
        matches = [n for n in names if header_key(n) == header_key(sheet)]
        if not matches:
            raise CtkError(f"no table '{sheet}' in a {book.spec.title}; tables: {', '.join(names)}")
        chosen = matches[:1]
    declared: list[str] = []
    extra: list[str] = []
    for name in chosen:
        table = book.tables[name]
        declared += [c.name for c in table.spec.columns if c.name in table.columns and c.name not in declared]
        extra += [c for c in table.extra_columns if c not in extra and c not in declared]
    header = ["Sheet", "Row", *declared, *extra]
    rows = [
        [r.sheet, r.row, *(r.values.get(c) for c in declared), *(r.extra.get(c) for c in extra)]
        for name in chosen
        for r in book.tables[name].records
    ]
    return header, rows


def table_frame(path: str | os.PathLike[str], sheet: str | None = None, limits: Limits = DEFAULT_LIMITS) -> Any:
    """The same records as a pandas DataFrame (pandas is imported only here)."""
    import pandas as pd

    header, rows = table_rows(path, sheet, limits)
    return pd.DataFrame(rows, columns=header)
