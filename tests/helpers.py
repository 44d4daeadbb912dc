"""Builders for test workbooks: a filled-in SoA as a careful client would return it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl

from toolkit import catalog
from toolkit.soa import DOC, SHEET, catalog_row, document_control, write_soa
from toolkit.writer import Book, Table

EXCLUDED = {"A.7.5": "Cloud-hosted: no premises of our own house information processing facilities."}


def filled_values(cid: str) -> dict[str, Any]:
    """The input columns of a correctly filled SoA row."""
    if cid in EXCLUDED:
        return {"Applicable": "No", "Justification": EXCLUDED[cid], "Implementation Status": "Not applicable"}
    return {
        "Applicable": "Yes",
        "Justification": "Required to treat R-001",
        "Implementation Status": "Implemented",
        "Policy / Procedure": "Information Security Policy v3",
        "Evidence Reference": f"EV-{cid}",
        "Control Owner": "CISO",
        "Related Risks": ["R-001"],
        "Last Reviewed": dt.date(2026, 10, 1),
    }


def filled_soa_book() -> Book:
    records = [{**catalog_row(cid), **filled_values(cid)} for cid in catalog.annex_a()]
    form = document_control("Example Ltd", "1.0")
    form.fields = {
        **form.fields,
        "Owner": "CISO",
        "Approved By": "CEO",
        "Approval Date": dt.date(2026, 11, 2),
        "Next Review": dt.date(2027, 11, 1),
    }
    return Book(tables={SHEET: Table(records)}, forms={DOC: form})


def write_filled_soa(path: Path) -> Path:
    write_soa(filled_soa_book(), path, "Example Ltd")
    return path


def fill_by_hand(path: Path) -> None:
    """Fill a blank `ctk soa new` workbook the way a client would, in a spreadsheet program."""
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        cid = row[0].value
        if not cid:
            continue
        for name, value in filled_values(cid).items():
            if isinstance(value, list):
                value = "; ".join(value)
            row[header.index(name)].value = value
    doc = wb[DOC]
    for row in doc.iter_rows(min_row=1, max_row=15):
        label = row[0].value
        if label == "Owner":
            row[1].value = "CISO"
        elif label == "Approved By":
            row[1].value = "Chief Executive Officer"
        elif label == "Approval Date":
            row[1].value = dt.datetime(2026, 11, 2)
        elif label == "Version":
            row[1].value = "1.0"
    wb.save(path)


def soa_row(ws: Any, cid: str) -> int:
    for row in ws.iter_rows(min_row=1):
        if row[0].value == cid:
            return int(row[0].row)
    raise KeyError(cid)
