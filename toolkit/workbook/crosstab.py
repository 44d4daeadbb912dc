"""A grid of counts, written once: each cell a live COUNTIFS and, cached in it, the count Python makes
of the same records by the same two values. Used by the gap Summary (theme x rating) and the risk
Heat Map (likelihood x impact), so a formula and its cached value can never disagree in shape.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from xlsxwriter.worksheet import Worksheet


@dataclass(frozen=True)
class Axis:
    """One side of the grid: the record field counted, the sheet range the formula counts over, the
    values (in grid order), and how the formula names each value (a literal, or a header cell)."""

    field: str
    range: str
    values: Sequence[Any]
    criteria: Sequence[str] | None = None

    def criterion(self, i: int) -> str:
        if self.criteria is not None:
            return self.criteria[i]
        value = self.values[i]
        return f'"{value}"' if isinstance(value, str) else str(value)


def counts(records: Iterable[Mapping[str, Any]], rows: Axis, cols: Axis) -> Counter[tuple[Any, Any]]:
    """How many records hold each (row value, column value) pair."""
    return Counter((r.get(rows.field), r.get(cols.field)) for r in records)


def write_crosstab(
    ws: Worksheet,
    top: int,
    left: int,
    rows: Axis,
    cols: Axis,
    records: Iterable[Mapping[str, Any]],
    fmt: Callable[[Any, Any], Any],
) -> Counter[tuple[Any, Any]]:
    """Write the grid with its first cell at (top, left); return the counts it cached."""
    found = counts(records, rows, cols)
    for i, rv in enumerate(rows.values):
        for j, cv in enumerate(cols.values):
            formula = f"=COUNTIFS({rows.range},{rows.criterion(i)},{cols.range},{cols.criterion(j)})"
            ws.write_formula(top + i, left + j, formula, fmt(rv, cv), found.get((rv, cv), 0))
    return found
