"""Records read back from a workbook, as rows for CSV, JSON or pandas."""

from __future__ import annotations

import os
from typing import Any

from toolkit.errors import CtkError
from toolkit.workbook.guard import DEFAULT_LIMITS, Limits
from toolkit.workbook.reader import read_workbook
from toolkit.workbook.schema import header_key


def table_rows(
    path: str | os.PathLike[str], sheet: str | None = None, limits: Limits = DEFAULT_LIMITS
) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of one table: `Sheet`, `Row`, the declared columns, then extra columns."""
    book = read_workbook(path, limits=limits)
    names = [t.name for t in book.spec.tables]
    if sheet is None:
        name = names[0]
    else:
        matches = [n for n in names if header_key(n) == header_key(sheet)]
        if not matches:
            raise CtkError(f"no table '{sheet}' in a {book.spec.title}; tables: {', '.join(names)}")
        name = matches[0]
    table = book.tables[name]
    declared = [c.name for c in table.spec.columns if c.name in table.columns]
    extra = list(table.extra_columns)
    header = ["Sheet", "Row", *declared, *extra]
    rows = [[r.sheet, r.row, *(r.values.get(c) for c in declared), *(r.extra.get(c) for c in extra)] for r in table.records]
    return header, rows


def table_frame(path: str | os.PathLike[str], sheet: str | None = None, limits: Limits = DEFAULT_LIMITS) -> Any:
    """The same records as a pandas DataFrame (pandas is imported only here)."""
    import pandas as pd

    header, rows = table_rows(path, sheet, limits)
    return pd.DataFrame(rows, columns=header)
