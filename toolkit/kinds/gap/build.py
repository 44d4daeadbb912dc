"""The gap assessment workbook assembled: the rated sheets, the client's matrix, Summary and How to read."""

from __future__ import annotations

import os

from toolkit.kinds.gap.model import ANNEX, CLAUSES, annex_rows, clause_rows
from toolkit.kinds.gap.sheets import how_to_read, summary
from toolkit.kinds.soc2.model import MATRIX, Inventory, checked_inventory
from toolkit.workbook.guard import DEFAULT_LIMITS, Limits
from toolkit.workbook.writer import Book, Table


def build_gap(inv: Inventory) -> Book:
    annex = annex_rows(inv)
    clauses = clause_rows(inv)
    matrix = [
        {
            "Control ID": c.id,
            "Control Description": c.description,
            "TSC Criteria": list(c.criteria),
            "Control Owner": c.owner,
            "Evidence Reference": c.evidence,
            "Test Result": c.result,
        }
        for c in inv.controls
    ]
    book = Book(
        tables={ANNEX: Table(annex), CLAUSES: Table(clauses), MATRIX: Table(matrix)},
        custom={"How to read": how_to_read(inv)},
        notes=list(inv.notes),
    )
    refresh(book)
    return book


def refresh(book: Book) -> None:
    """The Summary's cached figures follow the ratings the workbook holds (the client's, after a merge)."""
    book.custom["Summary"] = summary(book.tables[ANNEX].records, book.tables[CLAUSES].records)


def from_matrix(matrix: str | os.PathLike[str], limits: Limits = DEFAULT_LIMITS) -> Book:
    """The gap assessment of the client's SOC 2 control matrix (.xlsx or .csv)."""
    return build_gap(checked_inventory(matrix, limits))
