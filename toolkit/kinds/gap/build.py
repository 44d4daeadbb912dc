"""The gap assessment workbook assembled: the rated sheets, Control Mapping, the client's matrix,
Summary and How to read."""

from __future__ import annotations

import os
from typing import Any

from toolkit.data import catalog
from toolkit.kinds.gap.model import (
    ANNEX,
    CLAUSES,
    MAPPING,
    annex_rows,
    assess,
    clause_rows,
    computed_annex,
    computed_clause,
    mapping_computed,
    mapping_rows,
)
from toolkit.kinds.gap.sheets import how_to_read, summary
from toolkit.kinds.soc2.model import MATRIX, NOT_TESTED, ClientControl, Inventory, checked_inventory
from toolkit.workbook.guard import DEFAULT_LIMITS, Limits
from toolkit.workbook.writer import Book, Table


def matrix_rows(inv: Inventory) -> list[dict[str, Any]]:
    return [
        {
            "Control ID": c.id,
            "Control Description": c.description,
            "TSC Criteria": list(c.criteria),
            "Control Owner": c.owner,
            "Evidence Reference": c.evidence,
            "Test Result": c.result,
            "Inherited": "Yes" if c.inherited else "No",
        }
        for c in inv.controls
    ]


def build_gap(inv: Inventory) -> Book:
    mapping = mapping_rows(inv)
    suggestions = assess(inv, mapping)
    book = Book(
        tables={
            ANNEX: Table(annex_rows(inv, suggestions)),
            CLAUSES: Table(clause_rows(inv, suggestions)),
            MAPPING: Table(mapping),
            MATRIX: Table(matrix_rows(inv)),
        },
        custom={"How to read": how_to_read(inv)},
        notes=list(inv.notes),
    )
    refresh(book)
    return book


def inventory_of(book: Book) -> Inventory:
    """The client's controls as the workbook's own copy of the matrix holds them."""
    inv = Inventory()
    for rec in book.tables[MATRIX].records if MATRIX in book.tables else []:
        cid = rec.get("Control ID")
        if cid is None:
            continue
        inv.controls.append(
            ClientControl(
                id=str(cid),
                description=str(rec.get("Control Description") or ""),
                criteria=tuple(c for c in rec.get("TSC Criteria") or [] if c in catalog.criteria()),
                owner=str(rec.get("Control Owner") or ""),
                evidence=str(rec.get("Evidence Reference") or ""),
                result=str(rec.get("Test Result") or NOT_TESTED),
                inherited=rec.get("Inherited") == "Yes",
            )
        )
    return inv


def refresh(book: Book) -> None:
    """The computed columns follow the workbook as it stands: the ratings follow Control Mapping
    (the consultant's Use), and the Summary's figures follow the ratings (the client's, after a merge)."""
    inv = inventory_of(book)
    if MAPPING in book.tables:
        by_id = {c.id: c for c in inv.controls}
        table = book.tables[MAPPING]
        records = [{**r, **mapping_computed(r, by_id)} for r in table.records]
        book.tables[MAPPING] = Table(records, table.extra_columns)
        suggestions = assess(inv, records)
        for sheet, key, computed in ((ANNEX, "Control ID", computed_annex), (CLAUSES, "Clause", computed_clause)):
            t = book.tables[sheet]
            rows = []
            for r in t.records:
                k = r.get(key)
                rows.append({**r, **computed(k, suggestions[k])} if k in suggestions else dict(r))
            book.tables[sheet] = Table(rows, t.extra_columns)
    book.custom["Summary"] = summary(book.tables[ANNEX].records, book.tables[CLAUSES].records)


def from_matrix(matrix: str | os.PathLike[str], limits: Limits = DEFAULT_LIMITS) -> Book:
    """The gap assessment of the client's SOC 2 control matrix (.xlsx or .csv)."""
    return build_gap(checked_inventory(matrix, limits))
